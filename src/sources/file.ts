import type { Stats } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
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
  const handle = await open(path, 'r');
  let stats: Stats;
  try {
    stats = await handle.stat();
  } catch (error) {
    await handle.close();
    throw error;
  }
  if (!stats.isFile()) {
    await handle.close();
    throw Object.assign(new Error(`${stats.isDirectory() ? 'Is a directory' : 'Not a regular file'}: ${path}`), {
      code: stats.isDirectory() ? 'EISDIR' : 'ENOENT',
    });
  }
  return new HandleSource(path, handle, stats);
}

class HandleSource implements FileSource {
  readonly size: number;
  readonly etag: string;
  readonly lastModified: Date;
  private closed = false;

  constructor(
    readonly name: string,
    private readonly handle: FileHandle,
    readonly stats: Stats,
  ) {
    this.size = stats.size;
    this.etag = fileEntityTag(stats.size, stats.mtimeMs, stats.ino);
    this.lastModified = stats.mtime;
  }

  open({ start, end }: ByteRange): Readable {
    const length = end - start + 1;
    const highWaterMark = Math.max(MIN_HIGH_WATER_MARK, Math.min(MAX_HIGH_WATER_MARK, length));
    // The handle outlives each stream: multipart bodies open several ranges of it.
    const chunks = this.handle.createReadStream({ start, end, autoClose: false, highWaterMark });
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
      if (remaining <= 0) await this.unchanged();
      yield chunk;
    }
    if (remaining > 0) await this.unchanged();
  }

  private async unchanged(): Promise<void> {
    const now = await this.handle.stat();
    if (now.size !== this.stats.size || now.mtimeMs !== this.stats.mtimeMs) {
      throw Object.assign(new Error(`File changed while streaming: ${this.name}`), { code: 'ECHANGED' });
    }
  }

  async read({ start, end }: ByteRange): Promise<Uint8Array> {
    const length = end - start + 1;
    const buffer = Buffer.allocUnsafe(length);
    let filled = 0;
    while (filled < length) {
      const { bytesRead } = await this.handle.read(buffer, filled, length - filled, start + filled);
      // A file truncated since fstat: never pad the answer with stale buffer contents.
      if (bytesRead === 0) throw Object.assign(new Error(`File shrank while reading: ${this.name}`), { code: 'ESHRANK' });
      filled += bytesRead;
    }
    return buffer;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.handle.close();
  }
}
