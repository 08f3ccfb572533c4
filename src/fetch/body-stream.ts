import type { Segment } from '../http/multipart.js';
import type { ByteRange, Source } from '../types.js';

/** How a body ended, for `onResponse`. */
export interface BodyOutcome {
  readonly written: number;
  readonly aborted: boolean;
  readonly error: Error | undefined;
}

/**
 * The whole body in one buffer, for bodies small enough to hold (one range or multipart up to
 * 64 KiB): a known-length body is the only one every runtime sends with its exact `Content-Length`
 * (Bun drops it from a `ReadableStream` body and sends it chunked). Throws when `read` gives a range
 * fewer or more bytes than planned, so a shrunken file is a clean error status, never a short body.
 */
export async function readBody(
  read: (range: ByteRange) => Uint8Array | Promise<Uint8Array>,
  segments: readonly Segment[],
  length: number,
): Promise<Uint8Array<ArrayBuffer>> {
  const [only] = segments;
  if (segments.length === 1 && only?.kind === 'range') {
    const bytes = await read(only.range);
    if (bytes.byteLength !== length) throw new Error(`Source read ${bytes.byteLength} bytes, expected ${length}`);
    return bytes as Uint8Array<ArrayBuffer>; // Node's Buffers sit on an ArrayBuffer
  }
  const body = new Uint8Array(length);
  let offset = 0;
  for (const segment of segments) {
    const bytes = segment.kind === 'bytes' ? segment.data : await read(segment.range);
    const expected = segment.kind === 'bytes' ? bytes.byteLength : segment.range.end - segment.range.start + 1;
    if (bytes.byteLength !== expected || offset + expected > length) throw new Error(`Source read ${bytes.byteLength} bytes, expected ${expected}`);
    body.set(bytes, offset);
    offset += expected;
  }
  if (offset !== length) throw new Error(`Body is ${offset} bytes, expected ${length}`);
  return body;
}

/**
 * A pull-based `ReadableStream` of `segments` (framing bytes and ranges of `source`): a chunk is read
 * only when the consumer asks for one, so a slow client holds one chunk and no more. Exactly the bytes
 * planned are sent; a source that sends more, fewer or no bytes errors the stream, which the runtime
 * turns into a cut connection (never a padded or spliced body). When `signal` aborts or the consumer
 * cancels, reading stops and the source is closed at once. The first range is opened before this
 * resolves, so a source that cannot open is still an error status, not a broken body.
 */
export async function bodyStream(
  source: Source,
  segments: readonly Segment[],
  signal: AbortSignal,
  onEnd: (outcome: BodyOutcome) => void,
): Promise<ReadableStream<Uint8Array>> {
  let index = 0;
  let current: AsyncIterator<unknown> | undefined;
  let remaining = 0;
  let written = 0;
  let finished = false;

  const openAt = async (at: number): Promise<AsyncIterator<unknown> | undefined> => {
    const segment = segments[at];
    if (segment?.kind !== 'range') return undefined;
    const opened = await source.open(segment.range);
    remaining = segment.range.end - segment.range.start + 1;
    return (opened as AsyncIterable<unknown>)[Symbol.asyncIterator]();
  };
  const finish = async (aborted: boolean, error?: unknown): Promise<void> => {
    if (finished) return;
    finished = true;
    signal.removeEventListener('abort', onAbort);
    const open = current;
    current = undefined;
    try {
      await open?.return?.(); // a Readable is destroyed, a generator's finally runs
    } catch {
      // The source failed while being released; the response is over either way.
    }
    try {
      await source.close?.();
    } catch {
      // Releasing a descriptor can only fail if it is already gone.
    }
    onEnd({ written, aborted, error: error === undefined ? undefined : error instanceof Error ? error : new Error(String(error)) });
  };
  let controller: ReadableStreamDefaultController<Uint8Array> | undefined;
  function onAbort(): void {
    void finish(true);
    try {
      controller?.error(signal.reason);
    } catch {
      // Already closed or errored.
    }
  }

  const firstRange = segments.findIndex((segment) => segment.kind === 'range');
  if (firstRange !== -1) current = await openAt(firstRange);

  return new ReadableStream<Uint8Array>(
    {
      start(streamController) {
        controller = streamController;
        if (signal.aborted) onAbort();
        else signal.addEventListener('abort', onAbort, { once: true });
      },
      async pull(streamController) {
        try {
          const chunk = await nextChunk();
          if (finished) return;
          if (chunk === undefined) {
            await finish(false); // the source is released before the consumer sees the end
            streamController.close();
          } else {
            streamController.enqueue(chunk);
          }
        } catch (error) {
          if (finished) return;
          streamController.error(error);
          await finish(false, error);
        }
      },
      cancel: () => finish(true),
    },
    { highWaterMark: 0 },
  );

  /** The next chunk of the body, or `undefined` at its end. */
  async function nextChunk(): Promise<Uint8Array | undefined> {
    for (;;) {
      const segment = segments[index];
      if (segment === undefined || finished) return undefined;
      if (segment.kind === 'bytes') {
        index++;
        written += segment.data.byteLength;
        return segment.data;
      }
      if (current === undefined) {
        current = await openAt(index);
        if (finished) await current?.return?.(); // the client left while the range was opening
        if (finished || current === undefined) return undefined;
      }
      const step = await current.next();
      if (finished) return undefined;
      if (step.done === true) {
        // A file truncated while streaming ends early: padding or hanging would both lie to the client.
        if (remaining !== 0) throw new Error(`Source ended ${remaining} bytes short of the range`);
        current = undefined;
        index++;
        continue;
      }
      const chunk = typeof step.value === 'string' ? new TextEncoder().encode(step.value) : step.value;
      if (!(chunk instanceof Uint8Array)) throw new TypeError(`Source stream sent ${typeof chunk} chunks, not bytes`);
      if (chunk.byteLength > remaining) throw new Error(`Source sent more than the bytes asked for`);
      remaining -= chunk.byteLength;
      written += chunk.byteLength;
      if (chunk.byteLength > 0) return chunk;
    }
  }
}
