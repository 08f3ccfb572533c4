import { createReadStream, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { createSecureServer } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { bufferSource, sendRange, type NodeRequest, type NodeResponse, type ResponseEvent, type Source } from '../../../src/index.js';

/**
 * An HTTP/2 (TLS, allowHTTP1) server and the same handler on plain node:http, in their own process,
 * so a test can watch this process's descriptors (/proc/<pid>/fd) and disk reads (/proc/<pid>/io)
 * from outside while its clients go away. Serves, through sendRange:
 *   /file/<name>    a file of ROOT (the library's file source)
 *   /buffer         BUFFER_MIB MiB in memory (bufferSource)
 *   /custom/<name>  a custom Source whose streams are fs.createReadStream of a file of ROOT
 * Reports over the IPC channel: `listening`, every onResponse event, every settled sendRange promise
 * and every process warning (also printed on stderr). Answers `gc` with `gc-done` after a full GC.
 */

export type ChildMessage =
  | { readonly kind: 'listening'; readonly port: number; readonly httpPort: number }
  | { readonly kind: 'response'; readonly url: string; readonly event: Omit<ResponseEvent, 'error'> & { readonly error: string | null } }
  | { readonly kind: 'settled'; readonly url: string; readonly outcome: 'resolved' | 'rejected'; readonly httpVersion: string }
  | { readonly kind: 'warning'; readonly message: string }
  | { readonly kind: 'gc-done' };

const root = required('ROOT');
const certDir = required('CERT_DIR');
const buffer = Buffer.alloc(Number(process.env['BUFFER_MIB'] ?? '32') * 1024 * 1024, 7);

function required(name: string): string {
  const value = process.env[name];
  if (value === undefined) throw new Error(`${name} is required`);
  return value;
}

function report(message: ChildMessage): void {
  process.send?.(message);
}

process.on('warning', (warning) => {
  process.stderr.write(`WARNING ${warning.name}: ${warning.message}\n`);
  report({ kind: 'warning', message: `${warning.name}: ${warning.message}` });
});
process.on('message', (message) => {
  if (message !== 'gc') return;
  (globalThis as { gc?: () => void }).gc?.();
  // Finalizers run after the collection, on a later task.
  setTimeout(() => report({ kind: 'gc-done' }), 100);
});

/** A Source written the way a user writes one: a size and a stream per range. */
function customSource(path: string, size: number): Source {
  return {
    size,
    name: path,
    etag: '"custom"',
    open: ({ start, end }) => createReadStream(path, { start, end, highWaterMark: 64 * 1024 }),
  };
}

function sourceFor(url: string): Source | string | Uint8Array | undefined {
  const [, kind, name = ''] = /^\/(file|buffer|custom)(?:\/([\w.-]+))?$/.exec(url.split('?')[0] ?? '') ?? [];
  if (kind === 'file') return join(root, name);
  if (kind === 'buffer') return bufferSource(buffer, { name: 'buffer' });
  if (kind === 'custom') {
    const path = join(root, name);
    return customSource(path, statSync(path).size);
  }
  return undefined;
}

function handle(req: NodeRequest, res: NodeResponse): void {
  const url = req.url ?? '';
  const source = sourceFor(url);
  if (source === undefined) {
    res.statusCode = 404;
    res.end();
    return;
  }
  const onResponse = (event: ResponseEvent): void => {
    report({ kind: 'response', url, event: { ...event, error: event.error?.message ?? null } });
  };
  sendRange(req, res, source, { onResponse, maxChunkSize: Infinity }).then(
    () => report({ kind: 'settled', url, outcome: 'resolved', httpVersion: req.httpVersion }),
    () => {
      report({ kind: 'settled', url, outcome: 'rejected', httpVersion: req.httpVersion });
      if (!res.headersSent) {
        res.statusCode = 500;
        res.end();
      }
    },
  );
}

const server = createSecureServer(
  { key: readFileSync(join(certDir, 'key.pem')), cert: readFileSync(join(certDir, 'cert.pem')), allowHTTP1: true },
  handle,
);
server.on('sessionError', () => undefined);
const plain = createServer(handle);
const listening = (target: { listen(port: number, host: string, done: () => void): unknown; address(): unknown }): Promise<number> =>
  new Promise((resolve) => target.listen(0, '127.0.0.1', () => resolve((target.address() as AddressInfo).port)));
Promise.all([listening(server), listening(plain)]).then(([port, httpPort]) => report({ kind: 'listening', port, httpPort }));
