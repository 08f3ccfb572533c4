import {
  parseEntityTag,
  parseEntityTagList,
  parseHttpDate,
  strongMatch,
  toHttpSeconds,
  weakMatch,
  type EntityTag,
} from './validators.js';

/** The validators of the selected representation. */
export interface Validators {
  /** Current entity tag (quotes included), if the response carries one. */
  readonly etag: string | undefined;
  /** Current modification time in milliseconds, if the response carries `Last-Modified`. */
  readonly lastModified: number | undefined;
}

/** The request headers preconditions read (Node's lower-case names). */
export interface ConditionalHeaders {
  readonly 'if-match'?: string | undefined;
  readonly 'if-none-match'?: string | undefined;
  readonly 'if-modified-since'?: string | undefined;
  readonly 'if-unmodified-since'?: string | undefined;
  readonly 'if-range'?: string | undefined;
}

export type PreconditionOutcome = 'proceed' | 'not-modified' | 'precondition-failed';

/**
 * A request a cached copy's validators may answer with 304 (`If-None-Match` or `If-Modified-Since`):
 * its answer usually needs no bytes, so a file is described from `stat` and opened only if it does.
 */
export function isRevalidation(headers: ConditionalHeaders): boolean {
  return headers['if-none-match'] !== undefined || headers['if-modified-since'] !== undefined;
}

/**
 * Evaluates `If-Match`, `If-Unmodified-Since`, `If-None-Match` and `If-Modified-Since` in the order of
 * RFC 9110 §13.2.2, for a GET or HEAD of an existing representation.
 */
export function evaluatePreconditions(headers: ConditionalHeaders, validators: Validators): PreconditionOutcome {
  // Most requests carry none: then nothing needs parsing (the current tag included).
  if (
    headers['if-match'] === undefined &&
    headers['if-none-match'] === undefined &&
    headers['if-unmodified-since'] === undefined &&
    headers['if-modified-since'] === undefined
  ) {
    return 'proceed';
  }
  const current = validators.etag === undefined ? undefined : parseEntityTag(validators.etag);
  const lastModified = validators.lastModified === undefined ? undefined : toHttpSeconds(validators.lastModified);

  // Step 1–2: If-Match, else If-Unmodified-Since.
  const ifMatch = headers['if-match'];
  if (ifMatch !== undefined) {
    if (!listMatches(ifMatch, current, strongMatch)) return 'precondition-failed';
  } else {
    const since = dateHeader(headers['if-unmodified-since']);
    if (since !== undefined && lastModified !== undefined && lastModified > since) return 'precondition-failed';
  }

  // Step 3–4: If-None-Match, else If-Modified-Since (GET/HEAD only: the only methods we serve).
  const ifNoneMatch = headers['if-none-match'];
  if (ifNoneMatch !== undefined) {
    if (listMatches(ifNoneMatch, current, weakMatch)) return 'not-modified';
  } else {
    const since = dateHeader(headers['if-modified-since']);
    if (since !== undefined && lastModified !== undefined && lastModified <= since) return 'not-modified';
  }
  return 'proceed';
}

/**
 * Whether `If-Range` lets a `Range` be honoured (RFC 9110 §13.1.5). An entity tag matches only by
 * strong comparison with a strong current tag. A date matches only when it equals `Last-Modified`
 * exactly and `Last-Modified` is strong: at least one second older than `now` (RFC 9110 §8.8.2.2),
 * since a file changed twice within one second would carry the same date.
 */
export function ifRangeAllows(ifRange: string | undefined, validators: Validators, now: number): boolean {
  if (ifRange === undefined) return true;
  const value = ifRange.trim();
  if (value.startsWith('"') || value.startsWith('W/')) {
    const tag = parseEntityTag(value);
    const current = validators.etag === undefined ? undefined : parseEntityTag(validators.etag);
    return tag !== undefined && current !== undefined && strongMatch(tag, current);
  }
  const date = parseHttpDate(value);
  if (date === undefined || validators.lastModified === undefined) return false;
  const lastModified = toHttpSeconds(validators.lastModified);
  return date === lastModified && validators.lastModified <= now - 1000;
}

function listMatches(
  value: string,
  current: EntityTag | undefined,
  compare: (a: EntityTag, b: EntityTag) => boolean,
): boolean {
  const list = parseEntityTagList(value);
  // `*` matches any current representation; we only evaluate for one that exists.
  if (list === '*') return true;
  return current !== undefined && list.some((tag) => compare(tag, current));
}

function dateHeader(value: string | undefined): number | undefined {
  return value === undefined ? undefined : parseHttpDate(value);
}
