// One fetch-API app over a fixtures folder, started on whichever runtime runs this file: Bun.serve,
// Deno.serve, or Node through @hono/node-server. Usage: <runtime> serve.ts <root>; it prints
// `listening <port>` once ready. It loads the library from dist/, as an installed package would.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import process from 'node:process';
import { HttpError, rangeResponse, serveFiles, type ServeFilesHandler } from '../../../dist/fetch.js';

/** Body answered when serveFiles resolved `undefined`; proves the app's own routes took over. */
export const FELL_THROUGH = 'fell-through-sentinel';

/** Set on the app's own answers: a string body's implied type is not added by @hono/node-server's fast path. */
const TEXT = 'text/plain;charset=UTF-8';

const root = process.argv[2];
if (root === undefined) throw new Error('usage: serve.ts <root>');

const OLD = new Date('2024-03-01T12:00:00Z');
const mounts: Record<string, ServeFilesHandler> = {
  files: serveFiles(root),
  strict: serveFiles(root, { fallthrough: false, dotfiles: 'deny' }),
  capped: serveFiles(root, { maxChunkSize: 1000 }),
  'capped-all': serveFiles(root, { capScope: 'all', maxChunkSize: 1000 }),
  'capped-fn': serveFiles(root, { capScope: (request) => request.headers.get('x-player') === '1', maxChunkSize: 1000 }),
  uncapped: serveFiles(root, { maxChunkSize: Infinity }),
  'one-range': serveFiles(root, { maxRanges: 1 }),
  'no-ranges': serveFiles(root, { acceptRanges: false }),
  'app-headers': serveFiles(root, {
    setHeaders: (headers) => {
      headers.set('Cache-Control', 'no-store');
      headers.set('X-App', 'kept');
      headers.set('Vary', 'Origin');
    },
  }),
};

const cache = new Map<string, Uint8Array<ArrayBuffer>>();
function bytesOf(name: string): Uint8Array<ArrayBuffer> {
  let bytes = cache.get(name);
  if (bytes === undefined) cache.set(name, (bytes = new Uint8Array(readFileSync(join(root!, name)))));
  return bytes;
}

/** The app: `/<mount>/<path>` through serveFiles; `/path|bytes|blob/<name>` through rangeResponse. */
export async function app(request: Request): Promise<Response> {
  const { pathname } = new URL(request.url);
  const slash = pathname.indexOf('/', 1);
  const mount = pathname.slice(1, slash === -1 ? undefined : slash);
  const rest = slash === -1 ? '/' : pathname.slice(slash);
  try {
    const files = mounts[mount];
    if (files !== undefined) {
      const response = await files(request, rest);
      if (response !== undefined) return response;
    } else if (mount === 'path') {
      return await rangeResponse(request, join(root!, decodeURIComponent(rest)));
    } else if (mount === 'bytes') {
      return await rangeResponse(request, bytesOf(decodeURIComponent(rest)));
    } else if (mount === 'blob') {
      const blob = new File([bytesOf(decodeURIComponent(rest))], rest.slice(1), { lastModified: OLD.getTime() });
      return await rangeResponse(request, blob);
    }
  } catch (error) {
    const status = error instanceof HttpError ? error.status : 500;
    return new Response(`error ${status}`, { status, headers: { 'Content-Type': TEXT, 'X-Sentinel': 'error' } });
  }
  return new Response(FELL_THROUGH, { status: 404, headers: { 'Content-Type': TEXT, 'X-Sentinel': 'next' } });
}

const announce = (port: number): void => {
  process.stdout.write(`listening ${port}\n`);
};

interface BunLike { serve(options: { port: number; hostname: string; fetch: typeof app }): { port: number } }
interface DenoLike {
  serve(options: { port: number; hostname: string; onListen: (address: { port: number }) => void }, handler: typeof app): unknown;
}
const { Bun, Deno } = globalThis as { Bun?: BunLike; Deno?: DenoLike };

if (Bun !== undefined) {
  announce(Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: app }).port);
} else if (Deno !== undefined) {
  Deno.serve({ port: 0, hostname: '127.0.0.1', onListen: ({ port }) => announce(port) }, app);
} else {
  const { serve } = await import('@hono/node-server');
  serve({ fetch: app, port: 0, hostname: '127.0.0.1' }, (info) => announce(info.port));
}
