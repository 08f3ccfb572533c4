import { connect } from 'node:net';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendRange, type ResponseEvent, type Source } from '../../src/index.js';
import { patterned } from '../helpers/fixtures.js';
import { createApp, listen, withSentinels, type Running } from '../helpers/server.js';

/**
 * What a custom Source that breaks its contract can and cannot do. It may make a response fail (the
 * connection is cut, the client sees a short transfer) or fail before the headers (an error status);
 * it can never put more bytes on the wire than Content-Length announced (which would desynchronise a
 * keep-alive connection: the excess would be read as the next response), and never crash the process.
 */

const SIZE = 100_000;
const DATA = patterned(SIZE * 2);
let server: Running;
const events: ResponseEvent[] = [];
let destroyed = 0;

function streamOf(chunks: unknown[], objectMode = false): Readable {
  const stream = Readable.from(chunks, { objectMode });
  stream.once('close', () => destroyed++);
  return stream;
}

const SOURCES: Record<string, Source> = {
  // Sends 5 bytes more than each range asked for.
  longer: { size: SIZE, open: ({ start, end }) => streamOf([DATA.subarray(start, end + 1 + 5)]) },
  // Sends the right bytes, then an extra chunk.
  'longer-later': { size: SIZE, open: ({ start, end }) => streamOf([DATA.subarray(start, end + 1), Buffer.from('HTTP/1.1 200 OK\r\n\r\n')]) },
  shorter: { size: SIZE, open: ({ start, end }) => streamOf([DATA.subarray(start, end + 1 - 5)]) },
  objects: { size: 10, open: () => streamOf([{ not: 'bytes' }], true) },
  numbers: { size: 10, open: () => streamOf([1, 2, 3], true) },
  failing: {
    size: SIZE,
    open: ({ start }) =>
      new Readable({
        read() {
          this.push(DATA.subarray(start, start + 1000));
          this.destroy(new Error('disk on fire'));
        },
      }),
  },
  'open-rejects': { size: SIZE, open: () => Promise.reject(new Error('cannot open')) },
  'open-throws': {
    size: SIZE,
    open: () => {
      throw new Error('cannot open either');
    },
  },
  'read-short': { size: SIZE, open: ({ start, end }) => streamOf([DATA.subarray(start, end + 1)]), read: () => Buffer.alloc(3) },
  'read-not-bytes': { size: SIZE, open: ({ start, end }) => streamOf([DATA.subarray(start, end + 1)]), read: () => 'text' as unknown as Uint8Array },
  'bad-size': { size: -1, open: () => streamOf([]) },
  'fractional-size': { size: 1.5, open: () => streamOf([]) },
  hanging: {
    size: SIZE,
    open: () => {
      const stream = new Readable({ read() {} }); // one chunk, then never ends
      stream.push(DATA.subarray(0, 1000));
      stream.once('close', () => destroyed++);
      return stream;
    },
  },
};

beforeAll(async () => {
  const app = createApp();
  app.use('/s', (req, res, next) => {
    const source = SOURCES[(req.url ?? '').slice(1).split('?')[0] ?? ''];
    if (source === undefined) return next();
    sendRange(req, res, source, { onResponse: (event) => events.push(event) }).catch(next);
  });
  withSentinels(app);
  server = await listen(app);
});
afterAll(async () => {
  await server.close();
});

interface Exchange {
  readonly status: number;
  readonly contentLength: number | undefined;
  /** Bytes on the wire after the first response's head. */
  readonly after: Buffer;
  /** The server closed the connection (instead of keeping it for the second request). */
  readonly closed: boolean;
}

/**
 * Sends two pipelined requests on one keep-alive connection and records everything until the server
 * closes it or `waitMs` passes; a desync shows up as more bytes after the first head than announced.
 */
function exchange(path: string, range: string | undefined, waitMs = 1500): Promise<Exchange> {
  return new Promise((resolve) => {
    const socket = connect(server.port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let closed = false;
    const finish = (): void => {
      clearTimeout(timer);
      socket.destroy();
      const raw = Buffer.concat(chunks);
      const split = raw.indexOf('\r\n\r\n');
      // Cut before the first body byte: Node had not flushed the head yet, so nothing arrives at all.
      if (split === -1) return resolve({ status: 0, contentLength: undefined, after: raw, closed });
      const head = raw.subarray(0, split).toString('latin1');
      const length = /\r\ncontent-length: (\d+)/i.exec(head)?.[1];
      resolve({ status: Number(head.slice(9, 12)), contentLength: length === undefined ? undefined : Number(length), after: raw.subarray(split + 4), closed });
    };
    const timer = setTimeout(finish, waitMs);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      closed = true;
      finish();
    });
    const first = `GET /s/${path} HTTP/1.1\r\nHost: x\r\n${range === undefined ? '' : `Range: ${range}\r\n`}\r\n`;
    // The second request asks to close, so a server that kept the connection ends the exchange early.
    socket.write(`${first}GET /s/${path}?again HTTP/1.1\r\nHost: x\r\nRange: bytes=0-0\r\nConnection: close\r\n\r\n`);
  });
}

