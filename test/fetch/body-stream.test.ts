import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { bodyStream, type BodyOutcome } from '../../src/fetch/body-stream.js';
import type { Segment } from '../../src/http/multipart.js';
import type { ByteRange, Source } from '../../src/types.js';
import { patterned } from '../helpers/fixtures.js';

const CHUNK = 1000;

/** A source over patterned bytes that counts its reads and whether it was closed. */
function countingSource(size: number, { extra = 0, short = 0 } = {}) {
  const bytes = patterned(size + extra);
  const state = { reads: 0, closed: 0, released: 0 };
  const source: Source = {
    size,
    open({ start, end }: ByteRange) {
      const stop = end + 1 + extra - short;
      async function* chunks(): AsyncGenerator<Buffer> {
        try {
          for (let at = start; at < stop; at += CHUNK) {
            state.reads++;
            yield bytes.subarray(at, Math.min(at + CHUNK, stop));
          }
        } finally {
          state.released++;
        }
      }
      return Readable.from(chunks(), { objectMode: false, highWaterMark: 0 });
    },
    close() {
      state.closed++;
    },
  };
  return { source, state, bytes };
}

const range = (start: number, end: number): Segment => ({ kind: 'range', range: { start, end } });
const text = (value: string): Segment => ({ kind: 'bytes', data: Buffer.from(value) });

async function readAll(stream: ReadableStream<Uint8Array>): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  const reader = stream.getReader();
  for (let step = await reader.read(); step.done !== true; step = await reader.read()) chunks.push(step.value);
  return Buffer.concat(chunks);
}

describe('bodyStream', () => {
  it('sends the segments in order, exactly, then closes the source once and reports', async () => {
    const { source, state, bytes } = countingSource(10_000);
    const outcomes: BodyOutcome[] = [];
    const stream = await bodyStream(source, [text('<'), range(10, 2509), text('|'), range(9000, 9999), text('>')], new AbortController().signal, (o) => outcomes.push(o));
    const body = await readAll(stream);
    expect(body.equals(Buffer.concat([Buffer.from('<'), bytes.subarray(10, 2510), Buffer.from('|'), bytes.subarray(9000), Buffer.from('>')]))).toBe(true);
    expect(state.closed).toBe(1);
    expect(outcomes).toEqual([{ written: body.length, aborted: false, error: undefined }]);
  });

  it('reads only as the consumer pulls: one chunk ahead at most', async () => {
    const { source, state } = countingSource(100_000);
    const stream = await bodyStream(source, [range(0, 99_999)], new AbortController().signal, () => undefined);
    const reader = stream.getReader();
    for (let i = 0; i < 5; i++) await reader.read();
    // Proving reads do not run ahead needs a window: 50 ms is hundreds of in-memory reads' time.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(state.reads).toBeLessThanOrEqual(6);
    await reader.cancel();
  });

  it('cancel stops reading and closes the source at once', async () => {
    const { source, state } = countingSource(100_000);
    const outcomes: BodyOutcome[] = [];
    const stream = await bodyStream(source, [range(0, 99_999)], new AbortController().signal, (o) => outcomes.push(o));
    const reader = stream.getReader();
    await reader.read();
    await reader.cancel();
    const reads = state.reads;
    expect([state.closed, state.released]).toEqual([1, 1]);
    // Proving no read comes after the cancel needs a window: 50 ms is hundreds of in-memory reads' time.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(state.reads).toBe(reads);
    expect(outcomes).toEqual([{ written: CHUNK, aborted: true, error: undefined }]);
  });

  it('an aborted request signal stops reading, closes the source and errors the body', async () => {
    const { source, state } = countingSource(100_000);
    const controller = new AbortController();
    const stream = await bodyStream(source, [range(0, 99_999)], controller.signal, () => undefined);
    const reader = stream.getReader();
    await reader.read();
    controller.abort(new Error('client gone'));
    await expect(reader.read()).rejects.toThrow('client gone');
    await expect.poll(() => [state.closed, state.released], { timeout: 5_000 }).toEqual([1, 1]);
  });

  it.each([
    { name: 'more bytes than the range', extra: 10, short: 0, message: 'more than the bytes asked for' },
    { name: 'fewer bytes than the range', extra: 0, short: 10, message: 'bytes short of the range' },
  ])('a source sending $name errors the body (a cut connection, never a wrong length)', async ({ extra, short, message }) => {
    const { source, state } = countingSource(5_000, { extra, short });
    const outcomes: BodyOutcome[] = [];
    const stream = await bodyStream(source, [range(0, 4_999)], new AbortController().signal, (o) => outcomes.push(o));
    await expect(readAll(stream)).rejects.toThrow(message);
    expect(state.closed).toBe(1);
    expect(outcomes[0]?.error?.message).toContain(message);
  });

  it('a source that cannot open rejects before any body exists', async () => {
    const source: Source = { size: 10, open: () => Promise.reject(Object.assign(new Error('gone'), { code: 'ENOENT' })) };
    await expect(bodyStream(source, [range(0, 9)], new AbortController().signal, () => undefined)).rejects.toThrow('gone');
  });
});
