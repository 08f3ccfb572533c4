import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { partialContent, type PartialContentOptions } from '../../src/index.js';
import { createFixtures, type Fixtures } from '../helpers/fixtures.js';
import { rawRequest } from '../helpers/raw-request.js';
import { createApp, FELL_THROUGH, listen, withSentinels, type Running } from '../helpers/server.js';
import { request } from '../helpers/supertest.js';

let fixtures: Fixtures;
const servers: Running[] = [];

async function serve(options: PartialContentOptions = {}): Promise<Running> {
  const app = createApp();
  app.use('/media', partialContent(fixtures.root, options));
  withSentinels(app);
  const running = await listen(app);
  servers.push(running);
  return running;
}

let fallthrough: Running;
let strict: Running;
beforeAll(async () => {
  fixtures = createFixtures();
  fallthrough = await serve();
  strict = await serve({ fallthrough: false });
});
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  fixtures.cleanup();
});

describe('methods', () => {
  it.each(['post', 'put', 'delete', 'patch', 'options'] as const)('%s goes on with next() by default', async (method) => {
    const res = await request(fallthrough.url)[method]('/media/nums.txt').expect('X-Sentinel', 'next');
    expect(res.body.toString()).toBe(FELL_THROUGH);
  });

  it.each(['post', 'put', 'delete'] as const)('%s gets 405 with Allow: GET, HEAD when fallthrough is false', async (method) => {
    const res = await request(strict.url)[method]('/media/nums.txt').expect(405).expect('Allow', 'GET, HEAD').expect('Content-Length', '0');
    expect(res.headers['x-sentinel']).toBeUndefined();
  });
});

describe('what is not found', () => {
  it.each(['/media/missing.mp3', '/media/sub', '/media/sub/', '/media/', '/media/nums.txt/x', '/media/nums.txt/', '/media/nums.txt/.'])(
    '%s falls through, or is a 404 with fallthrough false',
    async (path) => {
      await request(fallthrough.url).get(path).expect('X-Sentinel', 'next');
      await request(strict.url).get(path).expect(404).expect('X-Sentinel', 'error');
    },
  );
});

describe('path safety (raw request targets)', () => {
  it.each([
    { target: '/media/%E0%A4%A', status: 400 },
    { target: '/media/nums%00.txt', status: 400 },
    { target: '/media/../package.json', status: 403 },
    { target: '/media/%2e%2e/package.json', status: 403 },
    { target: '/media/sub/%2E%2E%2F%2E%2E%2Fpackage.json', status: 403 },
    { target: '/media/..%5c..%5cpackage.json', status: 403 },
    { target: '/media/sub\\..\\nums.txt', status: 403 },
    { target: '/media/escape.txt', status: 403 },
    { target: '/media/escape-dir/secret.txt', status: 403 },
    { target: '/media/.env', status: 404 },
    { target: '/media/.hidden/inside.txt', status: 404 },
  ])('$target → $status (fallthrough false), next() by default', async ({ target, status }) => {
    const tight = await rawRequest(strict.port, target);
    expect(tight.status).toBe(status);
    expect(tight.headers['x-sentinel']).toBe('error');
    expect(tight.body.toString()).not.toContain('outside root');
    const loose = await rawRequest(fallthrough.port, target);
    expect(loose.headers['x-sentinel']).toBe('next');
  });

  it.each([
    ['/media/foo..bar.txt', 'foo..bar.txt'],
    ['/media/some%20thing.txt', 'some thing.txt'],
    ['/media/na%C3%AFve%20caf%C3%A9.txt', 'naïve café.txt'],
    ['/media/alias.txt', 'nums.txt'], // a symlink that stays inside root
    ['/media/sub/track.ogg?v=3', 'sub/track.ogg'],
  ])('still serves %s', async (target, name) => {
    const res = await rawRequest(strict.port, target);
    expect(res.status).toBe(200);
    expect(res.body.equals(fixtures.files[name]!)).toBe(true);
  });

  it.each([
    { dotfiles: 'deny', status: 403 },
    { dotfiles: 'allow', status: 200 },
    { dotfiles: 'ignore', status: 404 },
  ] as const)('dotfiles: $dotfiles → $status', async ({ dotfiles, status }) => {
    const server = await serve({ dotfiles, fallthrough: false });
    const res = await rawRequest(server.port, '/media/.env');
    expect(res.status).toBe(status);
    if (status === 200) expect(res.body.toString()).toBe('SECRET=1');
  });

  // serve-static's rule, which the options table states: with fallthrough (the default) a denied
  // dotfile goes on with next() like a missing file; the 403 reaches the client only without it.
  it.each(['deny', 'ignore'] as const)('dotfiles: %s with fallthrough goes on with next()', async (dotfiles) => {
    const server = await serve({ dotfiles });
    const res = await rawRequest(server.port, '/media/.env');
    expect(res.headers['x-sentinel']).toBe('next');
    expect(res.body.toString()).toBe(FELL_THROUGH);
  });
});

describe('creation', () => {
  it('throws a TypeError naming a bad option, at creation', () => {
    expect(() => partialContent(fixtures.root, { maxChunkSize: -1 })).toThrow(/^maxChunkSize/);
    expect(() => partialContent(fixtures.root, { dotfiles: 'hidden' as never })).toThrow(/^dotfiles/);
  });

  it('requires a root', () => {
    expect(() => partialContent('' as string)).toThrow(TypeError);
    expect(() => partialContent(undefined as unknown as string)).toThrow(TypeError);
  });

  it('a root that does not exist yet falls through', async () => {
    const app = createApp();
    app.use('/m', partialContent(`${fixtures.root}/not-yet`));
    withSentinels(app);
    const server = await listen(app);
    servers.push(server);
    await request(server.url).get('/m/a.mp3').expect('X-Sentinel', 'next');
  });
});
