import { describe, expect, it } from 'vitest';
import { CONTENT_TYPE_CASES } from '../cases/content-type-cases.js';
import { RANGE_CASES } from '../cases/range-cases.js';
import { materialize, PRECONDITION_CASES } from '../cases/precondition-cases.js';
import type { Fixtures } from '../helpers/fixtures.js';
import { get, type GetResponse } from '../helpers/http-get.js';
import { parseMultipart } from '../helpers/multipart.js';
import { expectRangeAnswer } from '../helpers/range-answer.js';
import { rawRequest } from '../helpers/raw-request.js';
import { SECRETS, traversalCorpus } from '../security/traversal-corpus.js';
import { OLD } from './fetch-fixtures.js';
import type { RuntimeServer } from './runtime-server.js';

const FELL_THROUGH = 'fell-through-sentinel';
const FILE_BY_SIZE: Record<number, string> = { 0: 'empty.bin', 100: 'nums.txt', 2048: 'k2.bin', 10_000: 'data.bin' };
const MiB = 1024 * 1024;
const CLIP = 5 * MiB;
const media = { 'Sec-Fetch-Dest': 'video' };

/**
 * The HTTP suite of the fetch shell, run against a server process over its URL: the same app
 * (test/fetch/server/serve.ts) on Node, Bun or Deno. Bodies are compared byte for byte with the
 * fixtures.
 */
