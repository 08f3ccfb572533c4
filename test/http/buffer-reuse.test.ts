import { writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { partialContent } from '../../src/index.js';
import { createFixtures, patterned, type Fixtures } from '../helpers/fixtures.js';
import { createApp, listen, withSentinels, type Running } from '../helpers/server.js';

/**
 * Small file ranges go out from reused buffers, each taken back only once its response finished.
 * If one were reused early, a response still queued in a socket's buffer would go out with bytes of
 * another. So some connections pipeline more data than the kernel's socket buffers hold and stop
 * reading for a while (their responses wait in Node's write queue), others pipeline ranges at full
 * speed meanwhile, some leave half-way, and every body is compared with the file.
 */

const NAME = 'reuse.bin';
const SIZE = 1024 * 1024;
const BYTES = patterned(SIZE, 11);
/** Per mode: how many connections, and how many pipelined ranges each sends. */
const PLAN = {
  // ~6 MiB per connection: more than loopback socket buffers take while the client does not read.
  stall: { connections: 6, requests: 100 },
  fast: { connections: 16, requests: 40 },
  leave: { connections: 6, requests: 40 },
} as const;
const STALL_MS = 700;

let fixtures: Fixtures;
let server: Running;

beforeAll(async () => {
  fixtures = createFixtures();
  writeFileSync(join(fixtures.root, NAME), BYTES);
  const app = createApp();
  app.use('/media', partialContent(fixtures.root));
  withSentinels(app);
  server = await listen(app);
});
afterAll(async () => {
  await server.close();
  fixtures.cleanup();
});

/** A deterministic spread of ranges up to 64 KiB (mostly near it), different per connection. */
function rangesFor(connection: number, count: number): Array<[number, number]> {
  let seed = connection * 7919 + 1;
  const next = (): number => {
    seed = (seed * 48271) % 2147483647;
    return seed;
  };
  return Array.from({ length: count }, () => {
    const length = next() % 4 === 0 ? 1 + (next() % (64 * 1024)) : 64 * 1024 - (next() % 64);
    const start = next() % (SIZE - length);
    return [start, start + length - 1] as [number, number];
  });
}

interface Parsed {
  readonly status: number;
  readonly contentRange: string | undefined;
  readonly body: Buffer;
}

/** Splits the bytes of pipelined responses (each with Content-Length) into responses. */
function parsePipelined(raw: Buffer): Parsed[] {
  const responses: Parsed[] = [];
  let at = 0;
  while (at < raw.length) {
    const split = raw.indexOf('\r\n\r\n', at);
    if (split === -1) break;
    const head = raw.subarray(at, split).toString('latin1');
    const length = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? 0);
    responses.push({
      status: Number(head.slice(9, 12)),
      contentRange: /\r\ncontent-range: *([^\r]*)/i.exec(head)?.[1],
      body: raw.subarray(split + 4, split + 4 + length),
    });
    at = split + 4 + length;
  }
  return responses;
}

/** Pipelines all ranges on one connection; `stall` reads nothing for STALL_MS first; `leave` destroys after 100 kB. */
function pipeline(ranges: Array<[number, number]>, mode: keyof typeof PLAN): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = connect(server.port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let received = 0;
    const timer = setTimeout(() => socket.destroy(new Error('pipeline did not finish within 30 s')), 30_000);
    if (mode === 'stall') {
      socket.pause();
      setTimeout(() => socket.resume(), STALL_MS);
    }
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      received += chunk.length;
      if (mode === 'leave' && received > 100_000) socket.destroy();
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks));
    });
    socket.on('error', (error) => (mode === 'leave' ? undefined : reject(error)));
    const requests = ranges.map(([start, end], index) => {
      const last = index === ranges.length - 1 ? 'Connection: close\r\n' : '';
      return `GET /media/${NAME} HTTP/1.1\r\nHost: x\r\nRange: bytes=${start}-${end}\r\n${last}\r\n`;
    });
    socket.write(requests.join(''));
  });
}

describe('small ranges from reused buffers', () => {
  it('pipelined ranges on stalled, fast and leaving connections at once: every body is its own slice', { timeout: 60_000 }, async () => {
    const plans = (Object.keys(PLAN) as Array<keyof typeof PLAN>).flatMap((mode) =>
      Array.from({ length: PLAN[mode].connections }, () => mode),
    ).map((mode, i) => ({ mode, ranges: rangesFor(i, PLAN[mode].requests) }));
    const raws = await Promise.all(plans.map((plan) => pipeline(plan.ranges, plan.mode)));
    const checked = { stall: 0, fast: 0, leave: 0 };
    plans.forEach((plan, i) => {
      const responses = parsePipelined(raws[i]!);
      if (plan.mode !== 'leave') expect(responses.length, `connection ${i} (${plan.mode})`).toBe(plan.ranges.length);
      responses.forEach((response, j) => {
        const [start, end] = plan.ranges[j]!;
        // A connection that left may end inside a body: only complete ones are compared.
        if (response.body.length < end - start + 1) return;
        const label = `connection ${i} (${plan.mode}) request ${j}`;
        expect([response.status, response.contentRange], label).toEqual([206, `bytes ${start}-${end}/${SIZE}`]);
        expect(response.body.equals(BYTES.subarray(start, end + 1)), `${label}: body`).toBe(true);
        checked[plan.mode]++;
      });
    });
    expect(checked.stall).toBe(PLAN.stall.connections * PLAN.stall.requests);
    expect(checked.fast).toBe(PLAN.fast.connections * PLAN.fast.requests);
    expect(checked.leave).toBeGreaterThan(0);
  });
});
