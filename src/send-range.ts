import type { Stats } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { HttpError, toHttpError } from './errors.js';
import { decide, type Decision, type DecisionInput } from './http/decide.js';
import type { AppHeaders } from './http/headers.js';
import { isRevalidation } from './http/preconditions.js';
import { normalizeSendOptions, type ResolvedSendOptions } from './options.js';
import { Outlet } from './outlet.js';
import { ResponseRecord } from './response-record.js';
import { adoptContentTag, adoptKnownContentTag, contentTagOf, forgetContentTag } from './sources/content-etag.js';
import { fileDescribedBy } from './sources/file.js';
import { toSource } from './sources/to-source.js';
import type { NodeRequest, NodeResponse, SendRangeOptions, Source, SourceInput } from './types.js';
import { openRange, writeBody, type OpenedRange } from './write-body.js';

const DEFAULT_OPTIONS = normalizeSendOptions();
const resolvedOptions = new WeakMap<SendRangeOptions, ResolvedSendOptions>();

/**
 * Answers a GET or HEAD with `source`: `200`, `206` (one range or `multipart/byteranges`), `304`,
 * `412` or `416`, following RFC 9110. Works on any Node `http` request/response pair, and on
 * node:http2's compatibility API; Express is not required.
 *
 * The promise resolves once the response has finished or the client went away (a source that fails
 * after the headers were sent cuts the connection and is reported through `onResponse`). It rejects,
 * with nothing written, when the source cannot be opened: an {@link HttpError} with `status` 404 for
 * a missing file, 503 when descriptors run out, 502 for a failing upstream, and so on — hand it to
 * `next(err)`. Misuse (a bad option, a malformed source) rejects with a `TypeError` saying what is wrong.
 *
 * @param source A file path, bytes in memory, a {@link Source}, or a promise of one.
 * @example
 * app.get('/tracks/:id', async (req, res, next) => {
 *   const track = catalogue.get(req.params.id);
 *   if (!track) return next();
 *   try {
 *     await sendRange(req, res, track.path, { maxAge: '1d' });
 *   } catch (err) {
 *     next(err);
 *   }
 * });
 */
export function sendRange(req: NodeRequest, res: NodeResponse, source: SourceInput, options?: SendRangeOptions): Promise<void> {
  let resolved = DEFAULT_OPTIONS;
  if (options !== undefined) {
    // Options objects are usually module constants: check each one once, not per request.
    try {
      resolved = resolvedOptions.get(options) ?? normalizeSendOptions(options);
    } catch (error) {
      return Promise.reject(error);
    }
    resolvedOptions.set(options, resolved);
  }
  // node:http2's compatibility pair has all that send() uses of node:http's (headers, method, url,
  // setHeader, writeHead, write, end, 'close'), in types unrelated to them: test/http/http2.test.ts.
  return send(req as IncomingMessage, res as ServerResponse, source, resolved);
}

/**
 * `sendRange` with its options resolved (the middleware resolves them once): source, decision, head,
 * body, record. `described` is a `stat` of the path `input` the caller has just made. The decision
 * is made once from plain values; only a file described from stat and found replaced when opened is
 * decided again, before anything is written.
 */
