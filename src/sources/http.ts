import { Readable, Transform } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { HttpError } from '../errors.js';
import { parseEntityTag, parseHttpDate } from '../http/validators.js';
import type { ByteRange, Source } from '../types.js';

/** Options of {@link httpSource}; every one is optional. */
export interface HttpSourceOptions {
  /**
   * Headers sent with every upstream request, such as `Authorization`. The source sets `Range`,
   * `If-Match`, `If-Unmodified-Since` and `Accept-Encoding: identity` itself.
   */
  headers?: Record<string, string> | Headers;
  /**
   * Aborts the probe and every range request, e.g. `AbortSignal.timeout(30_000)` as a deadline.
   * A request cut short by it fails with 504 instead of 502.
   */
  signal?: AbortSignal;
  /** The `fetch` to use (a proxy-aware one, say). @default globalThis.fetch */
  fetch?: typeof fetch;
  /** `Content-Type` to send instead of the upstream's. */
  type?: string;
}

/**
 * A {@link Source} for a representation on another HTTP server that honours `Range` (an object
 * store, a CDN origin, another app using this library). The returned promise probes the upstream once
 * with `HEAD` — or with `GET` + `Range: bytes=0-0` when `HEAD` is answered 405/501 or without
 * `Content-Length` — and takes size, `ETag`, `Last-Modified` and `Content-Type` from it.
 *
 * Each range is then fetched with `Range: bytes=start-end` and `If-Match: <etag>` (strong tags; else
 * `If-Unmodified-Since`), and the answer must be a 206 with exactly that `Content-Range`, the probed
 * size and the probed validators, uncompressed, with exactly that many body bytes. Anything else — an
 * error status, a 200, another range, a changed ETag, a network error — is an {@link HttpError} 502
 * (504 when `signal` fired): before `sendRange` wrote headers the client gets that status through
 * `next(err)`; after, the connection is cut, so a client never takes a mix of two versions for one.
 * A probe answered 404 or 410 rejects with that status. Destroying an opened stream (the client went
 * away) aborts its upstream request.
 *
 * The source holds no resources, so one probed source may serve many requests; once the upstream
 * changes, its ranges fail with 502 and it should be probed again.
 *
 * @param url Absolute `http:` or `https:` URL of the representation.
 * @example
 * app.get('/episodes/:id', async (req, res, next) => {
 *   try {
 *     const url = `https://media.example.com/episodes/${encodeURIComponent(req.params.id)}.mp3`;
 *     await sendRange(req, res, httpSource(url, { headers: { authorization: `Bearer ${token}` } }));
 *   } catch (err) {
 *     next(err); // 502 when the origin misbehaves, 404 when it has no such episode
 *   }
 * });
 */
