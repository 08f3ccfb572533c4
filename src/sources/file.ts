import { close, fstat, open, read, stat, type Stats } from 'node:fs';
import { Readable } from 'node:stream';
import { fileEntityTag } from '../http/validators.js';
import type { ByteRange, Source } from '../types.js';

/** A {@link Source} backed by an open file handle; `close()` releases the descriptor. */
export interface FileSource extends Source {
  readonly name: string;
  readonly stats: Stats;
  readonly etag: string;
  readonly lastModified: Date;
  /** A stream of `range` (inclusive), read from the open descriptor; it fails rather than splice a rewritten file. */
  open(range: ByteRange): Readable;
  close(): Promise<void>;
}

/**
 * How `sendRange` streams a file without a `Readable`: positioned reads into its own reused buffer.
 * Internal to the library (the symbol is not exported from the package).
 */
export const directFile = Symbol('partial-content.directFile');

export interface DirectFile {
  readonly [directFile]: true;
  /**
   * The bytes of `range` in order, by positioned reads into the buffers `bufferFor(remaining)` hands
   * out (a caller that is done with each chunk before asking for the next may hand out one buffer
   * again and again). Before the last chunk is yielded, a fresh fstat checks that the file was not
   * rewritten meanwhile: a splice of old and new bytes under one ETag must end as a cut response,
   * never a complete-looking one (`ECHANGED`). A file that ends early throws rather than being
   * padded. (A rename or delete is harmless: the descriptor keeps reading the original inode.)
   */
  chunks(range: ByteRange, bufferFor: (remaining: number) => Buffer): AsyncGenerator<Buffer, void, undefined>;
  /**
   * Reads all of `range` into the start of `buffer` (which must be large enough) and resolves the
   * filled part; rejects (`ESHRANK`) rather than pad when the file is shorter now.
   */
  readInto(range: ByteRange, buffer: Buffer): Promise<Buffer>;
}

/** Chunk size of the streams `open()` returns to callers outside sendRange. */
const STREAM_CHUNK = 64 * 1024;

/**
 * Opens a file once and describes it from the same handle (`fstat`), so size, validators and bytes
 * all come from one inode even if the path is replaced meanwhile. Rejects with `EISDIR` for a
 * directory and with Node's own errors (`ENOENT` …) otherwise. The caller must `close()` it;
 * `sendRange` does so when the response is over.
 *
 * The entity tag is strong and derived from size and mtime (microseconds): the same on every machine
 * serving the same file (see `etag: 'content'` where mtimes differ between machines).
 *
 * @example
 * const source = await fileSource('/srv/media/song.mp3');
 * await sendRange(req, res, source);
 */
export async function fileSource(path: string): Promise<FileSource> {
  const handle = await openFd(path);
  let stats: Stats;
  try {
    stats = await fstatFd(handle);
  } catch (error) {
    await closeFd(handle);
    throw error;
  }
  if (!stats.isFile()) {
    await closeFd(handle);
    throw notAFile(path, stats);
  }
  return new HandleSource(path, handle, stats);
}

/**
 * A file described from `stat(2)` alone, not opened: enough to decide a revalidation (304) without
 * the open, fstat and close a body needs. Its `open` must never be reached; `sendRange` opens the
 * file with {@link fileSource} when the answer carries bytes (and re-decides if it changed).
 */
export async function describeFile(path: string): Promise<Source & { readonly stats: Stats; readonly etag: string }> {
  const stats = await new Promise<Stats>((resolve, reject) => stat(path, (error, found) => (error === null ? resolve(found) : reject(error))));
  if (!stats.isFile()) throw notAFile(path, stats);
  return {
    name: path,
    size: stats.size,
    stats,
    etag: fileEntityTag(stats.size, stats.mtimeMs),
    lastModified: stats.mtime,
    open: () => {
      throw new Error(`describeFile: ${path} was described, not opened`);
    },
  };
}

/** Only regular files are served: a directory is `EISDIR`, anything else (a FIFO, a device) as missing. */
function notAFile(path: string, stats: Stats): Error {
  const directory = stats.isDirectory();
  return Object.assign(new Error(`${directory ? 'Is a directory' : 'Not a regular file'}: ${path}`), { code: directory ? 'EISDIR' : 'ENOENT' });
}

