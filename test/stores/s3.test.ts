import { readdirSync, readFileSync } from 'node:fs';
import { request, type IncomingMessage, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendRange, type ResponseEvent, type Source, type SourceInput } from '../../src/index.js';
import { s3Source } from '../../src/s3.js';
import { patterned } from '../helpers/fixtures.js';
import { get, getLoose } from '../helpers/http-get.js';
import { parseMultipart } from '../helpers/multipart.js';
import { startStore, until, type RunningStore } from '../helpers/s3rver.js';
import { createApp, listen, withSentinels, type Running } from '../helpers/server.js';

const V1 = patterned(10_000, 0);
const V2 = patterned(10_000, 77);
const BIG = 24 * 1024 * 1024;

let store: RunningStore;
let front: Running;
const events: ResponseEvent[] = [];
/** What the front serves at /given: a source the test prepared (a reused probe, a wrapper). */
let given: SourceInput | undefined;

beforeAll(async () => {
  store = await startStore();
  await store.put('data.bin', V1);
  await store.put('big.bin', patterned(BIG, 3), 'video/mp4');
  const app = createApp();
  app.get('/s3/:key', (req, res, next) => {
    const Key = (req as unknown as { params: { key: string } }).params.key;
    sendRange(req, res, s3Source(store.client, { Bucket: store.bucket, Key }), { onResponse: (event) => events.push(event) }).catch(next);
  });
  app.get('/given', (req, res, next) => {
    if (given === undefined) return next();
    sendRange(req, res, given, { onResponse: (event) => events.push(event) }).catch(next);
  });
  withSentinels(app);
  front = await listen(app);
});

afterAll(async () => {
  await front?.close();
  await store?.close();
});

/** The store's requests made while `action` ran. */
async function storeRequestsDuring(action: () => Promise<unknown>) {
  const before = store.requests.length;
  await action();
  return store.requests.slice(before).map(({ method, path, range, ifMatch }) => ({ method, path, range, ifMatch }));
}

describe('requests made to the store for one client request', () => {
  let etag = '';
  beforeAll(async () => {
    etag = String((await get(`${front.url}/s3/data.bin`, {}, 'HEAD')).headers.etag);
  });

  it('a range: HeadObject, then one GetObject with Range and IfMatch', async () => {
    const seen = await storeRequestsDuring(async () => {
      const res = await get(`${front.url}/s3/data.bin`, { range: 'bytes=100-199' });
      expect(res.status).toBe(206);
      expect(res.body.equals(V1.subarray(100, 200))).toBe(true);
    });
    expect(seen).toEqual([
      { method: 'HEAD', path: '/media/data.bin', range: undefined, ifMatch: undefined },
      { method: 'GET', path: '/media/data.bin', range: 'bytes=100-199', ifMatch: etag },
    ]);
  });

  it('a suffix range is asked of the store as the absolute range (s3rver answers bytes=-N wrongly)', async () => {
    const seen = await storeRequestsDuring(async () => {
      const res = await get(`${front.url}/s3/data.bin`, { range: 'bytes=-10' });
      expect(res.body.equals(V1.subarray(9990))).toBe(true);
    });
    expect(seen.map((r) => r.range)).toEqual([undefined, 'bytes=9990-9999']);
  });

  it('three ranges: HeadObject, then one GetObject per part', async () => {
    const seen = await storeRequestsDuring(async () => {
      const res = await get(`${front.url}/s3/data.bin`, { range: 'bytes=0-9,5000-5099,-10' });
      expect(res.status).toBe(206);
      const parts = parseMultipart(res.body, String(res.headers['content-type']));
      expect(parts.map((part) => part.body)).toEqual([V1.subarray(0, 10), V1.subarray(5000, 5100), V1.subarray(9990)]);
    });
    expect(seen.map((r) => `${r.method} ${r.range ?? ''}`)).toEqual(['HEAD ', 'GET bytes=0-9', 'GET bytes=5000-5099', 'GET bytes=9990-9999']);
  });

  it.each([
    ['HEAD', {}],
    ['GET', { 'if-none-match': '*' }],
    ['GET', { 'if-match': '"other"' }],
    ['GET', { range: 'bytes=20000-' }],
  ] as const)('%s %j: HeadObject only', async (method, headers) => {
    const seen = await storeRequestsDuring(() => get(`${front.url}/s3/data.bin`, headers, method));
    expect(seen.map((r) => r.method)).toEqual(['HEAD']);
  });

  it('s3rver answers bytes=0-0 with the whole object: the client still gets one byte, labelled right', async () => {
    const seen = await storeRequestsDuring(async () => {
      const res = await get(`${front.url}/s3/data.bin`, { range: 'bytes=0-0' });
      expect(res.status).toBe(206);
      expect(res.headers['content-range']).toBe('bytes 0-0/10000');
      expect(res.body.equals(V1.subarray(0, 1))).toBe(true);
    });
    expect(seen.map((r) => r.range)).toEqual([undefined, 'bytes=0-0']);
  });
});

