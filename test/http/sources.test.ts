import { utimesSync, writeFileSync } from 'node:fs';
import { request, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  httpSource,
  partialContent,
  sendRange,
  type ByteRange,
  type ResponseEvent,
  type Source,
  type SourceInput,
} from '../../src/index.js';
import { nginxAvailability, startNginx, type RunningNginx } from '../helpers/nginx.js';
import { createFixtures, patterned, type Fixtures } from '../helpers/fixtures.js';
import { get } from '../helpers/http-get.js';
import { until } from '../helpers/until.js';
import { parseMultipart } from '../helpers/multipart.js';
import { createApp, listen, withSentinels, type Running } from '../helpers/server.js';

// ---------------------------------------------------------------------------------------------
// The conformance table: one set of cases, run against every kind of source.

type Body = 'whole' | 'none' | { readonly range: readonly [number, number] } | { readonly parts: ReadonlyArray<readonly [number, number]> };

interface ConformanceCase {
  readonly name: string;
  readonly file: string;
  readonly method?: 'GET' | 'HEAD';
  /** Request headers; `etag` is the one the source announces (read with a HEAD first). */
  readonly headers?: (etag: string) => Record<string, string>;
  readonly status: 200 | 206 | 304 | 412 | 416;
  readonly body: Body;
  /** The answer depends on Sec-Fetch-Dest: any single range running to the end, since the media cap may apply. */
  readonly vary?: boolean;
}

const MiB = 1024 * 1024;
const CLIP = 5 * MiB;
const SONG = 300 * 1024;

const range = (value: string) => () => ({ range: value });
const CASES: readonly ConformanceCase[] = [
  { name: 'no Range: the whole file', file: 'data.bin', status: 200, body: 'whole' },
  { name: 'a text file, whole', file: 'nums.txt', status: 200, body: 'whole' },
  { name: 'the first byte (0-0)', file: 'data.bin', headers: range('bytes=0-0'), status: 206, body: { range: [0, 0] } },
  { name: 'a bounded range', file: 'data.bin', headers: range('bytes=1000-1999'), status: 206, body: { range: [1000, 1999] } },
  { name: 'the last byte', file: 'data.bin', headers: range('bytes=9999-9999'), status: 206, body: { range: [9999, 9999] }, vary: true },
  { name: 'a suffix', file: 'data.bin', headers: range('bytes=-500'), status: 206, body: { range: [9500, 9999] } },
  { name: 'a suffix longer than the file', file: 'data.bin', headers: range('bytes=-20000'), status: 206, body: { range: [0, 9999] } },
  { name: 'an open-ended range', file: 'data.bin', headers: range('bytes=9990-'), status: 206, body: { range: [9990, 9999] }, vary: true },
  { name: 'an end past EOF is clamped', file: 'data.bin', headers: range('bytes=9000-20000'), status: 206, body: { range: [9000, 9999] }, vary: true },
  { name: 'bytes 0- of a text file', file: 'nums.txt', headers: range('bytes=0-'), status: 206, body: { range: [0, 99] }, vary: true },
  {
    name: 'several ranges: multipart/byteranges',
    file: 'data.bin',
    headers: range('bytes=0-9,5000-5099,-10'),
    status: 206,
    body: { parts: [[0, 9], [5000, 5099], [9990, 9999]] },
  },
  { name: 'overlapping ranges are coalesced', file: 'data.bin', headers: range('bytes=0-99,50-149'), status: 206, body: { range: [0, 149] } },
  { name: 'unsatisfiable: 416', file: 'data.bin', headers: range('bytes=10000-'), status: 416, body: 'none' },
  { name: 'another unit is ignored', file: 'data.bin', headers: range('items=0-5'), status: 200, body: 'whole' },
  { name: 'HEAD', file: 'data.bin', method: 'HEAD', status: 200, body: 'none' },
  { name: 'HEAD ignores Range', file: 'data.bin', method: 'HEAD', headers: range('bytes=0-9'), status: 200, body: 'none' },
  { name: 'If-None-Match with the current ETag: 304', file: 'data.bin', headers: (etag) => ({ 'if-none-match': etag }), status: 304, body: 'none' },
  { name: 'If-None-Match with another ETag: 200', file: 'data.bin', headers: () => ({ 'if-none-match': '"other"' }), status: 200, body: 'whole' },
  { name: 'If-Match with another ETag: 412', file: 'data.bin', headers: () => ({ 'if-match': '"other"' }), status: 412, body: 'none' },
  {
    name: 'If-Range with the current ETag: 206',
    file: 'data.bin',
    headers: (etag) => ({ range: 'bytes=100-199', 'if-range': etag }),
    status: 206,
    body: { range: [100, 199] },
  },
  {
    name: 'If-Range with a stale ETag: the whole file',
    file: 'data.bin',
    headers: () => ({ range: 'bytes=100-199', 'if-range': '"stale"' }),
    status: 200,
    body: 'whole',
  },
  {
    name: 'the cap: a media element asks for bytes=0-',
    file: 'clip.mp4',
    headers: () => ({ range: 'bytes=0-', 'sec-fetch-dest': 'audio' }),
    status: 206,
    body: { range: [0, 2 * MiB - 1] },
    vary: true,
  },
  {
    name: 'the cap from the middle',
    file: 'clip.mp4',
    headers: () => ({ range: 'bytes=3000000-', 'sec-fetch-dest': 'video' }),
    status: 206,
    body: { range: [3_000_000, 3_000_000 + 2 * MiB - 1] },
    vary: true,
  },
  {
    name: 'the cap near the end sends the rest',
    file: 'clip.mp4',
    headers: () => ({ range: `bytes=${CLIP - 1000}-`, 'sec-fetch-dest': 'audio' }),
    status: 206,
    body: { range: [CLIP - 1000, CLIP - 1] },
    vary: true,
  },
  {
    name: 'the cap leaves closed ranges alone',
    file: 'song.mp3',
    headers: () => ({ range: `bytes=0-${SONG - 2}`, 'sec-fetch-dest': 'audio' }),
    status: 206,
    body: { range: [0, SONG - 2] },
  },
  { name: 'no cap without Sec-Fetch-Dest', file: 'song.mp3', headers: range('bytes=100-'), status: 206, body: { range: [100, SONG - 1] }, vary: true },
  { name: 'an empty file', file: 'empty.bin', status: 200, body: 'whole' },
  { name: 'an empty file ignores Range', file: 'empty.bin', headers: range('bytes=0-'), status: 200, body: 'whole' },
];

