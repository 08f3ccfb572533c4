import { createHash } from 'node:crypto';
import { utimesSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RANGE_CASES } from '../cases/range-cases.js';
import { materialize, PRECONDITION_CASES } from '../cases/precondition-cases.js';
import { createFetchFixtures, OLD } from '../fetch/fetch-fixtures.js';
import { startServer, type RuntimeServer } from '../fetch/runtime-server.js';
import type { Fixtures } from '../helpers/fixtures.js';
import { traversalCorpus } from '../security/traversal-corpus.js';
import { wireRequest, type WireAnswer } from './answer.js';

/**
 * Header lines a runtime writes on its own, whatever the app answers, and that therefore differ
 * between Node (@hono/node-server), Bun.serve and Deno.serve: the clock, and how the connection is
 * kept or closed. Nothing else is normalised; a multipart boundary is random per answer on every
 * runtime, so it is replaced by a placeholder of the same length before comparing.
 */
export const RUNTIME_OWN_FIELDS = ['date', 'connection', 'keep-alive'] as const;

interface Probe {
  readonly label: string;
  readonly target: string;
  readonly headers?: Record<string, string>;
  readonly method?: string;
}

const FILE_BY_SIZE: Record<number, string> = { 0: 'empty.bin', 100: 'nums.txt', 2048: 'k2.bin', 10_000: 'data.bin' };
const media = { 'Sec-Fetch-Dest': 'video' };
const MiB = 1024 * 1024;
/**
 * An mtime 0.4 ms before a whole second, written with nanoseconds: Node's `Stats.mtime` rounds it up
 * to the next second, Bun's and Deno's truncate it (the Last-Modified of song.mp3 must agree anyway).
 */
const EDGE_SECONDS = Date.parse('2025-06-30T23:59:59Z') / 1000 + 0.9996;

/** An answer reduced to what must be equal on every runtime. */
interface Comparable {
  readonly status: number;
  readonly headers: string[];
  readonly body: string;
}

function comparable(answer: WireAnswer): Comparable {
  const type = answer.headers.find(([name]) => name === 'content-type')?.[1] ?? '';
  const boundary = /boundary=([^;\s]+)/.exec(type)?.[1];
  const placeholder = (text: string): string => (boundary === undefined ? text : text.split(boundary).join('B'.repeat(boundary.length)));
  const headers = answer.headers
    .filter(([name]) => !(RUNTIME_OWN_FIELDS as readonly string[]).includes(name))
    .map(([name, value]) => `${name}: ${placeholder(value)}`)
    .sort();
  const body = placeholder(answer.body.toString('latin1'));
  // The suite on each runtime checks bodies byte for byte against the files; here they must be the
  // same bytes everywhere, which their length and digest show in a readable diff.
  return { status: answer.status, headers, body: `${body.length} bytes, sha256 ${createHash('sha256').update(body, 'latin1').digest('hex').slice(0, 16)}` };
}

const same = (a: Comparable, b: Comparable): boolean => JSON.stringify(a) === JSON.stringify(b);

/** Above this the shell streams a body instead of reading it into memory (SMALL_BODY in range-response.ts). */
const SMALL_BODY = 64 * 1024;

/**
 * The one difference Bun forces, and only where it forces it (bun-framing.test.ts proves it against a
 * bare Bun.serve): Bun drops the `Content-Length` of a `ReadableStream` body and sends it chunked. The
 * shell streams what Bun cannot take as a file Blob and is too big to hold: a multipart body over
 * 64 KiB, and a 200 over 64 KiB answering a request that carried `Range` (Bun would apply the Range
 * to a file Blob itself). Everything else — status, every other field, the bytes — must be Node's.
 */
function bunStreamed(probe: Probe, node: Comparable, bun: Comparable): boolean {
  const length = Number(/^content-length: (\d+)$/m.exec(node.headers.join('\n'))?.[1]);
  const multipart = node.headers.some((line) => line.startsWith('content-type: multipart/byteranges'));
  const rangedWhole = node.status === 200 && probe.headers?.['Range'] !== undefined;
  if (!(length > SMALL_BODY && (multipart || rangedWhole)) || probe.method === 'HEAD') return false;
  const chunked = node.headers.map((line) => (line === `content-length: ${length}` ? 'transfer-encoding: chunked' : line)).sort();
  return same(bun, { ...node, headers: chunked });
}

