import type { ResolvedSendOptions } from '../options.js';
import { capRange } from '../range/cap.js';
import { formatContentRange } from '../range/content-range.js';
import { planRanges } from '../range/plan-ranges.js';
import type { ByteRange, Source } from '../types.js';
import { contentTypeFor } from './content-type.js';
import { buildHeaders, readAppFields, type AppFields, type AppHeaders, type HeaderRecord, type Representation } from './headers.js';
import { planMultipart, type MultipartBody } from './multipart.js';
import { evaluatePreconditions, ifRangeAllows, type ConditionalHeaders } from './preconditions.js';
import { parseEntityTag, parseHttpDate } from './validators.js';

/** The request headers the decision reads (Node's lower-case names; `IncomingHttpHeaders` fits). */
export interface RequestHeaders extends ConditionalHeaders {
  readonly range?: string | undefined;
  readonly 'sec-fetch-dest'?: string | readonly string[] | undefined;
}

/** The options the decision reads. */
export type DecisionOptions = Pick<
  ResolvedSendOptions,
  'acceptRanges' | 'cacheControl' | 'etag' | 'lastModified' | 'maxChunkSize' | 'capScope' | 'maxRanges'
>;

/** Everything an answer depends on, as plain values. */
export interface DecisionInput {
  readonly method: string;
  readonly headers: RequestHeaders;
  /** The headers the app set before the answer (read once by the shell). */
  readonly appHeaders: AppHeaders;
  /** The source's metadata (`open` is never called here). */
  readonly source: Source;
  readonly options: DecisionOptions;
  /** The shell's request object, handed unread to a `capScope` function. */
  readonly request: unknown;
  /** The current time in milliseconds (for the strength of `Last-Modified`). */
  readonly now: number;
  /** With `etag: 'content'`: the tag hashed from the file's bytes (the shell computes it first). */
  readonly contentTag?: string | undefined;
}

/** The body an answer sends. */
export type DecisionBody =
  | { readonly kind: 'none' }
  | { readonly kind: 'range'; readonly range: ByteRange }
  | { readonly kind: 'multipart'; readonly multipart: MultipartBody };

/** The whole answer: status, the final headers, and which bytes to send. */
export interface Decision {
  readonly status: 200 | 206 | 304 | 412 | 416;
  readonly headers: HeaderRecord;
  /** `none` for HEAD and for answers without a body. */
  readonly body: DecisionBody;
  /** Body bytes to send: `Content-Length`, or 0 when the body is `none`. */
  readonly length: number;
  /** The ranges answered (206 only). */
  readonly ranges: readonly ByteRange[];
}

const NONE: DecisionBody = { kind: 'none' };
const NO_RANGES: readonly ByteRange[] = [];

/**
 * Decides the answer to a GET or HEAD of an existing representation: preconditions (RFC 9110 §13.2.2),
 * then `Range` with `If-Range` (§13.1.5, §14.2), the cap, and the final headers. No I/O; only the
 * multipart boundary is random. HEAD is decided like GET and sends no body.
 */
export function decide(input: DecisionInput): Decision {
  const { headers: request, appHeaders, options } = input;
  const app = readAppFields(appHeaders);
  const representation = representationOf(input.source, options, app, input.contentTag);
  const head = input.method === 'HEAD';

  switch (evaluatePreconditions(request, representation)) {
    case 'not-modified':
      return bodiless({ status: 304 }, representation, appHeaders, app);
    case 'precondition-failed':
      return bodiless({ status: 412 }, representation, appHeaders, app);
    case 'proceed':
      break;
  }

  const { size } = representation;
  const whole = (): Decision => {
    const body: DecisionBody = head || size === 0 ? NONE : { kind: 'range', range: { start: 0, end: size - 1 } };
    const headers = buildHeaders({ status: 200 }, representation, appHeaders, app);
    return { status: 200, headers, body, length: body === NONE ? 0 : size, ranges: NO_RANGES };
  };
  // Range is defined for GET only (RFC 9110 §14.2); a failed If-Range means the whole representation.
  const rangeHeader = request.range;
  if (!options.acceptRanges || input.method !== 'GET' || rangeHeader === undefined) return whole();
  if (!ifRangeAllows(request['if-range'], representation, input.now)) return whole();

  const plan = planRanges(size, rangeHeader, options);
  switch (plan.kind) {
    case 'ignore':
      return whole();
    case 'unsatisfiable':
      return bodiless({ status: 416 }, representation, appHeaders, app);
    case 'ranges':
      break;
  }
  const [first] = plan.ranges;
  if (plan.ranges.length === 1 && first !== undefined) {
    const fetchDest = request['sec-fetch-dest'];
    const capped = capRange(first, plan.reachesEnd, {
      maxChunkSize: options.maxChunkSize,
      capScope: options.capScope,
      fetchDest: typeof fetchDest === 'string' ? fetchDest : undefined,
      request: input.request,
    });
    const { range } = capped;
    const length = range.end - range.start + 1;
    const headers = buildHeaders(
      { status: 206, contentType: representation.contentType, length, contentRange: formatContentRange(range, size), varyFetchDest: capped.varyFetchDest },
      representation, appHeaders, app,
    );
    const ranges = range === first ? plan.ranges : [range];
    return { status: 206, headers, body: { kind: 'range', range }, length, ranges };
  }
  const multipart = planMultipart(plan.ranges, size, representation.contentType);
  // Framing costs bytes per part: never let a 206 outgrow the whole representation.
  if (multipart.length > size) return whole();
  const headers = buildHeaders(
    { status: 206, contentType: multipart.contentType, length: multipart.length, contentRange: undefined, varyFetchDest: false },
    representation, appHeaders, app,
  );
  return { status: 206, headers, body: { kind: 'multipart', multipart }, length: multipart.length, ranges: plan.ranges };
}

function bodiless(answer: { readonly status: 304 | 412 | 416 }, representation: Representation, appHeaders: AppHeaders, app: AppFields): Decision {
  return { status: answer.status, headers: buildHeaders(answer, representation, appHeaders, app), body: NONE, length: 0, ranges: NO_RANGES };
}

/** The representation as answered: what the app set (directly or in `setHeaders`) wins over the source. */
function representationOf(source: Source, options: DecisionOptions, app: AppFields, contentTag: string | undefined): Representation {
  let lastModified: number | undefined;
  if (app.lastModified !== undefined) lastModified = parseHttpDate(app.lastModified);
  else if (options.lastModified && source.lastModified !== undefined) {
    const time = source.lastModified.getTime();
    if (!Number.isNaN(time)) lastModified = time;
  }
  return {
    size: source.size,
    contentType: app.contentType ?? source.type ?? contentTypeFor(source.name),
    etag: app.etag ?? entityTagOf(source, options, contentTag),
    lastModified,
    lastModifiedField: app.lastModified,
    cacheControl: app.cacheControl ?? options.cacheControl,
    acceptRanges: options.acceptRanges,
  };
}

function entityTagOf(source: Source, options: DecisionOptions, contentTag: string | undefined): string | undefined {
  if (options.etag === false) return undefined;
  // 'content' for a source that is not a file: its own tag.
  const tag = options.etag === true ? source.etag : options.etag === 'content' ? (contentTag ?? source.etag) : options.etag(source);
  if (tag === undefined) return undefined;
  // Accept a bare value from a custom function by quoting it as a strong tag.
  if (parseEntityTag(tag) !== undefined) return tag;
  const quoted = `"${tag}"`;
  if (parseEntityTag(quoted) === undefined) throw new TypeError(`etag: not a valid entity tag: ${tag}`);
  return quoted;
}