const TYPES: Readonly<Record<string, string>> = {
  'nums.txt': 'text/plain; charset=utf-8',
  'data.bin': 'application/octet-stream',
  'song.mp3': 'audio/mpeg',
  'clip.mp4': 'video/mp4',
  'empty.bin': 'application/octet-stream',
};
const typeOf = (file: string): string => TYPES[file] ?? 'unknown';

let fixtures: Fixtures;
let upstream: Running;
let app: Running;
let nginx: RunningNginx | undefined;
const upstreamEvents: ResponseEvent[] = [];
const events: ResponseEvent[] = [];

const bytesOf = (file: string): Buffer => {
  const bytes = fixtures.files[file];
  if (bytes === undefined) throw new Error(`no fixture ${file}`);
  return bytes;
};

/** A source written the way an app would for a database row: stream chunks of an in-memory blob. */
function customSource(file: string, open: 'sync' | 'async'): Source {
  const bytes = bytesOf(file);
  const stream = ({ start, end }: ByteRange): Readable => Readable.from(chunks(bytes.subarray(start, end + 1)), { objectMode: false });
  return {
    size: bytes.length,
    name: file,
    etag: `"row-${bytes.length}-${file.length}"`,
    lastModified: new Date('2024-05-01T12:00:00Z'),
    open: open === 'sync' ? stream : async (range) => (await sleep(1), stream(range)),
  };
}

function* chunks(bytes: Buffer, size = 16_384): Generator<Buffer> {
  for (let offset = 0; offset < bytes.length; offset += size) yield bytes.subarray(offset, offset + size);
}

interface SourceKind {
  readonly name: string;
  input(file: string): SourceInput;
  type(file: string): string;
}

const nginxMode = nginxAvailability('sources.test');
const KINDS: readonly SourceKind[] = [
  { name: 'file path', input: (file) => join(fixtures.root, file), type: typeOf },
  { name: 'Buffer', input: (file) => bytesOf(file), type: () => 'application/octet-stream' },
  { name: 'custom object, sync open', input: (file) => customSource(file, 'sync'), type: typeOf },
  { name: 'custom object, async open', input: (file) => customSource(file, 'async'), type: typeOf },
  { name: 'upstream: an app using this library', input: (file) => httpSource(`${upstream.url}/media/${file}`), type: typeOf },
  ...(nginxMode === 'run'
    ? [{ name: 'upstream: nginx', input: (file: string) => httpSource(`${nginx?.url ?? ''}/${file}`), type: typeOf }]
    : []),
];

