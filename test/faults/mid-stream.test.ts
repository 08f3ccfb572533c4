import { renameSync, truncateSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { partialContent, type ResponseEvent } from '../../src/index.js';
import { createFixtures, patterned, type Fixtures } from '../helpers/fixtures.js';
import { get } from '../helpers/http-get.js';
import { createApp, listen, withSentinels, type Running } from '../helpers/server.js';

/**
 * A file truncated, deleted or replaced while it streams, and a resume after it changed. The
 * response either completes with the bytes of the file that was opened, or ends as a short,
 * failed transfer (the connection closes before Content-Length bytes): never padded, never hung,
 * never a splice of two versions.
 */

const SIZE = 32 * 1024 * 1024;
const ORIGINAL = patterned(SIZE);
const NAME = 'long.bin';

let fixtures: Fixtures;
let server: Running;
let path: string;
const events: ResponseEvent[] = [];

interface Transfer {
  readonly status: number;
  readonly contentLength: number;
  readonly body: Buffer;
  /** All Content-Length bytes arrived and the message ended normally. */
  readonly complete: boolean;
}

/**
 * GETs the file, pauses after the first chunk, runs `meanwhile`, then reads to the end. Rejects
 * if the transfer neither completes nor fails within 15 s (a hang).
 */
function transferDuring(meanwhile: () => void, headers: Record<string, string> = {}): Promise<Transfer> {
  return new Promise((resolve, reject) => {
    const req = request(`${server.url}/media/${NAME}`, { headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      let paused = false;
      const hang = setTimeout(() => {
        req.destroy();
        reject(new Error('the transfer hung'));
      }, 15_000);
      res.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        if (paused) return;
        paused = true;
        res.pause();
        meanwhile();
        setTimeout(() => res.resume(), 100);
      });
      res.on('error', () => undefined); // 'aborted' when the server cuts the connection
      res.on('close', () => {
        clearTimeout(hang);
        resolve({
          status: res.statusCode ?? 0,
          contentLength: Number(res.headers['content-length']),
          body: Buffer.concat(chunks),
          complete: res.complete,
        });
      });
    });
    req.on('error', () => undefined);
    req.end();
  });
}

beforeAll(async () => {
  fixtures = createFixtures();
  path = join(fixtures.root, NAME);
  const app = createApp();
  app.use('/media', partialContent(fixtures.root, { onResponse: (event) => events.push(event) }));
  app.use('/content', partialContent(fixtures.root, { etag: 'content' }));
  withSentinels(app);
  server = await listen(app);
});
beforeEach(() => {
  writeFileSync(path, ORIGINAL);
  events.length = 0;
});
afterAll(async () => {
  await server.close();
  fixtures.cleanup();
});

describe('the file changes while it streams', () => {
  it('truncated: a short, failed transfer of the original bytes, never padded, never hung', async () => {
    const res = await transferDuring(() => truncateSync(path, 1024 * 1024));
    expect(res.status).toBe(200);
    expect(res.contentLength).toBe(SIZE);
    expect(res.complete).toBe(false);
    expect(res.body.length).toBeLessThan(SIZE);
    expect(res.body.equals(ORIGINAL.subarray(0, res.body.length))).toBe(true);
    const event = events.find((e) => e.source?.endsWith(NAME));
    // Cut by the file source's fstat check (the size changed) or by the shell's byte count.
    expect(event?.error?.message).toMatch(/changed while streaming|ended after \d+ of \d+ bytes/);
  });

  it('truncated to nothing under a range request: the same', async () => {
    const res = await transferDuring(() => truncateSync(path, 0), { range: 'bytes=1000000-' });
    expect([res.status, res.contentLength, res.complete]).toEqual([206, SIZE - 1_000_000, false]);
    expect(res.body.equals(ORIGINAL.subarray(1_000_000, 1_000_000 + res.body.length))).toBe(true);
  });

  it('truncated under a multipart request: the same', async () => {
    const res = await transferDuring(() => truncateSync(path, 2 * 1024 * 1024), { range: 'bytes=0-9,20000000-29999999' });
    expect([res.status, res.complete]).toEqual([206, false]);
    expect(res.body.length).toBeLessThan(res.contentLength);
  });

  it('rewritten in place (same inode, same size): cut before the last chunk, never a complete-looking splice', async () => {
    const res = await transferDuring(() => writeFileSync(path, patterned(SIZE, 42)));
    expect([res.status, res.contentLength, res.complete]).toEqual([200, SIZE, false]);
    expect(res.body.length).toBeLessThan(SIZE);
  });

  it('deleted: the open descriptor keeps serving the original inode, complete and exact', async () => {
    const res = await transferDuring(() => unlinkSync(path));
    expect([res.status, res.complete, res.body.length]).toEqual([200, true, SIZE]);
    expect(res.body.equals(ORIGINAL)).toBe(true);
    const after = await get(`${server.url}/media/${NAME}`);
    expect(after.status).toBe(404);
  });

  it('replaced by rename: the original inode is served whole; the next request gets the new file', async () => {
    const replacement = patterned(1000, 99);
    const res = await transferDuring(() => {
      writeFileSync(`${path}.new`, replacement);
      renameSync(`${path}.new`, path);
    });
    expect([res.status, res.complete, res.body.length]).toEqual([200, true, SIZE]);
    expect(res.body.equals(ORIGINAL)).toBe(true);
    const after = await get(`${server.url}/media/${NAME}`);
    expect([after.status, after.body.equals(replacement)]).toEqual([200, true]);
  });
});

