import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rangeResponse } from '../../src/fetch.js';
import { partialContent } from '../../src/index.js';
import { createFixtures, type Fixtures } from '../helpers/fixtures.js';
import { get } from '../helpers/http-get.js';
import { createApp, listen, withSentinels, type Running } from '../helpers/server.js';

/**
 * The same files on several servers (here: several roots), as a scaled-out deployment has them:
 * validators must agree, or a cache in front of them cannot stitch or revalidate across servers.
 */

const FILE = 'song.mp3';
let fixtures: Fixtures;
let server: Running;
let bytes: Buffer;

beforeAll(async () => {
  fixtures = createFixtures();
  bytes = fixtures.files[FILE] as Buffer;
  const base = join(fixtures.root, '..');
  // A deployment copy: cp -a keeps sizes and mtimes (new inodes, as on another machine).
  execFileSync('cp', ['-a', fixtures.root, join(base, 'copy')]);
  // A copy written on the spot, as a build or a checkout on each machine makes it: other mtimes.
  cpSync(fixtures.root, join(base, 'rebuilt'), { recursive: true });
  utimesSync(join(base, 'rebuilt', FILE), new Date('2025-01-02T03:04:05Z'), new Date('2025-01-02T03:04:05Z'));

  const app = createApp();
  app.use('/a', partialContent(fixtures.root));
  app.use('/copy', partialContent(join(base, 'copy')));
  app.use('/rebuilt', partialContent(join(base, 'rebuilt')));
  app.use('/content-a', partialContent(fixtures.root, { etag: 'content' }));
  app.use('/content-rebuilt', partialContent(join(base, 'rebuilt'), { etag: 'content' }));
  withSentinels(app);
  server = await listen(app);
});
afterAll(async () => {
  await server?.close();
  fixtures?.cleanup();
});

const head = async (mount: string) => (await get(`${server.url}/${mount}/${FILE}`, {}, 'HEAD')).headers;

describe('copies with the same size and mtime (cp -a, rsync -a), default validators', () => {
  it('give the same ETag and Last-Modified on every server', async () => {
    const [a, copy] = [await head('a'), await head('copy')];
    expect(a.etag).toMatch(/^"[0-9a-f]+-[0-9a-f]+"$/);
    expect(copy.etag).toBe(a.etag);
    expect(copy['last-modified']).toBe(a['last-modified']);
  });

  it("answer each other's validators: If-Range resumes (206), If-None-Match revalidates (304)", async () => {
    const { etag } = await head('a');
    const resumed = await get(`${server.url}/copy/${FILE}`, { range: 'bytes=1000-1999', 'if-range': String(etag) });
    expect([resumed.status, resumed.headers['content-range']]).toEqual([206, `bytes 1000-1999/${bytes.length}`]);
    expect(resumed.body.equals(bytes.subarray(1000, 2000))).toBe(true);
    const revalidated = await get(`${server.url}/copy/${FILE}`, { 'if-none-match': String(etag) });
    expect([revalidated.status, revalidated.body.length]).toEqual([304, 0]);
  });
});

describe('copies with different mtimes', () => {
  it('default: different ETags, so a resume against the other server safely gets the whole file (200)', async () => {
    const { etag } = await head('a');
    expect((await head('rebuilt')).etag).not.toBe(etag);
    const res = await get(`${server.url}/rebuilt/${FILE}`, { range: 'bytes=1000-1999', 'if-range': String(etag) });
    expect(res.status).toBe(200);
    expect(res.body.equals(bytes)).toBe(true);
  });

  it("etag: 'content': one ETag, the SHA-256 of the bytes, on every server; resumes and revalidations work across them", async () => {
    const expected = `"${createHash('sha256').update(bytes).digest('base64url')}"`;
    // The very first request for a version already carries the tag (it waits for the hash).
    const first = await get(`${server.url}/content-rebuilt/${FILE}`, { range: 'bytes=0-99' });
    expect([first.status, first.headers.etag]).toEqual([206, expected]);
    expect((await head('content-a')).etag).toBe(expected);

    const resumed = await get(`${server.url}/content-a/${FILE}`, { range: 'bytes=5000-5999', 'if-range': expected });
    expect(resumed.status).toBe(206);
    expect(resumed.body.equals(bytes.subarray(5000, 6000))).toBe(true);
    const revalidated = await get(`${server.url}/content-rebuilt/${FILE}`, { 'if-none-match': expected });
    expect([revalidated.status, revalidated.headers.etag]).toEqual([304, expected]);
  });

  it("etag: 'content': a revalidation is the first request for a version: hashed, then answered", async () => {
    const name = 'data.bin'; // not requested yet on this mount
    const expected = `"${createHash('sha256').update(fixtures.files[name] as Buffer).digest('base64url')}"`;
    const miss = await get(`${server.url}/content-rebuilt/${name}`, { 'if-none-match': '"older"' });
    expect([miss.status, miss.headers.etag]).toEqual([200, expected]);
    expect(miss.body.equals(fixtures.files[name] as Buffer)).toBe(true);
    const hit = await get(`${server.url}/content-rebuilt/${name}`, { 'if-none-match': expected });
    expect([hit.status, hit.headers.etag]).toEqual([304, expected]);
  });

  it("etag: 'content' in the fetch shell too (rangeResponse): the same tag as the middleware's", async () => {
    const expected = `"${createHash('sha256').update(bytes).digest('base64url')}"`;
    const res = await rangeResponse(new Request('http://localhost/x', { headers: { range: 'bytes=0-9' } }), join(fixtures.root, FILE), { etag: 'content' });
    expect([res.status, res.headers.get('etag')]).toEqual([206, expected]);
    expect(Buffer.from(await res.arrayBuffer()).equals(bytes.subarray(0, 10))).toBe(true);
  });
});
