import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import { partialContent, sendRange, type PartialContentOptions, type ResponseEvent } from 'partial-content';
import { listMedia, parseStartTime, renderPage } from './page.js';
import { RangeLog } from './range-log.js';

export interface PlayerAppOptions {
  /** The folder whose files are listed and served. */
  readonly mediaDir: string;
  /** More `partialContent` options for `/media` (`maxChunkSize`, `capScope`, `setHeaders` …). */
  readonly media?: Omit<PartialContentOptions, 'onResponse'>;
  /** Also called with every response `partialContent` and `sendRange` finish (media and page assets). */
  readonly onResponse?: (event: ResponseEvent) => void;
}

const MOUNT = '/media';
const PUBLIC_DIR = fileURLToPath(new URL('./public/', import.meta.url));
const ASSETS = ['player.js', 'player.css'];

/**
 * The example player: `partialContent` on `/media`, a server-rendered page at `/` (`?file=` picks
 * the file, `?t=` the start second), its two static assets, and `/events`, a Server-Sent Events
 * stream of the range requests each page caused (from `onResponse`).
 *
 * @example
 * const app = createPlayerApp({ mediaDir: './media' });
 * app.listen(3000);
 */
export function createPlayerApp(options: PlayerAppOptions): Express {
  const template = readFileSync(join(PUBLIC_DIR, 'template.html'), 'utf8');
  const log = new RangeLog(MOUNT);
  const onResponse = (event: ResponseEvent): void => {
    log.add(event);
    options.onResponse?.(event);
  };
  const mediaOptions: PartialContentOptions = { ...options.media, onResponse };

  const assetOptions = { onResponse };

  const app = express();
  app.disable('x-powered-by');

  app.get('/', async (req: Request, res: Response) => {
    const query = new URL(req.originalUrl, 'http://player.invalid').searchParams;
    const files = await listMedia(options.mediaDir);
    const wanted = query.get('file');
    const selected = wanted === null ? files[0] : files.find((file) => file.name === wanted);
    const missing = wanted !== null && selected === undefined ? wanted : undefined;
    const html = renderPage(template, {
      files,
      selected,
      missing,
      start: parseStartTime(query.get('t')),
      view: randomBytes(9).toString('base64url'),
      mount: MOUNT,
    });
    res.status(missing === undefined ? 200 : 404);
    res.set({ 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
    res.send(html);
  });

  // The page's own assets go through sendRange too: the library serves any file, not only media.
  for (const asset of ASSETS) {
    app.get(`/${asset}`, (req: Request, res: Response, next: NextFunction) => {
      sendRange(req, res, join(PUBLIC_DIR, asset), assetOptions).catch(next);
    });
  }

  app.get('/events', (req: Request, res: Response) => {
    log.stream(req, res, new URL(req.originalUrl, 'http://player.invalid').searchParams.get('view'));
  });

  app.use(MOUNT, partialContent(options.mediaDir, mediaOptions));

  app.use((_req: Request, res: Response) => {
    res.status(404).type('text/plain').send('Not found\n');
  });
  app.use((error: { status?: number; expose?: boolean; message?: string }, _req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) {
      next(error);
      return;
    }
    const status = error.status ?? 500;
    res.status(status).type('text/plain').send(`${error.expose === true ? error.message : status >= 500 ? 'Server error' : 'Error'}\n`);
  });
  return app;
}

export interface RunningPlayer {
  readonly server: Server;
  readonly url: string;
  readonly port: number;
  /** Stops listening and ends open connections (event streams included). */
  close(): Promise<void>;
}

/** Listens on `host:port` (port 0 picks a free one). */
export async function listenPlayer(app: Express, port = 0, host = '127.0.0.1'): Promise<RunningPlayer> {
  const server = createServer(app);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    server,
    port: address.port,
    url: `http://${shownHost}:${address.port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
