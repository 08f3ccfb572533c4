import { Readable } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { GetObjectCommand, HeadObjectCommand, type GetObjectCommandOutput, type S3Client } from '@aws-sdk/client-s3';
import { HttpError } from '../errors.js';
import { parseEntityTag } from '../http/validators.js';
import type { ByteRange, Source } from '../types.js';
import { describe, exactBody, parseContentRange, rangeCoverage, upstreamError } from './upstream-body.js';

/** Which object {@link s3Source} serves: the parameters of `HeadObject`/`GetObject` that name it. */
export interface S3ObjectLocation {
  /** The bucket's name. */
  readonly Bucket: string;
  /** The object's key. */
  readonly Key: string;
  /** A version of the object (a versioned bucket); without it, the current version at probe time. */
  readonly VersionId?: string | undefined;
}

/** Anything with the `send` of an AWS SDK v3 `S3Client` (typed with `import type`, never loaded from here). */
export type S3SendClient = Pick<S3Client, 'send'>;

/**
 * A {@link Source} for an object in S3 or an S3-compatible store (Cloudflare R2, MinIO, Backblaze B2,
 * DigitalOcean Spaces, Wasabi) through the AWS SDK v3. The returned promise sends one `HeadObject`
 * and takes size, `ContentType`, `ETag` and `LastModified` from it; a missing key (any 404) rejects
 * with an {@link HttpError} 404, any other failure with 502.
 *
 * Each range is then one `GetObject` with `Range: bytes=start-end` and `IfMatch: <etag>` (and the
 * `VersionId` when given). The answer must be a 206 whose `ContentRange` is that range of the probed
 * size (or a longer one starting at `start`, of which only the range is read; s3rver answers
 * `bytes=0-0` with the whole object), with the probed `ETag` and `LastModified` and exactly that many
 * body bytes; anything else — a 412 from the store, another status, another ETag — is a 502, never
 * the store's 412 passed off as the client's own precondition failing. Before `sendRange` wrote
 * headers the client gets that 502; after, the connection is cut, so a client never gets bytes of two
 * versions under one ETag, even from a store that ignores `IfMatch`. The client going away (the
 * returned stream destroyed, or the `signal` given to `open` firing) aborts the SDK request.
 *
 * The source holds no resources: keep it and reuse it for many requests until the object changes
 * (its ranges then fail with 502; probe again).
 *
 * @param client An `S3Client` (its region, endpoint and credentials decide where requests go).
 * @param location `{ Bucket, Key, VersionId? }`.
 * @example
 * import { S3Client } from '@aws-sdk/client-s3';
 * import { sendRange } from 'partial-content';
 * import { s3Source } from 'partial-content/s3';
 *
 * const s3 = new S3Client({ region: 'eu-west-1' });
 * app.get('/episodes/:id', (req, res, next) => {
 *   const Key = `episodes/${req.params.id}.mp3`;
 *   sendRange(req, res, s3Source(s3, { Bucket: 'podcast-media', Key })).catch(next); // 404 if no such key
 * });
 */