/** nginx serving the fixture folder statically, with the same types as this library. */
const NGINX_STATIC = (root: string): string => `
  types { text/plain txt; audio/mpeg mp3; video/mp4 mp4; application/octet-stream bin; }
  default_type application/octet-stream;
  charset utf-8;
  charset_types text/plain;
  server {
    listen 127.0.0.1:{{PORT}};
    root ${root};
  }`;

beforeAll(async () => {
  fixtures = createFixtures();
  writeFileSync(join(fixtures.root, 'mutable.bin'), patterned(4_000));

  const origin = createApp();
  origin.use('/nohead', (req, res, next) => {
    if (req.method !== 'HEAD') return next();
    res.writeHead(405, { allow: 'GET', 'content-length': '0' }).end();
  });
  origin.use('/nohead', partialContent(fixtures.root, { onResponse: (event) => upstreamEvents.push(event) }));
  origin.use('/media', partialContent(fixtures.root, { onResponse: (event) => upstreamEvents.push(event) }));
  withSentinels(origin);
  upstream = await listen(origin);

  const front = createApp();
  front.use('/s', (req, res, next) => {
    const [, index = '', file = ''] = new URL(req.url ?? '/', 'http://x').pathname.split('/');
    const kind = KINDS[Number(index)];
    if (kind === undefined) return next();
    let input: SourceInput;
    try {
      input = kind.input(decodeURIComponent(file));
    } catch (error) {
      return next(error);
    }
    sendRange(req, res, input, { onResponse: (event) => events.push(event) }).catch(next);
  });
  withSentinels(front);
  app = await listen(front);

  if (nginxMode === 'run') nginx = await startNginx(NGINX_STATIC(fixtures.root));
});

afterAll(async () => {
  await app?.close();
  await upstream?.close();
  await nginx?.stop();
  fixtures?.cleanup();
});

let requestCounter = 0;

/** Waits (bounded) for the one `onResponse` event of `url`, and checks there is exactly one. */
async function eventFor(list: readonly ResponseEvent[], url: string): Promise<ResponseEvent> {
  for (let i = 0; i < 200; i++) {
    const matching = list.filter((event) => event.url === url);
    if (matching.length > 0) {
      await sleep(5);
      expect(list.filter((event) => event.url === url)).toHaveLength(1);
      return matching[0] as ResponseEvent;
    }
    await sleep(10);
  }
  throw new Error(`no onResponse event for ${url}`);
}

function expectedRanges(body: Body): ByteRange[] {
  if (typeof body === 'string') return [];
  const list = 'range' in body ? [body.range] : body.parts;
  return list.map(([start, end]) => ({ start, end }));
}

if (nginxMode === 'fail') {
  it('nginx is installed (CI installs it with apt-get; the nginx conformance run needs /usr/sbin/nginx)', () => {
    expect.fail('/usr/sbin/nginx is missing in CI: .ci/run should have installed nginx');
  });
}

