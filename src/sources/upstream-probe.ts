import { parseContentRange } from './upstream-body.js';

// How httpSource learns an upstream representation's size and validators before serving any range.

/** One request to the upstream, with `extra` headers (the probe's `Range`). */
export type UpstreamRequest = (method: 'GET' | 'HEAD', extra: Record<string, string>) => Promise<Response>;

/**
 * Asks the upstream for size and validators: `HEAD`, or `GET` with `Range: bytes=0-0` (whose body is
 * dropped) when the URL is presigned — a signature covers the method, so S3 and GCS answer a `HEAD`
 * on a URL signed for `GET` with 403 — or when `HEAD` is refused (403, 405, 501) or has no
 * `Content-Length`. When the range answer carries no usable size (an empty representation: a 416
 * without `Content-Range`, or s3rver's `bytes 0-0/0`), a plain `GET` gives it in `Content-Length`,
 * and its body is dropped unread.
 */
export async function probeUpstream(request: UpstreamRequest, presigned: boolean): Promise<Response> {
  if (!presigned) {
    const head = await request('HEAD', {});
    const refused = head.status === 403 || head.status === 405 || head.status === 501;
    if (!refused && !(head.ok && contentLength(head) === undefined)) return head;
  }
  const ranged = await request('GET', { range: 'bytes=0-0' });
  await ranged.body?.cancel().catch(() => undefined);
  if ((ranged.status !== 206 && ranged.status !== 416) || sizeFromProbe(ranged) !== undefined) return ranged;
  const plain = await request('GET', {});
  await plain.body?.cancel().catch(() => undefined);
  return plain;
}

/** The representation's size according to a probe answer, if it gives one. */
export function sizeFromProbe(probe: Response): number | undefined {
  if (probe.status === 206 || probe.status === 416) {
    const range = parseContentRange(probe.headers.get('content-range'));
    // A longer answer than 0-0 still tells the size (s3rver sends the whole object).
    if (probe.status === 206 && range?.start === 0) return range.size;
    if (probe.status === 416 && range?.start === undefined && range?.size === 0) return 0;
    return undefined;
  }
  return probe.ok ? contentLength(probe) : undefined;
}

/** Query parameters that carry a signature: AWS SigV4 and SigV2, GCS V4, CloudFront. */
const SIGNATURE_PARAMETERS = new Set(['x-amz-signature', 'x-goog-signature', 'signature']);

/** Whether `url` looks presigned, so that it is probed with a `GET` its signature allows. */
export function isPresigned(url: URL): boolean {
  for (const name of url.searchParams.keys()) if (SIGNATURE_PARAMETERS.has(name.toLowerCase())) return true;
  return false;
}

/** `Content-Length` as a safe integer, if the answer has a valid one. */
export function contentLength(response: Response): number | undefined {
  const value = response.headers.get('content-length');
  if (value === null || !/^\d+$/.test(value.trim())) return undefined;
  const length = Number(value);
  return Number.isSafeInteger(length) ? length : undefined;
}

/** Whether the answer's body is not content-coded (no `Content-Encoding`, or `identity`). */
export function identityEncoded(response: Response): boolean {
  const encoding = response.headers.get('content-encoding');
  return encoding === null || encoding.trim().toLowerCase() === 'identity';
}
