import { readdirSync, readlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { partialContent, type ResponseEvent } from '../../../src/index.js';
import { createFixtures, type Fixtures } from '../../helpers/fixtures.js';
import { get } from '../../helpers/http-get.js';
import { createApp, listen, withSentinels, type Running } from '../../helpers/server.js';

/**
 * 1,000 clients that go away mid-body (real sockets, a 1 GiB file so every response is still
 * streaming when its client leaves) must leave no descriptor open, and the server keeps answering.
 */

const CLIENTS = 1000;
const WAVE = 250;
const BIG = 'big.bin';
const BIG_SIZE = 2 ** 30;

let fixtures: Fixtures;
let server: Running;
let bigPath: string;
const events: ResponseEvent[] = [];

/** This process's open descriptors, as the paths they point to. */
function descriptors(): string[] {
  const targets: string[] = [];
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      targets.push(readlinkSync(`/proc/self/fd/${fd}`));
    } catch {
      // the descriptor readdir itself used, already closed
    }
  }
  return targets;
}

/** A small deterministic PRNG, so a failing run can be replayed. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

type Mode = 'whole' | 'open-ended' | 'multipart' | 'before-response' | 'after-head';
const MODES: readonly Mode[] = ['whole', 'open-ended', 'multipart', 'before-response', 'after-head'];

/** One client: sends its request, reads until `threshold` body bytes (or less), then destroys the socket. */
function abortingClient(port: number, mode: Mode, threshold: number): Promise<number> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let received = 0;
    const done = (): void => {
      socket.destroy();
      resolve(received);
    };
    socket.setTimeout(10_000, done);
    socket.on('error', done);
    socket.on('close', done);
    const range = mode === 'open-ended' ? 'Range: bytes=0-\r\n' : mode === 'multipart' ? 'Range: bytes=0-99999999,500000000-599999999\r\n' : '';
    socket.write(`GET /media/${BIG} HTTP/1.1\r\nHost: x\r\n${range}\r\n`, () => {
      if (mode === 'before-response') done();
    });
    socket.on('data', (chunk: Buffer) => {
      received += chunk.length;
      if (mode === 'after-head' || received >= threshold) done();
    });
  });
}

beforeAll(async () => {
  fixtures = createFixtures();
  bigPath = join(fixtures.root, BIG);
  writeFileSync(bigPath, '');
  truncateSync(bigPath, BIG_SIZE); // sparse: no disk, and never fully sent before the client leaves
  const app = createApp();
  app.use('/media', partialContent(fixtures.root, { onResponse: (event) => events.push(event) }));
  withSentinels(app);
  server = await listen(app);
  // Warm up: the lazily created pieces (root realpath, module caches) are open before the baseline.
  const warm = await get(`${server.url}/media/nums.txt`);
  expect(warm.status).toBe(200);
});
afterAll(async () => {
  await server.close();
  fixtures.cleanup();
});

describe('mass client aborts', () => {
  it(`${CLIENTS} clients leaving mid-body leave no descriptor open; the server keeps answering`, async () => {
    // A FileHandle nobody closed is closed by the garbage collector with a warning: catch that too.
    const warnings: string[] = [];
    const onWarning = (warning: Error): void => {
      warnings.push(`${warning.name}: ${warning.message}`);
    };
    process.on('warning', onWarning);
    const before = descriptors();
    expect(before.filter((target) => target === bigPath)).toEqual([]);
    const next = random(20_260_611);
    const started = performance.now();
    let reachedBody = 0;
    for (let wave = 0; wave < CLIENTS / WAVE; wave++) {
      const clients = Array.from({ length: WAVE }, (_, i) => {
        const mode = MODES[(wave * WAVE + i) % MODES.length]!;
        return abortingClient(server.port, mode, 1 + Math.floor(next() * 512 * 1024));
      });
      const received = await Promise.all(clients);
      reachedBody += received.filter((n) => n > 0).length;
    }

    // Settle: each server-side stream closes its file once its socket's close is processed.
    const deadline = Date.now() + 5_000;
    let after = descriptors();
    while ((after.length > before.length || after.includes(bigPath)) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      after = descriptors();
    }
    const elapsed = performance.now() - started;
    console.info(
      `abort: ${CLIENTS} clients (${reachedBody} got bytes) in ${elapsed.toFixed(0)} ms; ` +
        `descriptors before ${before.length}, after ${after.length}; ${events.length} responses reported`,
    );
    process.off('warning', onWarning);
    expect(after.filter((target) => target === bigPath)).toEqual([]);
    expect(after.length).toBeLessThanOrEqual(before.length);
    expect(warnings).toEqual([]);

    // Every response for the big file that the server started was reported as aborted, never as
    // complete or failed, with fewer bytes written than announced.
    const big = events.filter((event) => event.source?.endsWith(BIG));
    expect(big.length).toBeGreaterThanOrEqual(CLIENTS * 0.6);
    expect(big.filter((event) => !event.aborted || event.error !== undefined)).toEqual([]);
    expect(big.filter((event) => event.bytesWritten >= event.bytesExpected)).toEqual([]);

    // And it still serves, byte for byte.
    const nums = await get(`${server.url}/media/nums.txt`);
    expect([nums.status, nums.body.equals(fixtures.files['nums.txt']!)]).toEqual([200, true]);
    const slice = await get(`${server.url}/media/${BIG}`, { range: 'bytes=1073741000-' });
    expect([slice.status, slice.headers['content-range'], slice.body.equals(Buffer.alloc(824))]).toEqual([206, `bytes 1073741000-1073741823/${BIG_SIZE}`, true]);
  }, 120_000);
});
