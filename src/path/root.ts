import { statSync } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import { resolve } from 'node:path';

/** The folder a middleware serves: its absolute path, its real path, and the one-time warning. */
export interface ServedRoot {
  /** `root` resolved against the working directory at creation. */
  readonly absolute: string;
  /** The root's real path (symlinks resolved); rejects while it is missing or not a folder. */
  real(): Promise<string>;
  /**
   * Called when a request's file was not found: if the root itself is missing or not a folder, warns
   * once (`process.emitWarning`), since otherwise every request falls through with no hint why.
   */
  explainNotFound(): Promise<void>;
}

/**
 * Checks `root` at creation: a path that names an existing file (or anything but a folder) is a
 * `TypeError`, because nothing under it can ever be served. A folder that does not exist yet is
 * accepted, as serve-static accepts it — it may be a mount or an upload folder created later — and the
 * first request that finds it still missing emits a warning naming the absolute path and the working
 * directory it was resolved against.
 */
export function servedRoot(root: string): ServedRoot {
  const cwd = process.cwd();
  const absolute = resolve(cwd, root);
  const stats = statSync(absolute, { throwIfNoEntry: false });
  if (stats !== undefined && !stats.isDirectory()) {
    throw new TypeError(
      `root must be a folder, but ${absolute} is not one; to serve a single file use sendRange(req, res, path)`,
    );
  }

  let realRoot: Promise<string> | undefined;
  let warned = false;
  const real = (): Promise<string> => {
    realRoot ??= realFolder(absolute).catch((error: unknown) => {
      realRoot = undefined; // the folder may appear later
      throw error;
    });
    return realRoot;
  };

  return {
    absolute,
    real,
    async explainNotFound() {
      if (warned) return;
      try {
        await real();
      } catch (error) {
        if (warned) return;
        warned = true;
        const problem = (error as NodeJS.ErrnoException).code === 'ENOTDIR' ? 'is not a folder' : 'does not exist';
        process.emitWarning(
          `partialContent: the root ${absolute} ${problem}, so every request falls through. A relative root is ` +
            `resolved against the working directory when the middleware is created (it was ${cwd}, ` +
            `root '${root}'); build it from your module's folder: path.join(import.meta.dirname, 'media').`,
          { type: 'PartialContentWarning', code: 'PARTIAL_CONTENT_ROOT' },
        );
      }
    },
  };
}

async function realFolder(path: string): Promise<string> {
  const real = await realpath(path);
  if (!(await stat(real)).isDirectory()) throw Object.assign(new Error(`${real} is not a folder`), { code: 'ENOTDIR' });
  return real;
}
