import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Readable } from 'node:stream';
import { httpSource, sendRange, type ByteRange, type OpenOptions } from '../../src/index.js';
import { s3Source } from '../../src/s3.js';
import { materialize, PRECONDITION_CASES } from '../cases/precondition-cases.js';
import { RANGE_CASES } from '../cases/range-cases.js';
import { patterned } from '../helpers/fixtures.js';
import { get } from '../helpers/http-get.js';
import { expectRangeAnswer } from '../helpers/range-answer.js';
import { startStore, until, type RunningStore } from '../helpers/s3rver.js';
import { createApp, listen, withSentinels, type Running } from '../helpers/server.js';

// The shared range and precondition tables, answered from objects in an S3 API (s3rver) through
// both ways this library reaches one: s3Source over the AWS SDK, and httpSource on a presigned URL.

const OBJECTS: Readonly<Record<number, { key: string; bytes: Buffer; type: string }>> = {
  0: { key: 'empty.bin', bytes: Buffer.alloc(0), type: 'application/octet-stream' },
  100: { key: 'nums.txt', bytes: Buffer.from('0123456789'.repeat(10)), type: 'text/plain; charset=utf-8' },
  2048: { key: 'k2.bin', bytes: patterned(2048, 5), type: 'application/octet-stream' },
  10_000: { key: 'data.bin', bytes: patterned(10_000), type: 'application/octet-stream' },
};
const object = (size: number) => OBJECTS[size] ?? expect.fail(`no object of ${size} bytes`);

let store: RunningStore;
let front: Running;

beforeAll(async () => {
  store = await startStore();
  for (const { key, bytes, type } of Object.values(OBJECTS)) await store.put(key, bytes, type);
  await store.put(BIG.key, patterned(BIG.size, 3), 'video/mp4');
  const app = createApp();
  app.get('/s3/:key', (req, res, next) => {
    const Key = (req as unknown as { params: { key: string } }).params.key;
    sendRange(req, res, s3Source(store.client, { Bucket: store.bucket, Key })).catch(next);
  });
  app.get('/url/:key', (req, res, next) => {
    const key = (req as unknown as { params: { key: string } }).params.key;
    sendRange(req, res, store.presign(key).then((url) => httpSource(url))).catch(next);
  });
  withSentinels(app);
  front = await listen(app);
});

afterAll(async () => {
  await front?.close();
  await store?.close();
});

const BIG = { key: 'big.bin', size: 24 * 1024 * 1024 };

describe.each([
  { way: 's3Source', prefix: '/s3', source: () => s3Source(store.client, { Bucket: store.bucket, Key: BIG.key }) },
  { way: 'httpSource on a presigned URL', prefix: '/url', source: async () => httpSource(await store.presign(BIG.key)) },
])('$way', ({ prefix, source }) => {
  it("the signal given to open (the shell's 'client gone') aborts the store's GET mid-body; the stream errors", async () => {
    const opened = await source();
    const open = opened.open as (range: ByteRange, options?: OpenOptions) => Promise<Readable>;
    const controller = new AbortController();
    const before = store.requests.length;
    const stream = await open({ start: 0, end: BIG.size - 1 }, { signal: controller.signal });
    const failed = new Promise<unknown>((resolve) => stream.once('error', resolve));
    await new Promise((resolve) => stream.once('data', resolve));
    controller.abort();
    const body = () => store.requests.slice(before).find((r) => r.method === 'GET');
    await until(() => body()?.finished !== undefined, 10_000, "the store's response to close");
    expect(body()?.finished).toBe(false);
    expect(await failed).toMatchObject({ status: 502, code: 'ERR_UPSTREAM' });
    expect(stream.destroyed).toBe(true);
  });

  it.each(RANGE_CASES)('range table: $name ($header on $size bytes)', async ({ size, header, expected }) => {
    const { key, bytes, type } = object(size);
    const res = await get(`${front.url}${prefix}/${key}`, { range: header }, 'GET', 10_000);
    expect(res.headers['accept-ranges']).toBe('bytes');
    expect(res.headers.etag).toMatch(/^"[0-9a-f]{32}"$/);
    expectRangeAnswer(res, expected, bytes, { type });
  });

  describe.each([
    { withRange: false, proceed: 200 },
    { withRange: true, proceed: 206 },
  ])('precondition table, with Range: $withRange', ({ withRange, proceed }) => {
    const { key, bytes } = object(10_000);
    let etag = '';
    let lastModified = new Date(0);
    beforeAll(async () => {
      const head = await get(`${front.url}${prefix}/${key}`, {}, 'HEAD', 10_000);
      etag = String(head.headers.etag);
      lastModified = new Date(String(head.headers['last-modified']));
      expect(Number.isNaN(lastModified.getTime())).toBe(false);
    });

    it.each(PRECONDITION_CASES)('$name → $expected', async ({ request, expected }) => {
      const headers = materialize(request, etag, lastModified);
      if (withRange) headers['range'] = 'bytes=100-199';
      for (const method of ['GET', 'HEAD']) {
        const res = await get(`${front.url}${prefix}/${key}`, headers, method, 10_000);
        const status = expected === 'proceed' ? (method === 'HEAD' ? 200 : proceed) : expected === 'not-modified' ? 304 : 412;
        expect(res.status).toBe(status);
        if (status === 200 || status === 206 || status === 304) expect(res.headers.etag).toBe(etag);
        if (method === 'HEAD' || status === 304 || status === 412) expect(res.body.length).toBe(0);
        else if (status === 206) expect(res.body.equals(bytes.subarray(100, 200))).toBe(true);
        else expect(res.body.equals(bytes)).toBe(true);
      }
    });
  });
});
