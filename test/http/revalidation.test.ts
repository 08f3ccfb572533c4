import { renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { partialContent, type ResponseEvent } from '../../src/index.js';
import { createFixtures, patterned, type Fixtures } from '../helpers/fixtures.js';
import { get } from '../helpers/http-get.js';
import { createApp, listen, withSentinels, type Running } from '../helpers/server.js';

/**
 * Revalidations (If-None-Match / If-Modified-Since) of a file are decided from stat(2), and the file
 * is opened only when the answer carries bytes. `setHeaders` runs between the two, so a hook that
 * replaces or deletes the file there shows what each answer was decided from: a 304 needs no open,
 * and bytes always come from the opened file, decided again if it is not the file that was stat'ed.
 */

const OLD = patterned(50_000, 1);
const NEW = patterned(60_000, 2);

let fixtures: Fixtures;
let server: Running;
const events: ResponseEvent[] = [];
/** What the hook does to `target.bin` once, on the next request. */
let onNextRequest: 'replace' | 'delete' | undefined;

function reset(): void {
  writeFileSync(join(fixtures.root, 'target.bin'), OLD);
  writeFileSync(join(fixtures.root, 'next.bin'), NEW);
}

beforeAll(async () => {
  fixtures = createFixtures();
  const app = createApp();
  app.use(
    '/media',
    partialContent(fixtures.root, {
      fallthrough: false,
      onResponse: (event) => events.push(event),
      setHeaders: (_res: ServerResponse, path: string) => {
        if (!path.endsWith('target.bin') || onNextRequest === undefined) return;
        if (onNextRequest === 'replace') renameSync(join(fixtures.root, 'next.bin'), join(fixtures.root, 'target.bin'));
        else rmSync(join(fixtures.root, 'target.bin'));
        onNextRequest = undefined;
      },
    }),
  );
  withSentinels(app);
  server = await listen(app);
});
afterAll(async () => {
  await server.close();
  fixtures.cleanup();
});
beforeEach(() => {
  onNextRequest = undefined;
  events.length = 0;
  reset();
});

/** Waits (at most 2 s) until `condition` holds: onResponse may fire just after the client has its answer. */
async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
}

/** The one onResponse event of the last request. */
async function onlyEvent(): Promise<ResponseEvent | undefined> {
  await until(() => events.length > 0);
  expect(events).toHaveLength(1);
  return events[0];
}

async function etagOf(name: string): Promise<string> {
  const res = await get(`${server.url}/media/${name}`, {}, 'HEAD');
  // Let this request's own onResponse event land first, so it is not taken for the next one's.
  await until(() => events.some((event) => event.method === 'HEAD'));
  return String(res.headers.etag);
}