describe.each(KINDS.map((kind, index) => ({ ...kind, index })))('conformance: $name', (kind) => {
  it.each(CASES)('$name', async (testCase) => {
    const file = bytesOf(testCase.file);
    const base = `/s/${kind.index}/${encodeURIComponent(testCase.file)}`;
    const head = await get(`${app.url}${base}?n=${requestCounter++}`, {}, 'HEAD');
    expect(head.status).toBe(200);
    const etag = head.headers.etag;
    expect(etag).toMatch(/^"[^"]+"$/);

    const path = `${base}?n=${requestCounter++}`;
    const res = await get(`${app.url}${path}`, testCase.headers?.(etag ?? '') ?? {}, testCase.method ?? 'GET');
    expect(res.status).toBe(testCase.status);

    const body = testCase.body;
    if (body === 'whole') {
      expect(res.body.equals(file)).toBe(true);
      expect(res.headers['content-length']).toBe(String(file.length));
      expect(res.headers['content-type']).toBe(kind.type(testCase.file));
    } else if (body === 'none') {
      expect(res.body).toHaveLength(0);
    } else if ('range' in body) {
      const [start, end] = body.range;
      expect(res.headers['content-range']).toBe(`bytes ${start}-${end}/${file.length}`);
      expect(res.headers['content-length']).toBe(String(end - start + 1));
      expect(res.headers['content-type']).toBe(kind.type(testCase.file));
      expect(res.body.equals(file.subarray(start, end + 1))).toBe(true);
    } else {
      const parts = parseMultipart(res.body, res.headers['content-type'] ?? '');
      expect(parts.map((part) => part.headers['content-range'])).toEqual(
        body.parts.map(([start, end]) => `bytes ${start}-${end}/${file.length}`),
      );
      body.parts.forEach(([start, end], i) => {
        expect(parts[i]?.headers['content-type']).toBe(kind.type(testCase.file));
        expect(parts[i]?.body.equals(file.subarray(start, end + 1))).toBe(true);
      });
      expect(res.headers['content-length']).toBe(String(res.body.length));
    }

    if (testCase.status === 416) expect(res.headers['content-range']).toBe(`bytes */${file.length}`);
    if (testCase.method === 'HEAD') expect(res.headers['content-length']).toBe(String(file.length));
    if (testCase.status === 200 || testCase.status === 206 || testCase.status === 304) expect(res.headers.etag).toBe(etag);
    if (testCase.status === 200 || testCase.status === 206) expect(res.headers['accept-ranges']).toBe('bytes');
    expect(res.headers.vary).toBe(testCase.vary === true ? 'Sec-Fetch-Dest' : undefined);

    const event = await eventFor(events, path);
    expect(event).toMatchObject({
      method: testCase.method ?? 'GET',
      status: testCase.status,
      size: file.length,
      ranges: testCase.status === 206 ? expectedRanges(body) : [],
      bytesWritten: res.body.length,
      bytesExpected: res.body.length,
      aborted: false,
      error: undefined,
    });
  });
});

// ---------------------------------------------------------------------------------------------
// Sources that fail, and upstreams that misbehave.

interface Loose {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  /** The whole announced body arrived. */
  readonly complete: boolean;
}

/** A GET that reports a cut connection instead of rejecting. */
function getLoose(url: string, headers: Record<string, string> = {}): Promise<Loose> {
  return new Promise((resolve) => {
    const req = request(url, { headers, agent: false }, (res) => {
      const body: Buffer[] = [];
      res.on('data', (chunk: Buffer) => body.push(chunk));
      res.on('error', () => undefined);
      res.on('close', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(body), complete: res.complete }),
      );
    });
    req.on('error', () => resolve({ status: 0, headers: {}, body: Buffer.alloc(0), complete: false }));
    req.end();
  });
}

/** Requests `url`, and destroys the request as soon as the first body bytes arrive. */
function abortAfterFirstBytes(url: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers, agent: false }, (res) => {
      res.once('data', () => {
        req.destroy();
        resolve(res.statusCode ?? 0);
      });
    });
    req.on('error', (error: NodeJS.ErrnoException) => {
      if (!req.destroyed || error.code !== 'ECONNRESET') reject(error);
    });
    req.end();
  });
}

const DATA_SIZE = 10_000;
const SLOW_SIZE = 10 * MiB;

interface SeenRequest {
  readonly path: string;
  readonly method: string;
  readonly headers: IncomingHttpHeaders;
}

