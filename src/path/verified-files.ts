import type { Stats } from 'node:fs';

/** How long a verified file is trusted without a new `realpath` (see {@link VerifiedFiles}). */
export const VERIFIED_FOR_MS = 10_000;

/** Request paths remembered at most; the oldest goes first. An entry is about 150 bytes. */
export const VERIFIED_FILES_CAPACITY = 4096;

interface Identity {
  readonly dev: number;
  readonly ino: number;
  readonly ctimeMs: number;
  readonly until: number;
}

/**
 * Files whose request path was found inside the served root by `realpath`, remembered with the
 * identity of the file the path named then (device, inode, ctime). A later `stat` of the same path
 * that shows that identity names the same file, unchanged: any link, unlink, rename or chmod of it
 * moves its ctime. So a revalidation can be answered from its one `stat` instead of `realpath` +
 * `stat` — the second thread-pool round trip that made a 304 cost more than express.static's.
 * Entries expire after {@link VERIFIED_FOR_MS}, which also bounds how long the result of a race
 * between `realpath` and `stat` (a symlink swapped in between) could be trusted.
 */
export class VerifiedFiles {
  private readonly entries = new Map<string, Identity>();

  constructor(
    private readonly capacity = VERIFIED_FILES_CAPACITY,
    private readonly trustedForMs = VERIFIED_FOR_MS,
    private readonly now: () => number = Date.now,
  ) {}

  /** Remembers that `path`, just found inside the root, names the regular file `stats` describes. */
  remember(path: string, stats: Stats): void {
    if (!stats.isFile()) return;
    this.entries.delete(path);
    this.entries.set(path, { dev: stats.dev, ino: stats.ino, ctimeMs: stats.ctimeMs, until: this.now() + this.trustedForMs });
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value as string);
  }

  /** Whether `path` was verified and still names that same, unchanged file (`stats`: a `stat` of it now). */
  vouchesFor(path: string, stats: Stats): boolean {
    const known = this.entries.get(path);
    if (known === undefined) return false;
    if (known.until > this.now() && known.ino === stats.ino && known.dev === stats.dev && known.ctimeMs === stats.ctimeMs) return true;
    this.entries.delete(path);
    return false;
  }

  /** Whether `path` has an entry (expired or not): only then is a `stat` before `realpath` worth it. */
  has(path: string): boolean {
    return this.entries.has(path);
  }
}
