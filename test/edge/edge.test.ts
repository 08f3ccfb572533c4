import { renameSync, utimesSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { partialContent, type ResponseEvent } from '../../src/index.js';
import { createFixtures, patterned, type Fixtures } from '../helpers/fixtures.js';
import { get } from '../helpers/http-get.js';
import { createApp, listen, withSentinels, type Running } from '../helpers/server.js';
import { exampleEdgeConfig } from './example-config.js';
import { nginxAvailability, startNginxConfig, type RunningNginx } from '../helpers/nginx.js';

// examples/edge/nginx.conf, run as it is except for addresses, in front of one app using partialContent.

const MiB = 1024 * 1024;
const SIZE = 3 * MiB + 12_345; // four slices, the last one short
const FILE = patterned(SIZE, 17);

/** A GET that reports a cut connection instead of rejecting. */
function getLoose(url: string, headers: Record<string, string>): Promise<{ status: number; body: Buffer; complete: boolean }> {
  return new Promise((resolve) => {
    const req = request(url, { headers, agent: false }, (res) => {
      const body: Buffer[] = [];
      res.on('data', (chunk: Buffer) => body.push(chunk));
      res.on('error', () => undefined);
      res.on('close', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(body), complete: res.complete }));
    });
    req.on('error', () => resolve({ status: 0, body: Buffer.alloc(0), complete: false }));
    req.end();
  });
}

const RANGES: ReadonlyArray<{ name: string; range: string | undefined; start: number; end: number }> = [
  { name: 'crossing the first slice boundary', range: 'bytes=1048000-1049000', start: 1_048_000, end: 1_049_000 },
  { name: 'spanning three slices', range: 'bytes=500000-2600000', start: 500_000, end: 2_600_000 },
  { name: 'one byte on a boundary', range: 'bytes=2097152-2097152', start: 2 * MiB, end: 2 * MiB },
  { name: 'the last byte of a slice', range: 'bytes=1048575-1048575', start: MiB - 1, end: MiB - 1 },
  { name: 'a suffix inside the short last slice', range: 'bytes=-5000', start: SIZE - 5000, end: SIZE - 1 },
  { name: 'open-ended from the middle of a slice', range: 'bytes=2000000-', start: 2_000_000, end: SIZE - 1 },
  { name: 'the whole file', range: undefined, start: 0, end: SIZE - 1 },
];

const mode = nginxAvailability('edge.test');

if (mode === 'fail') {
  it('nginx is installed (CI installs it with apt-get; the edge tests need /usr/sbin/nginx)', () => {
    expect.fail('/usr/sbin/nginx is missing in CI: .ci/run should have installed nginx');
  });
}

