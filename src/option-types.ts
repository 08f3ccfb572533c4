import type { Stats } from 'node:fs';
import type { NodeRequest, NodeResponse, ResponseEvent, Source } from './types.js';

// The public options of sendRange and partialContent, with their hooks (re-exported by types.ts).

/** Which requests get the open-ended cap (see {@link SendRangeOptions.maxChunkSize}). */
export type CapScope = 'media' | 'all' | CapScopeFunction;

/**
 * The hooks' signatures, declared as methods on purpose: TypeScript compares a method's parameters
 * bivariantly, so a hook written for a subtype — `(req: express.Request) => …`,
 * `(res: express.Response, path) => …` — is accepted in a strict project without a cast. The object
 * the hook receives is the one the request came with (Express's `req`/`res` under Express).
 */
interface Hooks {
  capScope(req: NodeRequest): boolean;
  setHeaders(res: NodeResponse, path: string, stats: Stats | undefined): void;
}

/** Decides per request whether the open-ended cap applies; `req` may be typed as your framework's request. */
export type CapScopeFunction = Hooks['capScope'];

/** Computes an entity tag for a source; return `undefined` to send none. */
export type EtagFunction = (source: Source) => string | undefined;

/** Hook called just before the status line and headers are written; `res` may be typed as your framework's response. */
export type SetHeadersFunction = Hooks['setHeaders'];

/** Options of {@link sendRange}; every one is optional. */
export interface SendRangeOptions {
  /**
   * Advertise and honour byte ranges. When `false`, `Accept-Ranges` is not sent and `Range` is ignored
   * (as in serve-static).
   * @default true
   */
  acceptRanges?: boolean;
  /**
   * Send `Cache-Control: public, max-age=…`. Set `false` to leave the header to the app.
   * @default true
   */
  cacheControl?: boolean;
  /**
   * `max-age` in milliseconds, or a string as serve-static reads it (the `ms` package): `'7d'`,
   * `'2 weeks'`, `'1.5h'`, `'30 min'`; capped at one year. Ignored when `cacheControl` is `false`.
   * @default 0
   */
  maxAge?: number | string;
  /**
   * Add `immutable` to `Cache-Control`. Ignored when `cacheControl` is `false`.
   * @default false
   */
  immutable?: boolean;
  /**
   * Send an `ETag`.
   * - `true`: the source's own tag. For files, a strong tag from size and mtime (whole milliseconds,
   *   what Node, Bun and Deno all see): the same on every server holding the same file with the same
   *   mtime (`cp -a`, `rsync -a`).
   * - `'content'`: for files, a strong tag from a SHA-256 of the bytes, the same on every server
   *   holding the same bytes whatever their mtimes. Computed once per file version and remembered
   *   (the first request for a version waits for the hash: ~0.75 s of CPU per GiB); other sources keep
   *   their own tag.
   * - a function computes one; `false` sends none.
   * @default true
   * @example
   * // Origins whose copies have different mtimes (built or checked out per machine) behind one cache:
   * app.use('/media', partialContent('./media', { etag: 'content', maxAge: '1h' }));
   */
  etag?: boolean | 'content' | EtagFunction;
  /**
   * Send `Last-Modified` (and honour date preconditions).
   * @default true
   */
  lastModified?: boolean;
  /**
   * Called with `(res, path, stats)` before the headers go out; headers it sets win over ours
   * (`Cache-Control`, `ETag`, `Last-Modified`, `Content-Type`).
   */
  setHeaders?: SetHeadersFunction;
  /**
   * The most bytes sent for a range running to the end — `bytes=N-`, or `bytes=N-M` with M at or past
   * the last byte (the form Chromium's cache turns a media element's `bytes=N-` into) — from a capped
   * client. The answer is a 206 for `N-(N+maxChunkSize-1)`, and the media element asks again for the
   * rest. Ranges ending earlier (Safari's `bytes=0-1` probe) and suffixes (`bytes=-500`) are never
   * capped — unlike @fastify/send's `maxContentRangeChunkSize`, which trims every range. `Infinity`
   * switches the cap off.
   * @default 2097152 (2 MiB)
   */
  maxChunkSize?: number;
  /**
   * Which requests are capped. `'media'` caps only `Sec-Fetch-Dest: audio|video` (media elements,
   * which re-request); `'all'` caps every open-ended range — download clients such as `curl -C -` and
   * `wget -c` then save a truncated file without an error; a function decides per request.
   * @default 'media'
   */
  capScope?: CapScope;
  /**
   * The most ranges one `Range` header may list. A longer list is answered with the whole
   * representation (200); `1` disables multipart responses.
   * @default 100
   */
  maxRanges?: number;
  /** Called exactly once per response, after it ended or was aborted. Exceptions it throws are ignored. */
  onResponse?: (event: ResponseEvent) => void;
}

/** Options of {@link partialContent}: everything {@link SendRangeOptions} has, plus path handling. */
export interface PartialContentOptions extends SendRangeOptions {
  /**
   * Request paths with a segment starting with `.`: `'ignore'` acts as if the file did not exist
   * (404), `'deny'` refuses them (403), `'allow'` serves them (serve-static's meaning). With
   * `fallthrough: true` both refusals go on with `next()`; the 403 reaches the client only with
   * `fallthrough: false`.
   * @default 'ignore'
   */
  dotfiles?: 'ignore' | 'deny' | 'allow';
  /**
   * When `true`, a request this middleware cannot answer (missing file, directory, other method, bad
   * path) goes on with `next()`, so several roots can share one URL. When `false`, it ends with
   * 404/403/400 through `next(err)`, or 405 for other methods.
   * @default true
   */
  fallthrough?: boolean;
}
