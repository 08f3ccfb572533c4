import type { Readable } from 'node:stream';
import type { DecisionBody } from './http/decide.js';
import type { Segment } from './http/multipart.js';
import type { Outlet } from './outlet.js';
import type { ByteRange, Source } from './types.js';

/** Ranges up to this size are taken from a source's `read` when it has one. */
const READ_AT_ONCE = 64 * 1024;

/** The bytes of one range as the body loop pulls them. */
export type Chunks = AsyncIterator<unknown>;

/**
 * Opens `range` of `source` through the one contract every source meets: `read` for a small range
 * when the source has it, else `open`, which may give a `Readable` or any async iterable. The outlet
 * is the consumer: it is done with each chunk before it pulls the next, so a source may reuse buffers.
 */
export async function openRange(source: Source, range: ByteRange, outlet: Outlet): Promise<Chunks> {
  const length = range.end - range.start + 1;
  if (source.read !== undefined && length <= READ_AT_ONCE) return oneChunk(await source.read(range));
  const opened = await source.open(range, outlet);
  if (typeof (opened as Partial<AsyncIterable<unknown>> | null)?.[Symbol.asyncIterator] !== 'function') {
    throw new TypeError('source.open() must return a Readable or an async iterable of Uint8Array chunks');
  }
  const stream = opened as Partial<Readable>;
  // A Readable that waits for data never hears of the client leaving: destroy it then.
  if (typeof stream.destroy === 'function') outlet.onGone = () => stream.destroy?.();
  return opened[Symbol.asyncIterator]();
}

async function* oneChunk(bytes: Uint8Array): AsyncGenerator<Uint8Array, void, undefined> {
  yield bytes;
}

/**
 * Sends a decided body: a single range, or the parts of a multipart body with their framing — the
 * same loop. `first` is the first range, opened before the head went out (so its failure was still a
 * status). Exactly the announced bytes or an error: a source that ends early is never padded, and bytes
 * beyond a range never reach the socket (a keep-alive client would read them as the next response).
 * Stops within a chunk once the client is gone.
 */
export async function writeBody(source: Source, body: DecisionBody, first: Chunks | undefined, outlet: Outlet): Promise<void> {
  if (body.kind === 'none') return;
  if (body.kind === 'range') {
    await writeRange(first ?? (await openRange(source, body.range, outlet)), body.range, outlet, true);
    return;
  }
  const segments = body.multipart.segments;
  let next = first;
  for (let index = 0; index < segments.length; index++) {
    const segment = segments[index] as Segment;
    const last = index === segments.length - 1;
    if (outlet.gone) break;
    if (segment.kind === 'bytes') {
      await outlet.write(segment.data, last);
    } else {
      const chunks = next ?? (await openRange(source, segment.range, outlet));
      next = undefined;
      await writeRange(chunks, segment.range, outlet, last);
    }
  }
  await next?.return?.(); // the client left before the first part was read
}

/** Writes exactly the bytes of `range` from `chunks`, the final one ending the response when `endsBody`. */
async function writeRange(chunks: Chunks, range: ByteRange, outlet: Outlet, endsBody: boolean): Promise<void> {
  const expected = range.end - range.start + 1;
  let received = 0;
  let complete = false;
  try {
    for (;;) {
      const result = await chunks.next();
      if (result.done === true) break;
      if (outlet.gone) return;
      const chunk = bytesOf(result.value);
      received += chunk.byteLength;
      if (received > expected) throw new Error(`Source sent more than the ${expected} bytes asked for`);
      await outlet.write(chunk, endsBody && received === expected);
    }
    complete = true;
  } catch (error) {
    if (outlet.gone) return; // the client went away; what failed after that does not matter
    throw error;
  } finally {
    outlet.onGone = undefined;
    if (!complete) await chunks.return?.();
  }
  // A file truncated while streaming ends early; padding or hanging would both lie to the client.
  if (received !== expected && !outlet.gone) throw new Error(`Source ended after ${received} of ${expected} bytes`);
}

function bytesOf(chunk: unknown): Uint8Array {
  if (chunk instanceof Uint8Array) return chunk;
  if (typeof chunk === 'string') return Buffer.from(chunk);
  throw new TypeError(`Source sent ${typeof chunk} chunks, not bytes`);
}
