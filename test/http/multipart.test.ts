import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { partialContent } from '../../src/index.js';
import { createFixtures, type Fixtures } from '../helpers/fixtures.js';
import { get } from '../helpers/http-get.js';
import { parseMultipart } from '../helpers/multipart.js';
import { createApp, listen, withSentinels, type Running } from '../helpers/server.js';

let fixtures: Fixtures;
let server: Running;
beforeAll(async () => {
  fixtures = createFixtures();
  const app = createApp();
  app.use('/media', partialContent(fixtures.root));
  app.use('/one', partialContent(fixtures.root, { maxRanges: 1 }));
  app.use('/many', partialContent(fixtures.root, { maxRanges: 5000 }));
  withSentinels(app);
  server = await listen(app);
});
afterAll(async () => {
  await server.close();
  fixtures.cleanup();
});

const song = () => fixtures.files['song.mp3']!;
const SIZE = 300 * 1024;

describe('multipart/byteranges', () => {
  it('streams each part with its own Content-Type and Content-Range, byte for byte', async () => {
    const ranges = [[0, 999], [100_000, 164_999], [SIZE - 10, SIZE - 1]] as const;
    const res = await get(`${server.url}/media/song.mp3`, { Range: `bytes=${ranges.map(([a, b]) => `${a}-${b}`).join(',')}` });
    expect(res.status).toBe(206);
    expect(res.headers['content-range']).toBeUndefined();
    expect(res.headers['content-length']).toBe(String(res.body.length));
    const parts = parseMultipart(res.body, String(res.headers['content-type']));
    expect(parts).toHaveLength(3);
    parts.forEach((part, i) => {
      const [start, end] = ranges[i]!;
      expect(part.headers).toEqual({ 'content-type': 'audio/mpeg', 'content-range': `bytes ${start}-${end}/${SIZE}` });
      expect(part.body.equals(song().subarray(start, end + 1))).toBe(true);
    });
  });

  it('uses a fresh random boundary per response', async () => {
    const range = { Range: 'bytes=0-9,2000-2009' };
    const a = await get(`${server.url}/media/song.mp3`, range);
    const b = await get(`${server.url}/media/song.mp3`, range);
    expect(a.headers['content-type']).not.toBe(b.headers['content-type']);
  });

  it('HEAD of a multi-range request is the 200 headers', async () => {
    const res = await get(`${server.url}/media/song.mp3`, { Range: 'bytes=0-9,2000-2009' }, 'HEAD');
    expect(res.status).toBe(200);
    expect(res.headers['content-length']).toBe(String(SIZE));
  });

  it('maxRanges: 1 answers several ranges with the whole file', async () => {
    const res = await get(`${server.url}/one/song.mp3`, { Range: 'bytes=0-9,2000-2009' });
    expect(res.status).toBe(200);
    expect(res.body.equals(song())).toBe(true);
  });
});

describe('amplification defence', () => {
  it('1,000 tiny ranges: never more than the file plus framing, answered quickly', async () => {
    const header = `bytes=${Array.from({ length: 1000 }, (_, i) => `${i * 300}-${i * 300}`).join(',')}`;
    for (const prefix of ['/media', '/many']) {
      const started = performance.now();
      const res = await get(`${server.url}${prefix}/song.mp3`, { Range: header });
      expect(performance.now() - started).toBeLessThan(5000);
      expect(res.body.length).toBeLessThanOrEqual(SIZE);
      if (prefix === '/media') {
        expect(res.status).toBe(200); // over maxRanges (100)
        expect(res.body.equals(song())).toBe(true);
      } else {
        // Allowed by count; 1,000 one-byte parts with ~100 bytes of framing each still fit in the file.
        expect(res.status).toBe(206);
        const parts = parseMultipart(res.body, String(res.headers['content-type']));
        expect(parts).toHaveLength(1000);
        parts.forEach((part, i) => expect(part.body.equals(song().subarray(i * 300, i * 300 + 1))).toBe(true));
      }
    }
  });

  it('400 overlapping ranges are coalesced or refused, never repeated', async () => {
    const header = `bytes=${Array.from({ length: 400 }, (_, i) => `${i}-${i + 1000}`).join(',')}`;
    const res = await get(`${server.url}/many/song.mp3`, { Range: header });
    // They add up to far more than the file: the whole file once, not 400 copies.
    expect(res.status).toBe(200);
    expect(res.body.length).toBe(SIZE);
  });

  it('overlapping ranges that fit are merged into one part', async () => {
    const res = await get(`${server.url}/many/song.mp3`, { Range: 'bytes=0-99,50-149,100-199' });
    expect(res.status).toBe(206);
    expect(res.headers['content-range']).toBe(`bytes 0-199/${SIZE}`);
    expect(res.body.equals(song().subarray(0, 200))).toBe(true);
  });

  it('framing larger than the file falls back to 200', async () => {
    const res = await get(`${server.url}/many/nums.txt`, { Range: 'bytes=0-0,2-2,4-4,6-6' });
    expect(res.status).toBe(200);
    expect(res.body.toString()).toBe('0123456789'.repeat(10));
  });
});
