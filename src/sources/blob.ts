import { Readable } from 'node:stream';
import type { ByteRange, Source } from '../types.js';

/** Optional metadata for {@link blobSource}. */
export interface BlobSourceOptions {
  /** Entity tag (quotes included). A `Blob` has no identity of its own, so none is sent by default. */
  etag?: string;
  /** By default a `File`'s `lastModified`; none for a plain `Blob`. */
  lastModified?: Date;
  /** For logs, events and the type lookup; by default a `File`'s `name`. */
  name?: string;
  /** `Content-Type`; by default the blob's own `type`, else looked up from `name`. */
  type?: string;
}

/** A {@link Source} over a `Blob`; `blob(range)` is a zero-copy slice. */
export interface BlobSource extends Source {
  open(range: ByteRange): Readable;
  read(range: ByteRange): Promise<Uint8Array>;
  blob(range: ByteRange): Blob;
}

/** Chunk size when a blob's range is read as a stream. */
const STREAM_CHUNK = 64 * 1024;

/**
 * A source for a `Blob` or `File` — how Bun (`Bun.file(path)`) and Deno hand out files, and what a
 * form upload is. The fetch shell sends a single range as `blob.slice(…)`, which the runtime streams
 * itself (Bun with sendfile for a file); other shells read it in chunks.
 *
 * @example
 * return rangeResponse(request, blobSource(Bun.file('/srv/media/song.mp3'), { etag: `"${version}"` }));
 */
export function blobSource(blob: Blob, options: BlobSourceOptions = {}): BlobSource {
  const file = blob as Partial<File>;
  const lastModified = typeof file.lastModified === 'number' && file.lastModified > 0 ? new Date(file.lastModified) : undefined;
  return {
    size: blob.size,
    type: options.type ?? (blob.type === '' ? undefined : blob.type),
    name: options.name ?? (typeof file.name === 'string' && file.name !== '' ? file.name : undefined),
    etag: options.etag,
    lastModified: options.lastModified ?? lastModified,
    ...blobBytes(blob),
  };
}

/**
 * A blob's bytes as a source reads them, without reading its metadata: on Bun, `size` and
 * `lastModified` of a `Bun.file` are each a `stat` of the file.
 */
export function blobBytes(blob: Blob): Pick<BlobSource, 'open' | 'read' | 'blob'> {
  const slice = ({ start, end }: ByteRange): Blob => blob.slice(start, end + 1);
  return {
    open: (range) => Readable.from(chunksOf(slice(range)), { objectMode: false, highWaterMark: 0 }),
    read: async (range) => new Uint8Array(await slice(range).arrayBuffer()),
    blob: slice,
  };
}

/** The blob's bytes in chunks of at most 64 KiB, each read only when the consumer asks for it. */
async function* chunksOf(blob: Blob): AsyncGenerator<Uint8Array, void, undefined> {
  for (let offset = 0; offset < blob.size; offset += STREAM_CHUNK) {
    yield new Uint8Array(await blob.slice(offset, offset + STREAM_CHUNK).arrayBuffer());
  }
}
