import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveFiles } from '../../src/fetch.js';
import { createFixtures, type Fixtures } from '../helpers/fixtures.js';

let fixtures: Fixtures;
beforeAll(() => {
  fixtures = createFixtures();
});
afterAll(() => fixtures.cleanup());

const get = (path: string, init: RequestInit = {}): Request => new Request(`http://localhost${path}`, init);

describe('serveFiles', () => {
  it('serves the URL pathname by default, percent-decoded once', async () => {
    const files = serveFiles(fixtures.root);
    const response = await files(get('/na%C3%AFve%20caf%C3%A9.txt'));
    expect(response?.status).toBe(200);
    expect(await response?.text()).toBe('non-ASCII is fine');
  });

  it('takes the path after a mount prefix, still percent-encoded', async () => {
    const files = serveFiles(fixtures.root);
    const response = await files(get('/media/some%20thing.txt', { headers: { Range: 'bytes=0-5' } }), '/some%20thing.txt');
    expect([response?.status, await response?.text()]).toEqual([206, 'spaces']);
  });

  it.each([
    ['a missing file', '/missing.txt', 'GET'],
    ['a directory', '/sub', 'GET'],
    ['a trailing slash after a file', '/nums.txt/', 'GET'],
    ['a dotfile', '/.env', 'GET'],
    ['a parent segment', '/%2e%2e/outside/secret.txt', 'GET'],
    ['a symlink out of root', '/escape.txt', 'GET'],
    ['malformed encoding', '/%E0%A4%A', 'GET'],
    ['POST', '/nums.txt', 'POST'],
    ['OPTIONS', '/nums.txt', 'OPTIONS'],
  ])('resolves undefined for %s, so the app goes on', async (_name, path, method) => {
    const files = serveFiles(fixtures.root);
    expect(await files(get('/x', { method }), path)).toBeUndefined();
  });

  it.each([
    ['/missing.txt', 'GET', 404],
    ['/.env', 'GET', 404],
    ['/%2e%2e/outside/secret.txt', 'GET', 403],
    ['/escape.txt', 'GET', 403],
    ['/%E0%A4%A', 'GET', 400],
    ['/nums.txt', 'PUT', 405],
  ])('with fallthrough: false answers %s (%s) with %i', async (path, method, status) => {
    const files = serveFiles(fixtures.root, { fallthrough: false });
    const response = await files(get('/x', { method }), path);
    expect([response?.status, response?.headers.get('allow')]).toEqual([status, status === 405 ? 'GET, HEAD' : null]);
  });

  it('checks its root and options at creation', () => {
    writeFileSync(join(fixtures.root, 'a-file'), 'x');
    expect(() => serveFiles(join(fixtures.root, 'a-file'))).toThrow(TypeError);
    expect(() => serveFiles(fixtures.root, { dotfiles: 'show' as 'allow' })).toThrow(/^dotfiles/);
    expect(() => serveFiles('')).toThrow(TypeError);
  });
});
