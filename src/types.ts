import type { Stats } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2';
import type { Readable } from 'node:stream';

// The public types of sources and of what a response reports. The options' types live in
// option-types.ts and are re-exported here, so every module imports public types from this one file.
export type {
  CapScope,
  CapScopeFunction,
  EtagFunction,
  PartialContentOptions,
  SendRangeOptions,
  SetHeadersFunction,
} from './option-types.js';

/**
 * A request `sendRange` answers: node:http's `IncomingMessage` (Express's and Koa's `req` are one) or
 * node:http2's compatibility `Http2ServerRequest`.
 */
export type NodeRequest = IncomingMessage | Http2ServerRequest;

/** A response `sendRange` writes: node:http's `ServerResponse` (Express's `res` is one) or node:http2's `Http2ServerResponse`. */
export type NodeResponse = ServerResponse | Http2ServerResponse;

/** An inclusive byte range: `{ start: 0, end: 0 }` is one byte. */
export interface ByteRange {
  readonly start: number;
  readonly end: number;
}

/**
 * Anything `sendRange` can serve: a size, optional validators, and a way to read any byte range.
 *
 * The file, buffer and upstream-HTTP sources are implementations of this interface; write your own
 * for a database row or an object store. Everything else — ranges, the open-ended cap, 416, HEAD,
 * preconditions, multipart — is done once by `sendRange`, identically for every source.
 *
 * @example
 * const source: Source = {
 *   size: row.bytes.length,
 *   type: 'audio/mpeg',
 *   etag: `"${row.sha1}"`,
 *   lastModified: row.updatedAt,
 *   open: ({ start, end }) => Readable.from([row.bytes.subarray(start, end + 1)]),
 * };
 */
export interface Source {
  /** Total size of the representation in bytes (a non-negative safe integer). */
  readonly size: number;
  /** `Content-Type`. When absent it is looked up from `name`'s extension, else `application/octet-stream`. */
  readonly type?: string | undefined;
  /**
   * Entity tag, quotes included: `"abc"` (strong) or `W/"abc"` (weak). A weak tag never satisfies
   * `If-Range` or `If-Match` (RFC 9110 §8.8.3.2), so prefer a strong one.
   */
  readonly etag?: string | undefined;
  /** Last modification time, sent as `Last-Modified` and used for date preconditions. */
  readonly lastModified?: Date | undefined;
  /** A name for logs, events and type lookup (a file path or an object key). */
  readonly name?: string | undefined;
  /** File metadata, passed to `setHeaders` (set by the file source only). */
  readonly stats?: Stats | undefined;
  /**
   * The bytes `start..end` (inclusive), exactly that many: a Node `Readable` or any
   * `AsyncIterable<Uint8Array>` (an async generator, say), or a promise of one. Chunks of any size
   * are fine (they go out in writes of at most 64 KiB); fewer or more bytes than the range cut the
   * response. `options.signal` aborts when the client goes away: pass it on to whatever the bytes
   * come from (a `fetch`, an SDK call). A returned `Readable` is destroyed, and an iterator's
   * `return()` called, when the response ends early.
   */
  open(range: ByteRange, options?: OpenOptions): Readable | AsyncIterable<Uint8Array> | Promise<Readable | AsyncIterable<Uint8Array>>;
  /**
   * Optional fast path for small ranges: the bytes `start..end` (inclusive) in memory.
   * `sendRange` uses it for ranges up to 64 KiB so headers and body leave in one write.
   */
  read?(range: ByteRange): Uint8Array | Promise<Uint8Array>;
  /**
   * Optional: the bytes `start..end` (inclusive) as a `Blob`. The fetch shell hands it to the runtime
   * as the body of a single range, which then streams it natively (Bun sends a file `Blob` with
   * sendfile). {@link blobSource} has it.
   */
  blob?(range: ByteRange): Blob;
  /** Releases resources held by the source (a file handle); called once the response is over. */
  close?(): void | Promise<void>;
}

/** What a consumer tells {@link Source.open}. */
export interface OpenOptions {
  /** Aborts when the client goes away. */
  readonly signal?: AbortSignal | undefined;
  /**
   * The consumer is done with each chunk before it asks for the next one (`sendRange` writes a chunk
   * and waits until the socket took it), so the source may fill one buffer again and again. A
   * consumer that keeps chunks — a `ReadableStream` queue, `Buffer.concat` — leaves it unset and gets
   * chunks it owns.
   */
  readonly reuseBuffers?: boolean | undefined;
}

/** What `sendRange` accepts: a file path, bytes in memory, a {@link Source}, or a promise of one (`rangeResponse` also takes a `Blob`). */
export type SourceInput = string | Uint8Array | Source | PromiseLike<Source>;

/** Describes one finished response; passed to {@link SendRangeOptions.onResponse}. */
export interface ResponseEvent {
  /** Request method (`GET` or `HEAD`). */
  readonly method: string;
  /** Request URL as received (`req.originalUrl` under Express). */
  readonly url: string;
  /** The source's name (a file path for files). */
  readonly source: string | undefined;
  /** Status code sent. */
  readonly status: number;
  /** Total size of the representation, when known. */
  readonly size: number | undefined;
  /** The byte ranges answered (206 only; empty otherwise). */
  readonly ranges: readonly ByteRange[];
  /** The raw `Range` request header, if any. */
  readonly rangeHeader: string | undefined;
  /** Body bytes handed to the socket (framing included for multipart). */
  readonly bytesWritten: number;
  /** Body bytes the response announced in `Content-Length`. */
  readonly bytesExpected: number;
  /** True when the client went away before the response finished. */
  readonly aborted: boolean;
  /** The error that cut the response short, if any (a failing source stream). */
  readonly error: Error | undefined;
  /** Milliseconds from the call to `sendRange` to the end of the response. */
  readonly durationMs: number;
}
