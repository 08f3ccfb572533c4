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
 * failed with EMFILE), a connection the kernel accepted and libuv closed at once (accept(2) failed),
 * or — a runtime behaviour, not ours — a connection left waiting in the listen backlog: libuv keeps
 * one spare descriptor to accept-and-close with, and when a thread-pool open(2) takes the slot the
 * spare left, accept(2) fails with EMFILE in a loop (seen with strace, about 1 run in 15) and new
 * connections wait until descriptors are released. Never a 500, never a crash; once the clients
 * go, the process gives its descriptors back and serves normally. Every wait here is bounded.
 */

const FILE_LIMIT = 48;
const NAME = 'big.bin';
const BYTES = patterned(16 * 1024 * 1024, 1);
/**
 * Connections opened before any request is sent, as many as can each hold a socket and a file
 * within the descriptors the child has left (its baseline differs between Express majors and
 * Node builds: 25 to 35 here). With a fixed count, a high baseline let the early sockets take
 * every descriptor, so no request could open its file and the run served nothing.
 */
function earlyConnections(baselineFds: number): number {
  return Math.max(1, Math.floor((FILE_LIMIT - baselineFds) / 2) - 1);
}
/** Connections opened all at once afterwards, to hit the accept limit too. */
const LATE = 60;

let fixtures: Fixtures;
let child: Child;

/** How long a request may go unanswered before it counts as waiting in the backlog. */
const ANSWER_WITHIN_MS = 8_000;
/** How long the process has to give its descriptors back and answer again once the clients left. */
const RECOVER_WITHIN_MS = 30_000;

interface Outcome {
  readonly kind: 'response' | 'closed' | 'waiting';
  readonly status?: number;
  readonly retryAfter?: string;
  /** The first body bytes, when the response carried the file. */
  readonly head?: Buffer;
  readonly socket: Socket;
}

/**
 * Sends a GET on `socket` and settles on the first body bytes of a 200 (the socket is then left
 * paused, holding the server's descriptors), a complete error response, the socket closing, or
 * nothing within ANSWER_WITHIN_MS.
 */
function ask(socket: Socket): Promise<Outcome> {
  return new Promise((resolve) => {
    let raw = Buffer.alloc(0);
    let settled = false;
    const settle = (outcome: Omit<Outcome, 'socket'>): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ ...outcome, socket });
    };
    const timer = setTimeout(() => settle({ kind: 'waiting' }), ANSWER_WITHIN_MS);
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
  it(`under ulimit -n ${FILE_LIMIT}: the file, 503 + Retry-After, a closed or a waiting connection; never 500, never a crash; recovers`, async () => {
    const baseline = await child.stats();
    const baselineFds = child.fds();
    // First a few connections that all fit, whose requests then race for the last descriptors...
    const early = await Promise.all(Array.from({ length: earlyConnections(baselineFds) }, () => open(child.port)));
    const first = await Promise.all(early.map(ask));
    // ...then a burst while the served ones still hold theirs (their clients read nothing more).
    const late = await Promise.all(Array.from({ length: LATE }, () => open(child.port)));
    const outcomes = [...first, ...(await Promise.all(late.map(ask)))];
    const peakFds = child.fds();

    const served = outcomes.filter((o) => o.status === 200);
    const busy = outcomes.filter((o) => o.status === 503);
    const closed = outcomes.filter((o) => o.kind === 'closed');
    const waiting = outcomes.filter((o) => o.kind === 'waiting');
    const other = outcomes.filter((o) => o.kind === 'response' && o.status !== 200 && o.status !== 503);
    console.info(
      `exhaustion: ulimit -n ${FILE_LIMIT}, baseline ${baselineFds} descriptors, peak ${peakFds}; ${outcomes.length} requests → ` +
        `${served.length} served, ${busy.length} × 503, ${closed.length} closed by the server, ` +
        `${waiting.length} waiting in the backlog, ${other.length} other`,
    );
    expect(other.map((o) => o.status)).toEqual([]);
    expect(served.length).toBeGreaterThan(0);
    // The limit was really reached: not every request could be served.
    expect(busy.length + closed.length + waiting.length).toBeGreaterThan(0);
    for (const o of busy) expect(o.retryAfter).toBe('1');
    for (const o of served) expect(o.head?.equals(BYTES.subarray(0, 1024))).toBe(true);
    expect(child.alive()).toBe(true);

    // Let everyone go; the process gives its descriptors back and serves normally again.
    for (const o of outcomes) o.socket.destroy();
    const deadline = Date.now() + RECOVER_WITHIN_MS;
    let fds = child.fds();
    let answer: Awaited<ReturnType<typeof get>> | undefined;
    let lastError: unknown;
    while (Date.now() < deadline) {
      fds = child.fds();
      if (fds <= baselineFds) {
        answer = await get(`http://127.0.0.1:${child.port}/media/${NAME}`, { range: 'bytes=1000-1999' }, 'GET', 3_000).catch(
          (error: unknown) => ((lastError = error), undefined),
        );
        if (answer !== undefined) break;
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const after = await get(`http://127.0.0.1:${child.port}/__stats`, {}, 'GET', 3_000).then((r) => JSON.parse(r.body.toString()) as typeof baseline);
    console.info(
      `exhaustion: descriptors after ${fds} (baseline ${baselineFds}); accept errors seen by the server: ${after.acceptErrors}; ` +
        `statuses reported by onResponse ${JSON.stringify(after.statuses)}; last probe error ${String(lastError ?? 'none')}`,
    );
    expect(fds).toBeLessThanOrEqual(baselineFds);
    expect([answer?.status, answer?.body.equals(BYTES.subarray(1000, 2000))]).toEqual([206, true]);
    const whole = await get(`http://127.0.0.1:${child.port}/media/nums.txt`, {}, 'GET', 3_000);
    expect([whole.status, whole.body.equals(fixtures.files['nums.txt']!)]).toEqual([200, true]);
    expect(child.alive()).toBe(true);
    expect(child.stderr()).not.toMatch(/Error|uncaught/i);
  });
});
