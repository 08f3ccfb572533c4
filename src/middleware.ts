import type { IncomingMessage, ServerResponse } from 'node:http';
import { HttpError, toHttpError } from './errors.js';
import { normalizeMiddlewareOptions, type ResolvedMiddlewareOptions } from './options.js';
import { isRevalidation } from './http/preconditions.js';
import { fileLocator, type Located, type Locator } from './path/locate.js';
import { servedRoot } from './path/root.js';
import { send } from './send-range.js';
import type { PartialContentOptions } from './types.js';

/** Express-compatible middleware (works with Express 4 and 5, and with Connect-style servers). */
export type PartialContentMiddleware = (
  req: IncomingMessage,
  res: ServerResponse,
  next: (error?: unknown) => void,
) => void;

/**
 * Serves the files under `root` with range support: GET and HEAD, 206 for `Range`, the open-ended cap
 * for media elements, validators and conditional requests. Paths are resolved safely inside `root`
 * (no `..`, no symlinks out of it, no dotfiles by default). Options are checked here, once: a bad
 * value throws a `TypeError` naming it.
 *
 * @param root The folder to serve. A relative path is resolved against `process.cwd()` now, when the
 * middleware is created; prefer `path.join(import.meta.dirname, 'media')`. A path naming a file throws a
 * `TypeError`; a folder that does not exist yet is accepted, and the first request that finds it missing
 * emits a warning (once).
 * @example
 * app.use('/media', partialContent('./songs', { maxAge: '1d' }));
 */
export function partialContent(root: string, options?: PartialContentOptions): PartialContentMiddleware {
  if (typeof root !== 'string' || root === '') throw new TypeError('root must be a non-empty path');
  const resolved = normalizeMiddlewareOptions(options);
  const locate = fileLocator(servedRoot(root), resolved.dotfiles);

  return function partialContentMiddleware(req, res, next) {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      if (resolved.fallthrough) {
        next();
        return;
      }
      res.statusCode = 405;
      res.setHeader('Allow', 'GET, HEAD');
      res.setHeader('Content-Length', '0');
      res.end();
      return;
    }
    void serve(req, res, next, locate, resolved);
  };
}

/** Locates the file and sends it; every failure goes to `forward`, so the promise never rejects. */
async function serve(
  req: IncomingMessage,
  res: ServerResponse,
  next: (error?: unknown) => void,
  locate: Locator,
  options: ResolvedMiddlewareOptions,
): Promise<void> {
  let found: Located;
  try {
    found = await locate(req.url ?? '/', isRevalidation(req.headers));
  } catch (error) {
    return forward(error, options, next);
  }
  if (found.kind === 'reject') return forward(new HttpError(found.status, statusText(found.status), { code: found.reason }), options, next);
  try {
    await send(req, res, found.path, options, found.stats);
  } catch (error) {
    forward(error, options, next);
  }
}

/**
 * serve-static's rule: with `fallthrough`, client errors found before a file is served go on with
 * `next()` so another handler (another root on the same URL) can answer; server errors always go to
 * `next(err)`.
 */
function forward(error: unknown, options: ResolvedMiddlewareOptions, next: (error?: unknown) => void): void {
  const httpError = toHttpError(error);
  if (options.fallthrough && httpError.status < 500) next();
  else next(httpError);
}

function statusText(status: 400 | 403 | 404): string {
  return status === 400 ? 'Bad Request' : status === 403 ? 'Forbidden' : 'Not Found';
}
