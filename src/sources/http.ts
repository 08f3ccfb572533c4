import { Readable } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { HttpError } from '../errors.js';
import { parseEntityTag, parseHttpDate } from '../http/validators.js';
import type { ByteRange, Source } from '../types.js';
import { describe, exactBody, parseContentRange, rangeCoverage, upstreamError } from './upstream-body.js';
import { contentLength, identityEncoded, isPresigned, probeUpstream, sizeFromProbe } from './upstream-probe.js';

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
 * store, a CDN origin, a presigned S3/GCS URL, another app using this library). The returned promise
 * probes the upstream once with `HEAD` — or with `GET` + `Range: bytes=0-0` when the URL is presigned
 * (it carries `X-Amz-Signature`, `X-Goog-Signature` or `Signature`: the signature covers the method, so
 * S3 and GCS refuse a `HEAD` with 403), or when `HEAD` is answered 403/405/501 or without
 * `Content-Length` — and takes size, `ETag`, `Last-Modified` and `Content-Type` from it.
 *
 * Each range is then fetched with `Range: bytes=start-end` and `If-Match: <etag>` (strong tags; else
 * `If-Unmodified-Since`), and the answer must be a 206 with that `Content-Range` (or a longer one
 * starting at `start`, of which only the range is read), the probed size and the probed validators,
 * uncompressed, with exactly that many body bytes. Anything else — an
 * error status, a 200, another range, a changed ETag, a network error — is an {@link HttpError} 502
 * (504 when `signal` fired): before `sendRange` wrote headers the client gets that status through
 * `next(err)`; after, the connection is cut, so a client never takes a mix of two versions for one.
 * A probe answered 404 or 410 rejects with that status. Destroying an opened stream (the client went
 * away), or firing the `signal` given to `open`, aborts its upstream request.
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

  const probe = await probeUpstream(request, isPresigned(target));
  const size = sizeFromProbe(probe);
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

  /** Why `response` cannot serve `range` (`undefined` when it can), and whether it runs past the range. */
  const check = (response: Response, range: ByteRange): { problem?: string; longer?: boolean } => {
    const { start, end } = range;
    const whole = start === 0 && end === total - 1;
    let answeredLength = end - start + 1;
    if (response.status === 412) return { problem: 'representation changed (412 Precondition Failed)' };
    if (response.status === 200) {
      // RFC 9110 §14.2 lets a server ignore Range; for the whole representation that answer is still exact.
      if (!whole) return { problem: 'answered 200 instead of 206' };
    } else if (response.status !== 206) {
      return { problem: `answered ${response.status}` };
    } else {
      const answered = parseContentRange(response.headers.get('content-range'));
      if (rangeCoverage(answered, range, total) === undefined || answered?.end === undefined) {
        return { problem: `answered Content-Range ${response.headers.get('content-range') ?? '(none)'} for bytes ${start}-${end}/${total}` };
      }
      answeredLength = answered.end - start + 1;
    }
    const announced = contentLength(response);
    if (announced !== undefined && announced !== answeredLength) {
      return { problem: `announced ${announced} bytes for a ${answeredLength}-byte range` };
    }
    const responseEtag = response.headers.get('etag') ?? undefined;
    if (etag !== undefined && responseEtag?.trim() !== etag) return { problem: `ETag changed from ${etag} to ${responseEtag ?? '(none)'}` };
    const modified = response.headers.get('last-modified');
    if (lastModifiedTime !== undefined && modified !== null && parseHttpDate(modified) !== lastModifiedTime) {
      return { problem: 'Last-Modified changed' };
    }
    if (!identityEncoded(response)) return { problem: 'answered with a Content-Encoding' };
    if (response.body === null) return { problem: 'answered without a body' };
    return { longer: answeredLength > end - start + 1 };
  };

  return {
    size: total,
    type: options.type ?? probe.headers.get('content-type') ?? undefined,
    etag,
    lastModified: lastModifiedTime === undefined ? undefined : new Date(lastModifiedTime),
    name: target.href,
    async open(range: ByteRange, openOptions?: { readonly signal?: AbortSignal | undefined }): Promise<Readable> {
      const controller = new AbortController();
      const signals = [options.signal, openOptions?.signal, controller.signal].filter((signal) => signal !== undefined);
      const response = await request('GET', { ...conditions, range: `bytes=${range.start}-${range.end}` }, AbortSignal.any(signals));
      const { problem, longer = false } = check(response, range);
      if (problem !== undefined || response.body === null) {
        controller.abort();
        throw upstreamError(problem ?? 'answered without a body');
      }
      const body = Readable.fromWeb(response.body as unknown as NodeReadableStream<Uint8Array>);
      return exactBody(body, range.end - range.start + 1, longer, () => controller.abort());
    },
  };
}
