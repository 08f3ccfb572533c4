import { createHash } from 'node:crypto';
import type { ByteRange, Source } from '../types.js';

/** Optional metadata for {@link bufferSource}. */
export interface BufferSourceOptions {
  /** `Content-Type`; by default looked up from `name`. */
  type?: string;
  /** Used for the type lookup and in events. */
  name?: string;
  /** Entity tag (quotes included). By default a strong tag from a SHA-1 of the bytes, computed once. */
  etag?: string;
  lastModified?: Date;
}

const digests = new WeakMap<Uint8Array, string>();

/**
 * A source for bytes in memory. Ranges are zero-copy views of `data`, so do not modify it while it is
 * being served.
 *
 * @example
 * await sendRange(req, res, bufferSource(row.audio, { type: 'audio/ogg', lastModified: row.updatedAt }));
 */
export function bufferSource(data: Uint8Array, options: BufferSourceOptions = {}): Source {
  const bytes = Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const slice = ({ start, end }: ByteRange): Buffer => bytes.subarray(start, end + 1);
  return {
    size: bytes.length,
    type: options.type,
    name: options.name,
    etag: options.etag ?? digestTag(data),
    lastModified: options.lastModified,
    // One chunk however long: sendRange writes it out in bounded pieces.
    open: (range) => once(slice(range)),
    read: slice,
  };
}

function digestTag(data: Uint8Array): string {
  let tag = digests.get(data);
  if (tag === undefined) {
    tag = `"${createHash('sha1').update(data).digest('base64url')}"`;
    digests.set(data, tag);
  }
  return tag;
}

async function* once(bytes: Buffer): AsyncGenerator<Buffer, void, undefined> {
  yield bytes;
}
