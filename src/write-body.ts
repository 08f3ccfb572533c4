import type { Readable } from 'node:stream';
import type { DecisionBody } from './http/decide.js';
import type { Outlet } from './outlet.js';
import type { ByteRange, Source } from './types.js';

/** Ranges up to this size are taken from a source's `read` when it has one. */
const READ_AT_ONCE = 64 * 1024;

/** A range opened for the body loop, its first chunk already pulled. */
export interface OpenedRange {
  readonly chunks: AsyncIterator<unknown>;
  readonly first: IteratorResult<unknown>;
}

/**
 * Opens `range` of `source` through the one contract every source meets — `read` for a small range
 * when the source has it, else `open`, which may give a `Readable` or any async iterable — and pulls
 * the first chunk, so that a source failing to start (a file gone since it was described, an upstream
 * error) still fails before the head goes out. The outlet is the consumer: it is done with each chunk
 * before it pulls the next, so a source may reuse buffers.
 */
export async function openRange(source: Source, range: ByteRange, outlet: Outlet): Promise<OpenedRange> {
  const length = range.end - range.start + 1;
  let chunks: AsyncIterator<unknown>;
  if (source.read !== undefined && length <= READ_AT_ONCE) {
    const bytes = bytesOf(await source.read(range));
    checkLength(bytes.byteLength, length); // read's promise: the whole range at once
    chunks = oneChunk(bytes);
  } else {
    const opened = await source.open(range, outlet);
    if (typeof (opened as Partial<AsyncIterable<unknown>> | null)?.[Symbol.asyncIterator] !== 'function') {
      throw new TypeError('source.open() must return a Readable or an async iterable of Uint8Array chunks');
    }
    const stream = opened as Partial<Readable>;
    // A Readable that waits for data never hears of the client leaving: destroy it then.
    if (typeof stream.destroy === 'function') outlet.onGone = () => stream.destroy?.();
    chunks = opened[Symbol.asyncIterator]();
  }
  try {
    return { chunks, first: await chunks.next() };
  } catch (error) {
    await chunks.return?.();
    throw error;
  }
}

async function* oneChunk(bytes: Uint8Array): AsyncGenerator<Uint8Array, void, undefined> {
  yield bytes;
}

/**
 * Sends a decided body: a single range, or the parts of a multipart body with their framing — the
 * same loop. `first` is the first range, opened before the head went out. Exactly the announced bytes
 * or an error: a source that ends early is never padded, and bytes beyond a range never reach the
 * socket (a keep-alive client would read them as the next response). Stops within a chunk once the
 * client is gone; the caller ends the response.
 */
export async function writeBody(source: Source, body: DecisionBody, first: OpenedRange | undefined, outlet: Outlet): Promise<void> {
  if (body.kind === 'none') return;
  if (body.kind === 'range') {
    await writeRange(first ?? (await openRange(source, body.range, outlet)), body.range, outlet);
    return;
  }
  let next = first;
  for (const segment of body.multipart.segments) {
    if (outlet.gone) break;
    if (segment.kind === 'bytes') {
      await outlet.write(segment.data);
    } else {
      const opened = next ?? (await openRange(source, segment.range, outlet));
      next = undefined;
      await writeRange(opened, segment.range, outlet);
    }
  }
  await next?.chunks.return?.(); // the client left before the first part was written
}

/** Writes exactly the bytes of `range`: the opened range's first chunk, then the rest. */
async function writeRange({ chunks, first }: OpenedRange, range: ByteRange, outlet: Outlet): Promise<void> {
  const expected = range.end - range.start + 1;
  let received = 0;
  let complete = false;
  try {
    for (let result = first; result.done !== true; result = await chunks.next()) {
      if (outlet.gone) return;
      const chunk = bytesOf(result.value);
      received += chunk.byteLength;
      if (received > expected) checkLength(received, expected);
      await outlet.write(chunk);
    }
    complete = true;
  } catch (error) {
    if (outlet.gone) return; // the client went away; what failed after that does not matter
    throw error;
  } finally {
    outlet.onGone = undefined;
    if (!complete) await chunks.return?.();
  }
  if (!outlet.gone) checkLength(received, expected);
}

/**
 * The exact-length rule: a source that ends early (a file truncated while streaming) is never padded,
 * and bytes beyond a range are never sent; either cuts the response.
 */
function checkLength(received: number, expected: number): void {
  if (received > expected) throw new Error(`Source sent more than the ${expected} bytes asked for`);
  if (received < expected) throw new Error(`Source ended after ${received} of ${expected} bytes`);
}

function bytesOf(chunk: unknown): Uint8Array {
  if (chunk instanceof Uint8Array) return chunk;
  if (typeof chunk === 'string') return Buffer.from(chunk);
  throw new TypeError(`Source sent ${typeof chunk} chunks, not bytes`);
}
