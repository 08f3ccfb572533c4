import { createReadStream, utimesSync, writeFileSync } from 'node:fs';
import type { ClientHttp2Session } from 'node:http2';
import { request as httpsRequest } from 'node:https';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bufferSource, partialContent, sendRange, type Source } from '../../src/index.js';
import { materialize, PRECONDITION_CASES } from '../cases/precondition-cases.js';
import { RANGE_CASES } from '../cases/range-cases.js';
import { createFixtures, patterned, type Fixtures } from '../helpers/fixtures.js';
import { asHttp1, connectH2, h2Get, listenH2, makeCertificate, type Certificate, type RunningH2 } from '../helpers/h2.js';
import { parseMultipart } from '../helpers/multipart.js';
import { expectRangeAnswer } from '../helpers/range-answer.js';

/**
 * The shared range, precondition and multipart tables over real HTTP/2 sessions (node:http2's
 * compatibility API, TLS with a certificate made at test time), for the middleware on a bare h2
 * server and for sendRange with a file, a buffer and a custom Source. Bodies byte for byte.
 */

const OLD = new Date('2024-03-01T12:00:00Z');
const FILE_BY_SIZE: Record<number, string> = { 0: 'empty.bin', 100: 'nums.txt', 2048: 'k2.bin', 10_000: 'data.bin' };
const BIG_BUFFER = patterned(16 * 1024 * 1024, 1);

let fixtures: Fixtures;
let certificate: Certificate;
let server: RunningH2;
let session: ClientHttp2Session;

const bytesOf = (name: string): Buffer => (name === 'k2.bin' ? patterned(2048, 5) : fixtures.files[name]!);

/** A Source as a user writes one: a size, a validator and a stream per range. */
function customSource(name: string): Source {
  const path = join(fixtures.root, name);
  return {
    size: bytesOf(name).length,
    name,
    etag: '"custom-v1"',
    lastModified: OLD,
    open: ({ start, end }) => createReadStream(path, { start, end }),
  };
}

beforeAll(async () => {
  fixtures = createFixtures();
  writeFileSync(join(fixtures.root, 'k2.bin'), patterned(2048, 5));
  utimesSync(join(fixtures.root, 'data.bin'), OLD, OLD);
  certificate = makeCertificate();
  const media = partialContent(fixtures.root);
  server = await listenH2(certificate, (req, res) => {
    const [, kind, name = ''] = /^\/(direct|buffer|custom|big)\/(.*)$/.exec(req.url ?? '') ?? [];
    const fail = (error: { status?: number }): void => {
      res.statusCode = error.status ?? 500;
      res.end(`error ${res.statusCode}`);
    };
    if (kind === undefined) {
      // The middleware on a bare server: no Express, no mount point.
      media(...asHttp1(req, res), (error?: unknown) => (error === undefined ? fail({ status: 404 }) : fail(error as { status?: number })));
    } else if (kind === 'direct') {
      sendRange(req, res, join(fixtures.root, name)).catch(fail);
    } else if (kind === 'buffer') {
      sendRange(req, res, bufferSource(bytesOf(name), { name, lastModified: OLD })).catch(fail);
    } else if (kind === 'custom') {
      sendRange(req, res, customSource(name)).catch(fail);
    } else {
      sendRange(req, res, bufferSource(BIG_BUFFER)).catch(fail);
    }
  });
  session = await connectH2(server.url, certificate);
});

afterAll(async () => {
  session?.destroy();
  await server?.close();
  certificate?.cleanup();
  fixtures?.cleanup();
});

describe.each(['', '/direct', '/buffer', '/custom'])('range table over HTTP/2 through %s', (prefix) => {
  it.each(RANGE_CASES)('$name ($header on $size bytes)', async ({ size, header, expected }) => {
    const name = FILE_BY_SIZE[size]!;
    const file = bytesOf(name);
    // RFC 9113 §8.2.1: an HTTP/2 field value never starts or ends with whitespace (nghttp2 drops
    // such a field); HTTP/1.1 parsers strip it too, so the trimmed value is what a server sees.
    const res = await h2Get(session, `${prefix}/${name}`, { range: header.trim() });
    expect(res.headers['accept-ranges']).toBe('bytes');
    expectRangeAnswer(res, expected, file);
  });
});

