import type { IncomingMessage, ServerResponse } from 'node:http';
import { HttpError, toHttpError } from './errors.js';
import { decide, type DecisionInput } from './http/decide.js';
import type { AppHeaders } from './http/headers.js';
import { normalizeSendOptions, type ResolvedSendOptions } from './options.js';
import { adoptContentTag, adoptKnownContentTag, contentTagOf } from './sources/content-etag.js';
import { describeFile, fileSource } from './sources/file.js';
import { toSource } from './sources/to-source.js';
import { ResponseRecord } from './response-record.js';
import type { SendRangeOptions, Source, SourceInput } from './types.js';
import { sendMultipart, sendSingle, writeHead } from './write-body.js';

const DEFAULT_OPTIONS = normalizeSendOptions();
const resolvedOptions = new WeakMap<SendRangeOptions, ResolvedSendOptions>();

/**
 * Answers a GET or HEAD with `source`: `200`, `206` (one range or `multipart/byteranges`), `304`,
 * `412` or `416`, following RFC 9110. Works on any Node `http` request/response pair; Express is not
 * required.
 *
 * The promise resolves once the response has finished or the client went away (a stream that fails
 * after the headers were sent destroys the response and is reported through `onResponse`). It
 * rejects, with nothing written, when the source cannot be opened: an {@link HttpError} with
 * `status` 404 for a missing file, 503 when descriptors run out, 502 for a failing upstream, and so
 * on — hand it to `next(err)`.
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
export function sendRange(
  req: IncomingMessage,
  res: ServerResponse,
  source: SourceInput,
  options?: SendRangeOptions,
): Promise<void> {
  let resolved = DEFAULT_OPTIONS;
  if (options !== undefined) {
    // Options objects are usually module constants: check each one once, not per request.
    resolved = resolvedOptions.get(options) ?? normalizeSendOptions(options);
    resolvedOptions.set(options, resolved);
  }
  return serveSource(req, res, source, resolved);
}

/** `sendRange` with options already resolved; the middleware's entry point. */
export async function serveSource(
  req: IncomingMessage,
  res: ServerResponse,
  input: SourceInput,
  options: ResolvedSendOptions,
): Promise<void> {
  const startedAt = performance.now();
  if (res.headersSent) throw new HttpError(500, 'sendRange: headers were already sent');
  let source: Source;
  let lazy: LazyFile | undefined;
  try {
    const described = typeof input === 'string' && asksToRevalidate(req) ? await describeFile(input) : undefined;
    // Most revalidations end in a 304: decide from stat(2), open only for bytes (bench/RESULTS.md).
    // A content tag not yet known for this version needs the bytes, so the file is opened at once.
    if (typeof input === 'string' && described !== undefined && (options.etag !== 'content' || adoptKnownContentTag(described))) {
      source = described;
      lazy = new LazyFile(input);
    } else {
      source = await toSource(input);
    }
  } catch (error) {
    throw toHttpError(error);
  }
  const record = new ResponseRecord(req, res, source, options, startedAt);
  try {
    await respond(req, res, source, options, record, lazy);
  } catch (error) {
    if (res.headersSent) {
      record.fail(error);
    } else {
      record.discard();
      throw toHttpError(error);
    }
  } finally {
    await closeQuietly(source);
    if (lazy?.opened !== undefined) await closeQuietly(lazy.opened);
  }
}

/** A file that was only described (stat); opened if and when the answer needs its bytes. */
class LazyFile {
  opened: Source | undefined;

  constructor(private readonly path: string) {}

  async open(): Promise<Source> {
    this.opened = await fileSource(this.path);
    return this.opened;
  }
}

/** A conditional GET or HEAD that a cached copy's validators may answer with 304. */
function asksToRevalidate(req: IncomingMessage): boolean {
  return req.headers['if-none-match'] !== undefined || req.headers['if-modified-since'] !== undefined;
}

/**
 * Decides and writes the answer. With `lazy`, `described` came from stat alone: the file is opened
 * only if the answer carries a body, and if the opened file is not the one described (replaced or
 * rewritten in between), the answer is decided again from the opened file. The caller closes it.
 */
async function respond(
  req: IncomingMessage,
  res: ServerResponse,
  described: Source,
  options: ResolvedSendOptions,
  record: ResponseRecord,
  lazy?: LazyFile,
): Promise<void> {
  options.setHeaders?.(res, described.name ?? '', described.stats);
  const byContent = options.etag === 'content';
  // etag: 'content' waits for the hash of the bytes (once per file version): never answered without it.
  if (byContent) await adoptContentTag(described);
  const appNames = headerNamesOf(res);
  const input: DecisionInput = {
    method: req.method ?? 'GET',
    headers: req.headers,
    appHeaders: appHeadersOf(res, appNames),
    source: described,
    options,
    request: req,
    now: Date.now(),
    contentTag: byContent ? contentTagOf(described) : undefined,
  };
  let source = described;
  let decision = decide(input);
  if (lazy !== undefined && decision.body.kind !== 'none') {
    source = await lazy.open();
    record.servedFrom(source);
    if (byContent) await adoptContentTag(source);
    // The path may hold another file by now; the same tag means the same answer.
    const contentTag = byContent ? contentTagOf(source) : undefined;
    if (source.etag !== described.etag || contentTag !== input.contentTag) decision = decide({ ...input, source, contentTag });
  }
  record.decided(decision);
  const body = decision.body;
  switch (body.kind) {
    case 'none':
      writeHead(res, decision, appNames);
      res.end();
      break;
    case 'range':
      await sendSingle(res, source, decision, body.range, record, appNames);
      break;
    case 'multipart':
      await sendMultipart(res, source, decision, body.multipart.segments, record, appNames);
      break;
  }
  await record.settled();
}

const NO_NAMES: readonly string[] = [];

/** The names of the headers the app set, as it spelt them (node:http2's compat response only has lower-case ones). */
function headerNamesOf(res: ServerResponse & { getRawHeaderNames?: () => string[] }): readonly string[] {
  const names = typeof res.getRawHeaderNames === 'function' ? res.getRawHeaderNames() : res.getHeaderNames();
  return names.length === 0 ? NO_NAMES : names;
}

function appHeadersOf(res: ServerResponse, names: readonly string[]): AppHeaders {
  const headers: Record<string, string | number | readonly string[]> = {};
  for (const name of names) {
    const value = res.getHeader(name);
    if (value !== undefined) headers[name] = value;
  }
  return headers;
}

async function closeQuietly(source: Source): Promise<void> {
  try {
    await source.close?.();
  } catch {
    // Releasing a descriptor can only fail if it is already gone; the response is unaffected.
  }
}
