import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toSource } from '../../src/sources/to-source.js';
import type { Source } from '../../src/types.js';

/** What sendRange accepts as its source argument, and what it refuses before anything is written. */

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'partial-content-to-source-'));
  writeFileSync(join(dir, 'a.bin'), Buffer.from('hello'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const open = (): Readable => Readable.from([]);

describe('toSource', () => {
  it('a path becomes an opened file source described by fstat', async () => {
    const source = await toSource(join(dir, 'a.bin'));
    try {
      expect([source.size, source.name, typeof source.etag]).toEqual([5, join(dir, 'a.bin'), 'string']);
    } finally {
      await source.close?.();
    }
  });

  it('a missing path rejects with ENOENT', async () => {
    await expect(toSource(join(dir, 'missing.bin'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it.each([
    ['a Buffer', Buffer.from('abc'), 3],
    ['a Uint8Array', new Uint8Array([1, 2, 3, 4]), 4],
    ['an empty Buffer', Buffer.alloc(0), 0],
  ])('%s becomes a buffer source of its length', async (_name, bytes, size) => {
    const source = await toSource(bytes);
    expect(source.size).toBe(size);
    expect(source.etag).toMatch(/^"[^"]+"$/); // strong
  });

  it('a Source object is used as it is, and so is a promise of one', async () => {
    const custom: Source = { size: 10, open };
    expect(await toSource(custom)).toBe(custom);
    expect(await toSource(Promise.resolve(custom))).toBe(custom);
  });

  it.each([
    ['null', null],
    ['a number', 42],
    ['an object without open', { size: 10 }],
    ['open that is not a function', { size: 10, open: 'stream' }],
    ['a missing size', { open }],
    ['a negative size', { size: -1, open }],
    ['a fractional size', { size: 1.5, open }],
    ['a size past 2^53', { size: 2 ** 53, open }],
    ['a NaN size', { size: Number.NaN, open }],
    ['an infinite size', { size: Infinity, open }],
    ['a size given as a string', { size: '10', open }],
    ['a promise of something that is not a Source', Promise.resolve({ size: 10 })],
  ])('refuses %s with a TypeError that says what is wrong', async (_name, input) => {
    await expect(toSource(input as never)).rejects.toThrow(TypeError);
    await expect(toSource(input as never)).rejects.toThrow(/^sendRange: (the source must be|source\.size must be)/);
  });
});
