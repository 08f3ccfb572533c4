import { utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { partialContent, sendRange, type PartialContentOptions } from '../../src/index.js';
import { materialize, PRECONDITION_CASES } from '../cases/precondition-cases.js';
import { createFixtures, patterned, type Fixtures } from '../helpers/fixtures.js';
import { createApp, listen, withSentinels, type Running } from '../helpers/server.js';
import { request } from '../helpers/supertest.js';

let fixtures: Fixtures;
const servers: Running[] = [];
const OLD = new Date('2024-03-01T12:00:00Z'); // old enough for Last-Modified to be a strong validator

async function serve(options: PartialContentOptions = {}): Promise<string> {
  const app = createApp();
  app.use('/media', partialContent(fixtures.root, options));
  app.get('/direct', (req, res, next) => {
    sendRange(req, res, join(fixtures.root, 'data.bin'), options).catch(next);
  });
  withSentinels(app);
  const running = await listen(app);
  servers.push(running);
  return running.url;
}

let base: string;
let etag: string;
beforeAll(async () => {
  fixtures = createFixtures();
  utimesSync(join(fixtures.root, 'data.bin'), OLD, OLD);
  base = await serve();
  etag = String((await request(base).get('/media/data.bin')).headers['etag']);
});
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  fixtures.cleanup();
});

const data = () => fixtures.files['data.bin']!;
const STATUS = { proceed: 200, 'not-modified': 304, 'precondition-failed': 412 } as const;

describe.each(['/media/data.bin', '/direct'])('RFC 9110 §13.2.2 precedence through %s', (path) => {
  describe.each([
    { withRange: false, proceed: 200 },
    { withRange: true, proceed: 206 },
  ])('with Range: $withRange', ({ withRange, proceed }) => {
    it.each(PRECONDITION_CASES)('$name → $expected', async ({ request: conditions, expected }) => {
      const headers = materialize(conditions, etag, OLD);
      if (withRange) headers['Range'] = 'bytes=100-199';
      for (const method of ['get', 'head'] as const) {
        // Range is defined for GET only (RFC 9110 §14.2): a HEAD that proceeds is a 200.
        const status = expected === 'proceed' ? (method === 'head' ? 200 : proceed) : STATUS[expected];
        const res = await request(base)[method](path).set(headers).expect(status);
        if (status === 304) {
          // RFC 9110 §15.4.5: validators and caching headers, nothing about a body; Last-Modified
          // only where there is no ETag.
          expect(res.headers['etag']).toBe(etag);
          expect(res.headers['last-modified']).toBeUndefined();
          expect(res.headers['cache-control']).toBe('public, max-age=0');
          expect(res.headers['content-type']).toBeUndefined();
          expect(res.headers['content-length']).toBeUndefined();
          expect(res.headers['content-range']).toBeUndefined();
        }
        if (method === 'head' || status === 304 || status === 412) {
          expect(res.body.length).toBe(0);
        } else if (status === 206) {
          expect(res.headers['content-range']).toBe('bytes 100-199/10000');
          expect(res.body.equals(data().subarray(100, 200))).toBe(true);
        } else {
          expect(res.body.equals(data())).toBe(true);
        }
      }
    });
  });
});

describe('If-Range (RFC 9110 §13.1.5)', () => {
  it.each([
    { name: 'the current strong ETag', value: () => etag, status: 206 },
    { name: 'the weak form of the ETag', value: () => `W/${etag}`, status: 200 },
    { name: 'a stale ETag', value: () => '"stale"', status: 200 },
    { name: 'a tag containing the ETag as a substring (send #111)', value: () => `"x${etag.slice(1)}`, status: 200 },
    { name: 'the exact Last-Modified date', value: () => OLD.toUTCString(), status: 206 },
    { name: 'an older date', value: () => new Date(OLD.getTime() - 60_000).toUTCString(), status: 200 },
    { name: 'a newer date (send accepts any date ≥ Last-Modified)', value: () => new Date(OLD.getTime() + 60_000).toUTCString(), status: 200 },
    { name: 'garbage', value: () => 'not-a-validator', status: 200 },
  ])('$name → $status', async ({ value, status }) => {
    const res = await request(base).get('/media/data.bin').set({ Range: 'bytes=0-99', 'If-Range': value() }).expect(status);
    expect(res.body.equals(status === 206 ? data().subarray(0, 100) : data())).toBe(true);
  });

  it('a weak ETag from a custom function never satisfies If-Range', async () => {
    const url = await serve({ etag: () => 'W/"custom"' });
    const res = await request(url).get('/media/data.bin').set({ Range: 'bytes=0-99', 'If-Range': 'W/"custom"' });
    expect(res.headers['etag']).toBe('W/"custom"');
    expect(res.status).toBe(200);
  });
});

