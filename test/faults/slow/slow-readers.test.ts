import { truncateSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFixtures, type Fixtures } from '../../helpers/fixtures.js';
import { get } from '../../helpers/http-get.js';
import { startChild, type Child } from '../child/spawn.js';

/**
 * 500 readers that stop reading (a zero receive window once the kernel buffers fill) must not make
 * the server buffer the file: memory stays O(readers × chunk), independent of the 1 GiB file size.
 * Measured in a child process, so the test runner's own memory does not count.
 *
 * The bound: a stalled response holds the chunk queued on its socket and the chunk read ahead, each
 * up to 256 KiB (`MAX_HIGH_WATER_MARK` in src/sources/file.ts), plus socket, HTTP and heap state:
 * measured 660–820 KiB per reader; the bound is 1 MiB per reader, 500 MiB for 500. Without
 * backpressure each response would pull the whole gigabyte at disk speed.
 */

const READERS = 500;
const PER_READER = 1024 * 1024;
const BOUND = READERS * PER_READER;
const BIG = 'big.bin';
const MiB = 2 ** 20;

let fixtures: Fixtures;
let child: Child;

beforeAll(async () => {
  fixtures = createFixtures();
  const path = join(fixtures.root, BIG);
  writeFileSync(path, '');
  truncateSync(path, 2 ** 30);
  child = await startChild(fixtures.root);
});
afterAll(async () => {
  await child?.stop();
  fixtures.cleanup();
});

describe('slow readers', () => {
  it(`${READERS} stalled readers of a 1 GiB file: RSS growth stays under ${BOUND / MiB} MiB`, async () => {
    // Warm up (JIT, buffer pools), then take the baseline after a full collection.
    for (let i = 0; i < 3; i++) expect((await get(`http://127.0.0.1:${child.port}/media/${BIG}`, { range: 'bytes=0-8388607' })).status).toBe(206);
    const baseline = await child.stats(true);

    const sockets: Socket[] = [];
    for (let i = 0; i < READERS; i++) {
      const socket = connect(child.port, '127.0.0.1');
      socket.on('error', () => undefined);
      socket.write(`GET /media/${BIG} HTTP/1.1\r\nHost: x\r\n\r\n`);
      socket.pause(); // never read: the window closes once the kernel buffers are full
      sockets.push(socket);
    }

    // Sample until memory stops moving (three samples within 1 MiB) or 60 s pass.
    const started = Date.now();
    let peak = baseline;
    let served = 0;
    const recent: number[] = [];
    while (Date.now() - started < 60_000) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      const sample = await child.stats();
      if (sample.rss > peak.rss) peak = sample;
      served = Math.max(served, sample.fds - baseline.fds);
      recent.push(sample.rss);
      const last = recent.slice(-3);
      if (served >= 2 * READERS && last.length === 3 && Math.max(...last) - Math.min(...last) < MiB) break;
    }
    // Collected: what is still referenced (the peak also counts written chunks not yet collected).
    const live = await child.stats(true);
    const growth = peak.rss - baseline.rss;
    const liveGrowth = live.rss - baseline.rss;
    console.info(
      `slow readers: ${READERS} stalled, RSS ${(baseline.rss / MiB).toFixed(0)} → ${(peak.rss / MiB).toFixed(0)} MiB ` +
        `(growth ${(growth / MiB).toFixed(1)} MiB, ${(growth / READERS / 1024).toFixed(0)} KiB per reader; bound ${BOUND / MiB} MiB), ` +
        `buffers ${(peak.arrayBuffers / MiB).toFixed(0)} MiB; after a collection growth ${(liveGrowth / MiB).toFixed(1)} MiB, ` +
        `buffers ${(live.arrayBuffers / MiB).toFixed(0)} MiB; descriptors +${served}, settled in ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
    expect(served).toBeGreaterThanOrEqual(2 * READERS); // a socket and a file for every reader: all being served
    expect(growth).toBeLessThan(BOUND);

    for (const socket of sockets) socket.destroy();
    const deadline = Date.now() + 15_000;
    let after = await child.stats();
    while (after.fds > baseline.fds && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      after = await child.stats();
    }
    expect(after.fds).toBeLessThanOrEqual(baseline.fds);
    expect(after.aborted).toBeGreaterThanOrEqual(READERS);
    const res = await get(`http://127.0.0.1:${child.port}/media/nums.txt`);
    expect([res.status, res.body.equals(fixtures.files['nums.txt']!)]).toEqual([200, true]);
    expect(child.alive()).toBe(true);
  });
});
