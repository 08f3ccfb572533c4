import { createHmac, timingSafeEqual } from 'node:crypto';
import { request, type IncomingMessage, type ServerResponse } from 'node:http';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bufferSource, httpSource, sendRange, type SourceInput } from '../../src/index.js';
import { patterned } from '../helpers/fixtures.js';
import { get } from '../helpers/http-get.js';
import { startStore, until, type RunningStore } from '../helpers/s3rver.js';
import { createApp, listen, withSentinels, type Running } from '../helpers/server.js';

// httpSource on URLs presigned for GET. s3rver accepts any signature (and answers HEAD on them), so
// the refusal S3 and GCS give a HEAD on a URL signed for GET is played by an origin written here.

const DATA = patterned(10_000, 0);
const V2 = patterned(10_000, 42);
const BIG = 24 * 1024 * 1024;

// ---------------------------------------------------------------------------------------------
// An origin that, like S3, signs the method: a URL signed for GET is refused (403) to HEAD.

const SECRET = 'test-secret';
const sign = (method: string, path: string, expires: number): string =>
  createHmac('sha256', SECRET).update(`${method}\n${path}\n${expires}`).digest('hex');

/** A URL for `method` on `path`, with the signature in `X-Amz-Signature` (S3's name) or `sig` (unknown). */
function signedUrl(origin: string, path: string, { param = 'X-Amz-Signature', method = 'GET', expires = Date.now() + 60_000 } = {}): string {
  return `${origin}${path}?X-Amz-Expires=${expires}&${param}=${sign(method, path, expires)}`;
}

interface OriginRequest {
  readonly method: string;
  readonly range: string | undefined;
  readonly ifMatch: string | undefined;
}

function signingOrigin(objects: ReadonlyMap<string, Buffer>, seen: OriginRequest[]) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    seen.push({ method: req.method ?? '', range: req.headers.range, ifMatch: req.headers['if-match'] });
    const url = new URL(req.url ?? '/', 'http://x');
    const expires = Number(url.searchParams.get('X-Amz-Expires'));
    const given = Buffer.from(url.searchParams.get('X-Amz-Signature') ?? url.searchParams.get('sig') ?? '', 'hex');
    const expected = Buffer.from(sign(req.method ?? '', url.pathname, expires), 'hex');
    if (given.length !== expected.length || !timingSafeEqual(given, expected) || expires < Date.now()) {
      const xml = '<?xml version="1.0" encoding="UTF-8"?><Error><Code>SignatureDoesNotMatch</Code></Error>';
      return void res.writeHead(403, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(xml) }).end(req.method === 'HEAD' ? undefined : xml);
    }
    const bytes = objects.get(url.pathname);
    if (bytes === undefined) return void res.writeHead(404, { 'content-type': 'application/xml' }).end('<Error><Code>NoSuchKey</Code></Error>');
    sendRange(req, res, bufferSource(bytes, { type: 'audio/mpeg', lastModified: new Date('2024-05-01T12:00:00Z') })).catch(() => res.destroy());
  };
}

let origin: Running;
const originSeen: OriginRequest[] = [];
let store: RunningStore;
let front: Running;
/** The source the front serves at /given. */
let given: () => SourceInput = () => Promise.reject(new Error('unset'));

beforeAll(async () => {
  origin = await listen(signingOrigin(new Map([['/media/track.mp3', DATA]]), originSeen));
  store = await startStore();
  await store.put('data.bin', DATA);
  await store.put('empty.bin', Buffer.alloc(0));
  await store.put('big.bin', patterned(BIG, 3));
  const app = createApp();
  app.get('/given', (req, res, next) => void sendRange(req, res, given()).catch(next));
  withSentinels(app);
  front = await listen(app);
});

afterAll(async () => {
  await front?.close();
  await origin?.close();
  await store?.close();
});

async function originRequestsDuring(action: () => Promise<unknown>): Promise<OriginRequest[]> {
  const before = originSeen.length;
  await action();
  return originSeen.slice(before);
}

