import type { Stats } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';

/** An inclusive byte range: `{ start: 0, end: 0 }` is one byte. */
export interface ByteRange {
  readonly start: number;
  readonly end: number;
}

/**
 * Anything `sendRange` can serve: a size, optional validators, and a way to read any byte range.
 *
 * The file, buffer and upstream-HTTP sources are implementations of this interface; write your own
 * for a database row or an object store. Everything else — ranges, the open-ended cap, 416, HEAD,
 * preconditions, multipart — is done once by `sendRange`, identically for every source.
 *
 * @example
 * const source: Source = {
 *   size: row.bytes.length,
 *   type: 'audio/mpeg',
 *   etag: `"${row.sha1}"`,
 *   lastModified: row.updatedAt,
 *   open: ({ start, end }) => Readable.from([row.bytes.subarray(start, end + 1)]),
 * };
 */
export interface Source {
  /** Total size of the representation in bytes (a non-negative safe integer). */
  readonly size: number;
  /** `Content-Type`. When absent it is looked up from `name`'s extension, else `application/octet-stream`. */
  readonly type?: string | undefined;
  /**
   * Entity tag, quotes included: `"abc"` (strong) or `W/"abc"` (weak). A weak tag never satisfies
   * `If-Range` or `If-Match` (RFC 9110 §8.8.3.2), so prefer a strong one.
   */
  readonly etag?: string | undefined;
  /** Last modification time, sent as `Last-Modified` and used for date preconditions. */
  readonly lastModified?: Date | undefined;
  /** A name for logs, events and type lookup (a file path or an object key). */
  readonly name?: string | undefined;
  /** File metadata, passed to `setHeaders` (set by the file source only). */
  readonly stats?: Stats | undefined;
  /**
   * The bytes `start..end` (inclusive), exactly that many: a Node `Readable` or any
   * `AsyncIterable<Uint8Array>` (an async generator, say), or a promise of one. Chunks of any size
   * are fine (they go out in writes of at most 64 KiB); fewer or more bytes than the range cut the
   * response. `options.signal` aborts when the client goes away: pass it on to whatever the bytes
   * come from (a `fetch`, an SDK call). A returned `Readable` is destroyed, and an iterator's
   * `return()` called, when the response ends early.
   */
  open(range: ByteRange, options?: OpenOptions): Readable | AsyncIterable<Uint8Array> | Promise<Readable | AsyncIterable<Uint8Array>>;
  /**
   * Optional fast path for small ranges: the bytes `start..end` (inclusive) in memory.
   * `sendRange` uses it for ranges up to 64 KiB so headers and body leave in one write.
   */
  read?(range: ByteRange): Uint8Array | Promise<Uint8Array>;
  /**
   * Optional: the bytes `start..end` (inclusive) as a `Blob`. The fetch shell hands it to the runtime
   * as the body of a single range, which then streams it natively (Bun sends a file `Blob` with
   * sendfile). {@link blobSource} has it.
   */
  blob?(range: ByteRange): Blob;
  /** Releases resources held by the source (a file handle); called once the response is over. */
  close?(): void | Promise<void>;
}

/** What a consumer tells {@link Source.open}. */
export interface OpenOptions {
  /** Aborts when the client goes away. */
  readonly signal?: AbortSignal | undefined;
  /**
   * The consumer is done with each chunk before it asks for the next one (`sendRange` writes a chunk
   * and waits until the socket took it), so the source may fill one buffer again and again. A
   * consumer that keeps chunks — a `ReadableStream` queue, `Buffer.concat` — leaves it unset and gets
   * chunks it owns.
   */
  readonly reuseBuffers?: boolean | undefined;
}

/** What `sendRange` accepts: a file path, bytes in memory, a {@link Source}, or a promise of one (`rangeResponse` also takes a `Blob`). */
export type SourceInput = string | Uint8Array | Source | PromiseLike<Source>;

/** Which requests get the open-ended cap (see {@link SendRangeOptions.maxChunkSize}). */
export type CapScope = 'media' | 'all' | CapScopeFunction;

/**
 * The hooks' signatures, declared as methods on purpose: TypeScript compares a method's parameters
 * bivariantly, so a hook written for a subtype — `(req: express.Request) => …`,
 * `(res: express.Response, path) => …` — is accepted in a strict project without a cast. The object
 * the hook receives is the one the request came with (Express's `req`/`res` under Express).
 */
interface Hooks {
  capScope(req: IncomingMessage): boolean;
  setHeaders(res: ServerResponse, path: string, stats: Stats | undefined): void;
}

/** Decides per request whether the open-ended cap applies; `req` may be typed as your framework's request. */
export type CapScopeFunction = Hooks['capScope'];

/** Describes one finished response; passed to {@link SendRangeOptions.onResponse}. */
export interface ResponseEvent {
  /** Request method (`GET` or `HEAD`). */
  readonly method: string;
  /** Request URL as received (`req.originalUrl` under Express). */
  readonly url: string;
  /** The source's name (a file path for files). */
  readonly source: string | undefined;
  /** Status code sent. */
  readonly status: number;
  /** Total size of the representation, when known. */
  readonly size: number | undefined;
  /** The byte ranges answered (206 only; empty otherwise). */
  readonly ranges: readonly ByteRange[];
  /** The raw `Range` request header, if any. */
  readonly rangeHeader: string | undefined;
  /** Body bytes handed to the socket (framing included for multipart). */
  readonly bytesWritten: number;
  /** Body bytes the response announced in `Content-Length`. */
  readonly bytesExpected: number;
  /** True when the client went away before the response finished. */
  readonly aborted: boolean;
  /** The error that cut the response short, if any (a failing source stream). */
  readonly error: Error | undefined;
  /** Milliseconds from the call to `sendRange` to the end of the response. */
  readonly durationMs: number;
}

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
   * - `true`: the source's own tag. For files, a strong tag from size and mtime (microseconds): the
   *   same on every server holding the same file with the same mtime (`cp -a`, `rsync -a`).
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
