import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendRange, type OpenOptions, type ResponseEvent, type Source } from '../../src/index.js';
import { patterned } from '../helpers/fixtures.js';
import { get } from '../helpers/http-get.js';
import { parseMultipart } from '../helpers/multipart.js';
import { until } from '../helpers/until.js';

/**
 * The one body path: every kind of source the contract allows (a Readable, an async iterable, read()),
 * single ranges and multipart through the same loop, bounded writes, and the exact-length rule.
 */

const SIZE = 300_000;
const DATA = patterned(SIZE, 11);
const slice = ({ start, end }: { start: number; end: number }): Buffer => DATA.subarray(start, end + 1);
const seenOptions: Array<OpenOptions | undefined> = [];
let waiting: { aborted: boolean } | undefined;

const SOURCES: Record<string, Source> = {
  readable: { size: SIZE, open: (range) => Readable.from([slice(range)]) },
  iterable: {
    size: SIZE,
    async *open(range, options) {
      seenOptions.push(options);
      // Chunks of odd sizes, one far above 64 KiB.
      const bytes = slice(range);
      for (let offset = 0; offset < bytes.length; offset += 150_001) yield bytes.subarray(offset, offset + 150_001);
    },
  },
  'read-and-open': { size: SIZE, open: (range) => Readable.from([slice(range)]), read: (range) => slice(range) },
  strings: { size: 6, open: () => Readable.from(['abc', 'def'], { objectMode: true }) },
  waits: {
    size: SIZE,
    async *open(range, options) {
      yield slice({ start: range.start, end: range.start + 999 });
      const state = { aborted: false };
      waiting = state;
      // Waits for more until the client leaves: only the signal can end this.
      await new Promise<void>((resolve) => options?.signal?.addEventListener('abort', () => resolve(), { once: true }));
      state.aborted = true;
    },
  },
};

const events: ResponseEvent[] = [];
const writes: number[] = [];
let server: Server;
let url: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    const write = res.write.bind(res);
    // Counts the sizes handed to the socket (observing, not replacing, what Node does).
    res.write = ((chunk: Uint8Array, ...rest: unknown[]) => {
      writes.push(chunk.length);
      return (write as (...args: unknown[]) => boolean)(chunk, ...rest);
    }) as typeof res.write;
    const source = SOURCES[(req.url ?? '').slice(1)];
    if (source === undefined) return void res.writeHead(404).end();
    void sendRange(req, res, source, { onResponse: (event) => events.push(event) });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe('the one body path', () => {
  it.each(['readable', 'iterable', 'read-and-open'])('%s: whole, one range and multipart, byte for byte', async (name) => {
    expect((await get(`${url}/${name}`)).body.equals(DATA)).toBe(true);
    const one = await get(`${url}/${name}`, { Range: 'bytes=1000-199999' });
    expect([one.status, one.body.equals(DATA.subarray(1000, 200_000))]).toEqual([206, true]);
    const small = await get(`${url}/${name}`, { Range: 'bytes=10-19' });
    expect(small.body.equals(DATA.subarray(10, 20))).toBe(true);
    const multi = await get(`${url}/${name}`, { Range: 'bytes=0-9,100000-250000' });
    const parts = parseMultipart(multi.body, String(multi.headers['content-type']));
    expect(parts.map((part) => part.headers['content-range'])).toEqual([`bytes 0-9/${SIZE}`, `bytes 100000-250000/${SIZE}`]);
    expect(parts.map((part) => part.body.equals(DATA.subarray(...(part === parts[0] ? [0, 10] : [100_000, 250_001]))))).toEqual([true, true]);
  });

  it('no write above 64 KiB, whatever the source’s chunks (a 150 KB chunk is written in pieces)', async () => {
    writes.length = 0;
    expect((await get(`${url}/iterable`)).body.equals(DATA)).toBe(true);
    expect(writes.length).toBeGreaterThan(4);
    expect(Math.max(...writes)).toBeLessThanOrEqual(64 * 1024);
  });

  it('open() is told the consumer reuses nothing it has written, and gets a signal', async () => {
    seenOptions.length = 0;
    await get(`${url}/iterable`, { Range: 'bytes=0-99999' });
    expect(seenOptions[0]?.reuseBuffers).toBe(true);
    expect(seenOptions[0]?.signal).toBeInstanceOf(AbortSignal);
  });

  it('string chunks are bytes too', async () => {
    expect((await get(`${url}/strings`)).body.toString()).toBe('abcdef');
  });

  it('a source waiting for more when the client leaves is told by its signal; the response is reported aborted', async () => {
    waiting = undefined;
    const before = events.length;
    await new Promise<void>((resolve) => {
      const req = request(`${url}/waits`, { agent: false }, (res) => {
        res.once('data', () => {
          req.destroy();
          resolve();
        });
      });
      req.end();
    });
    await until(() => waiting?.aborted, 'the source’s signal aborts');
    const event = await until(() => events[before], 'onResponse');
    expect(event).toMatchObject({ aborted: true, bytesExpected: SIZE, bytesWritten: 1000 });
  });
});
