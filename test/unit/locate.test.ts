import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, sep } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fileLocator, type Located } from '../../src/path/locate.js';
import { servedRoot } from '../../src/path/root.js';
import { VerifiedFiles } from '../../src/path/verified-files.js';

/**
 * From a request path to the file to serve, on a real file system: what is found and what is
 * refused, and that a path trusted without `realpath` (a revalidation) is never one that now leads
 * out of the root.
 */

let base: string;
let root: string;
let outside: string;

beforeEach(() => {
  base = mkdtempSync(join(tmpdir(), 'partial-content-locate-'));
  root = join(base, 'root');
  outside = join(base, 'outside');
  mkdirSync(join(root, 'sub'), { recursive: true });
  mkdirSync(outside);
  writeFileSync(join(root, 'a.txt'), 'inside a');
  writeFileSync(join(root, 'sub', 'b.txt'), 'inside b');
  writeFileSync(join(outside, 'b.txt'), 'OUTSIDE');
  symlinkSync(join(outside, 'b.txt'), join(root, 'escape.txt'));
});
afterEach(() => rmSync(base, { recursive: true, force: true }));

function locator(verified = new VerifiedFiles()) {
  return { locate: fileLocator(servedRoot(root), 'ignore', verified), verified };
}

/** The bytes a located file gives when opened by the path it was located at (as the file source does). */
function bytesOf(found: Located): string {
  if (found.kind !== 'file') return `reject ${found.status}`;
  return readFileSync(found.path, 'utf8');
}

describe('fileLocator', () => {
  it.each([
    ['/a.txt', false, 'inside a'],
    ['/a.txt', true, 'inside a'],
    ['/sub/b.txt?v=1', true, 'inside b'],
    ['/escape.txt', false, 'reject 403'],
    ['/escape.txt', true, 'reject 403'],
    ['/sub/', false, 'reject 404'],
    ['/a.txt/..', false, 'reject 403'],
    ['/.env', false, 'reject 404'],
  ])('%s (describe %s) → %s', async (url, describe, expected) => {
    const { locate } = locator();
    const found = await locate(url, describe);
    expect(bytesOf(found)).toBe(expected);
    if (found.kind === 'file') {
      expect(found.path).toBe(join(root, url.split('?')[0]!.slice(1).split('/').join(sep)));
      expect(found.stats === undefined).toBe(!describe);
      if (describe) expect(found.stats?.ino).toBe(statSync(found.path).ino);
    }
  });

  it('rejects with the file system error for a missing file', async () => {
    await expect(locator().locate('/missing.txt', true)).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(locator().locate('/a.txt/', false)).rejects.toMatchObject({ code: 'ENOTDIR' });
  });

  it('remembers a file verified for a revalidation, and only then', async () => {
    const { locate, verified } = locator();
    await locate('/a.txt', false);
    expect(verified.has(join(root, 'a.txt'))).toBe(false);
    await locate('/a.txt', true);
    expect(verified.has(join(root, 'a.txt'))).toBe(true);
    await locate('/escape.txt', true);
    expect(verified.has(join(root, 'escape.txt'))).toBe(false);
  });

  it('refuses a verified path once a symlink put in its place leads out of root', async () => {
    const { locate, verified } = locator();
    const path = join(root, 'a.txt');
    expect(bytesOf(await locate('/a.txt', true))).toBe('inside a');
    unlinkSync(path);
    symlinkSync(join(outside, 'b.txt'), path);
    expect(bytesOf(await locate('/a.txt', true))).toBe('reject 403');
    expect(verified.has(path)).toBe(false);
  });

  it('refuses a file under a verified folder once the folder is swapped for a symlink out of root', async () => {
    const { locate } = locator();
    expect(bytesOf(await locate('/sub/b.txt', true))).toBe('inside b');
    renameSync(join(root, 'sub'), join(root, 'old-sub'));
    symlinkSync(outside, join(root, 'sub'));
    expect(bytesOf(await locate('/sub/b.txt', true))).toBe('reject 403');
  });

  it('follows a symlink switched to another file inside root (a deploy), never the file it used to name', async () => {
    writeFileSync(join(root, 'v1.txt'), 'version 1');
    writeFileSync(join(root, 'v2.txt'), 'version 2');
    symlinkSync('v1.txt', join(root, 'current.txt'));
    const { locate } = locator();
    expect(bytesOf(await locate('/current.txt', true))).toBe('version 1');
    symlinkSync('v2.txt', join(root, 'next.txt'));
    renameSync(join(root, 'next.txt'), join(root, 'current.txt'));
    const found = await locate('/current.txt', true);
    expect(bytesOf(found)).toBe('version 2');
    expect(found.kind === 'file' && found.stats?.ino).toBe(statSync(join(root, 'v2.txt')).ino);
  });

  it('opens a trusted path by its request path, so a folder renamed away and replaced by a way out is never followed', async () => {
    // link.txt → sub/b.txt is verified; then sub moves to sub2 (b.txt's own ctime does not move),
    // sub becomes a symlink out of root, and link.txt is pointed at sub2/b.txt: the same file as
    // verified. The trusted answer must be read through link.txt (inside), never through the real
    // path remembered from before (now leading outside).
    symlinkSync(join('sub', 'b.txt'), join(root, 'link.txt'));
    const { locate } = locator();
    expect(bytesOf(await locate('/link.txt', true))).toBe('inside b');
    renameSync(join(root, 'sub'), join(root, 'sub2'));
    symlinkSync(outside, join(root, 'sub'));
    unlinkSync(join(root, 'link.txt'));
    symlinkSync(join('sub2', 'b.txt'), join(root, 'link.txt'));
    expect(bytesOf(await locate('/link.txt', true))).toBe('inside b');
    expect(readFileSync(join(root, 'sub', 'b.txt'), 'utf8')).toBe('OUTSIDE'); // the trap is set
  });
});