describe('validators', () => {
  it('a file rewritten between two requests changes the ETag and the body; a resume with If-Range gets the new file whole', async () => {
    const path = join(fixtures.root, 'rewritten.bin');
    writeFileSync(path, patterned(4000, 1));
    const first = await request(base).get('/media/rewritten.bin');
    writeFileSync(path, patterned(4000, 2)); // same size, same second: only sub-second mtime tells them apart
    const second = await request(base).get('/media/rewritten.bin');
    expect(second.headers['etag']).not.toBe(first.headers['etag']);
    expect(second.body.equals(patterned(4000, 2))).toBe(true);
    const resumed = await request(base).get('/media/rewritten.bin').set({ Range: 'bytes=2000-', 'If-Range': String(first.headers['etag']) }).expect(200);
    expect(resumed.body.equals(patterned(4000, 2))).toBe(true);
  });

  it('etag: false sends no ETag; If-None-Match then never matches', async () => {
    const url = await serve({ etag: false });
    const res = await request(url).get('/media/data.bin').set({ 'If-None-Match': etag }).expect(200);
    expect(res.headers['etag']).toBeUndefined();
  });

  it('etag as a function computes the tag (a bare value is quoted)', async () => {
    const url = await serve({ etag: (source) => `v1-${source.size}` });
    const res = await request(url).get('/media/data.bin');
    expect(res.headers['etag']).toBe('"v1-10000"');
    await request(url).get('/media/data.bin').set({ 'If-None-Match': '"v1-10000"' }).expect(304);
  });

  it('lastModified: false sends no Last-Modified; If-Modified-Since is then ignored', async () => {
    const url = await serve({ lastModified: false });
    const res = await request(url).get('/media/data.bin').set({ 'If-Modified-Since': new Date().toUTCString() }).expect(200);
    expect(res.headers['last-modified']).toBeUndefined();
  });
});

describe('caching headers', () => {
  it.each([
    { options: {}, header: 'public, max-age=0' },
    { options: { maxAge: '7d' }, header: 'public, max-age=604800' },
    { options: { maxAge: 3_600_000, immutable: true }, header: 'public, max-age=3600, immutable' },
    { options: { cacheControl: false }, header: undefined },
  ] as const)('$options → Cache-Control $header', async ({ options, header }) => {
    const url = await serve(options);
    for (const range of [undefined, 'bytes=0-0']) {
      const res = await request(url).get('/media/data.bin').set(range === undefined ? {} : { Range: range });
      expect(res.headers['cache-control']).toBe(header);
    }
  });

  it('setHeaders(res, path, stats) runs before the headers go out, and its headers win', async () => {
    const seen: Array<{ path: string; size: number | undefined }> = [];
    const url = await serve({
      setHeaders: (res, path, stats) => {
        seen.push({ path, size: stats?.size });
        res.setHeader('Content-Disposition', 'inline');
        res.setHeader('Cache-Control', 'no-store');
      },
    });
    const res = await request(url).get('/media/data.bin').set({ Range: 'bytes=0-9' }).expect(206);
    expect(res.headers['content-disposition']).toBe('inline');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(seen).toEqual([{ path: join(fixtures.root, 'data.bin'), size: 10_000 }]);
  });

  it('acceptRanges: false sends no Accept-Ranges and ignores Range', async () => {
    const url = await serve({ acceptRanges: false });
    const res = await request(url).get('/media/data.bin').set({ Range: 'bytes=0-9' }).expect(200);
    expect(res.headers['accept-ranges']).toBeUndefined();
    expect(res.body.equals(data())).toBe(true);
  });

  it('an app’s Vary is kept and Sec-Fetch-Dest appended', async () => {
    const app = createApp();
    app.use((_req, res, next) => {
      res.setHeader('Vary', 'Origin');
      next();
    });
    app.use('/media', partialContent(fixtures.root));
    const running = await listen(app);
    servers.push(running);
    const res = await request(running.url).get('/media/data.bin').set({ Range: 'bytes=0-' });
    expect(res.headers['vary']).toBe('Origin, Sec-Fetch-Dest');
  });

  it.each([
    { name: '304', request: () => ({ 'If-None-Match': etag }), status: 304 },
    { name: '412', request: () => ({ 'If-Match': '"other"' }), status: 412 },
    { name: '416', request: () => ({ Range: 'bytes=20000-' }), status: 416 },
  ])('the app’s representation fields stay off a $name; its other fields go out (issue 13, point 12)', async ({ request: conditions, status }) => {
    const app = createApp();
    app.use((_req, res, next) => {
      res.setHeader('Content-Language', 'de');
      res.setHeader('Content-Type', 'audio/x-app');
      res.setHeader('Content-Disposition', 'inline');
      res.setHeader('X-App', 'kept');
      next();
    });
    app.use('/media', partialContent(fixtures.root));
    const running = await listen(app);
    servers.push(running);
    const res = await request(running.url).get('/media/data.bin').set(conditions()).expect(status);
    expect(res.headers['content-language']).toBeUndefined();
    expect(res.headers['content-type']).toBeUndefined();
    expect(res.headers['content-disposition']).toBeUndefined();
    expect(res.headers['x-app']).toBe('kept');
    const whole = await request(running.url).get('/media/data.bin');
    expect(whole.headers['content-language']).toBe('de');
    expect(whole.headers['content-type']).toBe('audio/x-app');
  });

  it('a 304 carries Last-Modified when it has no ETag', async () => {
    const url = await serve({ etag: false });
    const res = await request(url).get('/media/data.bin').set({ 'If-Modified-Since': OLD.toUTCString() }).expect(304);
    expect(res.headers['last-modified']).toBe(OLD.toUTCString());
  });
});
