import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { partialContent, type PartialContentOptions } from '../../src/index.js';
import { createFixtures, type Fixtures } from '../helpers/fixtures.js';
import { createApp, listen, withSentinels, type Running } from '../helpers/server.js';
import { request, type Test } from '../helpers/supertest.js';

const MiB = 1024 * 1024;
const SIZE = 5 * MiB; // clip.mp4
let fixtures: Fixtures;
const servers: Running[] = [];

/** Mounts partialContent with `options`; gives a GET of clip.mp4 through it (supertest). */
async function serve(options: PartialContentOptions = {}): Promise<() => Test> {
  const app = createApp();
  app.use('/media', partialContent(fixtures.root, options));
  withSentinels(app);
  const running = await listen(app);
  servers.push(running);
  return () => request(running.url).get('/media/clip.mp4');
}

let getClip: () => Test;
beforeAll(async () => {
  fixtures = createFixtures();
  getClip = await serve();
});
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  fixtures.cleanup();
});

const media = { 'Sec-Fetch-Dest': 'video' };
const clip = () => fixtures.files['clip.mp4']!;

describe('the open-ended cap for media elements (default 2 MiB)', () => {
  it.each([
    { name: 'at the start (Chrome’s first request)', start: 0, end: 2 * MiB - 1 },
    { name: 'in the middle', start: MiB + 123, end: MiB + 123 + 2 * MiB - 1 },
    { name: 'ending exactly at EOF', start: SIZE - 2 * MiB, end: SIZE - 1 },
    { name: 'near EOF (shorter than the cap)', start: SIZE - 1000, end: SIZE - 1 },
    { name: 'N = size - 1', start: SIZE - 1, end: SIZE - 1 },
  ])('$name: bytes=$start- → $start-$end', async ({ start, end }) => {
    const res = await getClip()
      .set({ ...media, Range: `bytes=${start}-` })
      .expect(206)
      .expect('Content-Range', `bytes ${start}-${end}/${SIZE}`)
      .expect('Content-Length', String(end - start + 1))
      .expect('Vary', 'Sec-Fetch-Dest');
    expect(res.body.equals(clip().subarray(start, end + 1))).toBe(true);
  });

  it('N = size is still a 416', async () => {
    await getClip().set({ ...media, Range: `bytes=${SIZE}-` }).expect(416).expect('Content-Range', `bytes */${SIZE}`);
  });

  it.each(['audio', 'video'])('applies to Sec-Fetch-Dest: %s', async (dest) => {
    const res = await getClip().set({ 'Sec-Fetch-Dest': dest, Range: 'bytes=0-' });
    expect(res.headers['content-length']).toBe(String(2 * MiB));
  });

  it.each([
    { name: 'Safari’s bytes=0-1 probe', range: 'bytes=0-1', start: 0, end: 1 },
    { name: 'a closed range larger than the cap', range: 'bytes=0-3145727', start: 0, end: 3 * MiB - 1 },
    { name: 'a suffix larger than the cap', range: `bytes=-${3 * MiB}`, start: SIZE - 3 * MiB, end: SIZE - 1 },
  ])('never caps $name', async ({ range, start, end }) => {
    const res = await getClip().set({ ...media, Range: range });
    expect(res.headers['content-range']).toBe(`bytes ${start}-${end}/${SIZE}`);
    expect(res.body.equals(clip().subarray(start, end + 1))).toBe(true);
    expect(res.headers['vary']).toBeUndefined();
  });

  it.each([
    { name: 'no Sec-Fetch-Dest (curl -C -, wget -c, ffmpeg)', headers: {} },
    { name: 'Sec-Fetch-Dest: document', headers: { 'Sec-Fetch-Dest': 'document' } },
    { name: 'Sec-Fetch-Dest: empty (fetch())', headers: { 'Sec-Fetch-Dest': 'empty' } },
  ])('download clients get the whole rest: $name', async ({ headers }) => {
    const res = await getClip().set({ ...headers, Range: `bytes=${MiB}-` });
    expect(res.headers['content-range']).toBe(`bytes ${MiB}-${SIZE - 1}/${SIZE}`);
    expect(res.body.equals(clip().subarray(MiB))).toBe(true);
    expect(res.headers['vary']).toBe('Sec-Fetch-Dest');
  });

  it('caps bytes=N-(size-1) with If-Range: the form Chromium’s cache rewrites bytes=N- into', async () => {
    const { headers } = await getClip().set({ Range: 'bytes=0-0' });
    const start = 3 * MiB;
    const res = await getClip().set({ ...media, Range: `bytes=${start}-${SIZE - 1}`, 'If-Range': String(headers['etag']) });
    expect(res.status).toBe(206);
    expect(res.headers['content-range']).toBe(`bytes ${start}-${start + 2 * MiB - 1}/${SIZE}`);
    expect(res.body.equals(clip().subarray(start, start + 2 * MiB))).toBe(true);
    expect(res.headers['vary']).toBe('Sec-Fetch-Dest');
    // A download client asking for the same closed range gets all of it.
    const download = await getClip().set({ Range: `bytes=${start}-${SIZE - 1}` });
    expect(download.headers['content-range']).toBe(`bytes ${start}-${SIZE - 1}/${SIZE}`);
    expect(download.body.equals(clip().subarray(start))).toBe(true);
  });

  it('works together with a matching If-Range', async () => {
    const { headers } = await getClip().set({ Range: 'bytes=0-0' });
    const res = await getClip().set({ ...media, Range: 'bytes=100-', 'If-Range': String(headers['etag']) });
    expect(res.headers['content-range']).toBe(`bytes 100-${100 + 2 * MiB - 1}/${SIZE}`);
  });
});

describe('cap options', () => {
  it('maxChunkSize sets the size', async () => {
    const getCapped = await serve({ maxChunkSize: 1000 });
    const res = await getCapped().set({ ...media, Range: 'bytes=10-' });
    expect(res.headers['content-range']).toBe(`bytes 10-1009/${SIZE}`);
    expect(res.body.equals(clip().subarray(10, 1010))).toBe(true);
  });

  it('Infinity switches the cap off', async () => {
    const getCapped = await serve({ maxChunkSize: Infinity });
    const res = await getCapped().set({ ...media, Range: 'bytes=10-' });
    expect(res.headers['content-range']).toBe(`bytes 10-${SIZE - 1}/${SIZE}`);
    expect(res.headers['vary']).toBeUndefined();
  });

  it("capScope 'all' caps every open-ended range and does not vary", async () => {
    const getCapped = await serve({ capScope: 'all', maxChunkSize: 1000 });
    const res = await getCapped().set({ Range: 'bytes=0-' });
    expect(res.headers['content-range']).toBe(`bytes 0-999/${SIZE}`);
    expect(res.headers['vary']).toBeUndefined();
  });

  it('capScope as a function decides per request', async () => {
    const capped = await serve({ capScope: (req) => req.headers['x-player'] === '1', maxChunkSize: 1000 });
    expect((await capped().set({ Range: 'bytes=0-', 'X-Player': '1' })).headers['content-length']).toBe('1000');
    expect((await capped().set({ Range: 'bytes=0-' })).headers['content-length']).toBe(String(SIZE));
  });
});
