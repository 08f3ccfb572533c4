// One benchmark server per process, so RSS and descriptors are per server. run.ts transpiles this file
// to plain JavaScript and starts it with `node` (no loader hooks: those would add their own thread and
// memory): node server.js <kind> <root> <library index.js>. It prints {"port":N} once listening and
// exits when its stdin closes (the parent went away) or after a hard lifetime bound.
import { readFileSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type RequestListener, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import type * as Library from '../src/index.js';
import { AllocationCounter } from './allocation.js';

// Each process imports only what its server needs, so idle RSS is that server's own.
const importExpress = async (): Promise<typeof import('express')> => (await import('express')).default;

const LIFETIME_MS = Number(process.env['BENCH_SERVER_LIFETIME_MS'] ?? 2 * 60 * 60 * 1000);

const [kind = '', root = '', libraryPath = ''] = process.argv.slice(2);

/** The URL path as a file path under root, or undefined for what a real app would refuse. */
function fileUnderRoot(url: string | undefined): string | undefined {
  const raw = url ?? '/';
  const query = raw.indexOf('?');
  let path: string;
  try {
    path = decodeURIComponent(query === -1 ? raw : raw.slice(0, query));
  } catch {
    return undefined;
  }
  if (path.includes('\0') || path.includes('\\') || path.split('/').includes('..')) return undefined;
  return root + path;
}

function notFound(res: ServerResponse): void {
  res.statusCode = 404;
  res.end();
}

/** `sendRange` on bare node:http: nothing from Express is needed. */
function sendRangeListener(lib: typeof Library): RequestListener {
  return (req, res) => {
    const path = fileUnderRoot(req.url);
    if (path === undefined) return notFound(res);
    lib.sendRange(req, res, path).catch((error: { status?: number }) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      res.statusCode = error.status ?? 500;
      res.end();
    });
  };
}

/** The ceiling: an Express route answering the same bytes from memory (files loaded on first use). */
async function ceilingApp(): Promise<RequestListener> {
  const app = (await importExpress())();
  const files = new Map<string, { body: Buffer; etag: string; lastModified: string }>();
  app.use((req: IncomingMessage, res: ServerResponse, next: () => void) => {
    const path = fileUnderRoot(req.url);
    if (path === undefined) return next();
    let file = files.get(path);
    if (file === undefined) {
      let body: Buffer;
      try {
        body = readFileSync(path);
      } catch {
        return next();
      }
      const stats = statSync(path);
      file = { body, etag: `"${body.length.toString(16)}-ceiling"`, lastModified: stats.mtime.toUTCString() };
      files.set(path, file);
    }
    const { body, etag, lastModified } = file;
    if (req.headers['if-none-match'] === etag) {
      res.writeHead(304, { ETag: etag, 'Last-Modified': lastModified, 'Cache-Control': 'public, max-age=0' });
      res.end();
      return;
    }
    const headers: Record<string, string> = {
      'Accept-Ranges': 'bytes',
      'Cache-Control': 'public, max-age=0',
      ETag: etag,
      'Last-Modified': lastModified,
      'Content-Type': 'application/octet-stream',
    };
    const match = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? '');
    if (match === null) {
      headers['Content-Length'] = String(body.length);
      res.writeHead(200, headers);
      res.end(body);
      return;
    }
    const start = Number(match[1]);
    const end = Math.min(Number(match[2]), body.length - 1);
    headers['Content-Range'] = `bytes ${start}-${end}/${body.length}`;
    headers['Content-Length'] = String(end - start + 1);
    res.writeHead(206, headers);
    res.end(body.subarray(start, end + 1));
  });
  return app;
}

const allocation = new AllocationCounter();

/**
 * The server under test behind the run's probes, answered before it sees them: `/__bench/memory`
 * (where the memory goes, for the slow-readers report) and `/__bench/alloc/start|stop` (heap bytes
 * allocated per request in between; `?sites` adds a sampling heap profile).
 */
