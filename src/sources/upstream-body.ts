import { Transform, type Readable } from 'node:stream';
import { HttpError } from '../errors.js';
import type { ByteRange } from '../types.js';

/** A parsed `Content-Range`: `bytes a-b/size` (start and end set) or `bytes *\/size` (both undefined). */
export interface ContentRange {
  readonly start: number | undefined;
  readonly end: number | undefined;
  readonly size: number;
}

/** Parses `bytes a-b/size` or `bytes *\/size`; `undefined` for anything else (an unknown size, `a > b`, `b ≥ size`). */
export function parseContentRange(value: string | null | undefined): ContentRange | undefined {
  const match = /^bytes (?:(\d+)-(\d+)|\*)\/(\d+)$/.exec(value?.trim() ?? '');
  if (match === null) return undefined;
  const [, start, end, size] = match.map((part) => (part === undefined ? undefined : Number(part)));
  if (size === undefined || !Number.isSafeInteger(size)) return undefined;
  if (start !== undefined && end !== undefined && (start > end || end >= size)) return undefined;
  return { start, end, size };
}

/**
 * How an upstream's answer to `Range: bytes=start-end` covers the range: `exact`, a `longer` answer
 * that starts at `start` and runs past `end` (s3rver answers `bytes=0-0` with the whole object), or
 * `undefined` when it holds other bytes or another total size.
 */
export function rangeCoverage(answered: ContentRange | undefined, { start, end }: ByteRange, size: number): 'exact' | 'longer' | undefined {
  if (answered?.start !== start || answered.end === undefined || answered.size !== size) return undefined;
  if (answered.end === end) return 'exact';
  return answered.end > end ? 'longer' : undefined;
}

/**
 * Passes on exactly `length` bytes of an upstream body. Fewer is an error (a cut upstream must never
 * look like a complete range). More is an error too, unless `longer` says the upstream announced a
 * longer range that starts at ours: then the first `length` bytes are the ones asked for, and the
 * rest is not read. Closing the result — the end, an error, or the client going away — calls `abort`
 * and destroys `body`, so the upstream request never outlives the response.
 */
export function exactBody(body: Readable, length: number, longer: boolean, abort: () => void): Readable {
  let seen = 0;
  let done = false;
  const finish = (): void => {
    done = true;
    body.unpipe(checked);
    checked.end();
  };
  const checked = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      // Chunks the pipe had already queued when a longer answer reached `length` are dropped.
      if (done) return callback();
      const room = length - seen;
      if (chunk.length <= room) {
        seen += chunk.length;
        callback(null, chunk);
        if (longer && seen === length) finish();
        return;
      }
      if (!longer) return callback(upstreamError(`sent more than ${length} bytes`));
      seen = length;
      callback(null, chunk.subarray(0, room));
      finish();
    },
    flush(callback) {
      callback(seen < length ? upstreamError(`body ended after ${seen} of ${length} bytes`) : null);
    },
  });
  body.on('error', (error) => checked.destroy(upstreamError(`body failed: ${describe(error)}`, error)));
  checked.once('close', () => {
    abort();
    body.destroy();
  });
  return body.pipe(checked);
}

/** The error every upstream failure becomes: 502, `code: 'ERR_UPSTREAM'`. */
export function upstreamError(message: string, cause?: unknown): HttpError {
  return new HttpError(502, `Upstream ${message}`, { cause, code: 'ERR_UPSTREAM' });
}

/** A short description of a network or SDK error (its `cause.code` when fetch wraps one). */
export function describe(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown } } | undefined)?.cause?.code;
  return typeof cause === 'string' ? cause : error instanceof Error ? error.message : String(error);
}