describe('an origin that refuses HEAD on a URL signed for GET', () => {
  it('the origin really does refuse it (403), and answers GET', async () => {
    const url = signedUrl(origin.url, '/media/track.mp3');
    expect((await get(url, {}, 'HEAD')).status).toBe(403);
    expect((await get(url, { range: 'bytes=0-9' })).status).toBe(206);
  });

  it('a presigned URL (X-Amz-Signature) is probed with GET bytes=0-0, then one GET per range with If-Match', async () => {
    const url = signedUrl(origin.url, '/media/track.mp3');
    given = () => httpSource(url);
    let etag: string | undefined;
    const seen = await originRequestsDuring(async () => {
      const res = await get(`${front.url}/given`, { range: 'bytes=1000-1999' });
      expect(res.status).toBe(206);
      expect(res.headers['content-type']).toBe('audio/mpeg');
      expect(res.headers['content-range']).toBe('bytes 1000-1999/10000');
      expect(res.body.equals(DATA.subarray(1000, 2000))).toBe(true);
      etag = res.headers.etag;
    });
    expect(etag).toMatch(/^"/);
    expect(seen).toEqual([
      { method: 'GET', range: 'bytes=0-0', ifMatch: undefined },
      { method: 'GET', range: 'bytes=1000-1999', ifMatch: etag },
    ]);
  });

  it('a URL signed some other way: HEAD answered 403, then the GET probe', async () => {
    given = () => httpSource(signedUrl(origin.url, '/media/track.mp3', { param: 'sig' }));
    const seen = await originRequestsDuring(async () => {
      const res = await get(`${front.url}/given`, { range: 'bytes=-100' });
      expect(res.status).toBe(206);
      expect(res.body.equals(DATA.subarray(9900))).toBe(true);
    });
    expect(seen.map((r) => `${r.method} ${r.range ?? ''}`)).toEqual(['HEAD ', 'GET bytes=0-0', 'GET bytes=9900-9999']);
  });

  it('HEAD and revalidations cost the probe only', async () => {
    given = () => httpSource(signedUrl(origin.url, '/media/track.mp3'));
    const etag = String((await get(`${front.url}/given`, {}, 'HEAD')).headers.etag);
    const seen = await originRequestsDuring(async () => {
      expect((await get(`${front.url}/given`, { 'if-none-match': etag })).status).toBe(304);
    });
    expect(seen.map((r) => `${r.method} ${r.range ?? ''}`)).toEqual(['GET bytes=0-0']);
  });

  it('a presigned URL of a missing key is a 404, not a 502', async () => {
    given = () => httpSource(signedUrl(origin.url, '/media/none.mp3'));
    const res = await get(`${front.url}/given`);
    expect(res.status).toBe(404);
    expect(res.headers['x-sentinel']).toBe('error');
  });

  it('a URL whose signature the origin refuses for GET too (expired) is a 502', async () => {
    given = () => httpSource(signedUrl(origin.url, '/media/track.mp3', { expires: Date.now() - 1000 }));
    expect((await get(`${front.url}/given`)).status).toBe(502);
  });
});

describe('presigned URLs of s3rver', () => {
  const storeRequestsDuring = async (action: () => Promise<unknown>) => {
    const before = store.requests.length;
    await action();
    return store.requests.slice(before).map((r) => `${r.method} ${r.range ?? ''} ${r.ifMatch ?? ''}`.trim());
  };

  it('per client range: GET bytes=0-0 (answered with the whole object, read no further), then GET of the range', async () => {
    const url = await store.presign('data.bin');
    given = () => httpSource(url);
    let etag = '';
    const seen = await storeRequestsDuring(async () => {
      const res = await get(`${front.url}/given`, { range: 'bytes=100-199' });
      expect(res.body.equals(DATA.subarray(100, 200))).toBe(true);
      etag = String(res.headers.etag);
    });
    expect(seen).toEqual(['GET bytes=0-0', `GET bytes=100-199 ${etag}`]);
  });

  it('an empty object: the 0-0 probe gives no size, a plain GET does', async () => {
    const url = await store.presign('empty.bin');
    given = () => httpSource(url);
    const seen = await storeRequestsDuring(async () => {
      const res = await get(`${front.url}/given`, { range: 'bytes=0-' });
      expect(res.status).toBe(200);
      expect(res.headers['content-length']).toBe('0');
      expect(res.headers.etag).toMatch(/^"[0-9a-f]{32}"$/);
    });
    expect(seen).toEqual(['GET bytes=0-0', 'GET']);
  });

  it('an object stored with a Content-Encoding is refused (502)', async () => {
    await store.client.send(new PutObjectCommand({ Bucket: store.bucket, Key: 'page.html.gz', Body: DATA, ContentEncoding: 'gzip' }));
    const url = await store.presign('page.html.gz');
    given = () => httpSource(url);
    expect((await get(`${front.url}/given`, { range: 'bytes=0-9' })).status).toBe(502);
  });

  it('a missing key is a 404', async () => {
    const url = await store.presign('no-such-key.bin');
    given = () => httpSource(url);
    expect((await get(`${front.url}/given`, { range: 'bytes=0-9' })).status).toBe(404);
  });

  it('an object replaced between requests: a reused probe refuses (502); a new one serves the new bytes with the new ETag', async () => {
    await store.put('replaced.bin', DATA);
    const url = await store.presign('replaced.bin');
    const probed = await httpSource(url);
    given = () => probed;
    expect((await get(`${front.url}/given`, { range: 'bytes=0-99' })).body.equals(DATA.subarray(0, 100))).toBe(true);
    const newEtag = await store.put('replaced.bin', V2);
    const stale = await get(`${front.url}/given`, { range: 'bytes=0-99' });
    expect(stale.status).toBe(502);
    expect(stale.body.includes(V2.subarray(0, 100))).toBe(false);
    given = () => httpSource(url);
    const fresh = await get(`${front.url}/given`, { range: 'bytes=0-99' });
    expect(fresh.headers.etag).toBe(newEtag);
    expect(fresh.body.equals(V2.subarray(0, 100))).toBe(true);
  });

  it('a client that goes away mid-body: the store sees its response closed unfinished', async () => {
    const url = await store.presign('big.bin');
    given = () => httpSource(url);
    const before = store.requests.length;
    await new Promise<void>((resolve, reject) => {
      const req = request(`${front.url}/given`, { agent: false }, (res) => {
        res.once('data', () => {
          req.destroy();
          resolve();
        });
      });
      req.on('error', (error) => (req.destroyed ? undefined : reject(error)));
      req.end();
    });
    const body = () => store.requests.slice(before).find((r) => r.method === 'GET' && r.range === `bytes=0-${BIG - 1}`);
    await until(() => body()?.finished !== undefined, 10_000, "the store's response to close");
    expect(body()?.finished).toBe(false);
  });
});