describe('revalidations decided from stat, bytes from the opened file', () => {
  it('a matching If-None-Match is a 304 without the file being opened (deleted after stat, still 304)', async () => {
    const etag = await etagOf('target.bin');
    onNextRequest = 'delete';
    events.length = 0;
    const res = await get(`${server.url}/media/target.bin`, { 'if-none-match': etag });
    expect([res.status, res.headers.etag, res.body.length]).toEqual([304, etag, 0]);
    const event = await onlyEvent();
    expect([event?.status, event?.size, event?.bytesWritten, event?.aborted]).toEqual([304, OLD.length, 0, false]);
  });

  it('a matching If-Modified-Since is a 304 the same way', async () => {
    const lastModified = String((await get(`${server.url}/media/target.bin`, {}, 'HEAD')).headers['last-modified']);
    onNextRequest = 'delete';
    const res = await get(`${server.url}/media/target.bin`, { 'if-modified-since': lastModified });
    expect([res.status, res.body.length]).toEqual([304, 0]);
  });

  it('a miss whose file is deleted before it could be opened is a 404, never stale bytes', async () => {
    onNextRequest = 'delete';
    const res = await get(`${server.url}/media/target.bin`, { 'if-none-match': '"something-else"' });
    expect(res.status).toBe(404);
  });

  it('a miss whose file is replaced before it is opened: 200 with the new bytes and the new ETag', async () => {
    const newTag = await etagOf('next.bin'); // a rename keeps the inode, so the tag moves with the file
    onNextRequest = 'replace';
    events.length = 0;
    const res = await get(`${server.url}/media/target.bin`, { 'if-none-match': '"something-else"' });
    expect([res.status, res.headers.etag, res.headers['content-length']]).toEqual([200, newTag, String(NEW.length)]);
    expect(res.body.equals(NEW)).toBe(true);
    // onResponse describes the file that was sent, not the one first stat'ed.
    const event = await onlyEvent();
    expect([event?.status, event?.size, event?.bytesWritten, event?.bytesExpected, event?.source?.endsWith('target.bin')]).toEqual([
      200,
      NEW.length,
      NEW.length,
      NEW.length,
      true,
    ]);
  });

  it('a miss on the stat-ed file that matches the file actually opened is decided again: 304', async () => {
    const newTag = await etagOf('next.bin');
    onNextRequest = 'replace';
    const res = await get(`${server.url}/media/target.bin`, { 'if-none-match': newTag });
    expect([res.status, res.headers.etag, res.body.length]).toEqual([304, newTag, 0]);
  });

  it('a Range request with a missed If-None-Match, file replaced in between: 206 of the new bytes', async () => {
    const newTag = await etagOf('next.bin');
    onNextRequest = 'replace';
    const res = await get(`${server.url}/media/target.bin`, { 'if-none-match': '"something-else"', range: 'bytes=40000-' });
    expect([res.status, res.headers['content-range'], res.headers.etag]).toEqual([206, `bytes 40000-59999/${NEW.length}`, newTag]);
    expect(res.body.equals(NEW.subarray(40_000))).toBe(true);
  });

  it('an answer without bytes (416) is decided from the stat-ed file, as if the request came a moment earlier', async () => {
    onNextRequest = 'replace';
    const res = await get(`${server.url}/media/target.bin`, { 'if-none-match': '"something-else"', range: 'bytes=55000-' });
    expect([res.status, res.headers['content-range'], res.body.length]).toEqual([416, `bytes */${OLD.length}`, 0]);
  });

  it.each([
    ['a directory', '/media/sub', 404, 404],
    ['a missing file', '/media/nothing-here.bin', 404, 404],
    ['a file in a dot-directory', '/media/.hidden/inside.txt', 404, 404],
    ['a symlink out of root', '/media/escape.txt', 403, 403],
    ['a file under a symlinked directory out of root', '/media/escape-dir/secret.txt', 403, 403],
    ['a symlink inside root', '/media/alias.txt', 200, 304],
  ])('%s (%s): %i without conditional headers, %i with them', async (_name, path, plainStatus, conditionalStatus) => {
    const plain = await get(`${server.url}${path}`);
    const conditional = await get(`${server.url}${path}`, { 'if-none-match': '*' });
    expect([plain.status, conditional.status]).toEqual([plainStatus, conditionalStatus]);
    if (conditionalStatus !== 304) expect(conditional.body.equals(plain.body)).toBe(true);
  });

  it('a file revalidated moments ago (trusted without realpath) and then swapped for a symlink out of root: 403', async () => {
    const path = join(fixtures.root, 'swapped.txt');
    writeFileSync(path, 'inside');
    const etag = String((await get(`${server.url}/media/swapped.txt`)).headers.etag);
    for (let i = 0; i < 3; i++) expect((await get(`${server.url}/media/swapped.txt`, { 'if-none-match': etag })).status).toBe(304);
    rmSync(path);
    symlinkSync(join(fixtures.outside, 'secret.txt'), path);
    const conditional = await get(`${server.url}/media/swapped.txt`, { 'if-none-match': etag });
    const miss = await get(`${server.url}/media/swapped.txt`, { 'if-none-match': '"other"' });
    expect([conditional.status, miss.status, miss.body.toString()]).toEqual([403, 403, 'error 403']);
  });

  it('without conditional headers the file is opened first (as before): bytes of the file that was opened', async () => {
    onNextRequest = 'delete';
    const res = await get(`${server.url}/media/target.bin`);
    expect([res.status, res.body.equals(OLD)]).toEqual([200, true]);
  });
});
