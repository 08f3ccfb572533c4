import { mkdtempSync, readdirSync, renameSync, rmSync, truncateSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileSource } from '../../src/index.js';
import { describedFile } from '../../src/sources/file.js';
import { patterned } from '../helpers/fixtures.js';

/**
 * `fileSource(path).open(range)`: the chunks a consumer pulls — sendRange, or a caller wrapping a file
 * source in its own Source. Real files, no HTTP.
 */

const SIZE = 200 * 1024;
const BYTES = patterned(SIZE, 5);
let dir: string;
let counter = 0;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'partial-content-file-source-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function freshFile(bytes: Buffer = BYTES): string {
  const path = join(dir, `${++counter}.bin`);
  writeFileSync(path, bytes);
  return path;
}

/** Reads the chunks to their end, or to their error; each is copied (with reuseBuffers the buffer is the source's). */
async function drain(stream: AsyncIterable<Buffer>, between?: (chunkIndex: number) => void): Promise<{ chunks: Buffer[]; error?: NodeJS.ErrnoException }> {
  const chunks: Buffer[] = [];
  try {
    for await (const chunk of stream) {
      chunks.push(Buffer.from(chunk));
      between?.(chunks.length);
    }
    return { chunks };
  } catch (error) {
    return { chunks, error: error as NodeJS.ErrnoException };
  }
}

function openDescriptors(): number {
  return readdirSync('/proc/self/fd').length;
}

describe('fileSource().open(range)', () => {
  it.each([
    ['first byte', 0, 0],
    ['exactly one chunk', 0, 65_535],
    ['one byte past a chunk', 0, 65_536],
    ['a middle slice', 1_000, 150_000],
    ['last byte', SIZE - 1, SIZE - 1],
    ['the whole file', 0, SIZE - 1],
  ])('%s (%i-%i): the exact bytes, in chunks of at most 64 KiB', async (_name, start, end) => {
    const source = await fileSource(freshFile());
    try {
      const { chunks, error } = await drain(source.open({ start, end }));
      expect(error).toBeUndefined();
      expect(Buffer.concat(chunks).equals(BYTES.subarray(start, end + 1))).toBe(true);
      for (const chunk of chunks) expect(chunk.length).toBeLessThanOrEqual(64 * 1024);
    } finally {
      await source.close();
    }
  });

  it('several streams of one source, one after another (as multipart parts of a wrapped source)', async () => {
    const source = await fileSource(freshFile());
    try {
      for (const [start, end] of [[10, 20], [0, 5], [SIZE - 100, SIZE - 1]] as const) {
        const { chunks } = await drain(source.open({ start, end }));
        expect(Buffer.concat(chunks).equals(BYTES.subarray(start, end + 1))).toBe(true);
      }
    } finally {
      await source.close();
    }
  });

  it('a file truncated after it was opened fails the stream instead of padding it', async () => {
    const path = freshFile();
    const source = await fileSource(path);
    try {
      truncateSync(path, 100 * 1024);
      const { chunks, error } = await drain(source.open({ start: 0, end: SIZE - 1 }));
      expect(error?.code).toBe('ECHANGED');
      const got = Buffer.concat(chunks);
      expect(got.length).toBeLessThan(SIZE);
      expect(got.equals(BYTES.subarray(0, got.length))).toBe(true);
    } finally {
      await source.close();
    }
  });

  it('a file rewritten in place (same size) while streaming fails before its last chunk: no splice looks complete', async () => {
    const path = freshFile();
    const source = await fileSource(path);
    try {
      const { chunks, error } = await drain(source.open({ start: 0, end: SIZE - 1 }), (index) => {
        if (index === 1) {
          writeFileSync(path, patterned(SIZE, 99));
          // A coarse clock could leave mtime equal; make the change visible the way a real rewrite would.
          utimesSync(path, new Date(), new Date(Date.now() + 5_000));
        }
      });
      expect(error?.code).toBe('ECHANGED');
      expect(Buffer.concat(chunks).length).toBeLessThan(SIZE);
    } finally {
      await source.close();
    }
  });

  it('a file replaced by rename keeps streaming the original bytes, complete', async () => {
    const path = freshFile();
    const source = await fileSource(path);
    try {
      const replacement = freshFile(patterned(SIZE, 42));
      const { chunks, error } = await drain(source.open({ start: 0, end: SIZE - 1 }), (index) => {
        if (index === 1) renameSync(replacement, path);
      });
      expect(error).toBeUndefined();
      expect(Buffer.concat(chunks).equals(BYTES)).toBe(true);
    } finally {
      await source.close();
    }
  });

  it('chunks ended half-way leave the descriptor to close(), which releases it', async () => {
    const before = openDescriptors();
    const source = await fileSource(freshFile());
    expect(openDescriptors()).toBe(before + 1);
    const chunks = source.open({ start: 0, end: SIZE - 1 });
    expect((await chunks.next()).done).toBe(false);
    await chunks.return?.();
    expect((await chunks.next()).done).toBe(true);
    // The descriptor belongs to the source, not the stream: still open, and still readable.
    const again = await drain(source.open({ start: 5, end: 9 }));
    expect(Buffer.concat(again.chunks).equals(BYTES.subarray(5, 10))).toBe(true);
    await source.close();
    expect(openDescriptors()).toBe(before);
  });

  it('a file described from stat and closed before it was ever read never opens a descriptor', async () => {
    const before = openDescriptors();
    const source = await describedFile(freshFile());
    await source.close();
    const { chunks, error } = await drain(source.open({ start: 0, end: 9 }));
    expect([chunks.length, error?.message]).toEqual([0, expect.stringContaining('closed before it was opened')]);
    expect(openDescriptors()).toBe(before);
  });
});
