import type { Stats } from 'node:fs';
import { HttpError, toHttpError } from '../errors.js';
import { decide, type Decision, type DecisionOptions, type RequestHeaders } from '../http/decide.js';
import type { HeaderRecord } from '../http/headers.js';
import type { Segment } from '../http/multipart.js';
import { normalizeSendOptions, type ResolvedSendOptions } from '../options.js';
import { adoptContentTag, contentTagOf } from '../sources/content-etag.js';
import { blobSource } from '../sources/blob.js';
import { toSource } from '../sources/to-source.js';
import type { ResponseEvent, SendRangeOptions, Source } from '../types.js';
import { bodyStream, readBody, type BodyOutcome } from './body-stream.js';
import { blobBodyKeepsAnswer, fileSourceFor } from './native-file.js';
import type { FetchCapScope, FetchSetHeadersFunction, FetchSourceInput, RangeResponseOptions } from './types.js';

/** {@link RangeResponseOptions} checked and completed (the checks are `sendRange`'s; only the hooks' types differ). */
export interface ResolvedFetchOptions extends Omit<ResolvedSendOptions, 'setHeaders' | 'capScope' | 'onResponse'> {
  readonly setHeaders: FetchSetHeadersFunction | undefined;
  readonly capScope: FetchCapScope;
  readonly onResponse: ((event: ResponseEvent) => void) | undefined;
}

/** Bodies up to this size (one range or multipart) are read into memory and answered as one body. */
const SMALL_BODY = 64 * 1024;
const DEFAULT_OPTIONS = resolveFetchOptions();
const resolvedOptions = new WeakMap<RangeResponseOptions, ResolvedFetchOptions>();

export function resolveFetchOptions(options?: RangeResponseOptions): ResolvedFetchOptions {
  return normalizeSendOptions(options as SendRangeOptions | undefined) as unknown as ResolvedFetchOptions;
}

/**
 * Answers a GET or HEAD `request` with `source` as a fetch-API `Response`: `200`, `206` (one range
 * or `multipart/byteranges`), `304`, `412` or `416`, exactly as `sendRange` does on Node. For Bun,
 * Deno, Hono, Next.js route handlers and any server that speaks `Request`/`Response`.
 *
 * The body is a `ReadableStream` read only as fast as the client takes it; when `request.signal`
 * aborts or the body is cancelled, reading stops and the file is closed. A `Blob` (or a file on
 * Bun) is handed to the runtime as a sliced `Blob` instead. Rejects with an {@link HttpError}, with
 * nothing sent, when the source cannot be opened (404 for a missing file, 503 when descriptors run out…).
 *
 * @param source A file path, bytes in memory, a `Blob`/`File`, a {@link Source}, or a promise of one.
 * @example
 * export async function GET(request: Request) {
 *   return rangeResponse(request, '/srv/media/talk.mp4', { maxAge: '1h' });
 * }
 */
export function rangeResponse(request: Request, source: FetchSourceInput, options?: RangeResponseOptions): Promise<Response> {
  let resolved = DEFAULT_OPTIONS;
  if (options !== undefined) {
    // Options objects are usually module constants: check each one once, not per request.
    resolved = resolvedOptions.get(options) ?? resolveFetchOptions(options);
    resolvedOptions.set(options, resolved);
  }
  return respond(request, source, resolved);
}

