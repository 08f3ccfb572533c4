import { utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blobSource, bufferSource, HttpError, rangeResponse, type ResponseEvent, type Source } from '../../src/fetch.js';
import { hashesRunning } from '../../src/sources/content-etag.js';
import { createFixtures, patterned, type Fixtures } from '../helpers/fixtures.js';

// rangeResponse called directly with a Request, as a Next.js route handler or a Hono handler calls it.
let fixtures: Fixtures;
beforeAll(() => {
  fixtures = createFixtures();
});
afterAll(() => fixtures.cleanup());

const data = (): Buffer => fixtures.files['data.bin']!;
/** A copy on its own ArrayBuffer, as `BlobPart` wants. */
const part = (): Uint8Array<ArrayBuffer> => new Uint8Array(data());
const request = (headers: Record<string, string> = {}, init: RequestInit = {}): Request =>
  new Request('http://localhost/media/data.bin', { ...init, headers });
const bytes = async (response: Response): Promise<Buffer> => Buffer.from(await response.arrayBuffer());

describe('rangeResponse', () => {
  it.each([
    ['a path', () => join(fixtures.root, 'data.bin')],
    ['bytes', () => data()],
    ['a Source', () => bufferSource(data())],
    ['a promise of a Source', () => Promise.resolve(bufferSource(data()))],
    ['a Blob', () => new Blob([part()])],
    ['a File', () => new File([part()], 'data.bin')],
    ['a blobSource', () => blobSource(new Blob([part()]), { etag: '"v1"' })],
  ])('serves %s: 200 whole and 206 for a range, bodies exact', async (_name, source) => {
    const whole = await rangeResponse(request(), source());
    expect([whole.status, whole.headers.get('content-length')]).toEqual([200, '10000']);
    expect((await bytes(whole)).equals(data())).toBe(true);
    const part = await rangeResponse(request({ Range: 'bytes=100-70099' }), source());
    expect([part.status, part.headers.get('content-range'), part.headers.get('content-length')]).toEqual([206, 'bytes 100-9999/10000', '9900']);
    expect((await bytes(part)).equals(data().subarray(100))).toBe(true);
  });

  it('takes type, name and lastModified from a File', async () => {
    const file = new File(['hello'], 'greeting.txt', { type: 'text/plain; charset=utf-8', lastModified: Date.UTC(2024, 0, 2) });
    const response = await rangeResponse(request(), file);
    expect([response.headers.get('content-type'), response.headers.get('last-modified'), response.headers.get('etag')]).toEqual([
      'text/plain; charset=utf-8', 'Tue, 02 Jan 2024 00:00:00 GMT', null,
    ]);
  });

  it('rejects with an HttpError, nothing sent, when the file cannot be opened', async () => {
    await expect(rangeResponse(request(), join(fixtures.root, 'missing.bin'))).rejects.toMatchObject({ status: 404 });
    await expect(rangeResponse(request(), fixtures.root)).rejects.toBeInstanceOf(HttpError);
  });

  it("etag: 'content' on a file rewritten while it is hashed rejects with 503 and Retry-After, nothing sent", async () => {
    const path = join(fixtures.root, 'moving.bin');
    writeFileSync(path, patterned(32 * 1024 * 1024, 1));
    const answer = rangeResponse(request(), path, { etag: 'content' });
    // Rewritten once the hash has started on the opened file (polled, bounded in time).
    const deadline = Date.now() + 10_000;
    while (hashesRunning() === 0 && Date.now() < deadline) await new Promise((resolve) => setImmediate(resolve));
    writeFileSync(path, patterned(32 * 1024 * 1024, 2)); // same inode and size, new mtime
    await expect(answer).rejects.toMatchObject({ status: 503, headers: { 'Retry-After': '1' } });
  });

  it('checks options as sendRange does: a TypeError naming the bad one, thrown at the call', () => {
    expect(() => rangeResponse(request(), data(), { maxRanges: 0 })).toThrow(/^maxRanges/);
  });

  it('HEAD has the headers of a GET and no body', async () => {
    const head = await rangeResponse(request({}, { method: 'HEAD' }), join(fixtures.root, 'data.bin'));
    expect([head.status, head.headers.get('content-length'), head.body]).toEqual([200, '10000', null]);
  });

  it('onResponse fires once with what was sent, after the body ended', async () => {
    const events: ResponseEvent[] = [];
    const response = await rangeResponse(request({ Range: 'bytes=0-99999' }), join(fixtures.root, 'clip.mp4'), { onResponse: (e) => events.push(e) });
    expect(events).toEqual([]);
    const body = await bytes(response);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ status: 206, bytesWritten: body.length, bytesExpected: 100_000, aborted: false, url: 'http://localhost/media/data.bin' });
  });

  it("a Source's stream is released and the source closed when the body is cancelled", async () => {
    let closed = 0;
    let destroyed = 0;
    const source: Source = {
      size: 1_000_000,
      open: () => {
        const stream = Readable.from((function* () { for (;;) yield Buffer.alloc(1000); })(), { objectMode: false, highWaterMark: 0 });
        stream.on('close', () => destroyed++);
        return stream;
      },
      close: () => {
        closed++;
      },
    };
    const response = await rangeResponse(request({ Range: 'bytes=0-' }), source);
    const reader = response.body!.getReader();
    await reader.read();
    await reader.cancel();
    await expect.poll(() => [closed, destroyed], { timeout: 5_000 }).toEqual([1, 1]);
  });

  it('an app header set in setHeaders wins, and 304 keeps only what updates a cache', async () => {
    const options = { setHeaders: (headers: Headers) => headers.set('Cache-Control', 'private, max-age=60') };
    const first = await rangeResponse(request(), join(fixtures.root, 'data.bin'), options);
    const etag = first.headers.get('etag')!;
    const revalidated = await rangeResponse(request({ 'If-None-Match': etag }), join(fixtures.root, 'data.bin'), options);
    expect([revalidated.status, revalidated.headers.get('cache-control'), revalidated.headers.get('content-type')]).toEqual([304, 'private, max-age=60', null]);
  });
});

