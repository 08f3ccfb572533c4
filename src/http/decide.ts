import { formatContentRange, formatUnsatisfiedRange } from '../range/content-range.js';
import { planRanges } from '../range/plan-ranges.js';
import type { ByteRange } from '../types.js';
import { planMultipart, type MultipartBody } from './multipart.js';
import { evaluatePreconditions, ifRangeAllows, type ConditionalHeaders } from './preconditions.js';
import { formatHttpDate } from './validators.js';

/** What is known about the representation when the request is decided. */
export interface Representation {
  readonly size: number;
  /** Full `Content-Type` value, charset included. */
  readonly contentType: string;
  readonly etag: string | undefined;
  /** Milliseconds since the epoch. */
  readonly lastModified: number | undefined;
}

/** The request as the decision sees it. */
export interface DecisionRequest {
  readonly method: string;
  readonly headers: ConditionalHeaders & { readonly range?: string | undefined };
}

/** Per-request policy, already resolved from the options and the request. */
export interface DecisionPolicy {
  readonly acceptRanges: boolean;
  readonly cacheControl: string | undefined;
  readonly maxChunkSize: number;
  readonly maxRanges: number;
  /** The open-ended cap applies to this request. */
  readonly capOpenEnded: boolean;
  /** Whether the cap depends on `Sec-Fetch-Dest` (then capped answers say `Vary: Sec-Fetch-Dest`). */
  readonly capVariesByFetchDest: boolean;
  /** The current time in milliseconds (for the strength of `Last-Modified`). */
  readonly now: number;
}

/** The body a decision calls for. */
export type DecisionBody =
  | { readonly kind: 'none' }
  | { readonly kind: 'range'; readonly range: ByteRange }
  | { readonly kind: 'multipart'; readonly multipart: MultipartBody };

/** Everything the shell needs to answer: status, headers, and which bytes to send. */
export interface Decision {
  readonly status: 200 | 206 | 304 | 412 | 416;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: DecisionBody;
  /** The ranges answered (206 only). */
  readonly ranges: readonly ByteRange[];
}

/**
 * Decides the answer to a GET or HEAD of an existing representation: preconditions (RFC 9110 §13.2.2),
 * then `Range` with `If-Range` (§13.1.5, §14.2), then the headers. No I/O and no clock; only the multipart boundary is random.
 */
export function decide(request: DecisionRequest, representation: Representation, policy: DecisionPolicy): Decision {
  const { size, etag, lastModified } = representation;
  const validators = { etag, lastModified };
  const validatorHeaders: Record<string, string> = {};
  if (policy.cacheControl !== undefined) validatorHeaders['Cache-Control'] = policy.cacheControl;
  if (etag !== undefined) validatorHeaders['ETag'] = etag;
  if (lastModified !== undefined) validatorHeaders['Last-Modified'] = formatHttpDate(new Date(lastModified));

  switch (evaluatePreconditions(request.headers, validators)) {
    case 'not-modified':
      // RFC 9110 §15.4.5: a 304 repeats the validators and caching headers, nothing about the body.
      return { status: 304, headers: validatorHeaders, body: { kind: 'none' }, ranges: [] };
    case 'precondition-failed':
      return { status: 412, headers: { 'Content-Length': '0' }, body: { kind: 'none' }, ranges: [] };
    case 'proceed':
      break;
  }

  // Object.assign, not spread: spreading these dictionary-shaped records costs ~2 µs each (bench/RESULTS.md).
  const headers: Record<string, string> = Object.assign({}, validatorHeaders);
  if (policy.acceptRanges) headers['Accept-Ranges'] = 'bytes';
  const whole: Decision = {
    status: 200,
    headers: Object.assign({}, headers, { 'Content-Type': representation.contentType, 'Content-Length': String(size) }),
    body: size === 0 ? { kind: 'none' } : { kind: 'range', range: { start: 0, end: size - 1 } },
    ranges: [],
  };

  // Range is defined for GET only (RFC 9110 §14.2); a failed If-Range means the whole representation.
  const rangeHeader = request.headers.range;
  if (!policy.acceptRanges || request.method !== 'GET' || rangeHeader === undefined) return whole;
  if (!ifRangeAllows(request.headers['if-range'], validators, policy.now)) return whole;

  const plan = planRanges(size, rangeHeader, policy);
  switch (plan.kind) {
    case 'ignore':
      return whole;
    case 'unsatisfiable':
      headers['Content-Range'] = formatUnsatisfiedRange(size);
      headers['Content-Length'] = '0';
      return { status: 416, headers, body: { kind: 'none' }, ranges: [] };
    case 'ranges':
      break;
  }
  // A shared cache must not hand a media element's capped answer to a download client.
  if (plan.reachesEnd && policy.capVariesByFetchDest) headers['Vary'] = 'Sec-Fetch-Dest';

  const [first] = plan.ranges;
  if (plan.ranges.length === 1 && first !== undefined) {
    headers['Content-Type'] = representation.contentType;
    headers['Content-Range'] = formatContentRange(first, size);
    headers['Content-Length'] = String(first.end - first.start + 1);
    return { status: 206, headers, body: { kind: 'range', range: first }, ranges: plan.ranges };
  }
  const multipart = planMultipart(plan.ranges, size, representation.contentType);
  // Framing costs bytes per part: never let a 206 outgrow the whole representation.
  if (multipart.length > size) return whole;
  headers['Content-Type'] = multipart.contentType;
  headers['Content-Length'] = String(multipart.length);
  return { status: 206, headers, body: { kind: 'multipart', multipart }, ranges: plan.ranges };
}
