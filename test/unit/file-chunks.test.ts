import { mkdtempSync, rmSync, truncateSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileSource, type FileSource } from '../../src/index.js';
import { patterned } from '../helpers/fixtures.js';

/** How a file range is read: buffers reused only for a consumer that said so, pooled only after a normal end. */

const SIZE = 300 * 1024;
const BYTES = patterned(SIZE, 7);
let dir: string;
let counter = 0;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'partial-content-file-chunks-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function fresh(bytes: Buffer = BYTES): Promise<{ source: FileSource; path: string }> {
  const path = join(dir, `${++counter}.bin`);
  writeFileSync(path, bytes);
  return { source: await fileSource(path), path };
}

/** Pulls every chunk, remembering each buffer's identity and a copy of its bytes. */
async function pullAll(chunks: AsyncIterator<Buffer>): Promise<{ buffers: ArrayBufferLike[]; bytes: Buffer }> {
  const buffers: ArrayBufferLike[] = [];
  const copies: Buffer[] = [];
  for (let result = await chunks.next(); result.done !== true; result = await chunks.next()) {
    expect(result.value.length).toBeLessThanOrEqual(64 * 1024);
    buffers.push(result.value.buffer);
    copies.push(Buffer.from(result.value));
  }
  return { buffers, bytes: Buffer.concat(copies) };
}

describe('FileChunks (fileSource().open)', () => {
  it('with reuseBuffers, one buffer is filled again and again; without, every chunk is the caller’s', async () => {
    const { source } = await fresh();
    try {
      const reused = await pullAll(source.open({ start: 0, end: SIZE - 1 }, { reuseBuffers: true }));
      expect(reused.bytes.equals(BYTES)).toBe(true);
      expect(new Set(reused.buffers).size).toBe(1);
      const owned = await pullAll(source.open({ start: 0, end: SIZE - 1 }));
      expect(owned.bytes.equals(BYTES)).toBe(true);
      expect(new Set(owned.buffers).size).toBe(owned.buffers.length);
    } finally {
      await source.close();
    }
  });

  it('a buffer read to the end goes back to the spares; one ended early (return) does not', async () => {
    const { source } = await fresh();
    try {
      const first = await pullAll(source.open({ start: 0, end: 100_000 }, { reuseBuffers: true }));
      const second = await pullAll(source.open({ start: 10, end: 100_010 }, { reuseBuffers: true }));
      expect(second.buffers[0]).toBe(first.buffers[0]); // taken back and handed out again

      const cut = source.open({ start: 0, end: 100_000 }, { reuseBuffers: true });
      const held = (await cut.next()).value as Buffer;
      await cut.return?.();
      const third = await pullAll(source.open({ start: 0, end: 100_000 }, { reuseBuffers: true }));
      expect(third.buffers[0]).not.toBe(held.buffer); // a cut write may still hold it
    } finally {
      await source.close();
    }
  });

  it('a small range takes exactly its length (Node’s slab), never a 64 KiB buffer', async () => {
    const { source } = await fresh();
    try {
      const { value } = await source.open({ start: 5, end: 104 }, { reuseBuffers: true }).next();
      expect((value as Buffer).length).toBe(100);
      expect((value as Buffer).equals(BYTES.subarray(5, 105))).toBe(true);
    } finally {
      await source.close();
    }
  });

  it('a file truncated under a range: ESHRANK or ECHANGED, never padding', async () => {
    const { source, path } = await fresh();
    try {
      const chunks = source.open({ start: 0, end: SIZE - 1 });
      await chunks.next();
      truncateSync(path, 100_000);
      await expect(pullAll(chunks)).rejects.toMatchObject({ code: expect.stringMatching(/^(ESHRANK|ECHANGED)$/) });
    } finally {
      await source.close();
    }
  });

  it('a file rewritten (same size) during a range read in several chunks: ECHANGED before the last chunk', async () => {
    const { source, path } = await fresh();
    try {
      const chunks = source.open({ start: 0, end: SIZE - 1 });
      await chunks.next();
      writeFileSync(path, patterned(SIZE, 9));
      const later = new Date(Date.now() + 5000);
      utimesSync(path, later, later);
      await expect(pullAll(chunks)).rejects.toMatchObject({ code: 'ECHANGED' });
    } finally {
      await source.close();
    }
  });
});
