import { join, sep } from 'node:path';

/** The outcome of mapping a request path onto the root. */
export type ResolveResult =
  | { readonly kind: 'ok'; readonly absolute: string }
  | { readonly kind: 'reject'; readonly status: 400 | 403 | 404; readonly reason: string };

/**
 * Maps a request path (relative to the mount point, query string allowed) to an absolute path
 * inside `root`, without touching the file system.
 *
 * Percent-decoding happens exactly once, so `%252e` stays the literal name `%2e`. Malformed
 * encoding and NUL bytes → 400; `..` segments, backslashes and drive letters → 403; dotfiles →
 * 404 (`'ignore'`) or 403 (`'deny'`). Containment is checked on the normalised path ({@link isInside}).
 * A path ending in `/` keeps its trailing separator, so only a directory can match it. Symlinks are the
 * caller's job (compare real paths).
 */
export function resolvePath(root: string, requestPath: string, dotfiles: 'ignore' | 'deny' | 'allow'): ResolveResult {
  const query = requestPath.indexOf('?');
  // An absolute-form target (`GET http://host/a.mp3`, RFC 9112 §3.2.2) keeps its scheme and authority
  // in req.url, even under an Express mount: only the path after them names the file.
  const encoded = (query === -1 ? requestPath : requestPath.slice(0, query)).replace(ABSOLUTE_FORM, '');
  let decoded: string;
  try {
    decoded = decodeURIComponent(encoded);
  } catch {
    return { kind: 'reject', status: 400, reason: 'malformed percent-encoding' };
  }
  if (decoded.includes('\0')) return { kind: 'reject', status: 400, reason: 'NUL byte' };
  // A backslash is a separator on Windows; nowhere is it a legitimate part of a media URL.
  if (decoded.includes('\\')) return { kind: 'reject', status: 403, reason: 'backslash' };

  const segments = decoded.split('/');
  for (const segment of segments) {
    if (segment === '..') return { kind: 'reject', status: 403, reason: 'parent segment' };
    if (/^[a-z]:/i.test(segment)) return { kind: 'reject', status: 403, reason: 'drive letter' };
    if (segment.startsWith('.') && segment !== '.' && dotfiles !== 'allow') {
      return dotfiles === 'deny'
        ? { kind: 'reject', status: 403, reason: 'dotfile' }
        : { kind: 'reject', status: 404, reason: 'dotfile' };
    }
  }

  const normalized = join(root, ...segments);
  if (!isInside(root, normalized)) return { kind: 'reject', status: 403, reason: 'outside root' };
  // A path ending in `/` or `/.` names a directory. join() would drop that, and `track.mp3/` would
  // serve the file; kept, the file system answers ENOTDIR for a file (a 404), as it does for send.
  const last = segments[segments.length - 1];
  return { kind: 'ok', absolute: last === '' || last === '.' ? `${normalized}${sep}` : normalized };
}

/** `scheme://authority` at the start of an absolute-form request target. */
const ABSOLUTE_FORM = /^[a-z][a-z\d+.-]*:\/\/[^/]*/i;

/**
 * Whether `candidate` is `root` or below it. Both must be absolute and normalised (as `path.resolve`,
 * `path.join` and `realpath` return them: no `.`/`..` segments, no doubled or trailing separator),
 * so a prefix that ends at a separator is exact: `/srv/media-other` is not inside `/srv/media`.
 * Allocates nothing, unlike `path.relative` (two resolves per call; 2 KiB less garbage per response
 * with the middleware's two checks, bench/RESULTS.md).
 */
export function isInside(root: string, candidate: string): boolean {
  if (!candidate.startsWith(root)) return false;
  return candidate.length === root.length || root.endsWith(sep) || candidate.startsWith(sep, root.length);
}
