import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { HttpError, toHttpError } from './errors.js';
import { contentTypeFor } from './http/content-type.js';
import { decide, type Decision, type DecisionPolicy } from './http/decide.js';
import type { Segment } from './http/multipart.js';
import { parseEntityTag, parseHttpDate } from './http/validators.js';
import { normalizeSendOptions, type ResolvedSendOptions } from './options.js';
import { toSource } from './sources/to-source.js';
import type { ByteRange, ResponseEvent, SendRangeOptions, Source, SourceInput } from './types.js';

/** Ranges up to this size are read into memory and sent with the headers in one write. */
const SMALL_RANGE = 64 * 1024;

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
  try {
    source = await toSource(input);
  } catch (error) {
    throw toHttpError(error);
  }
  const response = new ResponseRecord(req, res, source, options, startedAt);
  try {
    await respond(req, res, source, options, response);
  } catch (error) {
    if (res.headersSent) {
      response.fail(error);
    } else {
      response.discard();
      throw toHttpError(error);
    }
  } finally {
    await closeQuietly(source);
  }
}

async function respond(
  req: IncomingMessage,
  res: ServerResponse,
  source: Source,
  options: ResolvedSendOptions,
  record: ResponseRecord,
): Promise<void> {
  options.setHeaders?.(res, source.name ?? '', source.stats);
  const decision = decide(
    { method: req.method ?? 'GET', headers: req.headers },
    {
      size: source.size,
      // Headers the app set (directly or in setHeaders) win over what we would derive.
      contentType: headerValue(res, 'content-type') ?? source.type ?? contentTypeFor(source.name),
      etag: headerValue(res, 'etag') ?? entityTagOf(source, options),
      lastModified: lastModifiedOf(res, source, options),
    },
    policyFor(req, res, options),
  );
  record.decided(decision);
  const body = req.method === 'HEAD' ? { kind: 'none' as const } : decision.body;
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

async function sendSingle(
  res: ServerResponse,
  source: Source,
  decision: Decision,
  range: ByteRange,
  record: ResponseRecord,
): Promise<void> {
  const length = range.end - range.start + 1;
  if (source.read !== undefined && length <= SMALL_RANGE) {
    const bytes = await source.read(range);
    if (bytes.byteLength !== length) throw new Error(`Source read ${bytes.byteLength} bytes, expected ${length}`);
    writeHead(res, decision);
    record.wrote(length);
    res.end(bytes);
    return;
  }
  // Opening before the headers go out lets an open failure become a clean error status.
  const stream = await source.open(range);
  writeHead(res, decision);
  await pump(stream, res, length, record);
  if (!res.destroyed) res.end();
}

async function sendMultipart(
  res: ServerResponse,
  source: Source,
  decision: Decision,
  segments: readonly Segment[],
  record: ResponseRecord,
): Promise<void> {
  let next: Readable | undefined;
  const firstRange = segments.find((segment) => segment.kind === 'range');
  if (firstRange !== undefined) next = await source.open(firstRange.range);
  try {
    writeHead(res, decision);
    for (const segment of segments) {
      if (res.destroyed) return;
      if (segment.kind === 'bytes') {
        record.wrote(segment.data.length);
        if (!res.write(segment.data)) await drained(res);
        continue;
      }
      const stream = next ?? (await source.open(segment.range));
      next = undefined;
      await pump(stream, res, segment.range.end - segment.range.start + 1, record);
    }
    if (!res.destroyed) res.end();
  } finally {
    // Only set if the client left before the first part: release it (an upstream request, say).
    next?.destroy();
  }
}

/**
 * Writes exactly `expected` bytes of `stream` with backpressure; anything else throws, and the caller
 * cuts the connection. A short source (a file truncated while streaming) must not be padded; bytes
 * beyond `expected` never reach the socket (a keep-alive client would read them as the next
 * response); a chunk that is not bytes must not crash the process from inside a 'data' handler.
 * A plain loop rather than `pipeline(…, { end: false })`, which on Node 20 leaves six listeners on
 * `res` per call — per multipart part. The stream is destroyed when the client goes away, even
 * while it waits for data.
 */
async function pump(stream: Readable, res: ServerResponse, expected: number, record: ResponseRecord): Promise<void> {
  let received = 0;
  const release = (): void => {
    stream.destroy();
  };
  res.once('close', release);
  try {
    for await (const data of stream as AsyncIterable<unknown>) {
      if (res.destroyed) return;
      const chunk = typeof data === 'string' ? Buffer.from(data) : data;
      if (!(chunk instanceof Uint8Array)) throw new TypeError(`Source stream sent ${typeof chunk} chunks, not bytes`);
      received += chunk.byteLength;
      if (received > expected) throw new Error(`Source sent more than the ${expected} bytes asked for`);
      record.wrote(chunk.byteLength);
      if (!res.write(chunk)) await drained(res);
    }
  } catch (error) {
    if (res.destroyed) return; // the client went away; its close destroyed the stream
    throw error;
  } finally {
    res.off('close', release);
  }
  if (res.destroyed) return;
  // A file truncated while streaming ends early; padding or hanging would both lie to the client.
  if (received !== expected) throw new Error(`Source ended after ${received} of ${expected} bytes`);
}

function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

function writeHead(res: ServerResponse, decision: Decision): void {
  const headers: Record<string, string> = { ...decision.headers };
  const vary = decision.headers['Vary'];
  const existingVary = headerValue(res, 'vary');
  if (vary !== undefined && existingVary !== undefined) headers['Vary'] = `${existingVary}, ${vary}`;
  if (decision.status === 304 || decision.status === 412 || decision.status === 416) {
    // These answers carry no representation: drop what the app set about one.
    res.removeHeader('Content-Type');
    if (decision.status === 304) res.removeHeader('Content-Length');
  }
  res.writeHead(decision.status, headers);
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

function headerValue(res: ServerResponse, name: string): string | undefined {
  const value = res.getHeader(name);
  if (value === undefined) return undefined;
  return Array.isArray(value) ? value.join(', ') : String(value);
}

async function closeQuietly(source: Source): Promise<void> {
  try {
    await source.close?.();
  } catch {
    // Releasing a descriptor can only fail if it is already gone; the response is unaffected.
  }
}

/** Tracks one response and fires `onResponse` exactly once when it is over. */
class ResponseRecord {
  private status = 0;
  private ranges: readonly ByteRange[] = [];
  private expected = 0;
  private written = 0;
  private error: Error | undefined;
  private reported = false;
  private readonly done: Promise<void>;

  constructor(
    private readonly req: IncomingMessage,
    private readonly res: ServerResponse,
    private readonly source: Source,
    private readonly options: ResolvedSendOptions,
    private readonly startedAt: number,
  ) {
    // Settles on finish or on an early close; never rejects.
    this.done = finished(res).then(
      () => this.report(),
      () => this.report(),
    );
  }

  decided(decision: Decision): void {
    this.status = decision.status;
    this.ranges = decision.ranges;
    const length = decision.headers['Content-Length'];
    this.expected = length === undefined || this.req.method === 'HEAD' ? 0 : Number(length);
  }

  wrote(bytes: number): void {
    this.written += bytes;
  }

  /** The body failed after the headers went out: the only honest signal left is a cut connection. */
  fail(error: unknown): void {
    this.error = error instanceof Error ? error : new Error(String(error));
    this.res.destroy(this.error);
  }

  /** Nothing was sent; the caller turns the error into a status, so this response is not ours. */
  discard(): void {
    this.reported = true;
  }

  settled(): Promise<void> {
    return this.done;
  }

  private report(): void {
    if (this.reported) return;
    this.reported = true;
    const onResponse = this.options.onResponse;
    if (onResponse === undefined) return;
    const event: ResponseEvent = {
      method: this.req.method ?? 'GET',
      url: (this.req as IncomingMessage & { originalUrl?: string }).originalUrl ?? this.req.url ?? '',
      source: this.source.name,
      status: this.status,
      size: this.source.size,
      ranges: this.ranges,
      rangeHeader: this.req.headers.range,
      bytesWritten: this.written,
      bytesExpected: this.expected,
      aborted: !this.res.writableFinished && this.error === undefined,
      error: this.error,
      durationMs: performance.now() - this.startedAt,
    };
    try {
      onResponse(event);
    } catch {
      // A metrics hook must never break serving.
    }
  }
}