export async function s3Source(client: S3SendClient, location: S3ObjectLocation): Promise<Source> {
  const { Bucket, Key, VersionId } = location;
  const version = VersionId === undefined ? {} : { VersionId };
  let head;
  try {
    head = await client.send(new HeadObjectCommand({ Bucket, Key, ...version }));
  } catch (error) {
    throw storeError('HeadObject', error, true);
  }
  const size = head.ContentLength;
  if (size === undefined || !Number.isSafeInteger(size) || size < 0) throw upstreamError(`HeadObject gave no usable size (${String(size)})`);
  if (!identity(head.ContentEncoding)) {
    throw upstreamError(`object has Content-Encoding ${String(head.ContentEncoding)}: its ranges would count encoded bytes`);
  }
  const etag = head.ETag !== undefined && parseEntityTag(head.ETag) !== undefined ? head.ETag.trim() : undefined;
  const lastModified = head.LastModified;
  // As in httpSource: a changed object should answer a bodiless 412, not stream the new version.
  const conditions = etag !== undefined && parseEntityTag(etag)?.weak === false ? { IfMatch: etag } : lastModified === undefined ? {} : { IfUnmodifiedSince: lastModified };

  /** Why `answer` cannot serve `range` (`undefined` when it can), and how many bytes it announced. */
  const check = (answer: GetObjectCommandOutput, range: ByteRange): { problem?: string; answered?: number } => {
    const { start, end } = range;
    const status = answer.$metadata.httpStatusCode;
    let answered = end - start + 1;
    if (status === 206) {
      const contentRange = parseContentRange(answer.ContentRange);
      if (rangeCoverage(contentRange, range, size) === undefined || contentRange?.end === undefined) {
        return { problem: `answered ContentRange ${answer.ContentRange ?? '(none)'} for bytes ${start}-${end}/${size}` };
      }
      answered = contentRange.end - start + 1;
    } else if (status !== 200 || start !== 0 || end !== size - 1) {
      return { problem: `answered ${String(status)} to GetObject bytes=${start}-${end}` };
    }
    if (answer.ContentLength !== undefined && answer.ContentLength !== answered) {
      return { problem: `announced ${answer.ContentLength} bytes for a ${answered}-byte range` };
    }
    if (etag !== undefined && answer.ETag?.trim() !== etag) return { problem: `ETag changed from ${etag} to ${answer.ETag ?? '(none)'}` };
    if (lastModified !== undefined && answer.LastModified !== undefined && answer.LastModified.getTime() !== lastModified.getTime()) {
      return { problem: 'LastModified changed' };
    }
    if (!identity(answer.ContentEncoding)) return { problem: `answered with Content-Encoding ${String(answer.ContentEncoding)}` };
    return { answered };
  };

  return {
    size,
    type: head.ContentType,
    etag,
    lastModified,
    name: `s3://${Bucket}/${Key}`,
    async open(range: ByteRange, options?: { readonly signal?: AbortSignal | undefined }): Promise<Readable> {
      const controller = new AbortController();
      const signal = options?.signal === undefined ? controller.signal : AbortSignal.any([options.signal, controller.signal]);
      const command = new GetObjectCommand({ Bucket, Key, ...version, ...conditions, Range: `bytes=${range.start}-${range.end}` });
      let answer: GetObjectCommandOutput;
      try {
        answer = await client.send(command, { abortSignal: signal });
      } catch (error) {
        throw storeError('GetObject', error, false);
      }
      const { problem, answered = 0 } = check(answer, range);
      const body = problem === undefined ? toReadable(answer.Body) : undefined;
      if (body === undefined) {
        controller.abort();
        destroyBody(answer.Body);
        throw upstreamError(problem ?? 'GetObject answered without a readable Body');
      }
      const length = range.end - range.start + 1;
      return exactBody(body, length, answered > length, () => controller.abort());
    },
  };
}

/**
 * An SDK error as an {@link HttpError}: a 404 from `HeadObject` (no such key — or bucket: a bodiless
 * answer cannot tell them apart) is 404; everything else, a store's 412 and 404s of later ranges
 * included, is 502.
 */
function storeError(operation: string, error: unknown, probing: boolean): HttpError {
  const status = (error as { $metadata?: { httpStatusCode?: unknown } } | undefined)?.$metadata?.httpStatusCode;
  if (probing && status === 404) return new HttpError(404, 'Not Found', { cause: error, code: 'ERR_UPSTREAM' });
  const name = (error as { name?: unknown } | undefined)?.name;
  const what = typeof name === 'string' && name !== 'Error' ? name : describe(error);
  return upstreamError(`${operation} failed: ${what}${typeof status === 'number' ? ` (${status})` : ''}`, error);
}

/** The SDK's `Body` as a Node stream: a `Readable` on Node, a web `ReadableStream` elsewhere. */
function toReadable(body: unknown): Readable | undefined {
  if (body instanceof Readable) return body;
  if (typeof (body as ReadableStream | undefined)?.getReader === 'function') {
    return Readable.fromWeb(body as NodeReadableStream<Uint8Array>);
  }
  return undefined;
}

function destroyBody(body: unknown): void {
  if (body instanceof Readable) body.destroy();
  else if (typeof (body as ReadableStream | undefined)?.cancel === 'function') (body as ReadableStream).cancel().catch(() => undefined);
}

function identity(encoding: string | undefined): boolean {
  return encoding === undefined || encoding.trim() === '' || encoding.trim().toLowerCase() === 'identity';
}
