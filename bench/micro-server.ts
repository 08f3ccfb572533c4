// Building blocks of a file response on node:http, one per process (bench/micro.ts): what a header
// style, a completion listener, a thread-pool round trip or Express costs per response.
// node micro-server.js <mode> <file>; prints {"port":N}; exits when stdin closes.
import { close, closeSync, fstat, fstatSync, open, openSync, stat, statSync } from 'node:fs';
import { open as openHandle, realpath } from 'node:fs/promises';
import { createServer, type IncomingMessage, type RequestListener, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { finished } from 'node:stream/promises';

const [mode = '', file = ''] = process.argv.slice(2);
const body = Buffer.alloc(4096, 7);
const big = Buffer.alloc(64 * 1024, 7);
const headers = {
  'Content-Type': 'application/octet-stream',
  'Content-Length': String(body.length),
  ETag: '"1000-660bec24d8f97-20e3ac"',
  'Last-Modified': 'Sat, 21 Nov 2026 00:51:20 GMT',
  'Cache-Control': 'public, max-age=0',
  'Accept-Ranges': 'bytes',
};
const respond = (res: ServerResponse): void => {
  res.writeHead(200, headers);
  res.end(body);
};
const fail = (res: ServerResponse): void => {
  res.statusCode = 500;
  res.end();
};

const handlers: Record<string, (req: IncomingMessage, res: ServerResponse) => void> = {
  'writeHead(obj)': (_req, res) => respond(res),
  'setHeader+writeHead': (_req, res) => {
    for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
    res.writeHead(200);
    res.end(body);
  },
  'stream.finished(res)': (_req, res) => {
    finished(res).then(
      () => undefined,
      () => undefined,
    );
    respond(res);
  },
  "once('close')": (_req, res) => {
    res.once('close', () => undefined);
    respond(res);
  },
  // Asynchrony alone, no fs: is an answer on a later turn of the event loop dearer than one at once?
  'setImmediate': (_req, res) => setImmediate(respond, res),
  'microtask': (_req, res) => queueMicrotask(() => respond(res)),
  'stat (callback)': (_req, res) => stat(file, (error) => (error === null ? respond(res) : fail(res))),
  'realpath (promises, as the middleware)': (_req, res) => {
    realpath(file).then(
      () => respond(res),
      () => fail(res),
    );
  },
  'open+fstat+close (callback)': (_req, res) =>
    open(file, 'r', (error, fd) => {
      if (error !== null) return fail(res);
      fstat(fd, () => close(fd, () => respond(res)));
    }),
  // A 1 MiB body as sixteen 64 KiB writes, each after the previous one's callback (as a file body).
  '16 writes of 64 KiB': (_req, res) => {
    res.writeHead(200, { ...headers, 'Content-Length': String(16 * big.length) });
    let left = 16;
    const next = (): void => {
      if (left-- === 0) {
        res.end();
        return;
      }
      res.write(big, next);
    };
    next();
  },
  // What blocking calls would save (the design rules them out: a slow disk would stall every client).
  'statSync (blocking)': (_req, res) => {
    statSync(file);
    respond(res);
  },
  'openSync+fstatSync+closeSync (blocking)': (_req, res) => {
    const fd = openSync(file, 'r');
    fstatSync(fd);
    closeSync(fd);
    respond(res);
  },
  'open+stat+close (FileHandle)': (_req, res) => {
    openHandle(file, 'r')
      .then(async (handle) => {
        await handle.stat();
        await handle.close();
        respond(res);
      })
      .catch(() => fail(res));
  },
};

async function start(): Promise<number> {
  const express = mode.startsWith('express ');
  const handler = handlers[express ? mode.slice('express '.length) : mode];
  if (handler === undefined) throw new Error(`unknown mode ${mode}; modes: ${Object.keys(handlers).join(', ')}`);
  let listener: RequestListener = handler;
  if (express) {
    const app = (await import('express')).default();
    app.use(handler);
    listener = app;
  }
  const server = createServer(listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', 1024, resolve));
  return (server.address() as AddressInfo).port;
}

process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
setTimeout(() => process.exit(3), 60 * 60 * 1000).unref();
start().then(
  (port) => process.stdout.write(`${JSON.stringify({ port })}\n`),
  (error: unknown) => {
    process.stderr.write(`${String(error)}\n`);
    process.exit(2);
  },
);