/** `rangeResponse` with options already resolved; `serveFiles`' entry point (with the file's `stat` when it has one). */
export async function respond(request: Request, input: FetchSourceInput, options: ResolvedFetchOptions, stats?: Stats): Promise<Response> {
  const startedAt = performance.now();
  let source: Source;
  try {
    source = typeof input === 'string' ? await fileSourceFor(input, stats) : input instanceof Blob ? blobSource(input) : await toSource(input);
  } catch (error) {
    throw toHttpError(error);
  }
  let streaming = false;
  try {
    const appHeaders = new Headers();
    options.setHeaders?.(appHeaders, source.name ?? '', source.stats);
    // etag: 'content' waits for the hash of the file's bytes (once per file version).
    if (options.etag === 'content') await adoptContentTag(source);
    const decision = decide({
      method: request.method,
      headers: requestHeadersOf(request.headers),
      appHeaders: recordOf(appHeaders),
      source,
      options: options as unknown as DecisionOptions, // only capScope's argument type differs
      request,
      now: Date.now(),
      contentTag: options.etag === 'content' ? contentTagOf(source) : undefined,
    });
    const init = { status: decision.status, headers: headersOf(decision.headers) };
    if (namesNoFile(decision.status, init.headers)) init.headers.set('Content-Disposition', 'inline');
    const report = (outcome: BodyOutcome): void => reportResponse(request, source, decision, options, startedAt, outcome);
    const body = decision.body; // none for HEAD
    if (body.kind === 'none') {
      report({ written: 0, aborted: false, error: undefined });
      return new Response(null, init);
    }
    const segments: readonly Segment[] = body.kind === 'range' ? [{ kind: 'range', range: body.range }] : body.multipart.segments;
    const { length } = decision;
    if (body.kind === 'range' && source.blob !== undefined && blobBodyKeepsAnswer(decision.status, request)) {
      // The runtime streams a Blob itself (with sendfile for a Bun file): the event fires at hand-over.
      report({ written: length, aborted: false, error: undefined });
      return new Response(source.blob(body.range), init);
    }
    if (source.read !== undefined && length <= SMALL_BODY) {
      const bytes = await readBody(source.read.bind(source), segments, length);
      report({ written: length, aborted: false, error: undefined });
      return new Response(bytes, init);
    }
    const stream = await bodyStream(source, segments, request.signal, report);
    streaming = true; // the stream closes the source when it ends
    return new Response(stream, init);
  } catch (error) {
    throw toHttpError(error);
  } finally {
    if (!streaming) await closeQuietly(source);
  }
}

/**
 * Whether the answer must say `Content-Disposition: inline` itself: a 200 or 206 of an `application/*`
 * type (PDF, zip, octet-stream…) without one of the app's. Bun adds `filename="<name on disk>"` to those
 * when their body is a file, naming the stored file (a symlink's target too) to every client; `inline`
 * is what no field means, and sending it on every runtime keeps one app's answers the same on all.
 */
function namesNoFile(status: number, headers: Headers): boolean {
  return (status === 200 || status === 206) && !headers.has('Content-Disposition') && (headers.get('Content-Type') ?? '').startsWith('application/');
}

/** The request headers the decision reads, in Node's lower-case form. */
function requestHeadersOf(headers: Headers): RequestHeaders {
  const value = (name: string): string | undefined => headers.get(name) ?? undefined;
  return {
    range: value('range'),
    'if-match': value('if-match'),
    'if-none-match': value('if-none-match'),
    'if-modified-since': value('if-modified-since'),
    'if-unmodified-since': value('if-unmodified-since'),
    'if-range': value('if-range'),
    'sec-fetch-dest': value('sec-fetch-dest'),
  };
}

/** The app's headers as a plain record (a field set twice is one comma-joined value, as in `Headers`). */
function recordOf(headers: Headers): Record<string, string> {
  const record: Record<string, string> = {};
  headers.forEach((value, name) => {
    record[name] = value;
  });
  return record;
}

/** The decision's final headers as a `Headers` (a field sent several times is appended). */
function headersOf(record: HeaderRecord): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(record)) {
    if (typeof value === 'string') headers.set(name, value);
    else for (const item of value) headers.append(name, item);
  }
  return headers;
}

function reportResponse(
  request: Request,
  source: Source,
  decision: Decision,
  options: ResolvedFetchOptions,
  startedAt: number,
  outcome: BodyOutcome,
): void {
  if (options.onResponse === undefined) return;
  const event: ResponseEvent = {
    method: request.method,
    url: request.url,
    source: source.name,
    status: decision.status,
    size: source.size,
    ranges: decision.ranges,
    rangeHeader: request.headers.get('range') ?? undefined,
    bytesWritten: outcome.written,
    bytesExpected: decision.length,
    aborted: outcome.aborted,
    error: outcome.error,
    durationMs: performance.now() - startedAt,
  };
  try {
    options.onResponse(event);
  } catch {
    // A metrics hook must never break serving.
  }
}

async function closeQuietly(source: Source): Promise<void> {
  try {
    await source.close?.();
  } catch {
    // Releasing a descriptor can only fail if it is already gone; the response is unaffected.
  }
}
