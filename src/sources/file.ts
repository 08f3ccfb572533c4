import { close, fstat, open, read, stat, type Stats } from 'node:fs';
import { toHttpError } from '../errors.js';
import { fileEntityTag, fileMtimeMillis } from '../http/validators.js';
import type { ByteRange, OpenOptions, Source } from '../types.js';
import { FileChunks, type ReadableFile } from './file-chunks.js';

/** A {@link Source} backed by a file; `close()` releases its descriptor. */
export interface FileSource extends Source {
  readonly name: string;
  readonly stats: Stats;
  readonly etag: string;
  readonly lastModified: Date;
  /**
   * The bytes of `range` (inclusive) in chunks of at most 64 KiB, by positioned reads of the open
   * descriptor. It fails (`ECHANGED`) rather than splice a file rewritten meanwhile, and (`ESHRANK`)
   * rather than pad one that got shorter. With `reuseBuffers`, one buffer is filled again and again.
   */
  open(range: ByteRange, options?: OpenOptions): AsyncIterableIterator<Buffer>;
  close(): Promise<void>;
}

/**
 * Opens a file once and describes it from the same descriptor (`fstat`), so size, validators and
 * bytes all come from one inode even if the path is replaced meanwhile. Rejects with an
 * {@link HttpError} that keeps the system's `code`: 404 for a missing file or a directory, 403 when
 * access is denied, 503 when descriptors run out — `next(err)` then answers the right status. The
 * caller must `close()` it; `sendRange` does so when the response is over.
 *
 * The entity tag is strong and derived from size and mtime (milliseconds): the same on every machine
 * serving the same file (see `etag: 'content'` where mtimes differ between machines).
 *
 * @example
 * const source = await fileSource('/srv/media/song.mp3');
 * await sendRange(req, res, source);
 */
export async function fileSource(path: string): Promise<FileSource> {
  const file = new File(path, undefined);
  await file.ready();
  return file;
}

/**
 * A file described by `stat(2)` alone and opened on its first read, for answers that may need no
 * bytes (a revalidation's 304). If the file opened is not the one described (replaced or rewritten in
 * between), its description becomes the opened file's before a byte is read: a caller that compares
 * `etag` after opening its first range decides again.
 */
export async function describedFile(path: string): Promise<FileSource> {
  let stats: Stats;
  try {
    stats = await new Promise<Stats>((resolve, reject) => stat(path, (error, found) => (error === null ? resolve(found) : reject(error))));
  } catch (error) {
    throw toHttpError(error);
  }
  return fileDescribedBy(path, stats);
}

/** {@link describedFile} from a `stat` of `path` the caller has just made. */
export function fileDescribedBy(path: string, stats: Stats): FileSource {
  if (!stats.isFile()) throw toHttpError(notAFile(path, stats));
  return new File(path, stats);
}

/** Only regular files are served: a directory is `EISDIR`, anything else (a FIFO, a device) as missing. */
function notAFile(path: string, stats: Stats): Error {
  const directory = stats.isDirectory();
  return Object.assign(new Error(`${directory ? 'Is a directory' : 'Not a regular file'}: ${path}`), { code: directory ? 'EISDIR' : 'ENOENT' });
}

// A source dropped without close() has its descriptor closed by the garbage collector, with the
// warning FileHandle gives; sendRange always closes, so the warning means a bug.
const unclosed = new FinalizationRegistry<number>((fd) => {
  process.emitWarning(`Closing file descriptor ${fd} on garbage collection`);
  close(fd, () => undefined);
});

const NOT_OPEN = -1;
const CLOSED = Promise.resolve();

/** A file: described (from stat or fstat), opened once, read by position, closed once. */
class File implements FileSource, ReadableFile {
  size = 0;
  etag = '';
  lastModified = new Date(0);
  stats!: Stats;
  fd = NOT_OPEN;
  private opening: Promise<void> | undefined;
  private closed = false;

  constructor(
    readonly name: string,
    described: Stats | undefined,
  ) {
    if (described !== undefined) this.describe(described);
  }

  /** Opens the file if it is not open yet. */
  ready(): Promise<void> {
    if (this.closed && this.opening === undefined) return Promise.reject(new Error(`File closed before it was opened: ${this.name}`));
    this.opening ??= this.openNow();
    return this.opening;
  }

  open(range: ByteRange, options?: OpenOptions): AsyncIterableIterator<Buffer> {
    return new FileChunks(this, range, options?.reuseBuffers === true);
  }

  /** Throws `ECHANGED` when the open file's size or mtime differ from its description. */
  async assertUnchanged(): Promise<void> {
    const now = await fstatFd(this.fd);
    if (now.size !== this.stats.size || now.mtimeMs !== this.stats.mtimeMs) {
      throw Object.assign(new Error(`File changed while streaming: ${this.name}`), { code: 'ECHANGED' });
    }
  }

  readAt(buffer: Buffer, length: number, position: number): Promise<number> {
    return new Promise((resolve, reject) =>
      read(this.fd, buffer, 0, length, position, (error, bytesRead) => (error === null ? resolve(bytesRead) : reject(error))),
    );
  }

  close(): Promise<void> {
    if (this.closed || this.opening === undefined) {
      this.closed = true;
      return CLOSED; // never opened (a 304 decided from stat): nothing to release
    }
    this.closed = true;
    return this.opening.then(this.release, this.release);
  }

  private readonly release = (): Promise<void> => {
    if (this.fd === NOT_OPEN) return CLOSED;
    unclosed.unregister(this);
    const fd = this.fd;
    this.fd = NOT_OPEN;
    return new Promise<void>((resolve, reject) => close(fd, (error) => (error === null || error === undefined ? resolve() : reject(error))));
  };

  private async openNow(): Promise<void> {
    let stats: Stats;
    try {
      this.fd = await new Promise<number>((resolve, reject) => open(this.name, 'r', (error, fd) => (error === null ? resolve(fd) : reject(error))));
      unclosed.register(this, this.fd, this);
      stats = await fstatFd(this.fd);
      if (!stats.isFile()) throw notAFile(this.name, stats);
    } catch (error) {
      await this.release();
      throw toHttpError(error);
    }
    if (this.closed) throw new Error(`File closed while opening: ${this.name}`); // close() releases it
    const described = this.stats as Stats | undefined;
    // Described from stat and replaced or rewritten since: the open file is the one answered.
    if (described === undefined || described.ino !== stats.ino || described.size !== stats.size || described.mtimeMs !== stats.mtimeMs) {
      this.describe(stats);
    }
  }

  private describe(stats: Stats): void {
    this.stats = stats;
    this.size = stats.size;
    this.etag = fileEntityTag(stats.size, stats.mtimeMs);
    this.lastModified = new Date(fileMtimeMillis(stats.mtimeMs)); // not stats.mtime: Node rounds it
  }
}

function fstatFd(fd: number): Promise<Stats> {
  return new Promise((resolve, reject) => fstat(fd, (error, stats) => (error === null ? resolve(stats) : reject(error))));
}