/** An upstream that misbehaves in one way per path; every request it sees is recorded. */
function misbehavingUpstream(data: Buffer, seen: SeenRequest[], slowClosed: { early: boolean | undefined }) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    seen.push({ path, method: req.method ?? '', headers: req.headers });
    const size = path === '/slow' ? SLOW_SIZE : data.length;
    const match = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? '');
    const start = Number(match?.[1] ?? 0);
    const end = Number(match?.[2] ?? size - 1);
    const slice = data.subarray(start, end + 1);
    const partial = (etag = '"v1"', contentRange = `bytes ${start}-${end}/${size}`, extra = {}): ServerResponse =>
      res.writeHead(206, { etag, 'content-range': contentRange, 'content-type': 'application/octet-stream', ...extra });

    if (path === '/500' || path === '/404') return void res.writeHead(Number(path.slice(1))).end('nope');
    if (path === '/gzip' && req.method === 'HEAD') {
      return void res.writeHead(200, { 'content-length': String(size), 'content-encoding': 'gzip' }).end();
    }
    const validators = path === '/weak' ? { etag: 'W/"v1"', 'last-modified': 'Wed, 01 May 2024 12:00:00 GMT' } : { etag: '"v1"' };
    if (req.method === 'HEAD') return void res.writeHead(200, { 'content-length': String(size), ...validators }).end();
    switch (path) {
      case '/ok':
        return void partial().end(slice);
      case '/weak':
        return void partial(validators.etag, undefined, validators).end(slice);
      case '/range-500':
        return void res.writeHead(500).end('nope');
      case '/200':
        return void res.writeHead(200, { etag: '"v1"', 'content-length': String(size) }).end(data);
      case '/etag-changes':
        return void partial('"v2"').end(slice);
      case '/wrong-range':
        return void partial('"v1"', `bytes ${start + 1}-${end + 1}/${size}`).end(data.subarray(start + 1, end + 2));
      case '/wrong-size':
        return void partial('"v1"', `bytes ${start}-${end}/${size + 1}`).end(slice);
      case '/short-chunked':
        return void partial().end(slice.subarray(0, slice.length >> 1));
      case '/short-declared':
        partial('"v1"', undefined, { 'content-length': slice.length });
        res.write(slice.subarray(0, slice.length >> 1), () => res.destroy());
        return;
      case '/long':
        return void partial().end(Buffer.concat([slice, Buffer.alloc(100)]));
      case '/second-part-fails':
        return void (start === 0 ? partial().end(slice) : res.writeHead(500).end());
      case '/slow': {
        // One chunk, then a stall: only an abort passed upstream closes this response before the
        // 10 s safety timer does.
        partial('"v1"', undefined, { 'content-length': end - start + 1 });
        res.write(slice.subarray(0, 64 * 1024));
        const timer = setTimeout(() => res.destroy(), 10_000);
        res.on('close', () => {
          clearTimeout(timer);
          slowClosed.early = !res.writableFinished;
        });
        return;
      }
      default:
        return void res.writeHead(404).end();
    }
  };
}