describe('rangeResponse: what must be the same on Node, Bun and Deno', () => {
  it('dates and tags a file by its mtime in whole milliseconds, truncated as Deno and Bun see it', async () => {
    const path = join(fixtures.root, 'data.bin');
    // 0.4 ms before a second: Node's Stats.mtime rounds this up to the next second.
    const seconds = Date.UTC(2025, 5, 30, 23, 59, 59) / 1000 + 0.9996;
    utimesSync(path, seconds, seconds);
    const response = await rangeResponse(request(), path);
    const millis = Date.UTC(2025, 5, 30, 23, 59, 59, 999);
    expect([response.headers.get('last-modified'), response.headers.get('etag')]).toEqual([
      'Mon, 30 Jun 2025 23:59:59 GMT', `"${(10_000).toString(16)}-${millis.toString(16)}"`,
    ]);
  });

  it('says Content-Disposition: inline for application/* answers (Bun would name the file on disk), unless the app set one', async () => {
    const path = join(fixtures.root, 'data.bin');
    for (const init of [{}, { method: 'HEAD' }]) {
      for (const headers of [{}, { Range: 'bytes=0-9' }, { Range: 'bytes=0-9,20-29' }]) {
        const response = await rangeResponse(request(headers, init), path);
        const multipart = response.headers.get('content-type')!.startsWith('multipart/');
        expect([init, headers, response.headers.get('content-disposition')]).toEqual([init, headers, multipart ? null : 'inline']);
      }
    }
    expect((await rangeResponse(request(), join(fixtures.root, 'song.mp3'))).headers.get('content-disposition')).toBeNull();
    const named = await rangeResponse(request(), path, { setHeaders: (headers) => headers.set('Content-Disposition', 'attachment') });
    expect(named.headers.get('content-disposition')).toBe('attachment');
    expect((await rangeResponse(request({ 'If-None-Match': named.headers.get('etag')! }), path)).headers.get('content-disposition')).toBeNull();
  });
});