describe('one app answers identically on Node, Bun and Deno', () => {
  let fixtures: Fixtures;
  let servers: RuntimeServer[] = [];
  beforeAll(async () => {
    fixtures = createFetchFixtures();
    utimesSync(join(fixtures.root, 'song.mp3'), EDGE_SECONDS, EDGE_SECONDS);
    servers = await Promise.all((['node', 'bun', 'deno'] as const).map((runtime) => startServer(runtime, fixtures.root)));
  });
  afterAll(async () => {
    await Promise.all(servers.map((server) => server.close()));
    fixtures?.cleanup();
  });

  /** Asks every runtime the same questions and expects Bun's and Deno's answers to be Node's. */
  async function expectIdentical(probes: readonly Probe[]): Promise<void> {
    const differences: unknown[] = [];
    for (const probe of probes) {
      const answers = await Promise.all(servers.map((server) => wireRequest(server.port, probe.target, probe.headers, probe.method)));
      const [node, bun, deno] = answers.map(comparable) as [Comparable, Comparable, Comparable];
      if (probe.target.includes('\\')) {
        // @hono/node-server refuses a target with a backslash (400) before the app sees it; Bun and
        // Deno read `\` as `/` (WHATWG URL), so their app gets another path: theirs must agree.
        if (node.status !== 400 || !same(bun, deno)) differences.push({ probe: probe.label, node, bun, deno });
        continue;
      }
      if (!same(bun, node) && !bunStreamed(probe, node, bun)) differences.push({ probe: probe.label, runtime: 'bun', bun, node });
      if (!same(deno, node)) differences.push({ probe: probe.label, runtime: 'deno', deno, node });
    }
    // All of them at once (the first few in full), so one run shows every way the runtimes differ.
    expect({ count: differences.length, first: differences.slice(0, 4) }).toEqual({ count: 0, first: [] });
  }

  /** The ETag and Last-Modified Node gives `path`, to build conditional requests from. */
  async function validatorsOf(path: string): Promise<{ etag: string; lastModified: Date }> {
    const { headers } = await wireRequest(servers[0]!.port, path, {}, 'HEAD');
    const field = (name: string): string => headers.find(([n]) => n === name)?.[1] ?? '';
    return { etag: field('etag'), lastModified: new Date(field('last-modified')) };
  }

  it.each(['/files', '/path', '/bytes', '/blob'])('the range table through %s', async (prefix) => {
    await expectIdentical(
      RANGE_CASES.flatMap(({ name, size, header }) => [
        { label: `${prefix} ${name}`, target: `${prefix}/${FILE_BY_SIZE[size]}`, headers: { Range: header } },
        { label: `${prefix} HEAD ${name}`, target: `${prefix}/${FILE_BY_SIZE[size]}`, headers: { Range: header }, method: 'HEAD' },
      ]),
    );
  });

  it.each(['/files/data.bin', '/path/data.bin', '/files/song.mp3', '/files/nums.txt'])('RFC 9110 §13.2.2 preconditions and If-Range through %s', async (path) => {
    const { etag, lastModified } = await validatorsOf(path);
    const probes: Probe[] = [];
    for (const { name, request } of PRECONDITION_CASES) {
      for (const range of [undefined, 'bytes=100-199', 'bytes=0-9,50-59']) {
        const headers = materialize(request, etag, lastModified);
        if (range !== undefined) headers['Range'] = range;
        for (const method of ['GET', 'HEAD']) probes.push({ label: `${method} ${name} ${range}`, target: path, headers, method });
      }
    }
    for (const ifRange of [etag, `W/${etag}`, '"stale"', lastModified.toUTCString(), OLD.toUTCString(), new Date(lastModified.getTime() + 60_000).toUTCString()]) {
      probes.push({ label: `If-Range ${ifRange}`, target: path, headers: { Range: 'bytes=0-9', 'If-Range': ifRange } });
    }
    await expectIdentical(probes);
  });

  it('the cap, multipart of a large file, the options and the app around it', async () => {
    await expectIdentical([
      ...[0, MiB + 123, 5 * MiB - 1000].map((start) => ({ label: `cap at ${start}`, target: '/files/clip.mp4', headers: { ...media, Range: `bytes=${start}-` } })),
      { label: 'closed range, media', target: '/files/clip.mp4', headers: { ...media, Range: 'bytes=0-3145727' } },
      { label: 'download rest', target: '/files/clip.mp4', headers: { Range: `bytes=${MiB}-` } },
      { label: 'maxChunkSize', target: '/capped/clip.mp4', headers: { ...media, Range: 'bytes=10-' } },
      { label: 'Infinity', target: '/uncapped/clip.mp4', headers: { ...media, Range: 'bytes=10-' } },
      { label: 'capScope all', target: '/capped-all/clip.mp4', headers: { Range: 'bytes=0-' } },
      { label: 'capScope fn', target: '/capped-fn/clip.mp4', headers: { Range: 'bytes=0-', 'X-Player': '1' } },
      { label: 'multipart, large', target: '/files/clip.mp4', headers: { Range: 'bytes=0-99,3000000-3199999' } },
      { label: 'multipart, small', target: '/files/song.mp3', headers: { Range: 'bytes=0-99,1000-1999,-10' } },
      { label: 'no ranges, large', target: '/no-ranges/clip.mp4', headers: { Range: 'bytes=0-9' } },
      { label: 'no ranges, small', target: '/no-ranges/nums.txt', headers: { Range: 'bytes=0-9' } },
      { label: 'maxRanges 1', target: '/one-range/data.bin', headers: { Range: 'bytes=0-9,20-29' } },
      { label: 'plain GET', target: '/files/song.mp3' },
      { label: 'plain GET, large', target: '/files/clip.mp4' },
      { label: 'HEAD', target: '/files/clip.mp4', method: 'HEAD' },
      { label: 'app headers', target: '/app-headers/clip.mp4', headers: { ...media, Range: 'bytes=0-' } },
      { label: 'types', target: '/files/sub/track.ogg', headers: { Range: 'bytes=0-0' } },
      ...['/files/missing.txt', '/files/sub', '/files/.env', '/strict/missing.txt', '/strict/sub', '/strict/.env', '/strict/%E0%A4%A', '/path/missing.txt', '/path/sub'].map(
        (target) => ({ label: target, target }),
      ),
      { label: 'POST', target: '/files/nums.txt', method: 'POST' },
      { label: 'DELETE, strict', target: '/strict/nums.txt', method: 'DELETE' },
    ]);
  });

  it('the traversal corpus through serveFiles', async () => {
    await expectIdentical(
      traversalCorpus(fixtures.outside).flatMap((c) =>
        ['/files', '/strict'].map((mount) => ({
          label: `${c.family}: ${mount}${c.path.slice(0, 60)}`,
          target: c.absoluteForm === true ? `http://127.0.0.1${mount}${c.path}` : `${mount}${c.path}`,
        })),
      ),
    );
  });
});
