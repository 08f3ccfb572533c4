import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * The path-traversal corpus: request targets as an attacker would type them (relative to the mount
 * point), each with its documented outcome. SECURITY.md summarises this table by family.
 *
 * - `reject`: the middleware refuses before touching the file system, or after the realpath check:
 *   `next()` with `fallthrough: true`, `next(err)` with that status with `fallthrough: false`.
 * - `serve`: the named fixture file, byte for byte.
 * - `node`: Node's HTTP parser answers (400 bad request line, 431 headers too large); no handler runs.
 *
 * `absoluteForm` sends the target as `http://127.0.0.1<mount><path>` (RFC 9112 §3.2.2).
 */
export type Outcome =
  | { readonly reject: 400 | 403 | 404 }
  | { readonly serve: string }
  | { readonly node: 400 | 431 };

export interface TraversalCase {
  readonly family: string;
  readonly path: string;
  readonly outcome: Outcome;
  readonly absoluteForm?: boolean;
}

/** Files and links the corpus needs beyond the shared fixtures (created by the suite). */
export const LONG_NAME = `${'n'.repeat(200)}.txt`;
export const EXTRA_FILES: Readonly<Record<string, string>> = {
  '.git/config': '[core] GIT-CONFIG-MARKER',
  '音楽.mp3': 'non-ASCII name, CJK',
  '%2e%2e.txt': 'a file literally named %2e%2e.txt',
  'report.final.txt': 'reached through %2e inside a name',
  'ab:c.txt': 'a colon that is not a drive letter',
  'end.': 'a trailing dot is part of a POSIX name',
  'track..': 'two trailing dots are a name, not a parent',
  [LONG_NAME]: 'a 204-byte name is legitimate',
};

/** Markers of bytes that must never appear in any answer. */
/**
 * Writes the corpus's own fixtures into `root` (a .git folder, odd legitimate names, more symlinks:
 * to `/`, out of root, up, a loop, a dangling one) and gives the files' contents by name.
 */
export function addCorpusFixtures(root: string): Record<string, Buffer> {
  const extra: Record<string, Buffer> = {};
  for (const [name, text] of Object.entries(EXTRA_FILES)) {
    mkdirSync(dirname(join(root, name)), { recursive: true });
    writeFileSync(join(root, name), text);
    extra[name] = Buffer.from(text);
  }
  symlinkSync('/', join(root, 'fs-root'));
  symlinkSync('../../outside', join(root, 'sub', 'out'));
  symlinkSync('..', join(root, 'sub', 'up'));
  symlinkSync('sub', join(root, 'inner-dir'));
  symlinkSync('loop', join(root, 'loop'));
  symlinkSync('does-not-exist', join(root, 'dangling'));
  return extra;
}

export const SECRETS = ['outside root', 'SECRET=1', 'GIT-CONFIG-MARKER', 'root:x:0:0', 'hidden'] as const;

const r400 = { reject: 400 } as const;
const r403 = { reject: 403 } as const;
const r404 = { reject: 404 } as const;
const serve = (name: string): Outcome => ({ serve: name });