export async function send(
  req: IncomingMessage,
  res: ServerResponse,
  input: SourceInput,
  options: ResolvedSendOptions,
  described?: Stats,
): Promise<void> {
  const startedAt = performance.now();
  if (res.headersSent) throw new HttpError(500, 'sendRange: headers were already sent');
  const byContent = options.etag === 'content';
  let source: Source;
  try {
    // Most revalidations end in a 304: a path is then described from stat(2) (or by the caller's
    // `described`, a stat of it just made) and opened only for bytes.
    const describeOnly = typeof input === 'string' && (described !== undefined || isRevalidation(req.headers));
    source = typeof input === 'string' && described !== undefined ? fileDescribedBy(input, described) : await toSource(input, describeOnly);
    // A content tag not known yet for this version needs the bytes: open the file now.
    if (describeOnly && byContent && !adoptKnownContentTag(source)) source = await toSource(input);
    // etag: 'content' waits for the hash of the bytes (once per file version): never answered without it.
    if (byContent) await adoptContentTag(source);
  } catch (error) {
    throw error instanceof TypeError ? error : toHttpError(error);
  }
  const outlet = new Outlet(res, req);
  const record = new ResponseRecord(req, source, options, startedAt, outlet);
  let first: OpenedRange | undefined;
  try {
    options.setHeaders?.(res, source.name ?? '', source.stats);
    const appNames = headerNamesOf(res);
    const facts: DecisionInput = {
      method: req.method ?? 'GET',
      headers: req.headers,
      appHeaders: appHeadersOf(res, appNames),
      source,
      options,
      request: req,
      now: Date.now(),
      contentTag: byContent ? contentTagOf(source) : undefined,
    };
    let decision = decide(facts);
    const { etag, stats } = source;
    first = await openFirst(source, decision, outlet);
    if (source.etag !== etag || source.stats !== stats) {
      // Described from stat, and another file by the time it was opened: decide again from that one.
      await first?.chunks.return?.();
      if (byContent) {
        forgetContentTag(source);
        await adoptContentTag(source);
      }
      decision = decide({ ...facts, contentTag: byContent ? contentTagOf(source) : undefined });
      first = await openFirst(source, decision, outlet);
    }
    record.decided(decision);
    // The head is final and complete: what the app set and the decision left out goes.
    for (const name of appNames) if (!Object.hasOwn(decision.headers, name)) res.removeHeader(name);
    res.writeHead(decision.status, decision.headers as Record<string, string | string[]>);
    const opened = first;
    first = undefined;
    if (decision.body.kind !== 'none') await writeBody(source, decision.body, opened, outlet);
    outlet.end();
  } catch (error) {
    await first?.chunks.return?.();
    if (res.headersSent) {
      record.fail(error);
      outlet.cut(record.error ?? new Error(String(error)));
    } else {
      record.discard();
      await closeQuietly(source);
      throw error instanceof TypeError ? error : toHttpError(error);
    }
  }
  // Over: after a finish, or at once when the client left (its close was what stopped the body).
  await outlet.over;
  record.report();
  await closeQuietly(source);
}

/** The first range of the body, opened before the head goes out so that its failure is still a status. */
function openFirst(source: Source, decision: Decision, outlet: Outlet): Promise<OpenedRange> | undefined {
  const body = decision.body;
  if (body.kind === 'none') return undefined;
  if (body.kind === 'range') return openRange(source, body.range, outlet);
  const part = body.multipart.segments.find((segment) => segment.kind === 'range');
  return part === undefined ? undefined : openRange(source, part.range, outlet);
}

const NO_NAMES: readonly string[] = [];
const NO_HEADERS: AppHeaders = Object.freeze({});

/** The names of the headers the app set, as it spelt them (node:http2's compat response only has lower-case ones). */
function headerNamesOf(res: ServerResponse & { getRawHeaderNames?: () => string[] }): readonly string[] {
  const names = typeof res.getRawHeaderNames === 'function' ? res.getRawHeaderNames() : res.getHeaderNames();
  return names.length === 0 ? NO_NAMES : names;
}

function appHeadersOf(res: ServerResponse, names: readonly string[]): AppHeaders {
  if (names.length === 0) return NO_HEADERS;
  const headers: Record<string, string | number | readonly string[]> = {};
  for (const name of names) {
    const value = res.getHeader(name);
    if (value !== undefined) headers[name] = value;
  }
  return headers;
}

/** Closes the source; releasing a descriptor can only fail if it is already gone, which changes nothing. */
function closeQuietly(source: Source): Promise<void> | undefined {
  return source.close?.()?.then(undefined, ignore);
}

function ignore(): void {}
