import { describe, expect, it } from 'vitest';
import { bufferSource } from '../../src/index.js';

describe('bufferSource', () => {
  const data = Buffer.from('0123456789');

  it('describes the bytes: size, type, a strong digest tag computed once per buffer', () => {
    const source = bufferSource(data, { type: 'text/plain', name: 'digits.txt' });
    expect(source).toMatchObject({ size: 10, type: 'text/plain', name: 'digits.txt' });
    expect(source.etag).toMatch(/^"[A-Za-z0-9_-]{27}"$/);
    expect(bufferSource(data).etag).toBe(source.etag);
    expect(bufferSource(Buffer.from('0123456780')).etag).not.toBe(source.etag);
    expect(bufferSource(data, { etag: '"mine"' }).etag).toBe('"mine"');
  });

  it('read and open give zero-copy views of the range (sendRange writes them in bounded pieces)', async () => {
    const source = bufferSource(data);
    const read = (await source.read?.({ start: 2, end: 4 })) as Buffer;
    expect(read.toString()).toBe('234');
    expect(read.buffer).toBe(data.buffer);
    const chunks: Buffer[] = [];
    for await (const chunk of (await source.open({ start: 5, end: 9 })) as AsyncIterable<Buffer>) chunks.push(chunk);
    expect(chunks.map(String)).toEqual(['56789']);
    expect(chunks[0]?.buffer).toBe(data.buffer);
  });

  it('takes any Uint8Array, not only a Buffer', async () => {
    const bytes = new Uint8Array([1, 2, 3, 4]).subarray(1);
    const source = bufferSource(bytes);
    expect(source.size).toBe(3);
    expect([...((await source.read?.({ start: 0, end: 2 })) as Uint8Array)]).toEqual([2, 3, 4]);
  });
});