function probed(listener: RequestListener): RequestListener {
  return (req, res) => {
    if (allocation.armed) allocation.requests++;
    const url = req.url ?? '';
    if (!url.startsWith('/__bench/')) return listener(req, res);
    res.setHeader('Content-Type', 'application/json');
    if (url === '/__bench/memory') return res.end(JSON.stringify(process.memoryUsage()));
    const answer = url.startsWith('/__bench/alloc/start') ? allocation.start(url.endsWith('?sites')).then(() => ({})) : allocation.stop();
    answer.then(
      (body) => res.end(JSON.stringify(body)),
      (error: unknown) => res.writeHead(500).end(JSON.stringify({ error: String(error) })),
    );
  };
}

async function listen(listener: RequestListener): Promise<number> {
  const server = createServer(probed(listener));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', 1024, resolve));
  return (server.address() as AddressInfo).port;
}

async function start(): Promise<number> {
  switch (kind) {
    case 'partialContent': {
      const lib = (await import(pathToFileURL(libraryPath).href)) as typeof Library;
      const app = (await importExpress())();
      app.use(lib.partialContent(root));
      return listen(app);
    }
    case 'sendRange': {
      const lib = (await import(pathToFileURL(libraryPath).href)) as typeof Library;
      return listen(sendRangeListener(lib));
    }
    // Diagnostics (--servers): Express without the middleware, and the middleware without Express.
    case 'sendRange-in-express': {
      const lib = (await import(pathToFileURL(libraryPath).href)) as typeof Library;
      const app = (await importExpress())();
      app.use(sendRangeListener(lib));
      return listen(app);
    }
    // etag: 'content' (issue 14): the same middleware with tags from a hash of the bytes, remembered.
    case 'partialContent-etag-content': {
      const lib = (await import(pathToFileURL(libraryPath).href)) as typeof Library;
      const app = (await importExpress())();
      app.use(lib.partialContent(root, { etag: 'content' }));
      return listen(app);
    }
    case 'partialContent-bare': {
      const lib = (await import(pathToFileURL(libraryPath).href)) as typeof Library;
      const middleware = lib.partialContent(root);
      return listen((req, res) => middleware(req, res, () => notFound(res)));
    }
    case 'express.static': {
      const express = await importExpress();
      const app = express();
      app.use(express.static(root));
      return listen(app);
    }
    case 'res.sendFile': {
      const app = (await importExpress())();
      app.use((req, res, next) => {
        const path = fileUnderRoot(req.url);
        if (path === undefined) return next();
        res.sendFile(path.slice(root.length), { root }, (error?: Error) => {
          if (error !== undefined && !res.headersSent) next(error);
        });
      });
      return listen(app);
    }
    case 'sirv': {
      const { default: sirv } = await import('sirv');
      // Production mode (the default): the file list and headers are read once, at start.
      return listen(sirv(root, { etag: true }) as RequestListener);
    }
    case '@fastify/static': {
      const { default: fastify } = await import('fastify');
      const { default: fastifyStatic } = await import('@fastify/static');
      const app = fastify({ logger: false, serverFactory: (handler) => createServer(probed(handler)) });
      await app.register(fastifyStatic, { root });
      await app.listen({ port: 0, host: '127.0.0.1', backlog: 1024 });
      return (app.server.address() as AddressInfo).port;
    }
    case 'ceiling':
      return listen(await ceilingApp());
    default:
      throw new Error(`unknown server kind: ${kind}`);
  }
}

process.stdin.on('end', () => process.exit(0));
process.stdin.on('error', () => process.exit(0));
process.stdin.resume();
setTimeout(() => process.exit(3), LIFETIME_MS).unref();

start().then(
  (port) => process.stdout.write(`${JSON.stringify({ port })}\n`),
  (error: unknown) => {
    process.stderr.write(`server ${kind} failed to start: ${String(error)}\n`);
    process.exit(2);
  },
);
