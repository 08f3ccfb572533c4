import type { AddressInfo } from 'node:net';
import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import express4 from 'express4';
import express5 from 'express';

/** The Express major under test: the suites run once per major (see vitest.config.ts). */
export const EXPRESS_MAJOR = process.env['EXPRESS_MAJOR'] === '4' ? 4 : 5;

type Handler = (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void) => void;

/** A minimal view of an Express app that both majors satisfy. */
export interface TestApp {
  use(path: string, ...handlers: Handler[]): unknown;
  use(...handlers: Handler[]): unknown;
  get(path: string, ...handlers: Handler[]): unknown;
}

/** A new app of the Express major under test. */
export function createApp(): TestApp & RequestListener {
  const factory = (EXPRESS_MAJOR === 4 ? express4 : express5) as unknown as () => TestApp & RequestListener;
  return factory();
}

/** Body answered when a request fell through with `next()`; proves which path was taken. */
export const FELL_THROUGH = 'fell-through-sentinel';

/**
 * Mounts the final handlers every test app needs: a sentinel for `next()` (404 with a unique body)
 * and an error handler that echoes `err.status` (and `err.headers`), so tests see `next(err)`.
 */
export function withSentinels(app: TestApp): void {
  app.use((_req, res) => {
    res.statusCode = 404;
    res.setHeader('X-Sentinel', 'next');
    res.end(FELL_THROUGH);
  });
  (app.use as (handler: unknown) => unknown)(
    (err: { status?: number; headers?: Record<string, string> }, _req: IncomingMessage, res: ServerResponse, _next: unknown) => {
      res.statusCode = err.status ?? 500;
      res.setHeader('X-Sentinel', 'error');
      for (const [name, value] of Object.entries(err.headers ?? {})) res.setHeader(name, value);
      res.end(`error ${res.statusCode}`);
    },
  );
}

export interface Running {
  readonly server: Server;
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/** Starts `listener` on an ephemeral loopback port. */
export async function listen(listener: RequestListener): Promise<Running> {
  const server = createServer(listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    server,
    port,
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
