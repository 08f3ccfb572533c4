import { writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFixtures, patterned, type Fixtures } from '../../helpers/fixtures.js';
import { get } from '../../helpers/http-get.js';
import { startChild, type Child } from '../child/spawn.js';

/**
 * Running out of descriptors: a server process under `ulimit -n 48` gets more concurrent requests
 * than it has descriptors. Each answer is the file (exact bytes), a 503 with Retry-After (open(2)
 * failed with EMFILE), or a connection the kernel accepted and libuv closed at once (accept(2)
 * failed); never a 500, never a crash; afterwards it serves normally with its descriptors back.
 */

const FILE_LIMIT = 48;
const NAME = 'big.bin';
const BYTES = patterned(16 * 1024 * 1024, 1);
/** Connections opened before any request is sent: accepted while descriptors remain. */
const EARLY = 16;
/** Connections opened all at once afterwards, to hit the accept limit too. */
const LATE = 60;

let fixtures: Fixtures;
let child: Child;

interface Outcome {
  readonly kind: 'response' | 'closed';
  readonly status?: number;
  readonly retryAfter?: string;
  /** The first body bytes, when the response carried the file. */
  readonly head?: Buffer;
  readonly socket: Socket;
}

/**
 * Sends a GET on `socket` and settles on the first body bytes of a 200 (the socket is then left
 * paused, holding the server's descriptors), a complete error response, or the socket closing.
 */
function ask(socket: Socket): Promise<Outcome> {
  return new Promise((resolve) => {
    let raw = Buffer.alloc(0);
    let settled = false;
    const settle = (outcome: Omit<Outcome, 'socket'>): void => {
      if (settled) return;
      settled = true;
      resolve({ ...outcome, socket });
    };
    socket.on('data', (chunk: Buffer) => {
      raw = Buffer.concat([raw, chunk]);
      const split = raw.indexOf('\r\n\r\n');
      if (split === -1) return;
      const head = raw.subarray(0, split).toString('latin1');
      const status = Number(head.slice(9, 12));
      const retryAfter = /\r\nretry-after: *([^\r]*)/i.exec(head)?.[1];
      const body = raw.subarray(split + 4);
      if (status === 200 && body.length >= 1024) {
        socket.pause();
        settle({ kind: 'response', status, head: body.subarray(0, 1024) });
      } else if (status !== 200) {
        settle({ kind: 'response', status, ...(retryAfter === undefined ? {} : { retryAfter }) });
      }
    });
    socket.on('error', () => undefined);
    socket.on('close', () => settle({ kind: 'closed' }));
    socket.write(`GET /media/${NAME} HTTP/1.1\r\nHost: x\r\n\r\n`);
  });
}

function open(port: number): Promise<Socket> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.on('error', () => undefined);
    socket.once('connect', () => resolve(socket));
    socket.once('close', () => resolve(socket));
  });
}

beforeAll(async () => {
  fixtures = createFixtures();
  writeFileSync(join(fixtures.root, NAME), BYTES);
  child = await startChild(fixtures.root, FILE_LIMIT);
});
afterAll(async () => {
  await child?.stop();
  fixtures.cleanup();
});

describe('descriptor exhaustion', () => {
  it(`under ulimit -n ${FILE_LIMIT}: the file, 503 + Retry-After, or a closed connection; never 500, never a crash`, async () => {
    const baseline = await child.stats();
    // First a few connections that all fit, whose requests then race for the last descriptors...
    const early = await Promise.all(Array.from({ length: EARLY }, () => open(child.port)));
    const first = await Promise.all(early.map(ask));
    // ...then a burst while the served ones still hold theirs (their clients read nothing more).
    const late = await Promise.all(Array.from({ length: LATE }, () => open(child.port)));
    const outcomes = [...first, ...(await Promise.all(late.map(ask)))];

    const served = outcomes.filter((o) => o.status === 200);
    const busy = outcomes.filter((o) => o.status === 503);
    const closed = outcomes.filter((o) => o.kind === 'closed');
    const other = outcomes.filter((o) => o.kind === 'response' && o.status !== 200 && o.status !== 503);
    console.info(
      `exhaustion: ulimit -n ${FILE_LIMIT}, baseline ${baseline.fds} descriptors; ${outcomes.length} requests → ` +
        `${served.length} served, ${busy.length} × 503, ${closed.length} connections closed by the server, ${other.length} other`,
    );
    expect(other.map((o) => o.status)).toEqual([]);
    expect(busy.length).toBeGreaterThan(0); // the limit was really reached on open(2)
    expect(served.length).toBeGreaterThan(0);
    for (const o of busy) expect(o.retryAfter).toBe('1');
    for (const o of served) expect(o.head?.equals(BYTES.subarray(0, 1024))).toBe(true);
    expect(child.alive()).toBe(true);

    // Let everyone go; the process recovers its descriptors and serves normally.
    for (const o of outcomes) o.socket.destroy();
    const deadline = Date.now() + 10_000;
    let after = await child.stats().catch(() => baseline);
    while (after.fds > baseline.fds && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      after = await child.stats().catch(() => after);
    }
    console.info(`exhaustion: descriptors after ${after.fds}; accept errors seen by the server: ${after.acceptErrors}; statuses ${JSON.stringify(after.statuses)}`);
    expect(after.fds).toBeLessThanOrEqual(baseline.fds);
    const res = await get(`http://127.0.0.1:${child.port}/media/${NAME}`, { range: 'bytes=1000-1999' });
    expect([res.status, res.body.equals(BYTES.subarray(1000, 2000))]).toEqual([206, true]);
    const whole = await get(`http://127.0.0.1:${child.port}/media/nums.txt`);
    expect([whole.status, whole.body.equals(fixtures.files['nums.txt']!)]).toEqual([200, true]);
    expect(child.alive()).toBe(true);
    expect(child.stderr()).not.toMatch(/Error|uncaught/i);
  });
});