export async function httpSource(url: string | URL, options: HttpSourceOptions = {}): Promise<Source> {
  const target = new URL(url);
  const doFetch = options.fetch ?? globalThis.fetch;

  const request = async (method: 'GET' | 'HEAD', extra: Record<string, string>, signal?: AbortSignal): Promise<Response> => {
    const headers = new Headers(options.headers);
    for (const [name, value] of Object.entries(extra)) headers.set(name, value);
    // A compressed 206 counts ranges of the encoded bytes: ask for, and later insist on, identity.
    // (fetch itself adds it to requests with a Range, so only the HEAD probe needs it.)
    if (!headers.has('range')) headers.set('accept-encoding', 'identity');
    try {
      return await doFetch(target, { method, headers, signal: signal ?? options.signal ?? null });
    } catch (error) {
      if (options.signal?.aborted === true) throw new HttpError(504, 'Upstream timed out', { cause: error, code: 'ERR_UPSTREAM' });
      throw upstreamError(`request failed: ${describe(error)}`, error);
    }
  };

  let probe = await request('HEAD', {});
  let size = probe.ok ? contentLength(probe) : undefined;
  if (probe.status === 405 || probe.status === 501 || (probe.ok && size === undefined)) {
    probe = await request('GET', { range: 'bytes=0-0' });
    await probe.body?.cancel().catch(() => undefined);
    const range = parseContentRange(probe.headers.get('content-range'));
    const empty = probe.status === 416 && range?.size === 0 && range.start === undefined;
    size = (probe.status === 206 && range?.start === 0 && range.end === 0) || empty ? range?.size : undefined;
  }
  if (probe.status === 404 || probe.status === 410) {
    throw new HttpError(probe.status, probe.status === 404 ? 'Not Found' : 'Gone', { code: 'ERR_UPSTREAM' });
  }
  if (size === undefined) throw upstreamError(`probe answered ${probe.status} without a usable size`);
  if (!identityEncoded(probe)) throw upstreamError('probe answered with a Content-Encoding');

  const etagHeader = probe.headers.get('etag') ?? undefined;
  const etag = etagHeader !== undefined && parseEntityTag(etagHeader) !== undefined ? etagHeader.trim() : undefined;
  const lastModifiedHeader = probe.headers.get('last-modified') ?? undefined;
  const lastModifiedTime = lastModifiedHeader === undefined ? undefined : parseHttpDate(lastModifiedHeader);
  const total: number = size;

  // If-Match rather than If-Range: a changed upstream then answers a bodiless 412 instead of
  // streaming the whole new representation, and there is nothing we could do with that 200 anyway.
  const conditions: Record<string, string> = {};
  if (etag !== undefined && parseEntityTag(etag)?.weak === false) conditions['if-match'] = etag;
  else if (lastModifiedTime !== undefined && lastModifiedHeader !== undefined) conditions['if-unmodified-since'] = lastModifiedHeader;

  const mismatch = (response: Response, { start, end }: ByteRange): string | undefined => {
    const length = end - start + 1;
    const whole = start === 0 && end === total - 1;
    if (response.status === 412) return 'representation changed (412 Precondition Failed)';
    if (response.status === 200) {
      // RFC 9110 §14.2 lets a server ignore Range; for the whole representation that answer is still exact.
      if (!whole) return 'answered 200 instead of 206';
    } else if (response.status !== 206) {
      return `answered ${response.status}`;
    } else {
      const range = parseContentRange(response.headers.get('content-range'));
      if (range?.start !== start || range.end !== end || range.size !== total) {
        return `answered Content-Range ${response.headers.get('content-range') ?? '(none)'} for bytes ${start}-${end}/${total}`;
      }
    }
    const announced = contentLength(response);
    if (announced !== undefined && announced !== length) return `announced ${announced} bytes for a ${length}-byte range`;
    const responseEtag = response.headers.get('etag') ?? undefined;
    if (etag !== undefined && responseEtag?.trim() !== etag) return `ETag changed from ${etag} to ${responseEtag ?? '(none)'}`;
    const modified = response.headers.get('last-modified');
    if (lastModifiedTime !== undefined && modified !== null && parseHttpDate(modified) !== lastModifiedTime) {
      return 'Last-Modified changed';
    }
    if (!identityEncoded(response)) return 'answered with a Content-Encoding';
    if (response.body === null) return 'answered without a body';
    return undefined;
  };

  return {
    size: total,
    type: options.type ?? probe.headers.get('content-type') ?? undefined,
    etag,
    lastModified: lastModifiedTime === undefined ? undefined : new Date(lastModifiedTime),
    name: target.href,
    async open(range: ByteRange): Promise<Readable> {
      const controller = new AbortController();
      const signal = options.signal === undefined ? controller.signal : AbortSignal.any([options.signal, controller.signal]);
      const response = await request('GET', { ...conditions, range: `bytes=${range.start}-${range.end}` }, signal);
      const problem = mismatch(response, range);
      if (problem !== undefined || response.body === null) {
        controller.abort();
        throw upstreamError(problem ?? 'answered without a body');
      }
      const body = Readable.fromWeb(response.body as unknown as NodeReadableStream<Uint8Array>);
      return exactly(body, range.end - range.start + 1, controller);
    },
  };
}

/**
 * Passes `body` on while checking it carries exactly `length` bytes: more or fewer is an error, so a
 * cut upstream never looks like a complete range. Closing the result aborts the upstream request.
 */
function exactly(body: Readable, length: number, controller: AbortController): Readable {
  let seen = 0;
  const checked = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      seen += chunk.length;
      callback(seen > length ? upstreamError(`sent more than ${length} bytes`) : null, chunk);
    },
    flush(callback) {
      callback(seen < length ? upstreamError(`body ended after ${seen} of ${length} bytes`) : null);
    },
  });
  body.on('error', (error) => checked.destroy(upstreamError(`body failed: ${describe(error)}`, error)));
  checked.once('close', () => {
    controller.abort();
    body.destroy();
  });
  return body.pipe(checked);
}

interface ContentRange {
  readonly start: number | undefined;
  readonly end: number | undefined;
  readonly size: number;
}

/** Parses `bytes a-b/size` or `bytes *\/size`; `undefined` for anything else (an unknown size too). */
function parseContentRange(value: string | null): ContentRange | undefined {
  const match = /^bytes (?:(\d+)-(\d+)|\*)\/(\d+)$/.exec(value?.trim() ?? '');
  if (match === null) return undefined;
  const [, start, end, size] = match.map((part) => (part === undefined ? undefined : Number(part)));
  if (size === undefined || !Number.isSafeInteger(size)) return undefined;
  return { start, end, size };
}

function contentLength(response: Response): number | undefined {
  const value = response.headers.get('content-length');
  if (value === null || !/^\d+$/.test(value.trim())) return undefined;
  const length = Number(value);
  return Number.isSafeInteger(length) ? length : undefined;
}

function identityEncoded(response: Response): boolean {
  const encoding = response.headers.get('content-encoding');
  return encoding === null || encoding.trim().toLowerCase() === 'identity';
}

function upstreamError(message: string, cause?: unknown): HttpError {
  return new HttpError(502, `Upstream ${message}`, { cause, code: 'ERR_UPSTREAM' });
}

function describe(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown } } | undefined)?.cause?.code;
  return typeof cause === 'string' ? cause : error instanceof Error ? error.message : String(error);
}
