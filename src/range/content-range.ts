import type { ByteRange } from '../types.js';

/** `Content-Range` of a 206 part: `bytes 0-499/1234` (RFC 9110 §14.4). */
export function formatContentRange(range: ByteRange, size: number): string {
  return `bytes ${range.start}-${range.end}/${size}`;
}

/** `Content-Range` of a 416, `bytes *\/1234` (RFC 9110 §15.5.17): the size with no range. */
export function formatUnsatisfiedRange(size: number): string {
  return `bytes */${size}`;
}
