import type { IncomingMessage, ServerResponse } from 'node:http';
import { realpath } from 'node:fs/promises';
import { HttpError, toHttpError } from './errors.js';
import { normalizeMiddlewareOptions, type ResolvedMiddlewareOptions } from './options.js';
import { isInside, resolvePath } from './path/resolve-path.js';
import { servedRoot, type ServedRoot } from './path/root.js';
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
  const served = servedRoot(root);

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
    locate(req.url ?? '/', served, resolved).then(
      (found) => {
        if (typeof found !== 'string') return forward(found, resolved, next);
        send(req, res, found, resolved).catch((error: unknown) => forward(error, resolved, next));
      },
      (error: unknown) => forward(error, resolved, next),
    );
  };
}

/**
 * The real path of the file a request names inside `root`, or the error that is not ours to answer
 * (nothing has been written then).
 */
async function locate(url: string, root: ServedRoot, options: ResolvedMiddlewareOptions): Promise<string | HttpError> {
  const target = resolvePath(root.absolute, url, options.dotfiles);
  if (target.kind === 'reject') return new HttpError(target.status, statusText(target.status), { code: target.reason });

  let real: string;
  try {
    real = await realpath(target.absolute);
  } catch (error) {
    await root.explainNotFound();
    throw error;
  }
  // A symlink may point anywhere; only its real target's place counts.
  if (!isInside(await root.real(), real)) return new HttpError(403, 'Forbidden', { code: 'symlink outside root' });
  return real;
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