describe('errors', () => {
  it('a missing key is a 404 through next(err)', async () => {
    const res = await get(`${front.url}/s3/no-such-key.bin`, { range: 'bytes=0-9' });
    expect(res.status).toBe(404);
    expect(res.headers['x-sentinel']).toBe('error');
  });

  it('an object stored with a Content-Encoding is refused (502): its ranges would count encoded bytes', async () => {
    await store.client.send(new PutObjectCommand({ Bucket: store.bucket, Key: 'page.html.gz', Body: V1, ContentEncoding: 'gzip' }));
    const seen = await storeRequestsDuring(async () => {
      expect((await get(`${front.url}/s3/page.html.gz`, { range: 'bytes=0-9' })).status).toBe(502);
    });
    expect(seen.map((r) => r.method)).toEqual(['HEAD']);
  });

  it('an unreachable store is a 502', async () => {
    const gone = await listen((_req, res) => res.end());
    await gone.close();
    const client = new S3Client({
      endpoint: gone.url,
      region: 'us-east-1',
      forcePathStyle: true,
      maxAttempts: 1,
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    });
    given = s3Source(client, { Bucket: 'media', Key: 'data.bin' });
    given.then(undefined, () => undefined);
    const res = await get(`${front.url}/given`);
    expect(res.status).toBe(502);
    client.destroy();
  });
});

describe('an object replaced in the store', () => {
  it('between requests: a reused probe refuses (502, no bytes); a new probe serves the new bytes with the new ETag', async () => {
    await store.put('replaced.bin', V1);
    const probed = await s3Source(store.client, { Bucket: store.bucket, Key: 'replaced.bin' });
    given = probed;
    const before = await get(`${front.url}/given`, { range: 'bytes=0-99' });
    expect(before.body.equals(V1.subarray(0, 100))).toBe(true);

    const newEtag = await store.put('replaced.bin', V2);
    expect(newEtag).not.toBe(probed.etag);
    const seen = await storeRequestsDuring(async () => {
      const stale = await getLoose(`${front.url}/given`, { range: 'bytes=0-99' });
      expect(stale.status).toBe(502);
      expect(stale.body.includes(V2.subarray(0, 100))).toBe(false);
    });
    // s3rver ignored IfMatch and answered the new version: the ETag check refused it.
    expect(seen).toEqual([{ method: 'GET', path: '/media/replaced.bin', range: 'bytes=0-99', ifMatch: probed.etag }]);

    const fresh = await get(`${front.url}/s3/replaced.bin`, { range: 'bytes=0-99' });
    expect(fresh.status).toBe(206);
    expect(fresh.headers.etag).toBe(newEtag);
    expect(fresh.body.equals(V2.subarray(0, 100))).toBe(true);
  });

  it('in the middle of a multipart response: the connection is cut, never a part of the new version', async () => {
    await store.put('midway.bin', V1);
    const probed = await s3Source(store.client, { Bucket: store.bucket, Key: 'midway.bin' });
    let opened = 0;
    // Replaces the object just before the second part is fetched (after the headers and first part went out).
    const wrapper: Source = {
      ...probed,
      open: async (range) => {
        if (opened++ === 1) await store.put('midway.bin', V2);
        return probed.open(range);
      },
    };
    given = wrapper;
    const res = await getLoose(`${front.url}/given`, { range: 'bytes=0-99,5000-5099' });
    expect(res.status).toBe(206);
    expect(res.headers.etag).toBe(probed.etag);
    expect(res.complete).toBe(false);
    expect(res.body.length).toBeLessThan(Number(res.headers['content-length']));
    expect(res.body.includes(V1.subarray(0, 100))).toBe(true);
    expect(res.body.includes(V2.subarray(5000, 5100))).toBe(false);
    expect(res.body.includes(V1.subarray(5000, 5100))).toBe(false);
    expect(opened).toBe(2);
    await until(() => events.some((event) => event.url === '/given' && event.error !== undefined), 5_000, 'the cut response event');
  });
});

describe('a client that goes away', () => {
  it('mid-body aborts the GetObject: the store sees its response closed unfinished', async () => {
    const before = store.requests.length;
    await new Promise<void>((resolve, reject) => {
      const req = request(`${front.url}/s3/big.bin`, { agent: false }, (res) => {
        res.once('data', () => {
          req.destroy();
          resolve();
        });
      });
      req.on('error', (error: NodeJS.ErrnoException) => (req.destroyed ? undefined : reject(error)));
      req.end();
    });
    const get = () => store.requests.slice(before).find((r) => r.method === 'GET' && r.path === '/media/big.bin');
    await until(() => get()?.finished !== undefined, 10_000, "the store's response to close");
    expect(get()?.finished).toBe(false);
  });
});

