import { randomBytes } from 'node:crypto';
import { formatContentRange } from '../range/content-range.js';
import type { ByteRange } from '../types.js';

/** One piece of a multipart body: framing bytes, or a range of the source. */
export type Segment =
  | { readonly kind: 'bytes'; readonly data: Buffer }
  | { readonly kind: 'range'; readonly range: ByteRange };

/** A planned `multipart/byteranges` body (RFC 9110 §14.6). */
export interface MultipartBody {
  /** The response `Content-Type`, boundary included. */
  readonly contentType: string;
  readonly segments: readonly Segment[];
  /** Exact body length, known before the first byte is written. */
  readonly length: number;
}

/** A boundary of 24 random hex digits; it cannot occur in the framing and is unguessable. */
export function randomBoundary(): string {
  return randomBytes(12).toString('hex');
}

/**
 * Lays out a `multipart/byteranges` body: each part carries its own `Content-Type` and
 * `Content-Range`; the parts' bytes are left as ranges for the caller to stream one after another.
 */
export function planMultipart(
  ranges: readonly ByteRange[],
  size: number,
  partType: string,
  boundary: string = randomBoundary(),
): MultipartBody {
  const segments: Segment[] = [];
  let length = 0;
  ranges.forEach((range, index) => {
    const head = Buffer.from(
      `${index === 0 ? '' : '\r\n'}--${boundary}\r\n` +
        `Content-Type: ${partType}\r\n` +
        `Content-Range: ${formatContentRange(range, size)}\r\n\r\n`,
      'latin1',
    );
    segments.push({ kind: 'bytes', data: head }, { kind: 'range', range });
    length += head.length + range.end - range.start + 1;
  });
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`, 'latin1');
  segments.push({ kind: 'bytes', data: tail });
  length += tail.length;
  return { contentType: `multipart/byteranges; boundary=${boundary}`, segments, length };
}
