import type { ByteRange } from '../types.js';

/** What {@link FileChunks} needs of an open file. */
export interface ReadableFile {
  readonly name: string;
  /** Opens the file if it is not open yet. */
  ready(): Promise<void>;
  /** A positioned read into the start of `buffer`; resolves the bytes read (0 at the end of the file). */
  readAt(buffer: Buffer, length: number, position: number): Promise<number>;
  /** Throws `ECHANGED` when the file's size or mtime changed since it was described. */
  assertUnchanged(): Promise<void>;
}

/** Chunk size of file reads. */
export const FILE_CHUNK = 64 * 1024;
/**
 * Past this many reused buffers out at once, new ones are 32 KiB and not kept: 500 stalled readers
 * then hold 20 MiB of buffers, not 32 (bench/RESULTS.md).
 */
const FULL_CHUNK_BODIES = 128;
const BUSY_CHUNK = 32 * 1024;
/** Node carves allocations up to half its pool size out of a shared slab already: no gain in keeping those. */
const POOLED_BY_NODE = Buffer.poolSize >>> 1;
/** Spare 64 KiB buffers, given back by bodies that ended normally (never by one that was cut). */
const spares: Buffer[] = [];
const MAX_SPARES = 32;
let buffersOut = 0;

const DONE: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined });

/**
 * The bytes of one range of a file, read by position in order, at most {@link FILE_CHUNK} at a time.
 *
 * With `reuse`, the consumer has promised to be done with a chunk before it asks for the next, so one
 * buffer is filled again and again; it goes back to a shared spare list when the range was read to
 * its end and the consumer asked once more (so it is done with the last chunk too). A range ended
 * early (`return()`) leaves its buffer to the garbage collector: a cut write may still hold it.
 *
 * A file that ends early throws `ESHRANK` rather than be padded. Before the last chunk of a range
 * that took several reads, an `fstat` checks that the file was not rewritten meanwhile: a splice of
 * old and new bytes under one ETag must end as a cut response (`ECHANGED`), never a complete-looking one.
 */
export class FileChunks implements AsyncIterableIterator<Buffer> {
  private sent = 0;
  private reads = 0;
  private buffer: Buffer | undefined;
  private spare = false;
  private readonly length: number;

  constructor(
    private readonly file: ReadableFile,
    private readonly range: ByteRange,
    private readonly reuse: boolean,
  ) {
    this.length = range.end - range.start + 1;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  async next(): Promise<IteratorResult<Buffer, undefined>> {
    const remaining = this.length - this.sent;
    if (remaining === 0) {
      this.giveBack();
      return DONE;
    }
    await this.file.ready();
    const buffer = this.bufferFor(remaining);
    const bytesRead = await this.file.readAt(buffer, Math.min(buffer.length, remaining), this.range.start + this.sent);
    if (bytesRead === 0) {
      await this.file.assertUnchanged(); // truncated since described: its size changed, so this throws ECHANGED
      throw Object.assign(new Error(`File ended after ${this.sent} of ${this.length} bytes: ${this.file.name}`), { code: 'ESHRANK' });
    }
    this.sent += bytesRead;
    this.reads++;
    if (this.sent === this.length && this.reads > 1) await this.file.assertUnchanged();
    return { done: false, value: bytesRead === buffer.length ? buffer : buffer.subarray(0, bytesRead) };
  }

  async return(): Promise<IteratorResult<Buffer, undefined>> {
    if (this.spare) buffersOut--;
    this.spare = false;
    this.buffer = undefined;
    this.sent = this.length;
    return DONE;
  }

  private bufferFor(remaining: number): Buffer {
    if (!this.reuse) return Buffer.allocUnsafe(Math.min(FILE_CHUNK, remaining));
    if (this.buffer !== undefined) return this.buffer;
    if (remaining <= POOLED_BY_NODE) {
      this.buffer = Buffer.allocUnsafe(remaining);
    } else if (buffersOut < FULL_CHUNK_BODIES) {
      this.buffer = spares.pop() ?? Buffer.allocUnsafe(FILE_CHUNK);
      this.spare = true;
      buffersOut++;
    } else {
      this.buffer = Buffer.allocUnsafe(Math.min(BUSY_CHUNK, remaining));
    }
    return this.buffer;
  }

  private giveBack(): void {
    if (this.spare) {
      buffersOut--;
      if (spares.length < MAX_SPARES && this.buffer !== undefined) spares.push(this.buffer);
    }
    this.spare = false;
    this.buffer = undefined;
  }
}
