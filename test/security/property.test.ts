import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileSource, httpSource, partialContent, sendRange, type SendRangeOptions, type Source } from '../../src/index.js';
import { patterned } from '../helpers/fixtures.js';
import { get } from '../helpers/http-get.js';
import { createApp, listen, withSentinels, type Running } from '../helpers/server.js';
import { rangeHeader } from './range-arbitraries.js';
import { expectRangeAnswer } from './expect-answer.js';

/**
 * RFC 9110 over real sockets, for every source: random sizes (0 and 1 included) and random Range
 * headers; each answer is checked byte for byte against the oracle's plan.
 */

const OPTIONS = { maxRanges: 10, maxChunkSize: 1000 } as const satisfies SendRangeOptions;
const PART_TYPE = 'application/octet-stream';
const RUNS = 150;

let root: string;
let server: Running;
const memory = new Map<string, Buffer>();
let counter = 0;

/** A hand-written Source: async open, bytes re-chunked at random sizes, with or without read(). */
function customSource(bytes: Buffer, chunk: number, withRead: boolean): Source {
  const source: Source = {
    size: bytes.length,
    type: PART_TYPE,
    etag: `"custom-${bytes.length}-${chunk}"`,
    async open({ start, end }) {
      const slice = bytes.subarray(start, end + 1);
      const pieces: Buffer[] = [];
      for (let at = 0; at < slice.length; at += chunk) pieces.push(slice.subarray(at, at + chunk));
      return Readable.from(pieces, { objectMode: false });
    },
  };
  return withRead ? { ...source, read: ({ start, end }) => bytes.subarray(start, end + 1) } : source;
}

type Route = (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void) => void;

/** A route that serves `memory[id]` through `sendRange` with whatever source `make` builds. */
function route(make: (bytes: Buffer, id: string) => Parameters<typeof sendRange>[2]): Route {
  return (req, res, next) => {
    const id = (req.url ?? '').slice(1).split('?')[0] ?? '';
    const bytes = memory.get(id);
    if (bytes === undefined) return next();
    sendRange(req, res, make(bytes, id), OPTIONS).catch(next);
  };
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'partial-content-property-'));
  const app = createApp();
  app.use('/file', partialContent(root, OPTIONS));
  app.use('/buffer', route((bytes) => bytes));
  app.use('/stream', route((bytes, id) => customSource(bytes, 1 + (Number(id) % 7) * 97, false)));
  app.use('/read', route((bytes, id) => customSource(bytes, 1 + (Number(id) % 5) * 1031, true)));
  // A Source of the app's own that delegates to fileSource: its bodies come from fileSource's streams.
  app.use('/wrapped', route(async (_bytes, id) => {
    const file = await fileSource(join(root, `${id}.bin`));
    return { size: file.size, type: PART_TYPE, etag: file.etag, open: (range) => file.open(range), close: () => file.close() };
  }));
  app.use('/upstream', route((_bytes, id) => httpSource(`${server.url}/file/${id}.bin`)));
  withSentinels(app);
  server = await listen(app);
});
afterAll(async () => {
  await server.close();
  rmSync(root, { recursive: true, force: true });
});

const request = fc.record({
  size: fc.oneof(fc.constantFrom(0, 1, 2, 3, 999, 1000, 1001), fc.integer({ min: 0, max: 12_000 })),
  offset: fc.integer({ min: 0, max: 250 }),
  media: fc.boolean(), // Sec-Fetch-Dest: video turns the open-ended cap on
  head: fc.integer({ min: 0, max: 15 }).map((n) => n === 0),
}).chain((r) => fc.record({ request: fc.constant(r), header: rangeHeader(r.size, 12) }));

/** Sends one request for fresh bytes under `prefix` and checks the answer against the oracle. */
async function check(prefix: string, { request: r, header }: { request: { size: number; offset: number; media: boolean; head: boolean }; header: string }): Promise<void> {
  const id = String(++counter);
  const bytes = patterned(r.size, r.offset);
  memory.set(id, bytes);
  writeFileSync(join(root, `${id}.bin`), bytes);
  try {
    const headers: Record<string, string> = { range: header };
    if (r.media) headers['sec-fetch-dest'] = 'video';
    const res = await get(`${server.url}${prefix}/${prefix === '/file' ? `${id}.bin` : id}`, headers, r.head ? 'HEAD' : 'GET');
    const label = `${prefix} size ${r.size} Range ${JSON.stringify(header)}${r.media ? ' (media)' : ''}${r.head ? ' HEAD' : ''}`;

    if (r.head) {
      expect([res.status, res.headers['content-length'], res.body.length], label).toEqual([200, String(r.size), 0]);
      return;
    }
    // Node strips SP/HTAB around a field value before the server sees it.
    const seen = header.replace(/^[ \t]+|[ \t]+$/g, '');
    expectRangeAnswer(res, bytes, seen, { ...OPTIONS, capOpenEnded: r.media }, PART_TYPE, label);
  } finally {
    memory.delete(id);
    rmSync(join(root, `${id}.bin`), { force: true });
  }
}

describe.each([
  { prefix: '/file', source: 'file (middleware)' },
  { prefix: '/buffer', source: 'Buffer via sendRange' },
  { prefix: '/stream', source: 'custom Source, streamed in odd chunks' },
  { prefix: '/read', source: 'custom Source with read()' },
  { prefix: '/wrapped', source: 'custom Source wrapping fileSource' },
  { prefix: '/upstream', source: 'httpSource over the file route' },
])('$source', ({ prefix }) => {
  it(`answers ${RUNS} random requests exactly as RFC 9110 and the oracle say`, { timeout: 60_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(request, (input) => check(prefix, input)),
      { numRuns: RUNS, timeout: 5_000 },
    );
  });
});
