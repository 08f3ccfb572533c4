import { utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpSource, partialContent, type ResponseEvent, type Source } from '../../../src/index.js';
import { createFixtures, patterned, type Fixtures } from '../../helpers/fixtures.js';
import { abortAfterFirstBytes, get, getLoose } from '../../helpers/http-get.js';
import { misbehavingUpstream, SLOW_UPSTREAM_SIZE, type SeenRequest } from '../../helpers/misbehaving-upstream.js';
import { expectErrorThroughNext, startSendRangeApp, type SendRangeApp } from '../../helpers/send-range-app.js';
import { createApp, listen, withSentinels, type Running } from '../../helpers/server.js';
import { until } from '../../helpers/until.js';

// What httpSource asks an upstream origin, and what it does with each kind of wrong answer.
// Its answers against well-behaved origins (this library, nginx): upstream.test.ts.

const DATA_SIZE = 10_000;

let fixtures: Fixtures;
let upstream: Running;
let fake: Running;
let front: SendRangeApp;
let given: Source | undefined;
let requestCounter = 0;
const upstreamEvents: ResponseEvent[] = [];
const seen: SeenRequest[] = [];
const slowClosed: { early: boolean | undefined } = { early: undefined };

beforeAll(async () => {
  fixtures = createFixtures();
  writeFileSync(join(fixtures.root, 'mutable.bin'), patterned(4_000));

  const origin = createApp();
  origin.use('/nohead', (req, res, next) => {
    if (req.method !== 'HEAD') return next();
    res.writeHead(405, { allow: 'GET', 'content-length': '0' }).end();
  });
  origin.use('/nohead', partialContent(fixtures.root, { onResponse: (event) => upstreamEvents.push(event) }));
  origin.use('/media', partialContent(fixtures.root, { onResponse: (event) => upstreamEvents.push(event) }));
  withSentinels(origin);
  upstream = await listen(origin);

  fake = await listen(misbehavingUpstream(patterned(SLOW_UPSTREAM_SIZE), seen, slowClosed));
  front = await startSendRangeApp((path) => {
    if (path.startsWith('/upstream/')) {
      return httpSource(`${fake.url}/${path.slice('/upstream/'.length)}`, { headers: { authorization: 'Bearer t0ken' } });
    }
    return path === '/given' ? given : undefined;
  });
});

afterAll(async () => {
  await front?.close();
  await fake?.close();
  await upstream?.close();
  fixtures?.cleanup();
});

describe('before the headers: a clean error status through next(err)', () => {
  it.each([
    ['upstream answers 500 to the probe', 'upstream/500', 502],
    ['upstream answers 500 to the range', 'upstream/range-500', 502],
    ['upstream answers 200 instead of 206', 'upstream/200', 502],
    ['upstream ETag changes between probe and range', 'upstream/etag-changes', 502],
    ['upstream answers another Content-Range', 'upstream/wrong-range', 502],
    ['upstream answers another total size', 'upstream/wrong-size', 502],
    ['upstream sends a Content-Encoding', 'upstream/gzip', 502],
    ['upstream has no such object', 'upstream/404', 404],
  ])('%s: /%s → %i', async (_name, path, status) => {
    const res = await get(`${front.url}/${path}`, { range: 'bytes=10-19' });
    expectErrorThroughNext(res, status);
  });

  it('an unreachable upstream → 502', async () => {
    const gone = await listen((_req, res) => res.end());
    await gone.close();
    const source = httpSource(`${gone.url}/x`);
    await expect(source).rejects.toMatchObject({ status: 502, code: 'ERR_UPSTREAM' });
  });

  it('an upstream that goes away between probe and range → 502', async () => {
    const origin = createApp();
    origin.use('/media', partialContent(fixtures.root));
    const running = await listen(origin);
    given = await httpSource(`${running.url}/media/data.bin`);
    await running.close();
    const res = await get(`${front.url}/given`, { range: 'bytes=0-9' });
    expect(res.status).toBe(502);
    expect(res.body.toString()).toBe('error 502');
  });

  it('a real upstream file replaced after the probe: If-Match makes it 412 upstream, 502 here', async () => {
    const path = join(fixtures.root, 'mutable.bin');
    given = await httpSource(`${upstream.url}/media/mutable.bin`);
    const before = await get(`${front.url}/given`, { range: 'bytes=0-99' });
    expect(before.status).toBe(206);
    expect(before.body.equals(patterned(4_000).subarray(0, 100))).toBe(true);

    writeFileSync(path, patterned(4_000, 5));
    utimesSync(path, new Date(), new Date(Date.now() + 60_000));
    const after = await get(`${front.url}/given`, { range: 'bytes=0-99' });
    expect(after.status).toBe(502);
    const last = upstreamEvents.at(-1);
    expect(last?.status).toBe(412);
    expect(last?.url).toBe('/media/mutable.bin');
  });

  it('sends Range, If-Match, Accept-Encoding: identity and the caller’s headers upstream', async () => {
    seen.length = 0;
    const res = await get(`${front.url}/upstream/ok`, { range: 'bytes=10-19' });
    expect(res.status).toBe(206);
    expect(res.body.equals(patterned(SLOW_UPSTREAM_SIZE).subarray(10, 20))).toBe(true);
    expect(seen.map(({ method, headers }) => [method, headers.range, headers['if-match']])).toEqual([
      ['HEAD', undefined, undefined],
      ['GET', 'bytes=10-19', '"v1"'],
    ]);
    for (const { headers } of seen) {
      expect(headers['accept-encoding']).toBe('identity');
      expect(headers.authorization).toBe('Bearer t0ken');
    }
  });

  it('with only a weak ETag, asks with If-Unmodified-Since (If-Match would never match)', async () => {
    seen.length = 0;
    const res = await get(`${front.url}/upstream/weak`, { range: 'bytes=100-199' });
    expect(res.status).toBe(206);
    expect(res.headers.etag).toBe('W/"v1"');
    expect(res.body.equals(patterned(SLOW_UPSTREAM_SIZE).subarray(100, 200))).toBe(true);
    expect(seen.map(({ method, headers }) => [method, headers['if-match'], headers['if-unmodified-since']])).toEqual([
      ['HEAD', undefined, undefined],
      ['GET', undefined, 'Wed, 01 May 2024 12:00:00 GMT'],
    ]);
  });

  it('accepts a 200 when the range asked for is the whole representation', async () => {
    const res = await get(`${front.url}/upstream/200`);
    expect(res.status).toBe(200);
    expect(res.body.equals(patterned(SLOW_UPSTREAM_SIZE))).toBe(true);
  });

  it('probes with GET bytes=0-0 when HEAD is not allowed', async () => {
    const mark = upstreamEvents.length;
    given = await httpSource(`${upstream.url}/nohead/data.bin`);
    expect(given.size).toBe(DATA_SIZE);
    const res = await get(`${front.url}/given`, { range: 'bytes=5000-5009' });
    expect(res.status).toBe(206);
    expect(res.body.equals(patterned(DATA_SIZE).subarray(5000, 5010))).toBe(true);
    await until(() => upstreamEvents.length >= mark + 2, 'the upstream saw both requests');
    expect(upstreamEvents.slice(mark).map((event) => [event.method, event.rangeHeader, event.status])).toEqual([
      ['GET', 'bytes=0-0', 206],
      ['GET', 'bytes=5000-5009', 206],
    ]);
  });
});

