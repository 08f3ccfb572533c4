import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bufferSource, sendRange, type ResponseEvent, type Source } from '../../src/index.js';
import { patterned } from '../helpers/fixtures.js';
import { get } from '../helpers/http-get.js';
import { until } from '../helpers/until.js';

/** onResponse: called once per response, with what was announced and what was handed to the socket. */

const DATA = patterned(10_000, 2);
const events: ResponseEvent[] = [];
const failing: Source = {
  size: 10_000,
  open: () =>
    new Readable({
      read() {
        this.push(DATA.subarray(0, 100));
        this.destroy(new Error('disk on fire'));
      },
    }),
};
let server: Server;
let url: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    const source = req.url === '/failing' ? failing : bufferSource(DATA, { name: 'data.bin', etag: '"v1"' });
    void sendRange(req, res, source, {
      onResponse: (event) => {
        events.push(event);
        throw new Error('a hook that throws changes nothing');
      },
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

async function eventOf(path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<ResponseEvent> {
  const before = events.length;
  await get(`${url}${path}`, headers, method).catch(() => undefined);
  return until(() => events[before], `onResponse for ${method} ${path}`);
}

describe('onResponse', () => {
  it.each([
    { name: '200', headers: {}, method: 'GET', expected: { status: 200, ranges: [], bytesWritten: 10_000, bytesExpected: 10_000 } },
    { name: '206', headers: { range: 'bytes=10-19' }, method: 'GET', expected: { status: 206, ranges: [{ start: 10, end: 19 }], bytesWritten: 10, bytesExpected: 10, rangeHeader: 'bytes=10-19' } },
    { name: '304', headers: { 'if-none-match': '"v1"' }, method: 'GET', expected: { status: 304, bytesWritten: 0, bytesExpected: 0 } },
    { name: '416', headers: { range: 'bytes=20000-' }, method: 'GET', expected: { status: 416, bytesWritten: 0, bytesExpected: 0 } },
    { name: 'HEAD', headers: {}, method: 'HEAD', expected: { status: 200, bytesWritten: 0, bytesExpected: 0, method: 'HEAD' } },
  ])('$name', async ({ headers, method, expected }) => {
    const event = await eventOf('/data', headers, method);
    expect(event).toMatchObject({ ...expected, source: 'data.bin', size: 10_000, url: '/data', aborted: false, error: undefined });
    expect(event.durationMs).toBeGreaterThanOrEqual(0);
  });

  it('a source failing after the head: the error, not an abort, and the bytes that went out', async () => {
    const event = await eventOf('/failing');
    expect(event).toMatchObject({ status: 200, aborted: false, bytesWritten: 100, bytesExpected: 10_000 });
    expect(event.error?.message).toBe('disk on fire');
  });
});
