import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, truncateSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { adoptContentTag, adoptKnownContentTag, CONCURRENT_HASHES, contentTagOf, hashesRunning } from '../../src/sources/content-etag.js';
import { bufferSource } from '../../src/sources/buffer.js';
import { describedFile, fileSource, type FileSource } from '../../src/sources/file.js';
import { patterned } from '../helpers/fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'partial-content-content-etag-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const sha256Tag = (bytes: Uint8Array): string => `"${createHash('sha256').update(bytes).digest('base64url')}"`;

function write(name: string, bytes: Uint8Array, mtime?: Date): string {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  if (mtime !== undefined) utimesSync(path, mtime, mtime);
  return path;
}

/** Opens `path`, gives it its content tag, closes it, and returns the tag. */
async function tagOf(path: string): Promise<string | undefined> {
  const source = await fileSource(path);
  try {
    await adoptContentTag(source);
    return contentTagOf(source);
  } finally {
    await source.close();
  }
}

/** Bytes this process has read so far (any descriptor), from /proc/self/io. */
function bytesRead(): number {
  return Number(/^rchar: (\d+)$/m.exec(readFileSync('/proc/self/io', 'utf8'))?.[1]);
}

describe('etag: content', () => {
  it('is a strong tag from a SHA-256 of the bytes, also for an empty file', async () => {
    const bytes = patterned(300_000, 5);
    expect(await tagOf(write('a.bin', bytes))).toBe(sha256Tag(bytes));
    expect(await tagOf(write('empty.bin', Buffer.alloc(0)))).toBe(sha256Tag(Buffer.alloc(0)));
  });

  it('is the same for copies with different mtimes (where the default tags differ)', async () => {
    const bytes = patterned(100_000, 9);
    const one = write('one.bin', bytes, new Date('2024-01-01T00:00:00Z'));
    const two = write('two.bin', bytes, new Date('2025-06-01T10:20:30.123Z'));
    expect(await tagOf(one)).toBe(await tagOf(two));
    expect((await describedFile(one)).etag).not.toBe((await describedFile(two)).etag);
  });

  it('is hashed once per file version: concurrent first requests share one read of the file', async () => {
    const size = 64 * 1024 * 1024;
    const path = join(dir, 'sparse.bin');
    writeFileSync(path, '');
    truncateSync(path, size); // sparse: reads cost no disk
    const sources = await Promise.all(Array.from({ length: 8 }, () => fileSource(path)));
    const before = bytesRead();
    try {
      await Promise.all(sources.map((source) => adoptContentTag(source)));
      const read = bytesRead() - before;
      expect(read).toBeGreaterThanOrEqual(size);
      expect(read).toBeLessThan(2 * size);
      expect(new Set(sources.map((source) => contentTagOf(source)))).toEqual(new Set([sha256Tag(Buffer.alloc(size))]));
      // Remembered: another request for the same version reads nothing.
      const again = bytesRead();
      expect(await tagOf(path)).toBe(sha256Tag(Buffer.alloc(size)));
      expect(bytesRead() - again).toBeLessThan(size);
    } finally {
      await Promise.all(sources.map((source) => source.close()));
    }
  });

  it(`hashes at most ${CONCURRENT_HASHES} files at once: first requests for many files queue, and all get their tags`, async () => {
    const paths = Array.from({ length: 6 }, (_, index) => {
      const path = join(dir, `queued-${index}.bin`);
      writeFileSync(path, '');
      truncateSync(path, 24 * 1024 * 1024 + index); // sparse, and each a different file
      return path;
    });
    const sources = await Promise.all(paths.map((path) => fileSource(path)));
    let most = 0;
    const sampler = setInterval(() => (most = Math.max(most, hashesRunning())), 1);
    try {
      await Promise.all(sources.map((source) => adoptContentTag(source)));
    } finally {
      clearInterval(sampler);
      await Promise.all(sources.map((source) => source.close()));
    }
    expect(most).toBe(CONCURRENT_HASHES);
    expect(hashesRunning()).toBe(0);
    sources.forEach((source, index) => expect(contentTagOf(source)).toBe(sha256Tag(Buffer.alloc(24 * 1024 * 1024 + index))));
  });

  it('keeps the event loop turning while it hashes', async () => {
    const path = join(dir, 'big-sparse.bin');
    writeFileSync(path, '');
    truncateSync(path, 256 * 1024 * 1024);
    const source = await fileSource(path);
    let turns = 0;
    const ticker = setInterval(() => turns++, 1);
    try {
      await adoptContentTag(source);
    } finally {
      clearInterval(ticker);
      await source.close();
    }
    // Hashing 256 MiB takes well over 100 ms; blocking would let the 1 ms timer fire once at most.
    expect(turns).toBeGreaterThan(20);
  });

  it('a new mtime is a new version with the same tag; bytes rewritten with the old mtime put back get a new tag', async () => {
    const stamp = new Date('2024-03-03T03:03:03Z');
    const path = write('versioned.bin', patterned(50_000, 1), stamp);
    const first = await tagOf(path);
    utimesSync(path, new Date(), new Date());
    expect(await tagOf(path)).toBe(first);
    // Same size, mtime restored (touch -r): only ctime and the bytes tell.
    writeFileSync(path, patterned(50_000, 2));
    utimesSync(path, stamp, stamp);
    expect(await tagOf(path)).toBe(sha256Tag(patterned(50_000, 2)));
  });

  it('a file described by stat alone gets the tag only once its version was hashed', async () => {
    const bytes = patterned(20_000, 3);
    const path = write('described.bin', bytes);
    const before = await describedFile(path);
    expect(adoptKnownContentTag(before)).toBe(false);
    expect(await tagOf(path)).toBe(sha256Tag(bytes));
    const after = await describedFile(path);
    expect(adoptKnownContentTag(after)).toBe(true);
    expect(contentTagOf(after)).toBe(sha256Tag(bytes));
  });

  it('other sources keep their own tag', async () => {
    const buffer = bufferSource(Buffer.from('abc'), { etag: '"mine"' });
    await adoptContentTag(buffer);
    expect(adoptKnownContentTag(buffer)).toBe(true);
    expect(contentTagOf(buffer)).toBe('"mine"');
  });

  it('a file rewritten while it is hashed fails the hash with 503 and Retry-After, and it is not remembered', async () => {
    const path = write('moving.bin', patterned(32 * 1024 * 1024, 4));
    const source: FileSource = await fileSource(path);
    try {
      const hashing = adoptContentTag(source);
      writeFileSync(path, patterned(32 * 1024 * 1024, 6)); // same inode, new mtime
      await expect(hashing).rejects.toMatchObject({ status: 503, headers: { 'Retry-After': '1' }, code: 'ECHANGED' });
    } finally {
      await source.close();
    }
    expect(await tagOf(path)).toBe(sha256Tag(patterned(32 * 1024 * 1024, 6)));
  });
});