/** `outsideAbsolute` is the absolute path of the folder beside root that holds secret.txt. */
export function traversalCorpus(outsideAbsolute: string): TraversalCase[] {
  const cases: Array<[string, string, Outcome, boolean?]> = [
    // Plain parent segments: any `..` segment is refused, even one that would stay inside root.
    ['dot-dot', '/../outside/secret.txt', r403],
    ['dot-dot', '/../../../../../../etc/passwd', r403],
    ['dot-dot', '/sub/../../outside/secret.txt', r403],
    ['dot-dot', '/sub/../nums.txt', r403],
    ['dot-dot', '/..', r403],
    ['dot-dot', '/sub/..', r403],
    ['dot-dot', '/sub/../.env', r403],

    // Percent-encoded dots, either case, mixed with literal dots.
    ['encoded dots', '/%2e%2e/outside/secret.txt', r403],
    ['encoded dots', '/%2E%2E/outside/secret.txt', r403],
    ['encoded dots', '/.%2e/outside/secret.txt', r403],
    ['encoded dots', '/%2e./outside/secret.txt', r403],
    ['encoded dots', '/%2E%2e/%2e%2E/etc/passwd', r403],
    ['encoded dots', '/%2e%2e', r403],
    ['encoded dots', '/sub/%2e%2e/%2e%2e/outside/secret.txt', r403],
    ['encoded dots', '/.%2E/%2e./outside/secret.txt', r403],

    // Encoded slashes: `%2f` decodes to a separator, so `..%2f` is a parent segment.
    ['encoded slash', '/..%2foutside%2fsecret.txt', r403],
    ['encoded slash', '/..%2Foutside%2Fsecret.txt', r403],
    ['encoded slash', '/%2e%2e%2f%2e%2e%2f%2e%2e%2fetc%2fpasswd', r403],
    ['encoded slash', '/sub%2f..%2f..%2foutside%2fsecret.txt', r403],
    ['encoded slash', '/%2f..%2foutside/secret.txt', r403],

    // Backslashes, raw or encoded, anywhere in the path (Windows separators, UNC paths).
    ['backslash', '/..\\outside\\secret.txt', r403],
    ['backslash', '/..%5coutside%5csecret.txt', r403],
    ['backslash', '/..%5Coutside%5Csecret.txt', r403],
    ['backslash', '/%2e%2e%5c%2e%2e%5cetc%5cpasswd', r403],
    ['backslash', '/sub\\track.ogg', r403],
    ['backslash', '/\\\\server\\share\\x', r403],
    ['backslash', '/%5c%5cserver%5cshare', r403],
    ['backslash', '/%2e%2e\\outside/secret.txt', r403],

    // Double encoding: decoded exactly once, so `%252e` is the literal text `%2e` (no such file).
    ['double encoding', '/%252e%252e/outside/secret.txt', r404],
    ['double encoding', '/%252e%252e%252foutside%252fsecret.txt', r404],
    ['double encoding', '/%25%32%65%25%32%65/outside/secret.txt', r404],
    ['double encoding', '/..%255c..%255cetc%255cpasswd', r404],
    ['double encoding', '/%25252e%25252e/outside/secret.txt', r404],

    // Overlong and invalid UTF-8 (the IIS/Tomcat `%c0%ae` family), IIS `%u`, bad escapes: 400.
    ['overlong UTF-8', '/%c0%ae%c0%ae/outside/secret.txt', r400],
    ['overlong UTF-8', '/%c0%af..%c0%afoutside', r400],
    ['overlong UTF-8', '/..%c0%afoutside%c0%afsecret.txt', r400],
    ['overlong UTF-8', '/..%c1%9coutside', r400],
    ['overlong UTF-8', '/%e0%80%ae%e0%80%ae/outside', r400],
    ['overlong UTF-8', '/%f0%80%80%ae%f0%80%80%ae/outside', r400],
    ['overlong UTF-8', '/%C0%AE%C0%AE%C0%AFoutside', r400],
    ['bad escape', '/%u002e%u002e/outside', r400],
    ['bad escape', '/%', r400],
    ['bad escape', '/%zz', r400],
    ['bad escape', '/%2', r400],
    ['bad escape', '/..%', r400],

    // Unicode look-alikes of `.` and `/` are ordinary characters: no such file.
    ['look-alike', '/%ef%bc%8e%ef%bc%8e/outside/secret.txt', r404], // fullwidth full stops
    ['look-alike', '/%e2%80%a5/outside/secret.txt', r404], // two-dot leader
    ['look-alike', '/..%e2%88%95outside%e2%88%95secret.txt', r404], // division slash
    ['look-alike', '/..%ef%bc%8foutside', r404], // fullwidth solidus

    // NUL bytes, encoded (raw ones are refused by Node's parser, below).
    ['NUL', '/nums.txt%00', r400],
    ['NUL', '/nums.txt%00.mp3', r400],
    ['NUL', '/%00../outside', r400],
    ['NUL', '/..%00/outside/secret.txt', r400],
    ['NUL', '/escape.txt%00', r400],

    // Absolute paths: joined under root, never taken as they are.
    ['absolute path', '//etc/passwd', r404],
    ['absolute path', '/%2fetc%2fpasswd', r404],
    ['absolute path', '/%2F%2Fetc/passwd', r404],
    ['absolute path', `/${outsideAbsolute}/secret.txt`, r404],
    ['absolute path', `/${encodeURIComponent(`${outsideAbsolute}/secret.txt`)}`, r404],
    ['absolute-form', '/../outside/secret.txt', r403, true],
    ['absolute-form', '/%2e%2e/outside/secret.txt', r403, true],
    ['absolute-form', '/..%2f..%2fetc%2fpasswd', r403, true],

    // Windows drive letters in any segment.
    ['drive letter', '/C:/Windows/win.ini', r403],
    ['drive letter', '/c:%5cwindows%5cwin.ini', r403],
    ['drive letter', '/C%3A%5CWindows', r403],
    ['drive letter', '/sub/C:/x', r403],
    ['drive letter', '/D:', r403],
    ['drive letter', '/z%3a..%2f..%2fetc', r403],

    // Trailing dots and spaces are not stripped (they are on Windows file systems): no such file.
    ['trailing dot/space', '/nums.txt.', r404],
    ['trailing dot/space', '/nums.txt%20', r404],
    ['trailing dot/space', '/nums.txt...', r404],
    ['trailing dot/space', '/nums.txt%20.', r404],
    ['trailing dot/space', '/.env.', r404],
    ['trailing dot/space', '/.env%20', r404],
    ['trailing dot/space', '/nums.txt::$DATA', r404],

    // Very long paths under Node's 16 KiB header limit: no such file, or a refused `..`.
    ['long path', `/${'a'.repeat(8192)}`, r404],
    ['long path', `/${'a/'.repeat(3000)}nums.txt`, r404],
    ['long path', `/${'../'.repeat(2500)}etc/passwd`, r403],
    ['long path', `/${'%2e%2e%2f'.repeat(1500)}etc/passwd`, r403],
    ['long path', `/${'./'.repeat(3000)}../outside/secret.txt`, r403],

    // Dotfiles and dot-directories (dotfiles: 'ignore' acts as if they did not exist).
    ['dotfile', '/.env', r404],
    ['dotfile', '/.git/config', r404],
    ['dotfile', '/.git/', r404],
    ['dotfile', '/.hidden/', r404],
    ['dotfile', '/.hidden/inside.txt', r404],
    ['dotfile', '/%2eenv', r404],
    ['dotfile', '/%2Egit%2Fconfig', r404],
    ['dotfile', '/sub/%2e%2fnums.txt/../.env', r403],
    ['dotfile', '/...', r404],

    // Symlinks: only the real path counts.
    ['symlink', '/escape.txt', r403],
    ['symlink', '/escape%2etxt', r403],
    ['symlink', '/escape-dir/secret.txt', r403],
    ['symlink', '/escape-dir/', r403],
    ['symlink', '/escape-dir', r403],
    ['symlink', '/fs-root/etc/passwd', r403],
    ['symlink', '/sub/out/secret.txt', r403],
    ['symlink', '/loop', r404],
    ['symlink', '/dangling', r404],

    // A trailing slash names a directory: a file there is ENOTDIR, as for send (no file is served).
    ['trailing slash', '/nums.txt/', r404],
    ['trailing slash', '/nums.txt%2f', r404],
    ['trailing slash', '/nums.txt//', r404],
    ['trailing slash', '/nums.txt/.', r404],
    ['trailing slash', '/sub/track.ogg/', r404],
    ['trailing slash', '/alias.txt/', r404],
    ['trailing slash', '/nums.txt/?v=1', r404],

    // Directories are not files.
    ['directory', '/', r404],
    ['directory', '/sub', r404],
    ['directory', '/sub/', r404],
    ['directory', '/.', r404],
  ];

  // Twins: names that look like an attack and are legitimate, served byte for byte.
  const twins: Array<[string, string, Outcome, boolean?]> = [
    ['twin', '/nums.txt', serve('nums.txt')],
    ['twin', '/foo..bar.txt', serve('foo..bar.txt')],
    ['twin', '/foo%2e%2ebar.txt', serve('foo..bar.txt')],
    ['twin', '/track..', serve('track..')],
    ['twin', '/some%20thing.txt', serve('some thing.txt')],
    ['twin', '/na%C3%AFve%20caf%C3%A9.txt', serve('naïve café.txt')],
    ['twin', '/%E9%9F%B3%E6%A5%BD.mp3', serve('音楽.mp3')],
    ['twin', '/%252e%252e.txt', serve('%2e%2e.txt')],
    ['twin', '/report%2efinal.txt', serve('report.final.txt')],
    ['twin', '/report%2Efinal.txt', serve('report.final.txt')],
    ['twin', '/sub%2ftrack.ogg', serve('sub/track.ogg')],
    ['twin', '/sub/./track.ogg', serve('sub/track.ogg')],
    ['twin', '/./nums.txt', serve('nums.txt')],
    ['twin', '//nums.txt', serve('nums.txt')],
    ['twin', '/sub//track.ogg', serve('sub/track.ogg')],
    ['twin', '/nums.txt?trailing=/', serve('nums.txt')],
    ['twin', '/alias.txt', serve('nums.txt')],
    ['twin', '/inner-dir/track.ogg', serve('sub/track.ogg')],
    ['twin', '/sub/up/nums.txt', serve('nums.txt')],
    ['twin', '/ab:c.txt', serve('ab:c.txt')],
    ['twin', '/end.', serve('end.')],
    ['twin', `/${LONG_NAME}`, serve(LONG_NAME)],
    ['twin', '/nums.txt?../../outside/secret.txt', serve('nums.txt')],
    ['twin', '/nums.txt?%00', serve('nums.txt')],
    ['twin', '/nums.txt?%', serve('nums.txt')],
    ['twin', '/nums.txt', serve('nums.txt'), true],
    ['twin', '/sub/track.ogg?x=1', serve('sub/track.ogg'), true],
  ];

  return [...cases, ...twins].map(([family, path, outcome, absoluteForm]) =>
    absoluteForm === true ? { family, path, outcome, absoluteForm } : { family, path, outcome },
  );
}

/** Targets Node's parser refuses before any handler runs (written byte for byte). */
export const NODE_REFUSED: ReadonlyArray<{ readonly target: string; readonly status: 400 | 431 }> = [
  { target: 'nums.txt', status: 400 },
  { target: '../outside/secret.txt', status: 400 },
  { target: '\\..\\outside\\secret.txt', status: 400 },
  { target: '/a\x00b', status: 400 },
  { target: '/caf\xc3\xa9.txt', status: 400 },
  { target: '/a\tb', status: 400 },
  { target: `/${'a'.repeat(20_000)}`, status: 431 },
];