describe('source failures', () => {
  let front: Running;
  let fake: Running;
  let given: Source | undefined;
  const failEvents: ResponseEvent[] = [];
  const seen: SeenRequest[] = [];
  const slowClosed: { early: boolean | undefined } = { early: undefined };
  let streamClosed = false;

  const failing: Record<string, () => SourceInput> = {
    'open-throws': () => ({ size: 100, open: () => { throw new Error('cannot open'); } }),
    'open-throws-503': () => ({ size: 100, open: () => { throw Object.assign(new Error('busy'), { status: 503 }); } }),
    'open-rejects': () => ({ size: 100, open: async () => Promise.reject(new Error('cannot open')) }),
    'source-rejects': () => Promise.reject(new Error('no such row')),
    'stream-errors': () => ({
      size: 100_000,
      open: () => {
        let pushed = false;
        return new Readable({
          read() {
            if (pushed) return;
            pushed = true;
            this.push(Buffer.alloc(1000, 1));
            setTimeout(() => this.destroy(new Error('disk on fire')), 30);
          },
        });
      },
    }),
    'stream-short': () => ({ size: 1000, open: () => Readable.from([Buffer.alloc(500, 2)], { objectMode: false }) }),
    slow: () => ({
      size: SLOW_SIZE,
      open: ({ start, end }) => {
        let offset = start;
        const stream = new Readable({
          read() {
            if (offset > end) return void this.push(null);
            const chunk = patterned(Math.min(64 * 1024, end - offset + 1), offset);
            offset += chunk.length;
            setTimeout(() => this.push(chunk), 5);
          },
        });
        stream.on('close', () => (streamClosed = true));
        return stream;
      },
    }),
  };

  beforeAll(async () => {
    fake = await listen(misbehavingUpstream(patterned(SLOW_SIZE), seen, slowClosed));
    const server = createApp();
    server.use('/fail', (req, res, next) => {
      const name = new URL(req.url ?? '/', 'http://x').pathname.slice(1);
      let input: SourceInput | undefined = failing[name]?.();
      if (name.startsWith('upstream/')) {
        input = httpSource(`${fake.url}/${name.slice('upstream/'.length)}`, { headers: { authorization: 'Bearer t0ken' } });
      }
      if (name === 'given' && given !== undefined) input = given;
      if (input === undefined) return next();
      sendRange(req, res, input, { onResponse: (event) => failEvents.push(event) }).catch(next);
    });
    withSentinels(server);
    front = await listen(server);
  });

  afterAll(async () => {
    await front?.close();
    await fake?.close();
  });

  describe('before the headers: a clean error status through next(err)', () => {
    it.each([
      ['open throws', 'open-throws', 500],
      ['open throws an error carrying a status', 'open-throws-503', 503],
      ['async open rejects', 'open-rejects', 500],
      ['the source promise rejects', 'source-rejects', 500],
      ['upstream answers 500 to the probe', 'upstream/500', 502],
      ['upstream answers 500 to the range', 'upstream/range-500', 502],
      ['upstream answers 200 instead of 206', 'upstream/200', 502],
      ['upstream ETag changes between probe and range', 'upstream/etag-changes', 502],
      ['upstream answers another Content-Range', 'upstream/wrong-range', 502],
      ['upstream answers another total size', 'upstream/wrong-size', 502],
      ['upstream sends a Content-Encoding', 'upstream/gzip', 502],
      ['upstream has no such object', 'upstream/404', 404],
    ])('%s: /fail/%s → %i', async (_name, path, status) => {
      const res = await get(`${front.url}/fail/${path}`, { range: 'bytes=10-19' });
      expect(res.status).toBe(status);
      expect(res.headers['x-sentinel']).toBe('error');
      expect(res.body.toString()).toBe(`error ${status}`);
      expect(res.headers['content-range']).toBeUndefined();
    });

    it('an unreachable upstream → 502', async () => {
      const gone = await listen((_req, res) => res.end());
      await gone.close();
      const source = httpSource(`${gone.url}/x`);
      await expect(source).rejects.toMatchObject({ status: 502, code: 'ERR_UPSTREAM' });
    });

    it('an upstream that goes away between probe and range → 502', async () => {
      const origin = createApp();
      origin.use('/media', partialContent(fixtures.root));
      const running = await listen(origin);
      given = await httpSource(`${running.url}/media/data.bin`);
      await running.close();
      const res = await get(`${front.url}/fail/given`, { range: 'bytes=0-9' });
      expect(res.status).toBe(502);
      expect(res.body.toString()).toBe('error 502');
    });

    it('a real upstream file replaced after the probe: If-Match makes it 412 upstream, 502 here', async () => {
      const path = join(fixtures.root, 'mutable.bin');
      given = await httpSource(`${upstream.url}/media/mutable.bin`);
      const before = await get(`${front.url}/fail/given`, { range: 'bytes=0-99' });
      expect(before.status).toBe(206);
      expect(before.body.equals(patterned(4_000).subarray(0, 100))).toBe(true);

      writeFileSync(path, patterned(4_000, 5));
      utimesSync(path, new Date(), new Date(Date.now() + 60_000));
      const after = await get(`${front.url}/fail/given`, { range: 'bytes=0-99' });
      expect(after.status).toBe(502);
      const last = upstreamEvents.at(-1);
      expect(last?.status).toBe(412);
      expect(last?.url).toBe('/media/mutable.bin');
    });

    it('sends Range, If-Match, Accept-Encoding: identity and the caller’s headers upstream', async () => {
      seen.length = 0;
      const res = await get(`${front.url}/fail/upstream/ok`, { range: 'bytes=10-19' });
      expect(res.status).toBe(206);
      expect(res.body.equals(patterned(SLOW_SIZE).subarray(10, 20))).toBe(true);
      expect(seen.map(({ method, headers }) => [method, headers.range, headers['if-match']])).toEqual([
        ['HEAD', undefined, undefined],
        ['GET', 'bytes=10-19', '"v1"'],
      ]);
      for (const { headers } of seen) {
        expect(headers['accept-encoding']).toBe('identity');
        expect(headers.authorization).toBe('Bearer t0ken');
      }
    });

    it('with only a weak ETag, asks with If-Unmodified-Since (If-Match would never match)', async () => {
      seen.length = 0;
      const res = await get(`${front.url}/fail/upstream/weak`, { range: 'bytes=100-199' });
      expect(res.status).toBe(206);
      expect(res.headers.etag).toBe('W/"v1"');
      expect(res.body.equals(patterned(SLOW_SIZE).subarray(100, 200))).toBe(true);
      expect(seen.map(({ method, headers }) => [method, headers['if-match'], headers['if-unmodified-since']])).toEqual([
        ['HEAD', undefined, undefined],
        ['GET', undefined, 'Wed, 01 May 2024 12:00:00 GMT'],
      ]);
    });

    it('accepts a 200 when the range asked for is the whole representation', async () => {
      const res = await get(`${front.url}/fail/upstream/200`);
      expect(res.status).toBe(200);
      expect(res.body.equals(patterned(SLOW_SIZE))).toBe(true);
    });

    it('probes with GET bytes=0-0 when HEAD is not allowed', async () => {
      const mark = upstreamEvents.length;
      given = await httpSource(`${upstream.url}/nohead/data.bin`);
      expect(given.size).toBe(DATA_SIZE);
      const res = await get(`${front.url}/fail/given`, { range: 'bytes=5000-5009' });
      expect(res.status).toBe(206);
      expect(res.body.equals(bytesOf('data.bin').subarray(5000, 5010))).toBe(true);
      await until(() => upstreamEvents.length >= mark + 2, 'the upstream saw both requests');
      expect(upstreamEvents.slice(mark).map((event) => [event.method, event.rangeHeader, event.status])).toEqual([
        ['GET', 'bytes=0-0', 206],
        ['GET', 'bytes=5000-5009', 206],
      ]);
    });
  });

  describe('after the headers: the connection is cut and onResponse reports the error', () => {
    it.each([
      ['the stream errors midway', 'stream-errors', {}, 200, 100_000, /disk on fire/],
      ['the stream ends short (sendRange counts the bytes)', 'stream-short', {}, 200, 1000, /^Source ended after 500 of 1000/],
      ['the upstream body ends short (chunked)', 'upstream/short-chunked', { range: 'bytes=0-999' }, 206, 1000, /^Upstream body ended after 500 of 1000/],
      ['the upstream connection drops midway', 'upstream/short-declared', { range: 'bytes=0-999' }, 206, 1000, /^Upstream body failed/],
    ])('%s', async (_name, path, headers, status, length, message) => {
      const url = `/fail/${path}?n=${requestCounter++}`;
      const res = await getLoose(`${front.url}${url}`, headers);
      expect(res.complete).toBe(false);
      expect(res.body.length).toBeLessThan(length);
      if (res.status !== 0) expect(res.status).toBe(status);
      const event = await eventFor(failEvents, url);
      expect(event.status).toBe(status);
      expect(event.error?.message).toMatch(message);
      expect(event.aborted).toBe(false);
      expect(event.bytesExpected).toBe(length);
      expect(event.bytesWritten).toBeLessThan(length);
    });

    it('the upstream sends too many bytes: never more than announced reaches the client', async () => {
      // Where the excess shows depends on how the upstream's bytes arrive: with the first chunk (read
      // before the head: a clean 502), or after the range's own bytes went out (then the cut comes
      // after a body that is right, and onResponse reports the error).
      const url = `/fail/upstream/long?n=${requestCounter++}`;
      const res = await getLoose(`${front.url}${url}`, { range: 'bytes=0-999' });
      if (res.status === 502) return;
      expect(res.body.length).toBeLessThanOrEqual(1000);
      const event = await eventFor(failEvents, url);
      expect(event).toMatchObject({ status: 206, bytesExpected: 1000, aborted: false });
      expect(event.error?.message).toMatch(/^Upstream sent more than 1000 bytes/);
    });

    it('a multipart part whose upstream range fails cuts the response', async () => {
      const url = `/fail/upstream/second-part-fails?n=${requestCounter++}`;
      const res = await getLoose(`${front.url}${url}`, { range: 'bytes=0-9,5000-5099' });
      expect(res.complete).toBe(false);
      const event = await eventFor(failEvents, url);
      expect(event.status).toBe(206);
      expect(event.error).toMatchObject({ status: 502 });
      expect(event.bytesWritten).toBeLessThan(event.bytesExpected);
    });
  });

  describe('client aborts', () => {
    it('destroys the source stream and reports aborted', async () => {
      const url = `/fail/slow?n=${requestCounter++}`;
      streamClosed = false;
      expect(await abortAfterFirstBytes(`${front.url}${url}`)).toBe(200);
      const event = await eventFor(failEvents, url);
      expect(event).toMatchObject({ status: 200, aborted: true, error: undefined, bytesExpected: SLOW_SIZE });
      expect(event.bytesWritten).toBeGreaterThan(0);
      expect(event.bytesWritten).toBeLessThan(SLOW_SIZE);
      await expect.poll(() => streamClosed, { timeout: 2_000 }).toBe(true);
    });

    it('passes the abort on to the upstream request', async () => {
      const url = `/fail/upstream/slow?n=${requestCounter++}`;
      slowClosed.early = undefined;
      expect(await abortAfterFirstBytes(`${front.url}${url}`, { range: 'bytes=0-' })).toBe(206);
      // The upstream sees its response closed long before its own 10 s timer would close it.
      await expect.poll(() => slowClosed.early, { timeout: 2_000, interval: 20 }).toBe(true);
      const event = await eventFor(failEvents, url);
      expect(event).toMatchObject({ status: 206, aborted: true, error: undefined, bytesExpected: SLOW_SIZE });
    });
  });
});

