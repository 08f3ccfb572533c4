import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import type { Decision } from './http/decide.js';
import type { Segment } from './http/multipart.js';
import type { ResponseRecord } from './response-record.js';
import { directFile, type DirectFile } from './sources/file.js';
import type { ByteRange, Source } from './types.js';

// The byte-writing half of sendRange: status line, headers and body for a decision already made.

/** Ranges up to this size are read into memory and sent with the headers in one write. */
const SMALL_RANGE = 64 * 1024;
/**
 * A file body goes out through one buffer per response: 64 KiB while fewer than 128 file bodies are
 * in flight (a smaller chunk costs throughput: 32 KiB is a quarter slower on 2 MiB ranges), 32 KiB
 * beyond, so 500 stalled readers hold 20 MiB of buffers, not 32 (bench/RESULTS.md).
 */
const FILE_CHUNK = 64 * 1024;
const BUSY_FILE_CHUNK = 32 * 1024;
const FULL_CHUNK_STREAMS = 128;
let fileStreams = 0;

/**
 * Sends one range: small ones read into memory and ended in one write with the headers, larger ones
 * streamed. The source is read or opened before the headers go out, so its failure is still a status.
 */
export async function sendSingle(
  res: ServerResponse,
  source: Source,
  decision: Decision,
  range: ByteRange,
  record: ResponseRecord,
  appNames: readonly string[],
): Promise<void> {
  const length = range.end - range.start + 1;
  if (length > POOLED_BY_NODE && length <= SMALL_RANGE && isDirectFile(source)) {
    await sendSmallFile(res, source, decision, range, record, appNames);
    return;
  }
  if (source.read !== undefined && length <= SMALL_RANGE) {
    const bytes = await source.read(range);
    if (bytes.byteLength !== length) throw new Error(`Source read ${bytes.byteLength} bytes, expected ${length}`);
    writeHead(res, decision, appNames);
    record.wrote(length);
    res.end(bytes);
    return;
  }
  if (isDirectFile(source)) {
    // Already open: no stream, no read-ahead, no garbage (bench/RESULTS.md, "file bodies").
    writeHead(res, decision, appNames);
    await pumpFile(source, res, range, record);
    if (!res.destroyed) res.end();
    return;
  }
  // Opening before the headers go out lets an open failure become a clean error status.
  const stream = await source.open(range);
  writeHead(res, decision, appNames);
  await pump(stream, res, length, record);
  if (!res.destroyed) res.end();
}

/**
 * Spare buffers for small file ranges. A buffer goes back only on the response's 'finish' (the
 * socket has handed every byte to the kernel), never while a write may still read it; one whose
 * response failed is left to the garbage collector. Saves a 64 KiB allocation per response and
 * the garbage-collection work that comes with it (bench/RESULTS.md).
 */
const spareBuffers: Buffer[] = [];
const MAX_SPARE_BUFFERS = 32;
/** Node already carves allocations up to half its pool size (4 KiB) out of a shared slab: no gain below. */
const POOLED_BY_NODE = Buffer.poolSize >>> 1;

function returnSpare(buffer: Buffer): void {
  if (spareBuffers.length < MAX_SPARE_BUFFERS) spareBuffers.push(buffer);
}

async function sendSmallFile(
  res: ServerResponse, file: DirectFile, decision: Decision, range: ByteRange, record: ResponseRecord, appNames: readonly string[],
): Promise<void> {
  const buffer = spareBuffers.pop() ?? Buffer.allocUnsafe(SMALL_RANGE);
  let bytes: Buffer;
  try {
    bytes = await file.readInto(range, buffer);
  } catch (error) {
    returnSpare(buffer); // nothing was written from it
    throw error;
  }
  writeHead(res, decision, appNames);
  record.wrote(bytes.length);
  res.end(bytes, () => returnSpare(buffer));
}

function isDirectFile(source: Source): source is Source & DirectFile {
  return (source as Partial<DirectFile>)[directFile] === true;
}

/**
 * Writes `range` of a file through one reused buffer: each read waits until the socket has taken
 * the previous chunk, so a stalled client holds one buffer and nothing is read ahead. The file's
 * `chunks` throws on a short or rewritten file rather than padding or splicing.
 */
async function pumpFile(file: DirectFile, res: ServerResponse, range: ByteRange, record: ResponseRecord): Promise<void> {
  const expected = range.end - range.start + 1;
  const buffer = Buffer.allocUnsafe(Math.min(fileStreams < FULL_CHUNK_STREAMS ? FILE_CHUNK : BUSY_FILE_CHUNK, expected));
  fileStreams++;
  let flushed: (() => void) | undefined;
  // A write's callback is not called when the socket is already gone: wake on close as well.
  const onClose = (): void => flushed?.();
  res.once('close', onClose);
  try {
    for await (const chunk of file.chunks(range, () => buffer)) {
      if (res.destroyed) return;
      record.wrote(chunk.length);
      await new Promise<void>((resolve) => {
        flushed = resolve;
        res.write(chunk, () => resolve());
      });
      flushed = undefined;
      if (res.destroyed) return; // no read for a client that is gone
    }
  } catch (error) {
    if (res.destroyed) return; // the client went away; nothing more to say
    throw error;
  } finally {
    fileStreams--;
    res.off('close', onClose);
  }
}

/** Streams a multipart body: framing bytes and ranges in order, the first range opened before the headers. */
export async function sendMultipart(
  res: ServerResponse,
  source: Source,
  decision: Decision,
  segments: readonly Segment[],
  record: ResponseRecord,
  appNames: readonly string[],
): Promise<void> {
  const direct = isDirectFile(source) ? source : undefined;
  let next: Readable | undefined;
  const firstRange = segments.find((segment) => segment.kind === 'range');
  // Opening before the headers go out lets an open failure become a clean error status.
  if (firstRange !== undefined && direct === undefined) next = await source.open(firstRange.range);
  try {
    writeHead(res, decision, appNames);
    for (const segment of segments) {
      if (res.destroyed) return;
      if (segment.kind === 'bytes') {
        record.wrote(segment.data.length);
        if (!res.write(segment.data)) await drained(res);
      } else if (direct !== undefined) {
        await pumpFile(direct, res, segment.range, record);
      } else {
        const stream = next ?? (await source.open(segment.range));
        next = undefined;
        await pump(stream, res, segment.range.end - segment.range.start + 1, record);
      }
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

/**
 * Writes the status line and the decision's headers, which are final and complete: whatever the app
 * set that they do not list (`appNames`) is removed first.
 */
export function writeHead(res: ServerResponse, decision: Decision, appNames: readonly string[]): void {
  const headers = decision.headers;
  for (const name of appNames) if (!Object.hasOwn(headers, name)) res.removeHeader(name);
  res.writeHead(decision.status, headers as OutgoingHttpHeaders);
}
