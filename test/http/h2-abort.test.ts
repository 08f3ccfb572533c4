import { closeSync, openSync, readdirSync, readFileSync, rmSync, writeSync, mkdtempSync } from 'node:fs';
import { constants, type ClientHttp2Session } from 'node:http2';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bufferSource, sendRange, type ResponseEvent } from '../../src/index.js';
import { patterned } from '../helpers/fixtures.js';
import { connectH2, h2Get, listenH2, makeCertificate, type Certificate, type RunningH2 } from '../helpers/h2.js';
import { until } from '../helpers/until.js';

/**
 * A client that leaves an HTTP/2 stream (RST_STREAM) stops the work at once: reading stops within a
 * chunk, sendRange settles, the descriptor closes, and onResponse says `aborted` with the true count.
 * node:http2's compat response has no `destroyed`, so this is what checks the one "client gone" rule.
 */

const BIG = 64 * 1024 * 1024;
const MIB = 1024 * 1024;
let certificate: Certificate;
let server: RunningH2;
let session: ClientHttp2Session;
let dir: string;
let bigFile: string;
const events: ResponseEvent[] = [];
let settled = 0;
const memory = patterned(16 * MIB, 3);

function openDescriptors(): number {
  return readdirSync('/proc/self/fd').length;
}
/** Bytes this process has read through read(2) and friends (page cache included). */
function bytesRead(): number {
  return Number(/^rchar: (\d+)$/m.exec(readFileSync('/proc/self/io', 'latin1'))?.[1]);
}

beforeAll(async () => {
  certificate = makeCertificate();
  dir = mkdtempSync(join(tmpdir(), 'partial-content-h2-abort-'));
  bigFile = join(dir, 'big.bin');
  const fd = openSync(bigFile, 'w');
  const block = patterned(MIB, 1);
  for (let written = 0; written < BIG; written += MIB) writeSync(fd, block);
  closeSync(fd);
  server = await listenH2(certificate, (req, res) => {
    const source = req.url === '/memory' ? bufferSource(memory) : bigFile;
    sendRange(req, res, source, { onResponse: (event) => events.push(event) }).then(() => settled++, () => settled++);
  });
  session = await connectH2(server.url, certificate);
});
afterAll(async () => {
  session?.destroy();
  await server?.close();
  certificate?.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

/** Requests `path`, reads `after` bytes, then resets the stream; resolves the bytes this process had read then. */
function resetAfter(path: string, headers: Record<string, string>, after: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const stream = session.request({ ':path': path, ...headers }, { endStream: true });
    let received = 0;
    stream.on('data', (chunk: Buffer) => {
      received += chunk.length;
      if (received >= after && !stream.closed) {
        const readThen = bytesRead();
        stream.close(constants.NGHTTP2_CANCEL);
        resolve(readThen);
      }
    });
    stream.on('error', () => undefined);
    stream.on('end', () => reject(new Error('the whole body arrived')));
  });
}

describe('HTTP/2: a reset stream stops the work', () => {
  it.each([
    { name: 'a 64 MiB file', path: '/big', headers: {} },
    { name: 'a multipart answer', path: '/big', headers: { range: 'bytes=0-9,1000-40000000' } },
  ])('$name, reset 1 MiB in: reading stops, sendRange settles, the descriptor closes, onResponse says aborted', async ({ path, headers }) => {
    const before = openDescriptors();
    const eventsBefore = events.length;
    const settledBefore = settled;
    const readAtReset = await resetAfter(path, headers, MIB);
    await until(() => settled > settledBefore, 'sendRange settles after the reset');
    const readAfter = bytesRead() - readAtReset;
    expect(readAfter).toBeLessThan(4 * MIB); // a few chunks in flight, never the rest of the file
    await until(() => openDescriptors() <= before, 'the descriptor is closed');
    const event = await until(() => events[eventsBefore], 'onResponse is called');
    expect(event.aborted).toBe(true);
    expect(event.error).toBeUndefined();
    expect(event.bytesWritten).toBeGreaterThanOrEqual(MIB);
    expect(event.bytesWritten).toBeLessThan(event.bytesExpected);
  });

  it('a 16 MiB buffer goes out in bounded writes: streams opened meanwhile are served (no ENHANCE_YOUR_CALM)', async () => {
    const [whole, ...small] = await Promise.all([
      h2Get(session, '/memory'),
      ...Array.from({ length: 4 }, (_, i) => h2Get(session, '/memory', { range: `bytes=${i}-${i + 9}` })),
    ]);
    expect(whole?.status).toBe(200);
    expect(whole?.body.equals(memory)).toBe(true);
    small.forEach((answer, i) => expect(answer.body.equals(memory.subarray(i, i + 10))).toBe(true));
  });
});
