import { close, createReadStream, fstat, open, read, type Stats } from 'node:fs';
import { Readable } from 'node:stream';
import { fileEntityTag } from '../http/validators.js';
import type { ByteRange, Source } from '../types.js';

/** A {@link Source} backed by an open file handle; `close()` releases the descriptor. */
export interface FileSource extends Source {
  readonly name: string;
  readonly stats: Stats;
  readonly etag: string;
  readonly lastModified: Date;
  close(): Promise<void>;
}

/**
 * How `sendRange` streams a file without a `Readable`: positioned reads into its own reused buffer.
 * Internal to the library (the symbol is not exported from the package).
 */
export const directFile = Symbol('partial-content.directFile');

export interface DirectFile {
  readonly [directFile]: true;
  /** Reads up to `length` bytes at `position` into the start of `buffer`; resolves how many were read. */
  readAt(buffer: Uint8Array, length: number, position: number): Promise<number>;
  /** Rejects with code `ECHANGED` when the file's size or mtime differs from what the source describes. */
  assertUnchanged(): Promise<void>;
}

/** Largest buffer a stream reads at once; bigger reads only add latency to the first byte. */
const MAX_HIGH_WATER_MARK = 256 * 1024;
const MIN_HIGH_WATER_MARK = 16 * 1024;

/**
 * Opens a file once and describes it from the same handle (`fstat`), so size, validators and bytes
 * all come from one inode even if the path is replaced meanwhile. Rejects with `EISDIR` for a
 * directory and with Node's own errors (`ENOENT` …) otherwise. The caller must `close()` it;
 * `sendRange` does so when the response is over.
 *
 * The entity tag is strong and derived from size, mtime (microseconds) and inode.
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
    throw Object.assign(new Error(`${stats.isDirectory() ? 'Is a directory' : 'Not a regular file'}: ${path}`), {
      code: stats.isDirectory() ? 'EISDIR' : 'ENOENT',
    });
  }
  return new HandleSource(path, handle, stats);
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
    this.etag = fileEntityTag(stats.size, stats.mtimeMs, stats.ino);
    this.lastModified = stats.mtime;
    unclosed.register(this, handle, this);
  }

  open({ start, end }: ByteRange): Readable {
    const length = end - start + 1;
    const highWaterMark = Math.max(MIN_HIGH_WATER_MARK, Math.min(MAX_HIGH_WATER_MARK, length));
    // The handle outlives each stream: multipart bodies open several ranges of it.
    const chunks = createReadStream(this.name, { fd: this.handle, fs: KEEP_OPEN, start, end, autoClose: false, highWaterMark });
    // highWaterMark 0: the wrapper pulls on demand and buffers nothing of its own, so a stalled client
    // holds one chunk queued on its socket and the one the file stream read ahead, not four.
    return Readable.from(this.unchangedOrFail(chunks, length), { objectMode: false, highWaterMark: 0 });
  }

  /**
   * Passes the chunks on, and before the last one (known from the range's length, so nothing is held
   * back) checks with a fresh fstat that the file is unchanged. A file rewritten in place while it
   * streams would otherwise mix old and new bytes under the old ETag; failing before the last chunk
   * turns that into a visibly cut response, never a complete-looking splice. (A rename or delete is
   * harmless: the handle keeps reading the original inode.)
   */
  private async *unchangedOrFail(chunks: Readable, length: number): AsyncGenerator<Buffer> {
    let remaining = length;
    for await (const chunk of chunks as AsyncIterable<Buffer>) {
      remaining -= chunk.length;
      if (remaining <= 0) await this.assertUnchanged();
      yield chunk;
    }
    if (remaining > 0) await this.assertUnchanged();
  }

  async assertUnchanged(): Promise<void> {
    const now = await fstatFd(this.handle);
    if (now.size !== this.stats.size || now.mtimeMs !== this.stats.mtimeMs) {
      throw Object.assign(new Error(`File changed while streaming: ${this.name}`), { code: 'ECHANGED' });
    }
  }

  async read({ start, end }: ByteRange): Promise<Uint8Array> {
    const length = end - start + 1;
    const buffer = Buffer.allocUnsafe(length);
    let filled = 0;
    while (filled < length) {
      const bytesRead = await readFd(this.handle, buffer, filled, length - filled, start + filled);
      // A file truncated since fstat: never pad the answer with stale buffer contents.
      if (bytesRead === 0) throw Object.assign(new Error(`File shrank while reading: ${this.name}`), { code: 'ESHRANK' });
      filled += bytesRead;
    }
    return buffer;
  }

  readAt(buffer: Uint8Array, length: number, position: number): Promise<number> {
    return readFd(this.handle, buffer, 0, length, position);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    unclosed.unregister(this);
    await closeFd(this.handle);
  }
}

/**
 * A file stream's own fs calls, except that destroying the stream (a client gone) must not close the
 * descriptor: with `fd` given, Node closes it on destroy even with `autoClose: false`, and the number
 * may belong to a socket by the time the source closes it again.
 */
const KEEP_OPEN = { open, read, close: (_fd: number, callback: (error: null) => void): void => callback(null) };

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