export function fetchShellSuite(server: () => RuntimeServer, fixtures: () => Fixtures): void {
  // Bun drops the Content-Length of a streamed body and sends it chunked (multipart over 64 KiB, and a
  // 200 over 64 KiB to a request that carried Range); every other answer carries its exact length.
  const streamedLength = (res: GetResponse): unknown[] => [res.headers['content-length'], res.headers['transfer-encoding']];
  const expectedStreamed = (length: number): unknown[] =>
    server().runtime === 'bun' && length > 64 * 1024 ? [undefined, 'chunked'] : [String(length), undefined];
  const url = (path: string): string => `${server().url}${path}`;
  const fetchGet = (path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<GetResponse> =>
    get(url(path), headers, method, 20_000);
  const file = (name: string): Buffer => fixtures().files[name]!;

  describe.each(['/files', '/path', '/bytes', '/blob'])('range table through %s', (prefix) => {
    it.each(RANGE_CASES)('$name ($header on $size bytes)', async ({ size, header, expected }) => {
      const name = FILE_BY_SIZE[size]!;
      const res = await fetchGet(`${prefix}/${name}`, { Range: header });
      expect(res.headers['accept-ranges']).toBe('bytes');
      expectRangeAnswer(res, expected, file(name), {
        multipartLength: (answer) => expect(streamedLength(answer)).toEqual(expectedStreamed(answer.body.length)),
      });
    });
  });

  describe('200, HEAD and types', () => {
    it('a plain GET of a file: exact length, type, strong validators, Accept-Ranges, no added disposition', async () => {
      const res = await fetchGet('/files/song.mp3');
      expect([res.status, res.headers['content-type'], res.headers['content-length']]).toEqual([200, 'audio/mpeg', String(300 * 1024)]);
      expect(res.headers['etag']).toMatch(/^"[0-9a-f]+-[0-9a-f]+"$/);
      expect(res.headers['last-modified']).toMatch(/GMT$/);
      expect(res.body.equals(file('song.mp3'))).toBe(true);
      // Bun would name the file on disk (`filename="…"`, no type): the shell says `inline` instead.
      expect([undefined, 'inline']).toContain(res.headers['content-disposition']);
    });

    it.each([undefined, 'bytes=0-9', 'bytes=0-'])('HEAD with Range %s: the 200 headers of a GET, no body', async (range) => {
      const headers: Record<string, string> = range === undefined ? {} : { Range: range };
      const head = await fetchGet('/files/data.bin', headers, 'HEAD');
      const plain = await fetchGet('/files/data.bin');
      expect([head.status, head.body.length, head.headers['content-range']]).toEqual([200, 0, undefined]);
      for (const name of ['content-length', 'content-type', 'etag', 'last-modified', 'accept-ranges', 'cache-control']) {
        expect([name, head.headers[name]]).toEqual([name, plain.headers[name]]);
      }
    });

    it.each(CONTENT_TYPE_CASES)('Content-Type of %s is %s on 200 and 206', async (name, type) => {
      expect((await fetchGet(`/files/${name}`)).headers['content-type']).toBe(type);
      expect((await fetchGet(`/files/${name}`, { Range: 'bytes=0-0' })).headers['content-type']).toBe(type);
    });

    it('a large body streams whole and exact (5 MiB, no cap without Sec-Fetch-Dest)', async () => {
      const res = await fetchGet('/files/clip.mp4', { Range: 'bytes=1-' });
      expect([res.status, res.headers['content-length']]).toEqual([206, String(CLIP - 1)]);
      expect(res.body.equals(file('clip.mp4').subarray(1))).toBe(true);
    });
  });

  describe.each(['/files/data.bin', '/path/data.bin'])('RFC 9110 §13.2.2 precedence through %s', (path) => {
    it.each(PRECONDITION_CASES)('$name → $expected', async ({ request, expected }) => {
      const etag = String((await fetchGet(path, { Range: 'bytes=0-0' })).headers['etag']);
      for (const withRange of [false, true]) {
        const headers = materialize(request, etag, OLD);
        if (withRange) headers['Range'] = 'bytes=100-199';
        for (const method of ['GET', 'HEAD']) {
          const res = await fetchGet(path, headers, method);
          const proceed = withRange && method === 'GET' ? 206 : 200;
          const status = { proceed, 'not-modified': 304, 'precondition-failed': 412 }[expected];
          expect([method, withRange, res.status]).toEqual([method, withRange, status]);
          if (status === 304) {
            // RFC 9110 §15.4.5: validators and caching headers, nothing about a body; Last-Modified
            // only where there is no ETag.
            expect([res.headers['etag'], res.headers['last-modified'], res.headers['cache-control']]).toEqual([etag, undefined, 'public, max-age=0']);
            expect([res.headers['content-type'], res.headers['content-range']]).toEqual([undefined, undefined]);
          }
          if (method === 'HEAD' || status === 304 || status === 412) expect(res.body.length).toBe(0);
          else if (status === 206) expect(res.body.equals(file('data.bin').subarray(100, 200))).toBe(true);
          else expect(res.body.equals(file('data.bin'))).toBe(true);
        }
      }
    });
  });

  describe('If-Range (RFC 9110 §13.1.5)', () => {
    it.each([
      { name: 'the current strong ETag', value: (etag: string) => etag, status: 206 },
      { name: 'the weak form of the ETag', value: (etag: string) => `W/${etag}`, status: 200 },
      { name: 'a stale ETag', value: () => '"stale"', status: 200 },
      { name: 'the exact Last-Modified date', value: () => OLD.toUTCString(), status: 206 },
      { name: 'a newer date', value: () => new Date(OLD.getTime() + 60_000).toUTCString(), status: 200 },
    ])('$name → $status', async ({ value, status }) => {
      const etag = String((await fetchGet('/files/data.bin')).headers['etag']);
      const res = await fetchGet('/files/data.bin', { Range: 'bytes=0-99', 'If-Range': value(etag) });
      expect(res.status).toBe(status);
      expect(res.body.equals(status === 206 ? file('data.bin').subarray(0, 100) : file('data.bin'))).toBe(true);
    });
  });

  describe('the open-ended cap', () => {
    it.each([
      { name: 'at the start', start: 0, end: 2 * MiB - 1 },
      { name: 'in the middle', start: MiB + 123, end: MiB + 123 + 2 * MiB - 1 },
      { name: 'near EOF', start: CLIP - 1000, end: CLIP - 1 },
    ])('media elements get 2 MiB: $name', async ({ start, end }) => {
      const res = await fetchGet('/files/clip.mp4', { ...media, Range: `bytes=${start}-` });
      expect([res.status, res.headers['content-range'], res.headers['vary']]).toEqual([206, `bytes ${start}-${end}/${CLIP}`, 'Sec-Fetch-Dest']);
      expect(res.body.equals(file('clip.mp4').subarray(start, end + 1))).toBe(true);
    });

    it('never caps a closed range, and download clients get the whole rest', async () => {
      const closed = await fetchGet('/files/clip.mp4', { ...media, Range: 'bytes=0-3145727' });
      expect([closed.headers['content-range'], closed.headers['vary']]).toEqual([`bytes 0-${3 * MiB - 1}/${CLIP}`, undefined]);
      const download = await fetchGet('/files/clip.mp4', { Range: `bytes=${MiB}-` });
      expect([download.headers['content-range'], download.headers['vary']]).toEqual([`bytes ${MiB}-${CLIP - 1}/${CLIP}`, 'Sec-Fetch-Dest']);
      expect(download.body.equals(file('clip.mp4').subarray(MiB))).toBe(true);
    });

    it('maxChunkSize, Infinity, capScope all and a capScope function', async () => {
      const sized = await fetchGet('/capped/clip.mp4', { ...media, Range: 'bytes=10-' });
      expect(sized.headers['content-range']).toBe(`bytes 10-1009/${CLIP}`);
      expect(sized.body.equals(file('clip.mp4').subarray(10, 1010))).toBe(true);
      const off = await fetchGet('/uncapped/clip.mp4', { ...media, Range: 'bytes=10-' });
      expect([off.headers['content-range'], off.headers['vary']]).toEqual([`bytes 10-${CLIP - 1}/${CLIP}`, undefined]);
      const all = await fetchGet('/capped-all/clip.mp4', { Range: 'bytes=0-' });
      expect([all.headers['content-range'], all.headers['vary']]).toEqual([`bytes 0-999/${CLIP}`, undefined]);
      expect((await fetchGet('/capped-fn/clip.mp4', { Range: 'bytes=0-', 'X-Player': '1' })).headers['content-length']).toBe('1000');
      expect((await fetchGet('/capped-fn/clip.mp4', { Range: 'bytes=0-' })).headers['content-length']).toBe(String(CLIP));
    });
  });

  describe('multipart/byteranges', () => {
    it('two ranges of a large file: strict framing, exact parts', async () => {
      const res = await fetchGet('/files/clip.mp4', { Range: 'bytes=0-99,3000000-3199999' });
      expect(res.status).toBe(206);
      expect(streamedLength(res)).toEqual(expectedStreamed(res.body.length));
      const parts = parseMultipart(res.body, String(res.headers['content-type']));
      expect(parts.map((p) => [p.headers['content-type'], p.headers['content-range']])).toEqual([
        ['video/mp4', `bytes 0-99/${CLIP}`],
        ['video/mp4', `bytes 3000000-3199999/${CLIP}`],
      ]);
      expect(parts[0]!.body.equals(file('clip.mp4').subarray(0, 100))).toBe(true);
      expect(parts[1]!.body.equals(file('clip.mp4').subarray(3_000_000, 3_200_000))).toBe(true);
    });

    it('acceptRanges: false answers Range with the whole representation, as decided', async () => {
      for (const [name, range] of [['clip.mp4', 'bytes=0-9'], ['clip.mp4', 'bytes=9999999-'], ['nums.txt', 'bytes=0-9']] as const) {
        const res = await fetchGet(`/no-ranges/${name}`, { Range: range });
        expect([name, range, res.status, res.headers['accept-ranges'], res.headers['content-range']]).toEqual([name, range, 200, undefined, undefined]);
        expect(res.body.equals(file(name))).toBe(true);
      }
    });

    it('maxRanges: 1 answers a list with the whole representation', async () => {
      const res = await fetchGet('/one-range/data.bin', { Range: 'bytes=0-9,20-29' });
      expect(res.status).toBe(200);
      expect(res.body.equals(file('data.bin'))).toBe(true);
    });
  });

  describe('the app around it', () => {
    it('what serveFiles does not serve resolves undefined, so the app answers', async () => {
      for (const [path, method] of [['/files/missing.txt', 'GET'], ['/files/sub', 'GET'], ['/files/.env', 'GET'], ['/files/nums.txt', 'POST'], ['/files/nums.txt', 'DELETE']] as const) {
        const res = await fetchGet(path, {}, method);
        expect([path, method, res.status, res.headers['x-sentinel'], res.body.toString()]).toEqual([path, method, 404, 'next', FELL_THROUGH]);
      }
    });

    it('fallthrough: false answers those itself (dotfiles: deny)', async () => {
      for (const [path, method, status] of [['/strict/missing.txt', 'GET', 404], ['/strict/sub', 'GET', 404], ['/strict/.env', 'GET', 403], ['/strict/%E0%A4%A', 'GET', 400], ['/strict/nums.txt', 'POST', 405]] as const) {
        const res = await fetchGet(path, {}, method);
        expect([path, res.status, res.headers['x-sentinel'], res.body.length]).toEqual([path, status, undefined, 0]);
        if (status === 405) expect(res.headers['allow']).toBe('GET, HEAD');
      }
    });

    it('rangeResponse rejects with an HttpError for a missing file or a directory', async () => {
      for (const path of ['/path/missing.txt', '/path/sub']) {
        const res = await fetchGet(path);
        expect([path, res.status, res.headers['x-sentinel']]).toEqual([path, 404, 'error']);
      }
    });

    it("setHeaders: the app's headers win, pass through, and Vary is merged", async () => {
      const res = await fetchGet('/app-headers/clip.mp4', { ...media, Range: 'bytes=0-' });
      expect([res.status, res.headers['cache-control'], res.headers['x-app']]).toEqual([206, 'no-store', 'kept']);
      expect(res.headers['vary']).toBe('Origin, Sec-Fetch-Dest');
      const notModified = await fetchGet('/app-headers/data.bin', { 'If-None-Match': String(res.headers['etag'] ?? '') });
      expect(notModified.status).toBe(200); // another file's tag
      const etag = String((await fetchGet('/app-headers/data.bin')).headers['etag']);
      const revalidated = await fetchGet('/app-headers/data.bin', { 'If-None-Match': etag });
      expect([revalidated.status, revalidated.headers['cache-control'], revalidated.headers['content-type']]).toEqual([304, 'no-store', undefined]);
    });
  });

  describe('path safety (the traversal corpus through serveFiles)', () => {
    it('never answers outside bytes or 500, and serves every legitimate twin byte for byte', async () => {
      const corpus = traversalCorpus(fixtures().outside);
      let checked = 0;
      for (const c of corpus) {
        const target = c.absoluteForm === true ? `http://127.0.0.1/strict${c.path}` : `/strict${c.path}`;
        const res = await rawRequest(server().port, target);
        const label = `${c.family}: ${c.path.slice(0, 60)}`;
        const text = res.body.toString('latin1');
        for (const secret of SECRETS) expect(text, label).not.toContain(secret);
        expect(res.status, label).not.toBe(500);
        if ('serve' in c.outcome) {
          expect([label, res.status], label).toEqual([label, 200]);
          expect(res.body.equals(fixtures().files[c.outcome.serve] ?? Buffer.alloc(1)), label).toBe(true);
        } else if (res.status < 400 || res.status >= 500) {
          // A runtime may hand the app a URL with dot segments already resolved (WHATWG URL parsing
          // turns `/strict/sub/../nums.txt` into `/strict/nums.txt`): then the answer must be the one
          // for that normalised target, which has no `..` left to refuse.
          const normalised = new URL(`/strict${c.path}`, 'http://127.0.0.1');
          expect(normalised.pathname, label).not.toBe(`/strict${c.path.split('?')[0]}`);
          const twin = await rawRequest(server().port, `${normalised.pathname}${normalised.search}`);
          expect([label, res.status, res.body.equals(twin.body)], label).toEqual([label, twin.status, true]);
        }
        checked++;
      }
      expect(checked).toBe(corpus.length);
    });
  });
}
