import { connect } from 'node:net';
import { expect, it } from 'vitest';
import { get } from '../helpers/http-get.js';
import type { RuntimeServer } from './runtime-server.js';

const ABORTS = 24;

/** Polls `read` until `done` accepts its value or `ms` pass; returns the last value read. */
async function until<T>(read: () => T, done: (value: T) => boolean, ms: number): Promise<T> {
  const deadline = Date.now() + ms;
  let value = read();
  while (!done(value) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    value = read();
  }
  return value;
}

/** Opens a request for `target`, waits for the first body bytes, then cuts the connection. */
function abortAfterFirstBytes(port: number, target: string, range: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let received = 0;
    socket.setTimeout(15_000, () => socket.destroy(new Error(`no bytes for ${target}`)));
    socket.on('error', reject);
    socket.on('close', () => resolve());
    socket.on('data', (chunk: Buffer) => {
      received += chunk.length;
      // Past the headers and into a body far larger than any socket buffer: the server is mid-file.
      if (received > 64 * 1024) socket.destroy();
    });
    socket.write(`GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nRange: ${range}\r\n\r\n`);
  });
}

/**
 * Client aborts in the middle of large bodies (a single range, multipart, a file by path) give back
 * every descriptor the server opened for them, counted in /proc/<pid>/fd of the server process.
 */
export function abortSuite(server: () => RuntimeServer): void {
  it(`${ABORTS} clients leaving mid-body give back every descriptor`, async () => {
    const { url, port } = server();
    // Warm up: the runtime's own lazily opened descriptors (event loop, thread pool) exist after this.
    for (let i = 0; i < 3; i++) {
      await get(`${url}/files/clip.mp4`, { Range: 'bytes=0-' }, 'GET', 20_000);
      await get(`${url}/path/clip.mp4`, { Range: 'bytes=0-99,3000000-' }, 'GET', 20_000);
    }
    const baseline = await until(() => server().openDescriptors(), () => false, 300);
    const targets = ['/files/clip.mp4', '/path/clip.mp4', '/files/clip.mp4'];
    const ranges = ['bytes=0-', 'bytes=0-99,1000000-', 'bytes=100-'];
    await Promise.all(
      Array.from({ length: ABORTS }, (_, i) => abortAfterFirstBytes(port, targets[i % 3]!, ranges[i % 3]!)),
    );
    const after = await until(() => server().openDescriptors(), (count) => count <= baseline, 15_000);
    expect(after).toBeLessThanOrEqual(baseline);
    // And the server still answers, whole and exact.
    const res = await get(`${url}/files/nums.txt`, {}, 'GET', 20_000);
    expect([res.status, res.body.toString()]).toEqual([200, '0123456789'.repeat(10)]);
  });
}