// ---------------------------------------------------------------------------------------------
// The event's figures, spelled out for each kind of ending.

describe('onResponse figures', () => {
  const path = (file: string): string => `/s/0/${file}?n=${requestCounter++}`;

  it('full response', async () => {
    const url = path('data.bin');
    const res = await get(`${app.url}${url}`);
    expect(res.body.equals(bytesOf('data.bin'))).toBe(true);
    const event = await eventFor(events, url);
    expect(event).toMatchObject({
      method: 'GET',
      url,
      source: join(fixtures.root, 'data.bin'),
      status: 200,
      size: DATA_SIZE,
      ranges: [],
      rangeHeader: undefined,
      bytesWritten: DATA_SIZE,
      bytesExpected: DATA_SIZE,
      aborted: false,
      error: undefined,
    });
    expect(event.durationMs).toBeGreaterThan(0);
    expect(event.durationMs).toBeLessThan(10_000);
  });

  it('partial response', async () => {
    const url = path('data.bin');
    const res = await get(`${app.url}${url}`, { range: 'bytes=100-199' });
    expect(res.body.equals(bytesOf('data.bin').subarray(100, 200))).toBe(true);
    expect(await eventFor(events, url)).toMatchObject({
      status: 206,
      ranges: [{ start: 100, end: 199 }],
      rangeHeader: 'bytes=100-199',
      bytesWritten: 100,
      bytesExpected: 100,
      aborted: false,
    });
  });

  it('multipart response counts the framing', async () => {
    const url = path('data.bin');
    const res = await get(`${app.url}${url}`, { range: 'bytes=0-9,20-29' });
    expect(res.status).toBe(206);
    const event = await eventFor(events, url);
    expect(event.ranges).toEqual([{ start: 0, end: 9 }, { start: 20, end: 29 }]);
    expect(event.bytesWritten).toBe(res.body.length);
    expect(event.bytesWritten).toBeGreaterThan(20);
  });

  // Aborted and failed responses: see 'client aborts' and 'after the headers' above.

  it('a hook that throws breaks nothing: the response completes and the hook ran once', async () => {
    let calls = 0;
    const server = createApp();
    server.use((req, res, next) => {
      const onResponse = (): void => {
        calls++;
        throw new Error('metrics backend down');
      };
      sendRange(req, res, bytesOf('data.bin'), { onResponse }).catch(next);
    });
    withSentinels(server);
    const running = await listen(server);
    try {
      const first = await get(`${running.url}/`, { range: 'bytes=10-19' });
      const second = await get(`${running.url}/`);
      expect(first.status).toBe(206);
      expect(first.body.equals(bytesOf('data.bin').subarray(10, 20))).toBe(true);
      expect(second.status).toBe(200);
      expect(second.body.equals(bytesOf('data.bin'))).toBe(true);
      await expect.poll(() => calls, { timeout: 1_000 }).toBe(2);
    } finally {
      await running.close();
    }
  });

  it('a source that cannot be opened is no response: no event, the route answers via next(err)', async () => {
    const url = `/s/4/nosuch.bin?n=${requestCounter++}`;
    const res = await get(`${app.url}${url}`);
    // A source that cannot be opened is the route's error, not a response: no event, a 404 via next(err).
    expect(res.status).toBe(404);
    expect(res.body.toString()).toBe('error 404');
    await sleep(50);
    expect(events.filter((event) => event.url === url)).toHaveLength(0);
  });
});
