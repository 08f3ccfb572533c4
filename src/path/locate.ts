import { stat, type Stats } from 'node:fs';
import { realpath } from 'node:fs/promises';
import { sep } from 'node:path';
import { isInside, resolvePath } from './resolve-path.js';
import type { ServedRoot } from './root.js';
import { VerifiedFiles } from './verified-files.js';

/** Where a request path leads inside a served root. */
export type Located =
  /** A file inside the root; `stats` (a `stat` of `path`) when asked to describe it. */
  | { readonly kind: 'file'; readonly path: string; readonly stats: Stats | undefined }
  | { readonly kind: 'reject'; readonly status: 400 | 403 | 404; readonly reason: string };

/**
 * Finds the file a request path names: `(url, describe) => Promise<Located>`. It rejects with the
 * file system's error (ENOENT, EACCES, …) when there is nothing to serve; the caller maps it to a status.
 */
export type Locator = (url: string, describe: boolean) => Promise<Located>;

/**
 * The middleware's and `serveFiles`' way from a request path to a file: the path is resolved inside
 * `root` without touching the disk (no `..`, dotfiles as asked), then `realpath` proves that no
 * symlink leads out of it. The file is named, opened and typed by the request's own path, as
 * serve-static does; the real path only decides whether it may be served.
 *
 * With `describe` (a revalidation, which usually ends in a 304 that needs no bytes), the file is
 * also `stat`ed, and a path verified moments ago whose `stat` shows the same file skips `realpath`
 * ({@link VerifiedFiles}): one thread-pool round trip instead of two.
 */
export function fileLocator(root: ServedRoot, dotfiles: 'ignore' | 'deny' | 'allow', verified = new VerifiedFiles()): Locator {
  return async function locate(url, describe) {
    const target = resolvePath(root.absolute, url, dotfiles);
    if (target.kind === 'reject') return target;
    const path = target.absolute;
    try {
      if (describe && verified.has(path)) {
        const stats = await statOf(path);
        if (verified.vouchesFor(path, stats)) return { kind: 'file', path, stats };
      }
      // A symlink may point anywhere; only its real target's place counts.
      if (!isInside(await root.real(), await realpath(path))) return { kind: 'reject', status: 403, reason: 'symlink outside root' };
      // A trailing slash names a folder, never a file: said here rather than left to each runtime's
      // realpath (Node says ENOTDIR for `file/`, Deno's node:fs resolves it to the file).
      if (path.endsWith(sep)) return { kind: 'reject', status: 404, reason: 'not a file' };
      if (!describe) return { kind: 'file', path, stats: undefined };
      const stats = await statOf(path);
      verified.remember(path, stats);
      return { kind: 'file', path, stats };
    } catch (error) {
      await root.explainNotFound();
      throw error;
    }
  };
}

function statOf(path: string): Promise<Stats> {
  return new Promise((resolve, reject) => stat(path, (error, stats) => (error === null ? resolve(stats) : reject(error))));
}
