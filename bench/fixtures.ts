import { closeSync, ftruncateSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { patterned } from '../test/helpers/fixtures.js';

/** Pattern period: byte i of a file is (i + offset) mod 251, so no misplaced slice looks right. */
const PERIOD = 251;
const BLOCK = PERIOD * 65_536; // ~16 MiB, a whole number of periods

/** A served file and how to compute any of its bytes. */
export interface FileSpec {
  /** URL path, e.g. `/r64m.bin`. */
  readonly url: string;
  readonly size: number;
  /** Pattern offset, or `'zero'` for a sparse file (all zero bytes). */
  readonly fill: number | 'zero';
}

export interface Fixtures {
  readonly root: string;
  readonly r64m: FileSpec;
  readonly r1g: FileSpec;
  readonly whole1m: FileSpec;
  readonly many: readonly FileSpec[];
  /** Rewritten by the freshness check; starts as {@link FRESH_A}. */
  readonly fresh: FileSpec;
  cleanup(): void;
}

export const MANY_COUNT = 1000;
export const MANY_SIZE = 4096;
export const FRESH_A = { size: 10_000, fill: 1 } as const;
export const FRESH_B = { size: 12_345, fill: 2 } as const;

let block: Buffer | undefined;

/** The expected bytes `start..end` (inclusive) of a fixture file: the tests' pattern. */
export function expectedBytes(spec: Pick<FileSpec, 'fill'>, start: number, end: number): Buffer {
  const length = end - start + 1;
  return spec.fill === 'zero' ? Buffer.alloc(length) : patterned(length, start + spec.fill);
}

/** Writes a patterned file of `size` bytes (or a sparse one of zeros). */
export function writeFixture(path: string, size: number, fill: number | 'zero'): void {
  const fd = openSync(path, 'w');
  try {
    if (fill === 'zero') {
      ftruncateSync(fd, size);
      return;
    }
    block ??= patterned(BLOCK + PERIOD);
    const chunk = block.subarray(fill % PERIOD, (fill % PERIOD) + BLOCK);
    for (let written = 0; written < size; ) {
      const length = Math.min(BLOCK, size - written);
      let done = 0;
      while (done < length) done += writeSync(fd, chunk, done, length - done, written + done);
      written += length;
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * Creates the served folder in a fresh temp directory. The 1 GiB file is real (patterned) unless
 * `sparse`, where it is a hole of zeros: no disk writes, same page-cache path for the readers.
 */
export function createFixtures(options: { sparse: boolean }): Fixtures {
  const base = mkdtempSync(join(tmpdir(), 'partial-content-bench-'));
  const root = join(base, 'root');
  mkdirSync(join(root, 'many'), { recursive: true });
  const file = (url: string, size: number, fill: number | 'zero'): FileSpec => {
    writeFixture(join(root, url), size, fill);
    return { url, size, fill };
  };
  const many: FileSpec[] = [];
  for (let i = 0; i < MANY_COUNT; i++) many.push(file(manyUrl(i), MANY_SIZE, i));
  return {
    root,
    r64m: file('/r64m.bin', 64 * 1024 * 1024, 0),
    r1g: file('/r1g.bin', 1024 * 1024 * 1024, options.sparse ? 'zero' : 3),
    whole1m: file('/whole1m.bin', 1024 * 1024, 5),
    many,
    fresh: file('/fresh.bin', FRESH_A.size, FRESH_A.fill),
    cleanup: () => rmSync(base, { recursive: true, force: true }),
  };
}

export function manyUrl(index: number): string {
  return `/many/f${String(index).padStart(3, '0')}.bin`;
}

/** Replaces the freshness file's content (a new size and pattern). */
export function rewriteFresh(fixtures: Fixtures, version: typeof FRESH_A | typeof FRESH_B): void {
  writeFileSync(join(fixtures.root, fixtures.fresh.url), expectedBytes(version, 0, version.size - 1));
}
