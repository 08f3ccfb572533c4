import { readdirSync, readlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bufferSource, sendRange, type ResponseEvent } from '../../src/index.js';
import { createFixtures, type Fixtures } from '../helpers/fixtures.js';

/**
 * Pipelined HTTP/1.1 on node:http: every request of a pipeline starts at once, the later responses
 * queued behind the first. When the client leaves, Node destroys those requests but never closes
 * or destroys their responses — the library must still see that the client is gone, settle every
 * promise, report each response as aborted and close each file. (The same measured from outside
 * the process, with disk reads: test/faults/slow/pipelined-aborts.test.ts.)
 */

const BIG = 'big.bin';
let fixtures: Fixtures;
let server: Server;
let port: number;
const events: ResponseEvent[] = [];
const settled: string[] = [];

beforeAll(async () => {
  fixtures = createFixtures();
  writeFileSync(join(fixtures.root, BIG), '');
  truncateSync(join(fixtures.root, BIG), 2 ** 30);
  const buffer = Buffer.alloc(8 * 1024 * 1024, 1);
  server = createServer((req, res) => {
    const source = req.url === '/buffer' ? bufferSource(buffer) : join(fixtures.root, BIG);
    sendRange(req, res, source, { onResponse: (event) => events.push(event) }).then(
      () => settled.push(req.url ?? ''),
      () => settled.push(`rejected ${req.url ?? ''}`),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  fixtures.cleanup();
});

function openBig(): number {
  return readdirSync('/proc/self/fd').filter((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`).endsWith(`/${BIG}`);
    } catch {
      return false;
    }
  }).length;
}

async function until(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (!check()) {
    if (performance.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return true;
}

describe('a pipelining client that leaves mid-body', () => {
  it('settles every queued response as aborted and closes every file', { timeout: 20_000 }, async () => {
    const pipeline = [
      `GET /file HTTP/1.1\r\nHost: x\r\n\r\n`,
      `GET /file HTTP/1.1\r\nHost: x\r\nRange: bytes=0-99999999,500000000-599999999\r\n\r\n`,
      `GET /buffer HTTP/1.1\r\nHost: x\r\n\r\n`,
      `GET /file HTTP/1.1\r\nHost: x\r\nRange: bytes=1000-\r\n\r\n`,
    ];
    await new Promise<void>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      let received = 0;
      socket.on('data', (chunk: Buffer) => {
        received += chunk.length;
        if (received > 256 * 1024) socket.destroy();
      });
      socket.on('error', () => undefined);
      socket.on('close', () => resolve());
      socket.setTimeout(10_000, () => socket.destroy());
      socket.write(pipeline.join(''));
    });
    const allSettled = await until(() => settled.length === pipeline.length, 5_000);
    const closed = await until(() => openBig() === 0, 2_000);
    expect({ settled: settled.length, reported: events.length, openFiles: openBig() }).toEqual({
      settled: pipeline.length,
      reported: pipeline.length,
      openFiles: 0,
    });
    expect([allSettled, closed]).toEqual([true, true]);
    expect(settled.filter((url) => url.startsWith('rejected'))).toEqual([]);
    expect(events.filter((event) => !event.aborted || event.error !== undefined)).toEqual([]);
  });
});
