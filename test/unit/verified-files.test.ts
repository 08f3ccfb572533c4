import { mkdtempSync, renameSync, rmSync, statSync, writeFileSync, chmodSync, linkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VerifiedFiles } from '../../src/path/verified-files.js';

/** What may stand in for `realpath`: a path whose stat still shows the file verified, unchanged. Real files. */

let dir: string;
let counter = 0;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'partial-content-verified-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function freshFile(): string {
  const path = join(dir, `${++counter}.bin`);
  writeFileSync(path, 'bytes');
  return path;
}

/** Waits (at most 1 s) until the file system's clock has moved past `path`'s ctime, so a change moves it. */
function afterCtimeOf(path: string): void {
  const ctime = statSync(path).ctimeMs;
  const probe = `${path}.probe`;
  const deadline = Date.now() + 1_000;
  do writeFileSync(probe, '');
  while (statSync(probe).ctimeMs <= ctime && Date.now() < deadline);
}

describe('VerifiedFiles', () => {
  it('vouches for a remembered path while its stat shows the same, unchanged file', () => {
    const verified = new VerifiedFiles();
    const path = freshFile();
    expect(verified.has(path)).toBe(false);
    expect(verified.vouchesFor(path, statSync(path))).toBe(false);
    verified.remember(path, statSync(path));
    expect(verified.has(path)).toBe(true);
    expect(verified.vouchesFor(path, statSync(path))).toBe(true);
  });

  it.each([
    ['another file renamed over it (another inode)', (path: string) => renameSync(freshFile(), path)],
    ['a chmod (ctime moves)', (path: string) => chmodSync(path, 0o600)],
    ['a hard link added elsewhere (ctime moves)', (path: string) => linkSync(path, `${path}.link`)],
    ['a rewrite in place (ctime moves)', (path: string) => writeFileSync(path, 'other')],
  ])('stops vouching after %s, and forgets the path', (_case, change) => {
    const verified = new VerifiedFiles();
    const path = freshFile();
    verified.remember(path, statSync(path));
    afterCtimeOf(path);
    change(path);
    expect(verified.vouchesFor(path, statSync(path))).toBe(false);
    expect(verified.has(path)).toBe(false);
  });

  it('does not vouch for a path with the stat of another file', () => {
    const verified = new VerifiedFiles();
    const path = freshFile();
    verified.remember(path, statSync(path));
    expect(verified.vouchesFor(path, statSync(freshFile()))).toBe(false);
  });

  it('trusts an entry only for its time, then asks for realpath again', () => {
    let now = 1_000;
    const verified = new VerifiedFiles(10, 500, () => now);
    const path = freshFile();
    verified.remember(path, statSync(path));
    now += 499;
    expect(verified.vouchesFor(path, statSync(path))).toBe(true);
    now += 1;
    expect(verified.vouchesFor(path, statSync(path))).toBe(false);
    expect(verified.has(path)).toBe(false);
  });

  it('keeps at most its capacity, dropping the oldest', () => {
    const verified = new VerifiedFiles(3);
    const paths = [freshFile(), freshFile(), freshFile(), freshFile()];
    for (const path of paths) verified.remember(path, statSync(path));
    expect(paths.map((path) => verified.has(path))).toEqual([false, true, true, true]);
  });

  it('remembers regular files only', () => {
    const verified = new VerifiedFiles();
    verified.remember(dir, statSync(dir));
    expect(verified.has(dir)).toBe(false);
  });
});