// A raw descriptor with callback calls costs a third less than a FileHandle and its promises (one
// core, 50 connections: bench/RESULTS.md). FileHandle's safety net is kept: a source dropped
// without close() has its descriptor closed by the garbage collector, with the same warning.
const unclosed = new FinalizationRegistry<number>((fd) => {
  process.emitWarning(`Closing file descriptor ${fd} on garbage collection`);
  close(fd, () => undefined);
});

class HandleSource implements FileSource, DirectFile {
  readonly [directFile] = true as const;
  readonly size: number;
  readonly etag: string;
  readonly lastModified: Date;
  private closed = false;

  constructor(
    readonly name: string,
    private readonly handle: number,
    readonly stats: Stats,
  ) {
    this.size = stats.size;
    this.etag = fileEntityTag(stats.size, stats.mtimeMs);
    this.lastModified = stats.mtime;
    unclosed.register(this, handle, this);
  }

  open(range: ByteRange): Readable {
    // Fresh buffers: a stream's consumer may keep its chunks. highWaterMark 0: nothing is read
    // ahead, so a stalled client holds the chunk queued on its socket and no more.
    const chunks = this.chunks(range, (remaining) => Buffer.allocUnsafe(Math.min(STREAM_CHUNK, remaining)));
    return Readable.from(chunks, { objectMode: false, highWaterMark: 0 });
  }

  async *chunks({ start, end }: ByteRange, bufferFor: (remaining: number) => Buffer): AsyncGenerator<Buffer, void, undefined> {
    const length = end - start + 1;
    let sent = 0;
    while (sent < length) {
      const buffer = bufferFor(length - sent);
      const bytesRead = await readFd(this.handle, buffer, 0, Math.min(buffer.length, length - sent), start + sent);
      if (bytesRead === 0) {
        await this.assertUnchanged(); // truncated since fstat: its size changed, so this throws ECHANGED
        throw Object.assign(new Error(`File ended after ${sent} of ${length} bytes: ${this.name}`), { code: 'ESHRANK' });
      }
      sent += bytesRead;
      if (sent === length) await this.assertUnchanged();
      yield bytesRead === buffer.length ? buffer : buffer.subarray(0, bytesRead);
    }
  }

  private async assertUnchanged(): Promise<void> {
    const now = await fstatFd(this.handle);
    if (now.size !== this.stats.size || now.mtimeMs !== this.stats.mtimeMs) {
      throw Object.assign(new Error(`File changed while streaming: ${this.name}`), { code: 'ECHANGED' });
    }
  }

  read(range: ByteRange): Promise<Uint8Array> {
    return this.readInto(range, Buffer.allocUnsafe(range.end - range.start + 1));
  }

  async readInto({ start, end }: ByteRange, buffer: Buffer): Promise<Buffer> {
    const length = end - start + 1;
    if (length > buffer.length) throw new RangeError(`readInto: ${length} bytes do not fit in ${buffer.length}`);
    let filled = 0;
    while (filled < length) {
      const bytesRead = await readFd(this.handle, buffer, filled, length - filled, start + filled);
      // A file truncated since fstat: never pad the answer with stale buffer contents.
      if (bytesRead === 0) throw Object.assign(new Error(`File shrank while reading: ${this.name}`), { code: 'ESHRANK' });
      filled += bytesRead;
    }
    return length === buffer.length ? buffer : buffer.subarray(0, length);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    unclosed.unregister(this);
    await closeFd(this.handle);
  }
}

function openFd(path: string): Promise<number> {
  return new Promise((resolve, reject) => open(path, 'r', (error, fd) => (error === null ? resolve(fd) : reject(error))));
}

function fstatFd(fd: number): Promise<Stats> {
  return new Promise((resolve, reject) => fstat(fd, (error, stats) => (error === null ? resolve(stats) : reject(error))));
}

function readFd(fd: number, buffer: Uint8Array, offset: number, length: number, position: number): Promise<number> {
  return new Promise((resolve, reject) =>
    read(fd, buffer, offset, length, position, (error, bytesRead) => (error === null ? resolve(bytesRead) : reject(error))),
  );
}

function closeFd(fd: number): Promise<void> {
  return new Promise((resolve, reject) => close(fd, (error) => (error === null || error === undefined ? resolve() : reject(error))));
}