describe('RFC 9110 §13.2.2 precedence over HTTP/2', () => {
  const STATUS = { proceed: 200, 'not-modified': 304, 'precondition-failed': 412 } as const;
  let etag: string;
  beforeAll(async () => {
    etag = String((await h2Get(session, '/data.bin')).headers['etag']);
  });

  describe.each([
    { withRange: false, proceed: 200 },
    { withRange: true, proceed: 206 },
  ])('with Range: $withRange', ({ withRange, proceed }) => {
    it.each(PRECONDITION_CASES)('$name → $expected', async ({ request, expected }) => {
      const headers = materialize(request, etag, OLD);
      if (withRange) headers['range'] = 'bytes=100-199';
      for (const method of ['GET', 'HEAD']) {
        const res = await h2Get(session, '/data.bin', Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v])), method);
        const status = expected === 'proceed' ? (method === 'HEAD' ? 200 : proceed) : STATUS[expected];
        expect(res.status).toBe(status);
        if (status === 304) {
          // RFC 9110 §15.4.5: Last-Modified only where there is no ETag.
          expect([res.headers['etag'], res.headers['last-modified'], res.headers['content-type'], res.headers['content-length']]).toEqual([
            etag,
            undefined,
            undefined,
            undefined,
          ]);
        }
        if (method === 'HEAD' || status === 304 || status === 412) expect(res.body.length).toBe(0);
        else if (status === 206) expect(res.body.equals(fixtures.files['data.bin']!.subarray(100, 200))).toBe(true);
        else expect(res.body.equals(fixtures.files['data.bin']!)).toBe(true);
      }
    });
  });
});

describe('multipart/byteranges over HTTP/2', () => {
  const SIZE = 300 * 1024;
  const ranges = [[0, 999], [100_000, 264_999], [SIZE - 10, SIZE - 1]] as const;
  it.each(['', '/direct', '/buffer', '/custom'])('three parts (one of 165,000 bytes) through %s, byte for byte', async (prefix) => {
    const res = await h2Get(session, `${prefix}/song.mp3`, { range: `bytes=${ranges.map(([a, b]) => `${a}-${b}`).join(',')}` });
    expect(res.status).toBe(206);
    expect(res.headers['content-length']).toBe(String(res.body.length));
    const parts = parseMultipart(res.body, String(res.headers['content-type']));
    expect(parts.map((part) => part.headers['content-range'])).toEqual(ranges.map(([a, b]) => `bytes ${a}-${b}/${SIZE}`));
    parts.forEach((part, i) => {
      const [start, end] = ranges[i]!;
      expect(part.body.equals(fixtures.files['song.mp3']!.subarray(start, end + 1))).toBe(true);
    });
  });
});

describe('big bodies over HTTP/2', () => {
  it('a 16 MiB buffer body the client does not read yet leaves the session open for its next streams', async () => {
    const own = await connectH2(server.url, certificate);
    try {
      const big = own.request({ ':path': '/big/' }, { endStream: true });
      big.on('error', () => undefined);
      await new Promise((resolve) => big.once('response', resolve));
      big.pause(); // flow control now holds the server's writes back
      await new Promise((resolve) => setTimeout(resolve, 200));
      // A server that queued the whole body in one write is over the session's memory limit
      // (maxSessionMemory, 10 MB): Node refuses new streams with ENHANCE_YOUR_CALM.
      const next = await h2Get(own, '/nums.txt', {}, 'GET', 10_000);
      expect([next.status, next.body.toString()]).toEqual([200, fixtures.files['nums.txt']!.toString()]);
      const chunks: Buffer[] = [];
      big.on('data', (chunk: Buffer) => chunks.push(chunk));
      big.resume();
      await new Promise((resolve) => big.once('end', resolve));
      expect(Buffer.concat(chunks).equals(BIG_BUFFER)).toBe(true);
    } finally {
      own.destroy();
    }
  });
});

describe('HTTP/1.1 on the same server (allowHTTP1)', () => {
  it.each(RANGE_CASES.filter((c) => c.expected.kind === 'ranges' && c.expected.ranges.length === 1).slice(0, 6))(
    '$name over HTTPS/1.1',
    async ({ size, header, expected }) => {
      const name = FILE_BY_SIZE[size]!;
      const res = await new Promise<{ status: number; version: string; body: Buffer }>((resolve, reject) => {
        const req = httpsRequest(`${server.url}/direct/${name}`, { ca: certificate.cert, headers: { range: header }, agent: false }, (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () => resolve({ status: response.statusCode ?? 0, version: response.httpVersion, body: Buffer.concat(chunks) }));
        });
        req.on('error', reject);
        req.end();
      });
      const only = expected.kind === 'ranges' ? expected.ranges[0]! : { start: 0, end: -1 };
      expect([res.status, res.version]).toEqual([206, '1.1']);
      expect(res.body.equals(bytesOf(name).subarray(only.start, only.end + 1))).toBe(true);
    },
  );
});