describe('packaging', () => {
  it('the main entry never imports the SDK (only the partial-content/s3 entry does)', () => {
    const pending = ['src/index.ts'];
    const visited = new Set<string>();
    const bare = new Set<string>();
    while (pending.length > 0 && visited.size < 200) {
      const file = pending.pop() as string;
      if (visited.has(file)) continue;
      visited.add(file);
      for (const [, specifier = ''] of readFileSync(file, 'utf8').matchAll(/^(?:import|export)\s[^'"]*?from\s+'([^']+)'/gm)) {
        if (specifier.startsWith('.')) pending.push(join(file, '..', specifier).replace(/\.js$/, '.ts'));
        else bare.add(specifier);
      }
    }
    expect(visited.size).toBeGreaterThan(5);
    expect([...bare].filter((name) => name.startsWith('@aws-sdk'))).toEqual([]);
    expect(readFileSync('src/s3.ts', 'utf8')).toContain("from './sources/s3.js'");
    expect(readdirSync('src/sources')).toContain('s3.ts');
  });

  it('package.json exports ./s3 with types, and the SDK as an optional peer', () => {
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as {
      exports: Record<string, { types: string; default: string }>;
      peerDependencies: Record<string, string>;
      peerDependenciesMeta: Record<string, { optional: boolean }>;
    };
    expect(pkg.exports['./s3']).toEqual({ types: './dist/s3.d.ts', default: './dist/s3.js' });
    expect(pkg.peerDependencies['@aws-sdk/client-s3']).toBeDefined();
    expect(pkg.peerDependenciesMeta['@aws-sdk/client-s3']).toEqual({ optional: true });
  });
});

// A store that, unlike s3rver, honours IfMatch: to see what the source does with a store's 412.
describe('a store that honours IfMatch', () => {
  let strict: Running;
  let current = { etag: '"v1"', bytes: V1 };
  const seen: Array<{ method: string; url: string; ifMatch: string | undefined }> = [];
  let client: S3Client;

  beforeAll(async () => {
    strict = await listen((req: IncomingMessage, res: ServerResponse) => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', ifMatch: req.headers['if-match'] });
      const { etag, bytes } = current;
      const base = { etag, 'last-modified': 'Wed, 01 May 2024 12:00:00 GMT', 'content-type': 'audio/mpeg', 'accept-ranges': 'bytes' };
      if (!(req.url ?? '').startsWith('/media/track.mp3')) return void res.writeHead(404).end();
      if (req.method === 'HEAD') return void res.writeHead(200, { ...base, 'content-length': bytes.length }).end();
      if (req.headers['if-match'] !== undefined && req.headers['if-match'] !== etag) {
        const xml = '<?xml version="1.0" encoding="UTF-8"?><Error><Code>PreconditionFailed</Code><Message>At least one of the pre-conditions you specified did not hold</Message></Error>';
        return void res.writeHead(412, { 'content-type': 'application/xml' }).end(xml);
      }
      const [, start = '0', end = '0'] = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? '') ?? [];
      const slice = bytes.subarray(Number(start), Number(end) + 1);
      res.writeHead(206, { ...base, 'content-range': `bytes ${start}-${end}/${bytes.length}`, 'content-length': slice.length }).end(slice);
    });
    client = new S3Client({ endpoint: strict.url, region: 'auto', forcePathStyle: true, maxAttempts: 1, credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  });
  afterAll(async () => {
    client?.destroy();
    await strict?.close();
  });

  it("its 412 becomes a 502, never the client's own 412", async () => {
    current = { etag: '"v1"', bytes: V1 };
    const probed = await s3Source(client, { Bucket: 'media', Key: 'track.mp3' });
    expect(probed).toMatchObject({ size: 10_000, type: 'audio/mpeg', etag: '"v1"', name: 's3://media/track.mp3' });
    expect(probed.lastModified?.toISOString()).toBe('2024-05-01T12:00:00.000Z');
    given = probed;
    current = { etag: '"v2"', bytes: V2 };
    const res = await get(`${front.url}/given`, { range: 'bytes=10-19' });
    expect(res.status).toBe(502);
    expect(seen.at(-1)).toMatchObject({ method: 'GET', ifMatch: '"v1"' });
  });

  it('a VersionId is sent with HeadObject and every GetObject', async () => {
    current = { etag: '"v1"', bytes: V1 };
    given = s3Source(client, { Bucket: 'media', Key: 'track.mp3', VersionId: 'abc123' });
    const before = seen.length;
    const res = await get(`${front.url}/given`, { range: 'bytes=10-19' });
    expect(res.status).toBe(206);
    expect(res.body.equals(V1.subarray(10, 20))).toBe(true);
    const urls = seen.slice(before).map((r) => `${r.method} ${new URL(r.url, 'http://x').searchParams.get('versionId') ?? '-'}`);
    expect(urls).toEqual(['HEAD abc123', 'GET abc123']);
  });
});
