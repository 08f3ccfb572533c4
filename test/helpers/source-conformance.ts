import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ByteRange, SourceInput } from '../../src/index.js';
import { createFixtures, type Fixtures } from './fixtures.js';
import { get } from './http-get.js';
import { parseMultipart } from './multipart.js';
import { startSendRangeApp, type SendRangeApp } from './send-range-app.js';

// The conformance table: one set of cases, run against every kind of source (test/http/sources/).

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

/** The Content-Type this library (and the nginx config of the upstream suite) gives each fixture. */
export const typeOf = (file: string): string => TYPES[file] ?? 'unknown';

/** The bytes of fixture `file` (fails on a name the fixture set does not have). */
export function bytesOf(fixtures: Fixtures, file: string): Buffer {
  const bytes = fixtures.files[file];
  if (bytes === undefined) throw new Error(`no fixture ${file}`);
  return bytes;
}

/** One kind of source under the conformance table. */
export interface ConformanceSubject {
  /** What `sendRange` is given for fixture `file`. */
  input(file: string): SourceInput;
  /** The Content-Type answered for fixture `file`. */
  type(file: string): string;
  /** Stops whatever `start` started (an upstream origin). */
  close?(): Promise<void>;
}

function expectedRanges(body: Body): ByteRange[] {
  if (typeof body === 'string') return [];
  const list = 'range' in body ? [body.range] : body.parts;
  return list.map(([start, end]) => ({ start, end }));
}

/**
 * Runs the whole conformance table against one kind of source: fresh fixtures, the subject `start`
 * builds over them, served by `sendRange` on a loopback app; every body is compared with the fixture's
 * bytes and every response's `onResponse` event is checked.
 */
export function describeConformance(name: string, start: (fixtures: Fixtures) => ConformanceSubject | Promise<ConformanceSubject>): void {
  describe(`conformance: ${name}`, () => {
    let fixtures: Fixtures;
    let subject: ConformanceSubject;
    let app: SendRangeApp;
    let requestCounter = 0;

    beforeAll(async () => {
      fixtures = createFixtures();
      subject = await start(fixtures);
      app = await startSendRangeApp((path) => subject.input(decodeURIComponent(path.slice(1))));
    });

    afterAll(async () => {
      await app?.close();
      await subject?.close?.();
      fixtures?.cleanup();
    });

    it.each(CASES)('$name', async (testCase) => {
      const file = bytesOf(fixtures, testCase.file);
      const base = `/${encodeURIComponent(testCase.file)}`;
      const head = await get(`${app.url}${base}?n=${requestCounter++}`, {}, 'HEAD');
      expect(head.status).toBe(200);
      const etag = head.headers.etag;
      expect(etag).toMatch(/^"[^"]+"$/);

      const path = `${base}?n=${requestCounter++}`;
      const res = await get(`${app.url}${path}`, testCase.headers?.(etag ?? '') ?? {}, testCase.method ?? 'GET');
      expect(res.status).toBe(testCase.status);

      const body = testCase.body;
      const type = subject.type(testCase.file);
      if (body === 'whole') {
        expect(res.body.equals(file)).toBe(true);
        expect(res.headers['content-length']).toBe(String(file.length));
        expect(res.headers['content-type']).toBe(type);
      } else if (body === 'none') {
        expect(res.body).toHaveLength(0);
      } else if ('range' in body) {
        const [start, end] = body.range;
        expect(res.headers['content-range']).toBe(`bytes ${start}-${end}/${file.length}`);
        expect(res.headers['content-length']).toBe(String(end - start + 1));
        expect(res.headers['content-type']).toBe(type);
        expect(res.body.equals(file.subarray(start, end + 1))).toBe(true);
      } else {
        const parts = parseMultipart(res.body, res.headers['content-type'] ?? '');
        expect(parts.map((part) => part.headers['content-range'])).toEqual(
          body.parts.map(([start, end]) => `bytes ${start}-${end}/${file.length}`),
        );
        body.parts.forEach(([start, end], i) => {
          expect(parts[i]?.headers['content-type']).toBe(type);
          expect(parts[i]?.body.equals(file.subarray(start, end + 1))).toBe(true);
        });
        expect(res.headers['content-length']).toBe(String(res.body.length));
      }

      if (testCase.status === 416) expect(res.headers['content-range']).toBe(`bytes */${file.length}`);
      if (testCase.method === 'HEAD') expect(res.headers['content-length']).toBe(String(file.length));
      if (testCase.status === 200 || testCase.status === 206 || testCase.status === 304) expect(res.headers.etag).toBe(etag);
      if (testCase.status === 200 || testCase.status === 206) expect(res.headers['accept-ranges']).toBe('bytes');
      expect(res.headers.vary).toBe(testCase.vary === true ? 'Sec-Fetch-Dest' : undefined);

      expect(await app.eventOf(path)).toMatchObject({
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
}
