import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { partialContent, sendRange } from '../../src/index.js';
import { RANGE_CASES } from '../cases/range-cases.js';
import { CONTENT_TYPE_CASES } from '../cases/content-type-cases.js';
import { createFixtures, patterned, type Fixtures } from '../helpers/fixtures.js';
import { get } from '../helpers/http-get.js';
import { expectRangeAnswer } from '../helpers/range-answer.js';
import { createApp, listen, withSentinels, type Running } from '../helpers/server.js';

let fixtures: Fixtures;
let server: Running;
const FILE_BY_SIZE: Record<number, string> = { 0: 'empty.bin', 100: 'nums.txt', 2048: 'k2.bin', 10_000: 'data.bin' };

beforeAll(async () => {
  fixtures = createFixtures();
  writeFileSync(join(fixtures.root, 'k2.bin'), patterned(2048, 5));
  const app = createApp();
  app.use('/media', partialContent(fixtures.root));
  app.get('/direct/:name', (req, res, next) => {
    const name = (req as unknown as { params: { name: string } }).params.name;
    sendRange(req, res, join(fixtures.root, name)).catch(next);
  });
  withSentinels(app);
  server = await listen(app);
});
afterAll(async () => {
  await server.close();
  fixtures.cleanup();
});

const bytesOf = (name: string): Buffer => (name === 'k2.bin' ? patterned(2048, 5) : fixtures.files[name]!);

describe.each(['/media', '/direct'])('range table through %s', (prefix) => {
  it.each(RANGE_CASES)('$name ($header on $size bytes)', async ({ size, header, expected }) => {
    const name = FILE_BY_SIZE[size]!;
    const file = bytesOf(name);
    const res = await get(`${server.url}${prefix}/${name}`, { Range: header });
    expect(res.headers['accept-ranges']).toBe('bytes');
    expectRangeAnswer(res, expected, file);
  });
});

describe('200 and HEAD', () => {
  it('a plain GET is a 200 with exact length, type, validators and Accept-Ranges', async () => {
    const res = await get(`${server.url}/media/song.mp3`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('audio/mpeg');
    expect(res.headers['content-length']).toBe(String(300 * 1024));
    expect(res.headers['accept-ranges']).toBe('bytes');
    expect(res.headers['etag']).toMatch(/^"[0-9a-f]+-[0-9a-f]+"$/); // strong: size and mtime
    expect(res.headers['last-modified']).toMatch(/GMT$/);
    expect(res.body.equals(fixtures.files['song.mp3']!)).toBe(true);
  });

  it.each(CONTENT_TYPE_CASES)('Content-Type of %s is %s on 200 and 206', async (name, type) => {
    expect((await get(`${server.url}/media/${name}`)).headers['content-type']).toBe(type);
    expect((await get(`${server.url}/media/${name}`, { Range: 'bytes=0-0' })).headers['content-type']).toBe(type);
  });

  it.each([undefined, 'bytes=0-9', 'bytes=0-'])('HEAD with Range %s: the 200 headers of a GET, no body', async (range) => {
    const headers: Record<string, string> = range === undefined ? {} : { Range: range };
    const head = await get(`${server.url}/media/data.bin`, headers, 'HEAD');
    const plain = await get(`${server.url}/media/data.bin`);
    expect(head.status).toBe(200);
    expect(head.body.length).toBe(0);
    for (const name of ['content-length', 'content-type', 'etag', 'last-modified', 'accept-ranges', 'cache-control']) {
      expect(head.headers[name]).toBe(plain.headers[name]);
    }
    expect(head.headers['content-range']).toBeUndefined();
  });

  it('the 206 carries the same validators and type as the 200', async () => {
    const whole = await get(`${server.url}/media/data.bin`);
    const part = await get(`${server.url}/media/data.bin`, { Range: 'bytes=5-9' });
    for (const name of ['etag', 'last-modified', 'content-type', 'accept-ranges', 'cache-control']) {
      expect(part.headers[name]).toBe(whole.headers[name]);
    }
  });

  it('the empty file is a 200 with Content-Length 0', async () => {
    const res = await get(`${server.url}/media/empty.bin`);
    expect(res.status).toBe(200);
    expect(res.headers['content-length']).toBe('0');
    expect(res.body.length).toBe(0);
  });
});