describe('after the headers: the connection is cut and onResponse reports the error', () => {
  it.each([
    ['the upstream body ends short (chunked)', 'upstream/short-chunked', /^Upstream body ended after 500 of 1000/],
    ['the upstream connection drops midway', 'upstream/short-declared', /^Upstream body failed/],
  ])('%s', async (_name, path, message) => {
    const url = `/${path}?n=${requestCounter++}`;
    const res = await getLoose(`${front.url}${url}`, { range: 'bytes=0-999' });
    expect(res.complete).toBe(false);
    expect(res.body.length).toBeLessThan(1000);
    if (res.status !== 0) expect(res.status).toBe(206);
    const event = await front.eventOf(url);
    expect(event.status).toBe(206);
    expect(event.error?.message).toMatch(message);
    expect(event.aborted).toBe(false);
    expect(event.bytesExpected).toBe(1000);
    expect(event.bytesWritten).toBeLessThan(1000);
  });

  it('the upstream sends too many bytes: never more than announced reaches the client', async () => {
    // Where the excess shows depends on how the upstream's bytes arrive: with the first chunk (read
    // before the head: a clean 502), or after the range's own bytes went out (then the cut comes
    // after a body that is right, and onResponse reports the error).
    const url = `/upstream/long?n=${requestCounter++}`;
    const res = await getLoose(`${front.url}${url}`, { range: 'bytes=0-999' });
    if (res.status === 502) return;
    expect(res.body.length).toBeLessThanOrEqual(1000);
    const event = await front.eventOf(url);
    expect(event).toMatchObject({ status: 206, bytesExpected: 1000, aborted: false });
    expect(event.error?.message).toMatch(/^Upstream sent more than 1000 bytes/);
  });

  it('a multipart part whose upstream range fails cuts the response', async () => {
    const url = `/upstream/second-part-fails?n=${requestCounter++}`;
    const res = await getLoose(`${front.url}${url}`, { range: 'bytes=0-9,5000-5099' });
    expect(res.complete).toBe(false);
    const event = await front.eventOf(url);
    expect(event.status).toBe(206);
    expect(event.error).toMatchObject({ status: 502 });
    expect(event.bytesWritten).toBeLessThan(event.bytesExpected);
  });
});

describe('client aborts', () => {
  it('passes the abort on to the upstream request', async () => {
    const url = `/upstream/slow?n=${requestCounter++}`;
    slowClosed.early = undefined;
    expect(await abortAfterFirstBytes(`${front.url}${url}`, { range: 'bytes=0-' })).toBe(206);
    // The upstream sees its response closed long before its own 10 s timer would close it.
    await expect.poll(() => slowClosed.early, { timeout: 2_000, interval: 20 }).toBe(true);
    const event = await front.eventOf(url);
    expect(event).toMatchObject({ status: 206, aborted: true, error: undefined, bytesExpected: SLOW_UPSTREAM_SIZE });
  });
});
