import { createServer, request, type IncomingMessage, type ServerResponse, type Server } from 'node:http';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_WRITE, Outlet } from '../../src/outlet.js';
import { until } from '../helpers/until.js';

/** The one "client gone" rule over HTTP/1.1 (HTTP/2 resets: test/http/h2-abort.test.ts). */

let server: Server;
let url: string;
let handle: (res: ServerResponse, req: IncomingMessage) => void = () => undefined;

beforeAll(async () => {
  server = createServer((req, res) => handle(res, req));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

/** Starts a request whose response `handle` gets; the client reads nothing and can be destroyed. */
function stalledClient(): { destroy(): void } {
  const req = request(url, { agent: false }, (res) => res.pause());
  req.on('error', () => undefined);
  req.end();
  return { destroy: () => req.destroy() };
}

describe('Outlet', () => {
  it('a response written to its end was never gone and is not aborted; its writes are counted', async () => {
    const outlets: Outlet[] = [];
    const goneAfterWrite: boolean[] = [];
    handle = (res) => {
      const outlet = new Outlet(res);
      outlets.push(outlet);
      res.writeHead(200, { 'Content-Length': '5' });
      void outlet.write(Buffer.from('hello')).then(() => {
        goneAfterWrite.push(outlet.gone);
        outlet.end();
      });
    };
    const body = await new Promise<string>((resolve) => request(url, { agent: false }, (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString()));
      res.on('end', () => resolve(text));
    }).end());
    expect(body).toBe('hello');
    const outlet = outlets[0]!;
    await outlet.over;
    expect([goneAfterWrite, outlet.aborted, outlet.written]).toEqual([[false], false, 5]);
  });

  it('a write stalled on a client that then leaves wakes, and the outlet is gone, aborted and its signal aborted', async () => {
    let outlet: Outlet | undefined;
    let pending: Promise<void> | undefined;
    handle = (res) => {
      outlet = new Outlet(res);
      res.writeHead(200, { 'Content-Length': String(64 * MAX_WRITE) });
      const big = Buffer.alloc(64 * MAX_WRITE);
      pending = outlet.write(big); // far more than the socket buffers take from a reader that reads nothing
    };
    const client = stalledClient();
    await until(() => outlet !== undefined && outlet.written > 0, 'the write started');
    const signal = outlet!.signal;
    expect(signal.aborted).toBe(false);
    client.destroy();
    await pending; // would hang if only a write callback could wake it
    expect(outlet!.gone).toBe(true);
    expect(outlet!.aborted).toBe(true);
    expect(signal.aborted).toBe(true);
    expect(outlet!.written).toBeLessThan(64 * MAX_WRITE);
    await outlet!.over;
  });

  it('a signal asked for after the client left is aborted already', async () => {
    let outlet: Outlet | undefined;
    handle = (res) => {
      outlet = new Outlet(res);
    };
    const client = stalledClient();
    await until(() => outlet, 'the request arrived');
    client.destroy();
    await outlet!.over;
    expect(outlet!.signal.aborted).toBe(true);
  });

  it('pipelined responses queued behind another are gone once the connection closes (Node never closes them)', async () => {
    const outlets: Outlet[] = [];
    const pending: Array<Promise<void>> = [];
    handle = (res, req) => {
      const outlet = new Outlet(res, req);
      outlets.push(outlet);
      res.writeHead(200, { 'Content-Length': String(64 * MAX_WRITE) });
      pending.push(outlet.write(Buffer.alloc(64 * MAX_WRITE)));
    };
    const socket = connect((server.address() as AddressInfo).port, '127.0.0.1');
    socket.on('error', () => undefined);
    socket.write('GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\nGET /c HTTP/1.1\r\nHost: x\r\n\r\n');
    await until(() => outlets.length === 3, 'the three requests arrived');
    socket.destroy();
    await Promise.all(pending); // the queued ones would hang: no write callback, no 'close' on their response
    await Promise.all(outlets.map((outlet) => outlet.over));
    expect(outlets.map((outlet) => [outlet.gone, outlet.aborted])).toEqual([[true, true], [true, true], [true, true]]);
  });
});
