import { describe, expect, it } from 'vitest';
import { blobSource } from '../../src/sources/blob.js';
import { patterned } from '../helpers/fixtures.js';

const bytes = patterned(200_000);
/** A copy on its own ArrayBuffer, as `BlobPart` wants. */
const part = new Uint8Array(bytes);

async function streamed(stream: AsyncIterable<unknown>): Promise<Buffer[]> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Uint8Array));
  return chunks;
}

describe('blobSource', () => {
  it('describes a File: size, type, name, lastModified; no ETag unless given', () => {
    const file = new File([part], 'clip.webm', { type: 'video/webm', lastModified: Date.UTC(2024, 1, 3) });
    const source = blobSource(file);
    expect([source.size, source.type, source.name, source.lastModified?.toISOString(), source.etag]).toEqual([
      200_000, 'video/webm', 'clip.webm', '2024-02-03T00:00:00.000Z', undefined,
    ]);
    expect(blobSource(file, { etag: '"v2"', type: 'audio/webm', name: 'x' })).toMatchObject({ etag: '"v2"', type: 'audio/webm', name: 'x' });
  });

  it('a plain Blob has no name, no date, and no type when it has none', () => {
    const source = blobSource(new Blob([part]));
    expect([source.type, source.name, source.lastModified]).toEqual([undefined, undefined, undefined]);
  });

  it('streams a range in chunks of at most 64 KiB, exactly', async () => {
    const chunks = await streamed(blobSource(new Blob([part])).open({ start: 7, end: 150_006 }));
    expect(chunks.map((c) => c.length)).toEqual([65_536, 65_536, 18_928]);
    expect(Buffer.concat(chunks).equals(bytes.subarray(7, 150_007))).toBe(true);
  });

  it('reads a range into memory and slices one as a Blob (inclusive ends)', async () => {
    const source = blobSource(new Blob([part]));
    expect(Buffer.from(await source.read({ start: 0, end: 0 })).equals(bytes.subarray(0, 1))).toBe(true);
    const slice = source.blob({ start: 199_990, end: 199_999 });
    expect(Buffer.from(await slice.arrayBuffer()).equals(bytes.subarray(199_990))).toBe(true);
  });
});
