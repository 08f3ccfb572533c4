import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { partialContent, type PartialContentOptions } from '../../src/index.js';
import { createFixtures, type Fixtures } from '../helpers/fixtures.js';
import { rawRequest, type RawResponse } from '../helpers/raw-request.js';
import { createApp, FELL_THROUGH, listen, withSentinels, type Running } from '../helpers/server.js';
import { addCorpusFixtures, NODE_REFUSED, SECRETS, traversalCorpus, type TraversalCase } from './traversal-corpus.js';

let fixtures: Fixtures;
let files: Record<string, Buffer>;
let corpus: TraversalCase[];
const servers: Running[] = [];

/** An app that marks every request reaching the middleware, so a fall-through is provably ours. */
async function serve(mount: string, options: PartialContentOptions): Promise<Running> {
  const app = createApp();
  const mark = (_req: unknown, res: { setHeader(name: string, value: string): void }, next: () => void): void => {
    res.setHeader('X-Reached', 'partial-content');
    next();
  };
  if (mount === '') app.use(mark, partialContent(fixtures.root, options));
  else app.use(mount, mark, partialContent(fixtures.root, options));
  withSentinels(app);
  const running = await listen(app);
  servers.push(running);
  return running;
}

beforeAll(() => {
  fixtures = createFixtures();
  files = { ...fixtures.files, ...addCorpusFixtures(fixtures.root) };
  corpus = traversalCorpus(fixtures.outside);
});
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  fixtures.cleanup();
});

function expectNoSecret(res: RawResponse): void {
  const text = res.body.toString('latin1');
  for (const secret of SECRETS) expect(text).not.toContain(secret);
  expect(res.status).not.toBe(500);
}

function targetOf(mount: string, c: TraversalCase): string {
  return c.absoluteForm === true ? `http://127.0.0.1${mount}${c.path}` : `${mount}${c.path}`;
}

function describeCase(c: TraversalCase): string {
  const shown = c.path.length > 60 ? `${c.path.slice(0, 40)}… (${c.path.length} chars)` : c.path;
  return `${c.family}: ${c.absoluteForm === true ? 'absolute-form ' : ''}${shown}`;
}

describe('the corpus', () => {
  it('has at least 60 hostile targets and a twin for every family that must still serve', () => {
    const hostile = traversalCorpus('/tmp/x').filter((c) => !('serve' in c.outcome));
    expect(hostile.length + NODE_REFUSED.length).toBeGreaterThanOrEqual(60);
    expect(traversalCorpus('/tmp/x').filter((c) => 'serve' in c.outcome).length).toBeGreaterThanOrEqual(20);
  });
});

describe.each([
  { mount: '/media', fallthrough: true },
  { mount: '/media', fallthrough: false },
  { mount: '', fallthrough: true },
  { mount: '', fallthrough: false },
])('mounted at "$mount", fallthrough $fallthrough', ({ mount, fallthrough }) => {
  let server: Running;
  beforeAll(async () => {
    server = await serve(mount, { fallthrough });
  });

  it('answers every target in the corpus with its documented outcome, never 500, never outside bytes', async () => {
    let checked = 0;
    for (const c of corpus) {
      const res = await rawRequest(server.port, targetOf(mount, c));
      const label = describeCase(c);
      expectNoSecret(res);
      expect(res.headers['x-reached'], label).toBe('partial-content');
      if ('serve' in c.outcome) {
        const expected = files[c.outcome.serve];
        expect(res.status, label).toBe(200);
        expect(res.headers['content-length'], label).toBe(String(expected?.length));
        expect(res.body.equals(expected ?? Buffer.alloc(1)), label).toBe(true);
      } else if ('reject' in c.outcome && fallthrough) {
        expect([res.status, res.headers['x-sentinel'], res.body.toString()], label).toEqual([404, 'next', FELL_THROUGH]);
      } else if ('reject' in c.outcome) {
        const status = c.outcome.reject;
        expect([res.status, res.headers['x-sentinel'], res.body.toString()], label).toEqual([status, 'error', `error ${status}`]);
      }
      checked++;
    }
    expect(checked).toBe(corpus.length);
  });

  it.each(NODE_REFUSED.map((c) => ({ ...c, shown: JSON.stringify(c.target.slice(0, 30)) })))(
    'Node refuses $shown with $status before any handler runs',
    async ({ target, status }) => {
      const res = await rawRequest(server.port, target.startsWith('/') ? `${mount}${target}` : target);
      expectNoSecret(res);
      expect(res.status).toBe(status);
      expect(res.headers['x-reached']).toBeUndefined();
      expect(res.headers['x-sentinel']).toBeUndefined();
    },
  );
});

describe('dotfiles option against the same shapes', () => {
  it("'deny' answers 403 for dot-segments, however spelled", async () => {
    const server = await serve('/media', { fallthrough: false, dotfiles: 'deny' });
    for (const path of ['/.env', '/.git/config', '/%2eenv', '/%2Egit%2Fconfig', '/.hidden/inside.txt', '/...']) {
      const res = await rawRequest(server.port, `/media${path}`);
      expectNoSecret(res);
      expect([path, res.status, res.headers['x-sentinel']]).toEqual([path, 403, 'error']);
    }
  });

  it("'allow' serves dotfiles inside root but still refuses parents and escaping symlinks", async () => {
    const server = await serve('/media', { fallthrough: false, dotfiles: 'allow' });
    const env = await rawRequest(server.port, '/media/.env');
    expect([env.status, env.body.toString()]).toEqual([200, 'SECRET=1']);
    const git = await rawRequest(server.port, '/media/%2egit/config');
    expect([git.status, git.body.equals(files['.git/config']!)]).toEqual([200, true]);
    for (const path of ['/.hidden/../../outside/secret.txt', '/.%2e/outside/secret.txt', '/escape.txt', '/escape-dir/secret.txt']) {
      const res = await rawRequest(server.port, `/media${path}`);
      expect(res.body.toString()).not.toContain('outside root');
      expect([path, res.status]).toEqual([path, 403]);
    }
  });
});

describe('HEAD follows the same rules', () => {
  it('refuses the same targets and sends no body', async () => {
    const server = await serve('/media', { fallthrough: false });
    for (const [path, status] of [['/%2e%2e/outside/secret.txt', 403], ['/escape.txt', 403], ['/.env', 404], ['/%c0%ae%c0%ae/', 400]] as const) {
      const res = await rawRequest(server.port, `/media${path}`, {}, 'HEAD');
      expect([path, res.status, res.body.length]).toEqual([path, status, 0]);
    }
    const ok = await rawRequest(server.port, '/media/foo..bar.txt', {}, 'HEAD');
    expect([ok.status, ok.headers['content-length'], ok.body.length]).toEqual([200, String(files['foo..bar.txt']!.length), 0]);
  });
});
