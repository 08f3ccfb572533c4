import { pathToFileURL } from 'node:url';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import { httpSource, sendRange, type HttpSourceOptions, type SendRangeOptions, type Source } from 'partial-content';

// A route that streams from an upstream origin (an object store, a CDN origin, another app) with
// ranges, validators and the media cap, as if the file were local. Try it against the player:
//   npm start                                                        (serves /media/tone.wav on :3000)
//   UPSTREAM=http://localhost:3000/media/tone.wav npx tsx examples/upstream.ts
//   curl -i -H 'Range: bytes=0-99' http://127.0.0.1:3002/listen
// UPSTREAM_AUTHORIZATION, when set, is sent upstream as the Authorization header. PORT (3002).

export interface UpstreamAppOptions {
  /** Absolute URL of the upstream representation. */
  readonly upstream: string;
  /** Passed to `httpSource` (headers such as Authorization, a deadline signal). */
  readonly source?: HttpSourceOptions;
  /** Passed to `sendRange`. */
  readonly send?: SendRangeOptions;
  /** How long one probe of the upstream (its size and validators) is reused, in ms. @default 30000 */
  readonly reuseMs?: number;
}

/**
 * `GET|HEAD /listen` streams `upstream`. The upstream is probed once per `reuseMs`, not per request;
 * if it changed meanwhile, opening a range fails before anything is written (the source sends
 * `If-Match`), so the route probes again and retries once. Other upstream failures become a 502
 * through `next(err)`; a 404 upstream is a 404.
 */
export function createUpstreamApp(options: UpstreamAppOptions): Express {
  const reuseMs = options.reuseMs ?? 30_000;
  let probe: { readonly source: Promise<Source>; readonly at: number } | undefined;
  const probed = (): { readonly source: Promise<Source>; readonly reused: boolean } => {
    if (probe !== undefined && Date.now() - probe.at <= reuseMs) return { source: probe.source, reused: true };
    probe = { source: httpSource(options.upstream, options.source), at: Date.now() };
    return { source: probe.source, reused: false };
  };

  const app = express();
  app.disable('x-powered-by');
  app.get('/listen', async (req: Request, res: Response, next: NextFunction) => {
    const { source, reused } = probed();
    try {
      await sendRange(req, res, source, options.send);
    } catch (error) {
      probe = undefined;
      if (!reused || res.headersSent) return next(error);
      // A reused probe may describe a representation the upstream has since replaced: probe again.
      sendRange(req, res, probed().source, options.send).catch(next);
    }
  });
  return app;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const upstream = process.env['UPSTREAM'];
  if (upstream === undefined) {
    console.error('Set UPSTREAM, e.g. UPSTREAM=http://localhost:3000/media/tone.wav (run npm start first).');
    process.exit(1);
  }
  const authorization = process.env['UPSTREAM_AUTHORIZATION'];
  const port = Number(process.env['PORT'] ?? 3002);
  const app = createUpstreamApp({
    upstream,
    source: authorization === undefined ? {} : { headers: { authorization } },
  });
  app.listen(port, '127.0.0.1', () => console.log(`Streaming ${upstream} at http://127.0.0.1:${port}/listen`));
}
