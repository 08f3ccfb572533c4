import { execFileSync, spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { abortSuite } from '../fetch/abort-suite.js';
import { createFetchFixtures } from '../fetch/fetch-fixtures.js';
import { fetchShellSuite } from '../fetch/http-suite.js';
import { RUNTIME_BINARIES, startServer, type RuntimeServer } from '../fetch/runtime-server.js';
import type { Fixtures } from '../helpers/fixtures.js';
import { get } from '../helpers/http-get.js';

// The same app and the same suite as test/fetch/node-shell.test.ts, on Bun.serve and Deno.serve.
describe.each((process.env['RUNTIMES']?.split(',') ?? ['bun', 'deno']) as Array<'bun' | 'deno'>)('the fetch shell on %s', (runtime) => {
  let fixtures: Fixtures;
  let server: RuntimeServer;
  beforeAll(async () => {
    fixtures = createFetchFixtures();
    server = await startServer(runtime, fixtures.root);
  });
  afterAll(async () => {
    await server?.close();
    fixtures?.cleanup();
  });

  it('runs a supported version (Bun ≥ 1.2, Deno ≥ 2)', () => {
    const version = execFileSync(RUNTIME_BINARIES[runtime], ['--version'], { encoding: 'utf8' });
    const [major = 0, minor = 0] = (/(\d+)\.(\d+)\.\d+/.exec(version) ?? []).slice(1).map(Number);
    expect(runtime === 'bun' ? major > 1 || (major === 1 && minor >= 2) : major >= 2).toBe(true);
  });

  fetchShellSuite(() => server, () => fixtures);
  abortSuite(() => server);
});

describe.each([
  { runtime: 'bun' as const, args: ['examples/fetch/bun.ts'] },
  { runtime: 'deno' as const, args: ['run', '--allow-read', '--allow-net=127.0.0.1', '--allow-env', 'examples/fetch/deno.ts'] },
])("the README's $runtime snippet (examples/fetch)", ({ runtime, args }) => {
  it('serves ranges of the folder and 404 for the rest', async () => {
    const fixtures = createFetchFixtures();
    const child = spawn(RUNTIME_BINARIES[runtime], args, { env: { ...process.env, MEDIA_DIR: fixtures.root, PORT: '0' }, stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const port = await new Promise<number>((resolve, reject) => {
        let output = '';
        const timer = setTimeout(() => reject(new Error(`no "Listening on" within 30 s: ${output}`)), 30_000);
        const onData = (chunk: Buffer): void => {
          output += chunk.toString();
          const match = /Listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(output);
          if (match?.[1] === undefined) return;
          clearTimeout(timer);
          resolve(Number(match[1]));
        };
        child.stdout.on('data', onData);
        child.stderr.on('data', onData);
      });
      const part = await get(`http://127.0.0.1:${port}/clip.mp4`, { Range: 'bytes=100-199' }, 'GET', 20_000);
      expect([part.status, part.headers['content-range']]).toEqual([206, `bytes 100-199/${5 * 1024 * 1024}`]);
      expect(part.body.equals(fixtures.files['clip.mp4']!.subarray(100, 200))).toBe(true);
      const missing = await get(`http://127.0.0.1:${port}/missing.mp4`, {}, 'GET', 20_000);
      expect([missing.status, missing.body.toString()]).toEqual([404, 'Not Found']);
    } finally {
      child.kill('SIGTERM');
      fixtures.cleanup();
    }
  });
});