describe('a source that sends more bytes than asked', () => {
  it.each([
    { path: 'longer', range: undefined, status: 200 },
    { path: 'longer', range: 'bytes=0-99999', status: 206 },
    { path: 'longer', range: 'bytes=10-10009', status: 206 },
    { path: 'longer-later', range: undefined, status: 200 },
    { path: 'longer-later', range: 'bytes=0-99999', status: 206 },
  ])('$path, Range $range: never more than Content-Length on the wire; the connection is cut', async ({ path, range, status }) => {
    const res = await exchange(path, range);
    // Either cut before the head was flushed (nothing at all), or the head and at most its length.
    expect([0, status]).toContain(res.status);
    expect(res.after.length).toBeLessThanOrEqual(res.contentLength ?? 0);
    expect(res.after.includes('HTTP/1.1')).toBe(false);
    expect(res.closed).toBe(true);
  });

  it('multipart: a part is held to its length, so the excess never lands inside the framing', async () => {
    const res = await exchange('longer', 'bytes=0-9999,20000-29999,50000-59999');
    expect([0, 206]).toContain(res.status);
    expect(res.after.length).toBeLessThan(res.contentLength ?? 1);
    // At most the first part's head made it (if it left before the cut): the part's 10,005 bytes were refused whole.
    if (res.status === 206) expect(res.after.toString('latin1')).toMatch(/^--\w+\r\nContent-Type: [^\r]+\r\nContent-Range: bytes 0-9999\/100000\r\n\r\n$/);
    expect(res.closed).toBe(true);
  });
});

describe('a source that fails', () => {
  it.each([
    { path: 'shorter', range: undefined },
    { path: 'shorter', range: 'bytes=100-90099' },
    { path: 'failing', range: undefined },
    { path: 'failing', range: 'bytes=0-99999' },
    { path: 'objects', range: undefined },
    { path: 'numbers', range: undefined },
  ])('$path, Range $range: headers already sent, so the response is cut short; the process lives on', async ({ path, range }) => {
    const res = await exchange(path, range);
    expect([0, 200, 206]).toContain(res.status);
    expect(res.after.length).toBeLessThan(res.contentLength ?? 1);
    expect(res.closed).toBe(true);
  });

  it.each([
    { path: 'open-rejects', status: 500 },
    { path: 'open-throws', status: 500 },
    { path: 'read-short', status: 500 },
    { path: 'read-not-bytes', status: 500 },
    { path: 'bad-size', status: 500 },
    { path: 'fractional-size', status: 500 },
  ])('$path: nothing written yet, so next(err) answers $status', async ({ path, status }) => {
    // read-* sources are read through read() for a small range only.
    const res = await exchange(path, path.startsWith('read') ? 'bytes=0-99' : undefined);
    expect(res.status).toBe(status);
    expect(res.after.toString()).toContain(`error ${status}`);
  });

  it('the onResponse event of a cut response carries the error and the bytes really sent', async () => {
    events.length = 0;
    await exchange('longer', 'bytes=0-99');
    const event = events.find((e) => e.rangeHeader === 'bytes=0-99');
    expect(event?.error).toBeInstanceOf(Error);
    expect(event?.bytesWritten).toBeLessThanOrEqual(100);
  });
});

describe('a source that never ends', () => {
  it('holds the response only until the client leaves; then its stream is destroyed', async () => {
    const before = destroyed;
    const socket = connect(server.port, '127.0.0.1');
    socket.on('error', () => undefined);
    socket.write('GET /s/hanging HTTP/1.1\r\nHost: x\r\n\r\n');
    await new Promise<void>((resolve) => socket.once('data', () => resolve()));
    socket.destroy();
    const deadline = Date.now() + 5_000;
    while (destroyed === before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(destroyed).toBeGreaterThan(before);
  }, 15_000);
});
