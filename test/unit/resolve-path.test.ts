import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isInside, resolvePath } from '../../src/path/resolve-path.js';

const ROOT = '/srv/media';

describe('resolvePath: served', () => {
  it.each([
    { path: '/song.mp3', file: 'song.mp3' },
    { path: '/song.mp3?x=1', file: 'song.mp3' },
    { path: '/sub/track.ogg', file: 'sub/track.ogg' },
    { path: '/some%20thing.txt', file: 'some thing.txt' },
    { path: '/foo..bar.txt', file: 'foo..bar.txt' },
    { path: '/na%C3%AFve%20caf%C3%A9.txt', file: 'naïve café.txt' },
    { path: '/%252e%252e/x', file: '%2e%2e/x' }, // decoded once: a literal folder named %2e%2e
    { path: '//sub//track.ogg', file: 'sub/track.ogg' },
    { path: '/./song.mp3', file: 'song.mp3' },
    { path: '/12:00.mp3', file: '12:00.mp3' },
  ])('$path → $file', ({ path, file }) => {
    expect(resolvePath(ROOT, path, 'ignore')).toEqual({ kind: 'ok', absolute: join(ROOT, file) });
  });

  // A trailing slash names a directory: kept, so a file there is ENOTDIR (send and the shell agree).
  it.each([
    { path: '/', absolute: '/srv/media/' },
    { path: '/.', absolute: '/srv/media/' },
    { path: '/song.mp3/', absolute: '/srv/media/song.mp3/' },
    { path: '/song.mp3/.', absolute: '/srv/media/song.mp3/' },
    { path: '/song.mp3%2F', absolute: '/srv/media/song.mp3/' },
    { path: '/song.mp3//?x=1', absolute: '/srv/media/song.mp3/' },
    { path: '/sub/', absolute: '/srv/media/sub/' },
  ])('$path keeps its directory form: $absolute', ({ path, absolute }) => {
    expect(resolvePath(ROOT, path, 'ignore')).toEqual({ kind: 'ok', absolute });
  });
});

describe('resolvePath: rejected', () => {
  it.each([
    { path: '/%E0%A4%A', status: 400 },
    { path: '/%', status: 400 },
    { path: '/a%00.mp3', status: 400 },
    { path: '/../etc/passwd', status: 403 },
    { path: '/%2e%2e/etc/passwd', status: 403 },
    { path: '/%2E%2E%2Fetc%2Fpasswd', status: 403 },
    { path: '/sub/..%2f..%2fetc', status: 403 },
    { path: '/..%5c..%5cetc', status: 403 },
    { path: '/sub\\..\\x', status: 403 },
    { path: '/C:/Windows/win.ini', status: 403 },
    { path: '/c%3a%5cboot.ini', status: 403 },
    { path: '/sub/../song.mp3', status: 403 },
    { path: '/.env', status: 404 },
    { path: '/.git/config', status: 404 },
    { path: '/sub/.hidden', status: 404 },
  ])('$path → $status', ({ path, status }) => {
    expect(resolvePath(ROOT, path, 'ignore')).toMatchObject({ kind: 'reject', status });
  });
});

describe('resolvePath: dotfiles option', () => {
  it.each([
    { dotfiles: 'ignore', result: { kind: 'reject', status: 404 } },
    { dotfiles: 'deny', result: { kind: 'reject', status: 403 } },
    { dotfiles: 'allow', result: { kind: 'ok', absolute: join(ROOT, '.well-known/x') } },
  ] as const)('$dotfiles', ({ dotfiles, result }) => {
    expect(resolvePath(ROOT, '/.well-known/x', dotfiles)).toMatchObject(result);
  });

  it('never applies to the root folder itself', () => {
    expect(resolvePath('/home/me/.media', '/a.mp3', 'deny')).toEqual({ kind: 'ok', absolute: '/home/me/.media/a.mp3' });
  });
});

describe('isInside', () => {
  it.each([
    { candidate: '/srv/media', inside: true },
    { candidate: '/srv/media/a/b', inside: true },
    { candidate: '/srv/media/..a', inside: true },
    { candidate: '/srv/media-other/a', inside: false }, // a prefix check without the separator would say yes
    { candidate: '/srv/mediaa', inside: false },
    { candidate: '/srv/medi', inside: false },
    { candidate: '/srv', inside: false },
    { candidate: '/etc/passwd', inside: false },
  ])('$candidate → $inside', ({ candidate, inside }) => {
    expect(isInside(ROOT, candidate)).toBe(inside);
  });

  it.each([
    { candidate: '/', inside: true },
    { candidate: '/etc/passwd', inside: true },
  ])('a root of / holds everything: $candidate', ({ candidate, inside }) => {
    expect(isInside('/', candidate)).toBe(inside);
  });
});