describe.skipIf(mode !== 'run')('nginx (slice + proxy_cache, examples/edge/nginx.conf) in front of partialContent', () => {
  let fixtures: Fixtures;
  let app: Running;
  let edge: RunningNginx;
  const origin: ResponseEvent[] = [];
  const originFor = (name: string): ResponseEvent[] => origin.filter((event) => event.url === `/tracks/${name}`);

  beforeAll(async () => {
    fixtures = createFixtures();
    writeFileSync(join(fixtures.root, 'edge.bin'), FILE);
    writeFileSync(join(fixtures.root, 'changing.bin'), patterned(3 * MiB, 1));
    const server = createApp();
    // The edge keeps what the app allows: partialContent's default max-age=0 would mean "do not keep".
    server.use('/tracks', partialContent(fixtures.root, { maxAge: '1h', onResponse: (event) => origin.push(event) }));
    withSentinels(server);
    app = await listen(server);
    edge = await startNginxConfig(exampleEdgeConfig([app.port]));
  });

  afterAll(async () => {
    await edge?.stop();
    await app?.close();
    fixtures?.cleanup();
  });

  async function expectExact(range: (typeof RANGES)[number]): Promise<string | undefined> {
    const res = await get(`${edge.url}/tracks/edge.bin`, range.range === undefined ? {} : { range: range.range });
    expect(res.status).toBe(range.range === undefined ? 200 : 206);
    if (range.range !== undefined) expect(res.headers['content-range']).toBe(`bytes ${range.start}-${range.end}/${SIZE}`);
    expect(res.headers['content-length']).toBe(String(range.end - range.start + 1));
    expect(res.body.equals(FILE.subarray(range.start, range.end + 1))).toBe(true);
    return res.headers['x-cache-status'] as string | undefined;
  }

  it('first pass: exact bytes for ranges across slice boundaries; each slice fetched from the app once', async () => {
    const statuses: Array<string | undefined> = [];
    for (const range of RANGES) statuses.push(await expectExact(range));
    expect(statuses[0]).toBe('MISS');
    for (const status of statuses) expect(['MISS', 'HIT']).toContain(status);

    // What reached the app: closed, aligned 1 MiB ranges, each slice once, all answered 206.
    const fetched = originFor('edge.bin');
    expect(fetched.map((event) => event.rangeHeader).sort()).toEqual(
      [0, 1, 2, 3].map((slice) => `bytes=${slice * MiB}-${(slice + 1) * MiB - 1}`).sort(),
    );
    for (const event of fetched) {
      expect(event.status).toBe(206);
      const [answered] = event.ranges;
      expect(answered?.start).toBe(Number(/^bytes=(\d+)-/.exec(event.rangeHeader ?? '')?.[1]));
      expect(answered?.end).toBe(Math.min((answered?.start ?? 0) + MiB - 1, SIZE - 1));
      expect(event.bytesWritten).toBe(event.bytesExpected);
    }
  });

  it('second pass: served from the cache (X-Cache-Status: HIT, no request reaches the app)', async () => {
    const before = origin.length;
    for (const range of RANGES) expect(await expectExact(range)).toBe('HIT');
    expect(origin.length).toBe(before);
  });

  it('validators keep every slice consistent: the app’s ETag end to end, no "etag mismatch"', async () => {
    const direct = await get(`${app.url}/tracks/edge.bin`, {}, 'HEAD');
    const viaEdge = await get(`${edge.url}/tracks/edge.bin`, { range: 'bytes=0-0' });
    expect(direct.headers.etag).toMatch(/^"[^"]+"$/);
    expect(viaEdge.headers.etag).toBe(direct.headers.etag);
    expect(viaEdge.headers['last-modified']).toBe(direct.headers['last-modified']);

    const resumed = await get(`${edge.url}/tracks/edge.bin`, { range: 'bytes=3000000-3000099', 'if-range': direct.headers.etag ?? '' });
    expect(resumed.status).toBe(206);
    expect(resumed.body.equals(FILE.subarray(3_000_000, 3_000_100))).toBe(true);
    const stale = await get(`${edge.url}/tracks/edge.bin`, { range: 'bytes=3000000-3000099', 'if-range': '"stale"' });
    expect(stale.status).toBe(200);
    expect(stale.body.equals(FILE)).toBe(true);

    const log = edge.errorLog();
    expect(log).not.toMatch(/etag mismatch|invalid range in slice response|unexpected status code/);
    expect(log).not.toMatch(/\[(error|crit|alert|emerg)\]/);
  });

  it('a file replaced between slices is caught: the edge logs "etag mismatch" and cuts the response', async () => {
    // This is what the check above would see if the app's validators did not tell versions apart.
    const first = await get(`${edge.url}/tracks/changing.bin`, { range: 'bytes=0-99' });
    expect(first.status).toBe(206);
    expect(first.body.equals(patterned(100, 1))).toBe(true);

    // nginx goes on fetching the whole slice after the client's 100 bytes; let it finish first.
    await expect.poll(() => originFor('changing.bin').length, { timeout: 2_000 }).toBe(1);
    // Publish the new version by rename, as deployments should: readers of the old inode are unaffected.
    const next = join(fixtures.root, '.changing.next');
    writeFileSync(next, patterned(3 * MiB, 2));
    utimesSync(next, new Date(), new Date(Date.now() + 60_000));
    renameSync(next, join(fixtures.root, 'changing.bin'));
    // Slice 0 comes from the cache (old ETag), slice 1 from the app (new ETag).
    const mixed = await getLoose(`${edge.url}/tracks/changing.bin`, { range: 'bytes=0-1500000' });
    expect(mixed.complete).toBe(false);
    expect(mixed.body.length).toBeLessThan(1_500_001);
    expect(mixed.body.equals(patterned(mixed.body.length, 1))).toBe(true);
    await expect.poll(() => edge.errorLog(), { timeout: 2_000 }).toMatch(/etag mismatch in slice response/);
  });
});
