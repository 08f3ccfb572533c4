import type { IncomingMessage, ServerResponse } from 'node:http';
import { HttpError, toHttpError } from './errors.js';
import { contentTypeFor } from './http/content-type.js';
import { decide, type Decision, type DecisionBody, type DecisionPolicy, type Representation } from './http/decide.js';
import { parseEntityTag, parseHttpDate } from './http/validators.js';
import { normalizeSendOptions, type ResolvedSendOptions } from './options.js';
import { describeFile, fileSource } from './sources/file.js';
import { toSource } from './sources/to-source.js';
import { ResponseRecord } from './response-record.js';
import type { SendRangeOptions, Source, SourceInput } from './types.js';
import { headerValue, sendMultipart, sendSingle, writeHead } from './write-body.js';

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
    if (typeof input === 'string' && asksToRevalidate(req)) {
      // Most revalidations end in a 304: decide from stat(2), open only for bytes (bench/RESULTS.md).
      source = await describeFile(input);
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
  const request = { method: req.method ?? 'GET', headers: req.headers };
  const policy = policyFor(req, res, options);
  let source = described;
  // HEAD is decided like GET (same headers) and sends no body.
  const bodyOf = (answer: Decision): DecisionBody => (req.method === 'HEAD' ? { kind: 'none' } : answer.body);
  let decision = decide(request, representationOf(res, source, options), policy);
  if (lazy !== undefined && bodyOf(decision).kind !== 'none') {
    source = await lazy.open();
    record.servedFrom(source);
    if (source.etag !== described.etag) decision = decide(request, representationOf(res, source, options), policy);
  }
  record.decided(decision);
  const body = bodyOf(decision);
  switch (body.kind) {
    case 'none':
      writeHead(res, decision);
      res.end();
      break;
    case 'range':
      await sendSingle(res, source, decision, body.range, record);
      break;
    case 'multipart':
      await sendMultipart(res, source, decision, body.multipart.segments, record);
      break;
  }
  await record.settled();
}

/** What the decision needs to know about `source`; headers the app set (directly or in setHeaders) win. */
function representationOf(res: ServerResponse, source: Source, options: ResolvedSendOptions): Representation {
  return {
    size: source.size,
    contentType: headerValue(res, 'content-type') ?? source.type ?? contentTypeFor(source.name),
    etag: headerValue(res, 'etag') ?? entityTagOf(source, options),
    lastModified: lastModifiedOf(res, source, options),
  };
}

function policyFor(req: IncomingMessage, res: ServerResponse, options: ResolvedSendOptions): DecisionPolicy {
  const capOn = options.maxChunkSize !== Infinity && req.headers.range !== undefined;
  return {
    acceptRanges: options.acceptRanges,
    cacheControl: headerValue(res, 'cache-control') ?? options.cacheControl,
    maxChunkSize: options.maxChunkSize,
    maxRanges: options.maxRanges,
    capOpenEnded: capOn && capApplies(req, options),
    capVariesByFetchDest: capOn && options.capScope === 'media',
    now: Date.now(),
  };
}

function capApplies(req: IncomingMessage, options: ResolvedSendOptions): boolean {
  const scope = options.capScope;
  if (scope === 'all') return true;
  if (scope === 'media') {
    const dest = req.headers['sec-fetch-dest'];
    return dest === 'audio' || dest === 'video';
  }
  return scope(req) === true;
}

function entityTagOf(source: Source, options: ResolvedSendOptions): string | undefined {
  if (options.etag === false) return undefined;
  const tag = options.etag === true ? source.etag : options.etag(source);
  if (tag === undefined) return undefined;
  // Accept a bare value from a custom function by quoting it as a strong tag.
  if (parseEntityTag(tag) !== undefined) return tag;
  const quoted = `"${tag}"`;
  if (parseEntityTag(quoted) === undefined) throw new TypeError(`etag: not a valid entity tag: ${tag}`);
  return quoted;
}

function lastModifiedOf(res: ServerResponse, source: Source, options: ResolvedSendOptions): number | undefined {
  const fromApp = headerValue(res, 'last-modified');
  if (fromApp !== undefined) return parseHttpDate(fromApp);
  if (!options.lastModified || source.lastModified === undefined) return undefined;
  const time = source.lastModified.getTime();
  return Number.isNaN(time) ? undefined : time;
}

async function closeQuietly(source: Source): Promise<void> {
  try {
    await source.close?.();
  } catch {
    // Releasing a descriptor can only fail if it is already gone; the response is unaffected.
  }
}
