import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { partialContent, type PartialContentOptions } from '../../src/index.js';
import { createFixtures, type Fixtures } from '../helpers/fixtures.js';
import { get, type GetResponse } from '../helpers/http-get.js';
import { rawRequest } from '../helpers/raw-request.js';
import { createApp, withSentinels } from '../helpers/server.js';
import { expectRangeAnswer } from './expect-answer.js';

/**
 * Hostile Range and validator headers. Every answer must be one RFC 9110 allows for a GET of an
 * existing file (200, 206, 304, 412, 416), exact to the byte (checked against the oracle), never
 * larger than the file, and quick.
 */

const ALLOWED = [200, 206, 304, 412, 416];
/** Per request: generous for a loaded CI machine, far below what a quadratic blow-up would take. */
const TIME_LIMIT_MS = 3_000;
const DEFAULTS = { maxRanges: 100, maxChunkSize: Infinity, capOpenEnded: false };
const MANY = { maxRanges: 100_000, maxChunkSize: Infinity, capOpenEnded: false };

let fixtures: Fixtures;
let port: number;
let bigPort: number;
const servers: Server[] = [];
let slowest = 0;

async function start(maxHeaderSize?: number): Promise<number> {
  const app = createApp();
  app.use('/media', partialContent(fixtures.root, { fallthrough: false }));
  app.use('/many', partialContent(fixtures.root, { fallthrough: false, maxRanges: 100_000 } satisfies PartialContentOptions));
  withSentinels(app);
  const server = maxHeaderSize === undefined ? createServer(app) : createServer({ maxHeaderSize }, app);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

beforeAll(async () => {
  fixtures = createFixtures();
  port = await start();
  bigPort = await start(1 << 20); // an app that raised Node's 16 KiB header limit
});
afterAll(async () => {
  for (const server of servers) server.closeAllConnections();
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  fixtures.cleanup();
  // The slowest single answer in this file, for the record.
  console.info(`range-abuse: slowest answer ${slowest.toFixed(0)} ms`);
});

const TYPES: Readonly<Record<string, string>> = {
  'data.bin': 'application/octet-stream',
  'nums.txt': 'text/plain; charset=utf-8',
  'clip.mp4': 'video/mp4',
  'empty.bin': 'application/octet-stream',
};

async function timed(url: string, headers: Record<string, string>, limit = TIME_LIMIT_MS): Promise<GetResponse> {
  const started = performance.now();
  const res = await get(url, headers);
  const elapsed = performance.now() - started;
  slowest = Math.max(slowest, elapsed);
  expect(elapsed, `${url} took ${elapsed.toFixed(0)} ms`).toBeLessThan(limit);
  expect(ALLOWED).toContain(res.status);
  return res;
}

const list = (count: number, spec: (i: number) => string): string => Array.from({ length: count }, (_, i) => spec(i)).join(',');

interface AbuseCase {
  readonly name: string;
  readonly header: string;
  readonly file?: string;
  readonly route?: '/media' | '/many';
  readonly big?: boolean;
  /** The status the oracle must also arrive at: a readable cross-check of the table. */
  readonly status: 200 | 206 | 416;
  /** A larger time limit, for work that is linear in an opt-in limit (each multipart part costs ~0.1–1 ms). */
  readonly limit?: number;
}

const CASES: AbuseCase[] = [
  // Thousands of ranges.
  { name: '3,000 × 0-0 (12 KB, within 16 KiB): too many', header: `bytes=${list(3000, () => '0-0')}`, status: 200 },
  { name: '5,000 suffixes -1 (15 KB): too many', header: `bytes=${list(5000, () => '-1')}`, status: 200 },
  { name: '4,000 disjoint 0-0,2-2,… (raised header limit): too many', header: `bytes=${list(4000, (i) => `${2 * i}-${2 * i}`)}`, big: true, status: 200 },
  { name: '4,000 disjoint, maxRanges 100,000: framing exceeds data.bin', header: `bytes=${list(4000, (i) => `${2 * i}-${2 * i}`)}`, big: true, route: '/many', status: 200 },
  { name: '4,000 disjoint, maxRanges 100,000, 5 MiB file: 4,000 exact parts', header: `bytes=${list(4000, (i) => `${1000 * i}-${1000 * i}`)}`, big: true, route: '/many', file: 'clip.mp4', status: 206, limit: 15_000 },
  { name: '50,000 × 0-0 (200 KB, raised limit): too many', header: `bytes=${list(50_000, () => '0-0')}`, big: true, status: 200 },
  { name: '50,000 × 0-0 with maxRanges 100,000: add up past the size', header: `bytes=${list(50_000, () => '0-0')}`, big: true, route: '/many', status: 200 },
  { name: '5,000 × 0-0 with maxRanges 100,000: coalesced to one byte', header: `bytes=${list(5_000, () => '0-0')}`, big: true, route: '/many', status: 206 },
  { name: '50,000 × 0- with maxRanges 100,000: adds up past the size', header: `bytes=${list(50_000, () => '0-')}`, big: true, route: '/many', status: 200 },
  // Overlapping, repeated, reversed (Apache Killer shapes).
  { name: '400 overlapping 100-byte ranges: too many', header: `bytes=${list(400, (i) => `${i}-${i + 99}`)}`, status: 200 },
  { name: '400 overlapping, maxRanges 100,000, data.bin: add up past the size', header: `bytes=${list(400, (i) => `${i}-${i + 99}`)}`, route: '/many', status: 200 },
  { name: '400 overlapping, maxRanges 100,000, 5 MiB: one coalesced range', header: `bytes=${list(400, (i) => `${i}-${i + 99}`)}`, route: '/many', file: 'clip.mp4', status: 206 },
  { name: 'Apache Killer: 0-,5-0,5-1,…,5-1299', header: `bytes=0-,${list(1300, (i) => `5-${i}`)}`, route: '/many', file: 'clip.mp4', status: 200 },
  { name: '100 × 0- (at the limit): adds up past the size', header: `bytes=${list(100, () => '0-')}`, status: 200 },
  { name: '100 × 0-0: coalesced to one byte', header: `bytes=${list(100, () => '0-0')}`, status: 206 },
  { name: '100 × -1: coalesced to the last byte', header: `bytes=${list(100, () => '-1')}`, status: 206 },
  { name: '100 descending single bytes: coalesced', header: `bytes=${list(100, (i) => `${99 - i}-${99 - i}`)}`, status: 206 },
  { name: '50 interleaved ranges, two parts after coalescing', header: `bytes=${list(50, (i) => (i % 2 === 0 ? `${i}-${i + 1}` : `${5000 + i}-${5001 + i}`))}`, status: 206 },
  { name: 'two whole-file ranges', header: 'bytes=0-,0-', status: 200 },
  // Huge numbers, 20 digits, past 2^53, past 2^64, negative.
  { name: '20-digit last position is clamped', header: 'bytes=0-99999999999999999999', status: 206 },
  { name: '20-digit first position is unsatisfiable', header: 'bytes=99999999999999999999-', status: 416 },
  { name: '20-digit suffix selects everything', header: 'bytes=-99999999999999999999', status: 206 },
  { name: 'past 2^53, both ends', header: 'bytes=9007199254740992-9007199254740993', status: 416 },
  { name: 'past 2^53, inverted by one (equal as doubles)', header: 'bytes=9007199254740993-9007199254740992', status: 200 },
  { name: 'last position past 2^53', header: 'bytes=0-9007199254740993', status: 206 },
  { name: 'int64 minimum as a suffix', header: 'bytes=-9223372036854775808', status: 206 },
  { name: 'int64 maximum as a first position', header: 'bytes=9223372036854775807-', status: 416 },
  { name: 'uint64 wrap-around', header: 'bytes=18446744073709551615-18446744073709551616', status: 416 },
  { name: 'nginx CVE-2017-7529 shape: two huge suffixes', header: 'bytes=-17208,-9223372036854758584', status: 200 },
  { name: 'a range plus an overflowing suffix', header: 'bytes=0-1,-9223372036854775808', status: 200 },
  { name: '1,000-digit last position', header: `bytes=0-${'9'.repeat(1000)}`, status: 206 },
  { name: '1,000-digit first position', header: `bytes=${'9'.repeat(1000)}-`, status: 416 },
  { name: '5,000-digit suffix', header: `bytes=-${'9'.repeat(5000)}`, status: 206 },
  { name: '15,000 leading zeros', header: `bytes=${'0'.repeat(15_000)}5-9`, status: 206 },
  { name: 'negative last position', header: 'bytes=5--10', status: 200 },
  { name: 'negative first position', header: 'bytes=--5', status: 200 },
  { name: 'negative suffix with an end', header: 'bytes=-5-10', status: 200 },
  { name: 'suffix of zero', header: 'bytes=-0', status: 416 },
  { name: 'suffix of zero, zero-padded', header: 'bytes=-00000', status: 416 },
  { name: 'decimal fraction', header: 'bytes=0.5-1', status: 200 },
  { name: 'exponent', header: 'bytes=1e3-', status: 200 },
  { name: 'hexadecimal', header: 'bytes=0x10-0x20', status: 200 },
  { name: 'plus sign', header: 'bytes=+5-10', status: 200 },
  { name: 'Arabic-Indic digits (their UTF-8 bytes)', header: 'bytes=\u00d9\u00a0-\u00d9\u00a1', status: 200 },
  { name: 'superscript digits (Latin-1)', header: 'bytes=\u00b2-\u00b3', status: 200 },
  // Whitespace.
  { name: 'space after =', header: 'bytes= 0-1', status: 206 },
  { name: 'spaces around -', header: 'bytes=0 - 1', status: 206 },
  { name: 'tabs around the list comma', header: 'bytes=0-1\t,\t5000-5001', status: 206 },
  { name: 'space before =', header: 'bytes =0-1', status: 200 },
  { name: 'NBSP (obs-text) around a spec', header: 'bytes=\u00a00-1\u00a0', status: 206 },
  { name: 'outer whitespace (stripped by Node)', header: '  bytes=0-1  ', status: 206 },
  { name: '15,000 spaces before a spec', header: `bytes=${' '.repeat(15_000)}0-1`, status: 206 },
  // Empty and degenerate values.
  { name: 'empty value', header: '', status: 200 },
  { name: 'bytes=', header: 'bytes=', status: 200 },
  { name: 'bytes=,', header: 'bytes=,', status: 200 },
  { name: 'bytes=,,,', header: 'bytes=,,,', status: 200 },
  { name: '=', header: '=', status: 200 },
  { name: 'unit only', header: 'bytes', status: 200 },
  { name: 'lone dash', header: 'bytes=-', status: 200 },
  { name: 'two dashes', header: 'bytes=--', status: 200 },
  { name: 'trailing comma', header: 'bytes=0-1,', status: 200 },
  { name: 'another unit', header: 'items=0-1', status: 200 },
  { name: 'semicolon instead of =', header: 'bytes;0-1', status: 200 },
  { name: 'upper-case unit', header: 'BYTES=0-1', status: 206 },
  { name: 'two = signs', header: 'bytes==0-1', status: 200 },
  { name: 'empty file, any range', header: 'bytes=0-0', file: 'empty.bin', status: 200 },
];

describe('Range abuse', () => {
  it.each(CASES.map((c) => ({ ...c, shown: c.header.length > 50 ? `${c.header.slice(0, 40)}… (${c.header.length} chars)` : JSON.stringify(c.header) })))(
    '$name: $shown → $status',
    async ({ header, file = 'data.bin', route = '/media', big = false, status, name, limit }) => {
      const res = await timed(`http://127.0.0.1:${big ? bigPort : port}${route}/${file}`, { range: header }, limit);
      const seen = header.replace(/^[ \t]+|[ \t]+$/g, '');
      const options = route === '/many' ? MANY : DEFAULTS;
      const answered = expectRangeAnswer(res, fixtures.files[file]!, seen, options, TYPES[file]!, name);
      expect(answered).toBe(status);
    },
    20_000,
  );

  it('a Range header past 16 KiB is refused by Node (431) and the server keeps serving', async () => {
    const res = await rawRequest(port, '/media/data.bin', { Range: `bytes=${'0'.repeat(17_000)}-1` });
    expect([res.status, res.body.length]).toEqual([431, 0]);
    const after = await timed(`http://127.0.0.1:${port}/media/nums.txt`, {});
    expect(after.body.equals(fixtures.files['nums.txt']!)).toBe(true);
  });
});

describe('repeated Range headers', () => {
  it('Node joins them with ", " (checked on a bare server), which makes an invalid header', async () => {
    const echo = createServer((req, res) => res.end(JSON.stringify(req.headers.range)));
    await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
    try {
      const { port: echoPort } = echo.address() as AddressInfo;
      const res = await rawRequest(echoPort, '/', { Range: 'bytes=0-1', range: 'bytes=5-6' });
      expect(JSON.parse(res.body.toString())).toBe('bytes=0-1, bytes=5-6');
    } finally {
      await new Promise((resolve) => echo.close(resolve));
    }
  });

  it.each([
    ['bytes=0-1', 'bytes=5-6'],
    ['bytes=0-1', 'bytes=0-1'],
    ['bytes=0-', 'items=0-1'],
    ['bytes=99999-', 'bytes=0-1'],
  ])('%s + %s → the whole file (Range is not a list field)', async (first, second) => {
    // raw-request writes each name once; vary the case to send two lines.
    const res = await rawRequest(port, '/media/data.bin', { Range: first, range: second });
    expect(res.status).toBe(200);
    expect(res.body.equals(fixtures.files['data.bin']!)).toBe(true);
  });
});

describe('garbage validators', () => {
  const url = (): string => `http://127.0.0.1:${port}/media/data.bin`;
  const data = (): Buffer => fixtures.files['data.bin']!;
  const long = (c: string): string => c.repeat(15_000);
  let etag: string;
  let lastModified: string;
  beforeAll(async () => {
    const res = await get(url());
    etag = String(res.headers['etag']);
    lastModified = String(res.headers['last-modified']);
  });

  it.each([
    'garbage', '"unterminated', '"', '""', 'W/', 'W/"weak"', '*', ',', '"a", "b"', 'Mon, 32 Foo 2024 99:99:99 GMT',
    'Thu, 01 Jan 1970 00:00:00 GMT', '\u00ff\u00fe', long('x'), long('"'), `"${long('a')}"`, long(' ') + 'x',
  ])('If-Range %j: the Range is ignored, the whole file is sent', async (value) => {
    const res = await timed(url(), { range: 'bytes=0-99', 'if-range': value });
    expect([res.status, res.headers['content-range']]).toEqual([200, undefined]);
    expect(res.body.equals(data())).toBe(true);
  });

  it('If-Range with the current strong ETag still gives the 206 (the garbage cases can fail)', async () => {
    const res = await timed(url(), { range: 'bytes=0-99', 'if-range': etag });
    expect([res.status, res.body.equals(data().subarray(0, 100))]).toEqual([206, true]);
  });

  it.each(['garbage', '"', 'W/"x"', ',,,', long('x'), `"${long('a')}"`, '"a" "b"', '<the current ETag, weak>'])(
    'If-Match %j matches nothing: 412, with or without Range',
    async (template) => {
      // A weak tag never matches If-Match (strong comparison, RFC 9110 §13.1.1).
      const value = template.replace('<the current ETag, weak>', `W/${etag}`);
      for (const extra of [{}, { range: 'bytes=0-99' }]) {
        const res = await timed(url(), { 'if-match': value, ...extra });
        expect([res.status, res.body.length]).toEqual([412, 0]);
      }
    },
  );

  it('If-Match: * and the current ETag proceed (so the 412s above are not the only answer)', async () => {
    for (const value of ['*', etag, `"x", ${etag}`]) {
      const res = await timed(url(), { 'if-match': value, range: 'bytes=0-99' });
      expect([res.status, res.body.equals(data().subarray(0, 100))]).toEqual([206, true]);
    }
  });

  it.each(['garbage', '"', 'W/', ',,,', long('x'), `"${long('a')}"`, '"a" "b"'])('If-None-Match %j matches nothing: the range is served', async (value) => {
    const res = await timed(url(), { 'if-none-match': value, range: 'bytes=0-99' });
    expect([res.status, res.body.equals(data().subarray(0, 100))]).toEqual([206, true]);
  });

  it('If-None-Match with the current tag or * is a 304 without a body', async () => {
    for (const value of [etag, `W/${etag}`, '*', `"zz", ${etag}`]) {
      const res = await timed(url(), { 'if-none-match': value, range: 'bytes=0-99' });
      expect([res.status, res.body.length]).toEqual([304, 0]);
    }
  });

  it.each([
    'garbage', 'Mon, 32 Foo 2024 99:99:99 GMT', '0', '-1', '99999999999999999999', '2024-01-01T00:00:00Z', long('x'),
    '<Last-Modified> trailing', '<last-modified in lower case>',
  ])('If-Modified-Since / If-Unmodified-Since %j are not dates: ignored', async (template) => {
    const value = template
      .replace('<Last-Modified>', lastModified)
      .replace('<last-modified in lower case>', lastModified.toLowerCase());
    for (const name of ['if-modified-since', 'if-unmodified-since']) {
      const res = await timed(url(), { [name]: value, range: 'bytes=0-99' });
      expect([name, res.status, res.body.equals(data().subarray(0, 100))]).toEqual([name, 206, true]);
    }
  });

  it('valid dates still decide (so the ignored garbage above could have failed)', async () => {
    const ims = await timed(url(), { 'if-modified-since': lastModified });
    expect([ims.status, ims.body.length]).toEqual([304, 0]);
    const ius = await timed(url(), { 'if-unmodified-since': 'Thu, 01 Jan 1970 00:00:00 GMT' });
    expect([ius.status, ius.body.length]).toEqual([412, 0]);
  });

  it('every validator garbled at once, 2 KB each (12 KB in all): answered within the limits', async () => {
    const junk = 'x'.repeat(2000);
    const res = await timed(url(), {
      range: `bytes=${junk}`,
      'if-range': junk,
      'if-match': `"${junk}"`,
      'if-none-match': junk,
      'if-modified-since': junk,
      'if-unmodified-since': junk,
    });
    expect([res.status, res.body.length]).toEqual([412, 0]);
  });

  it('repeated If-Modified-Since: Node keeps the first; a garbage first one is ignored', async () => {
    const res = await rawRequest(port, '/media/data.bin', { 'If-Modified-Since': 'garbage', 'if-modified-since': lastModified });
    expect([res.status, res.body.equals(data())]).toEqual([200, true]);
    const first = await rawRequest(port, '/media/data.bin', { 'If-Modified-Since': lastModified, 'if-modified-since': 'garbage' });
    expect([first.status, first.body.length]).toEqual([304, 0]);
  });
});
