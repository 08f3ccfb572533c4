import { toHttpError } from '../errors.js';
import { normalizeMiddlewareOptions } from '../options.js';
import { fileLocator } from '../path/locate.js';
import { servedRoot } from '../path/root.js';
import type { PartialContentOptions } from '../types.js';
import { filesAreBlobs } from './native-file.js';
import { respond, type ResolvedFetchOptions } from './range-response.js';
import type { ServeFilesOptions } from './types.js';

/** A fetch handler over a folder: the twin of the `partialContent` middleware. */
export type ServeFilesHandler = (request: Request, path?: string) => Promise<Response | undefined>;

/**
 * Serves the files under `root` to fetch-API requests, with everything `partialContent` does: GET and
 * HEAD, ranges, the open-ended cap for media elements, validators, and safe paths (no `..`, no
 * symlinks out of `root`, no dotfiles by default). `path` defaults to the URL's pathname; a handler
 * mounted under a prefix passes the part after it, still percent-encoded. What it does not serve
 * (missing, a directory, a rejected path, another method) resolves `undefined`, so the app goes on
 * to its own routes (`fallthrough: false` answers those instead).
 *
 * @param root The folder to serve, checked as the middleware checks it (a file is a `TypeError`); a
 *   relative path is resolved against the working directory now.
 * @example
 * const files = serveFiles('./media', { maxAge: '1d' });
 * Bun.serve({ fetch: async (request) => (await files(request)) ?? new Response('Not Found', { status: 404 }) });
 */
export function serveFiles(root: string, options?: ServeFilesOptions): ServeFilesHandler {
  if (typeof root !== 'string' || root === '') throw new TypeError('root must be a non-empty path');
  // The checks are the middleware's; only the hooks' types differ.
  const resolved = normalizeMiddlewareOptions(options as PartialContentOptions | undefined) as unknown as ResolvedFetchOptions & {
    readonly dotfiles: 'ignore' | 'deny' | 'allow';
    readonly fallthrough: boolean;
  };
  const locate = fileLocator(servedRoot(root), resolved.dotfiles);
  const refuse = (status: number, headers?: Record<string, string>): Response | undefined =>
    resolved.fallthrough ? undefined : new Response(null, { status, headers: { 'Content-Length': '0', ...headers } });

  return async function serveFile(request, path) {
    if (request.method !== 'GET' && request.method !== 'HEAD') return refuse(405, { Allow: 'GET, HEAD' });
    try {
      // On Bun every answer is described by stat (the bytes are a Bun.file): the locator's stat serves,
      // and a path it verified moments ago skips realpath, as revalidations do in the middleware.
      const found = await locate(path ?? new URL(request.url).pathname, filesAreBlobs);
      if (found.kind === 'reject') return refuse(found.status);
      return await respond(request, found.path, resolved, found.stats);
    } catch (error) {
      const httpError = toHttpError(error);
      if (httpError.status >= 500) throw httpError;
      return refuse(httpError.status);
    }
  };
}