describe('a resume with If-Range after the file changed', () => {
  /** Replaces the file by rename (a new inode), optionally with a given modification time. */
  function replace(bytes: Buffer, mtime?: Date): void {
    writeFileSync(`${path}.new`, bytes);
    if (mtime !== undefined) utimesSync(`${path}.new`, mtime, mtime);
    renameSync(`${path}.new`, path);
  }

  it('an interrupted download resumed after a replacement gets the new file whole (200), not a splice', async () => {
    const first = await transferDuring(() => undefined);
    expect(first.complete).toBe(true);
    const etag = String((await get(`${server.url}/media/${NAME}`, {}, 'HEAD')).headers['etag']);
    const updated = patterned(SIZE - 7, 13);
    replace(updated);
    const resumed = await get(`${server.url}/media/${NAME}`, { range: `bytes=${1024 * 1024}-`, 'if-range': etag });
    expect([resumed.status, resumed.headers['content-range']]).toEqual([200, undefined]);
    expect(resumed.headers['etag']).not.toBe(etag);
    expect(resumed.body.equals(updated)).toBe(true);
  });

  it('same size and same mtime, other bytes: the default tag cannot tell (206, as with nginx and Apache); etag: content can (200)', async () => {
    const stamp = new Date('2024-05-01T12:00:00Z');
    utimesSync(path, stamp, stamp);
    const defaultTag = String((await get(`${server.url}/media/${NAME}`, {}, 'HEAD')).headers['etag']);
    const contentTag = String((await get(`${server.url}/content/${NAME}`, {}, 'HEAD')).headers['etag']);
    const updated = patterned(SIZE, 77);
    replace(updated, stamp);
    // Size and mtime are all the default tag holds (so that copies on several servers agree).
    const byDefault = await get(`${server.url}/media/${NAME}`, { range: 'bytes=100-199', 'if-range': defaultTag });
    expect([byDefault.status, byDefault.headers['etag']]).toEqual([206, defaultTag]);
    expect(byDefault.body.equals(updated.subarray(100, 200))).toBe(true);
    const byContent = await get(`${server.url}/content/${NAME}`, { range: 'bytes=100-199', 'if-range': contentTag });
    expect(byContent.status).toBe(200);
    expect(byContent.headers['etag']).not.toBe(contentTag);
    expect(byContent.body.equals(updated)).toBe(true);
  });

  it('rewritten in place (same inode, new mtime): 200 with the new bytes', async () => {
    const etag = String((await get(`${server.url}/media/${NAME}`, {}, 'HEAD')).headers['etag']);
    const updated = patterned(SIZE, 5);
    writeFileSync(path, updated);
    const res = await get(`${server.url}/media/${NAME}`, { range: 'bytes=100-199', 'if-range': etag });
    expect(res.status).toBe(200);
    expect(res.body.equals(updated)).toBe(true);
  });

  it('If-Range with the old Last-Modified date: 200 with the new bytes; with the current date: 206', async () => {
    const old = new Date('2024-05-01T12:00:00Z');
    utimesSync(path, old, old);
    const lastModified = String((await get(`${server.url}/media/${NAME}`, {}, 'HEAD')).headers['last-modified']);
    const unchanged = await get(`${server.url}/media/${NAME}`, { range: 'bytes=100-199', 'if-range': lastModified });
    expect([unchanged.status, unchanged.body.equals(ORIGINAL.subarray(100, 200))]).toEqual([206, true]);

    const updated = patterned(SIZE, 3);
    replace(updated, new Date('2024-05-02T12:00:00Z'));
    const res = await get(`${server.url}/media/${NAME}`, { range: 'bytes=100-199', 'if-range': lastModified });
    expect(res.status).toBe(200);
    expect(res.body.equals(updated)).toBe(true);
  });
});
