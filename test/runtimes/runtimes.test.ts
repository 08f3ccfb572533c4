import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { abortSuite } from '../fetch/abort-suite.js';
import { createFetchFixtures } from '../fetch/fetch-fixtures.js';
import { fetchShellSuite } from '../fetch/http-suite.js';
import { RUNTIME_BINARIES, startServer, type RuntimeServer } from '../fetch/runtime-server.js';
import type { Fixtures } from '../helpers/fixtures.js';

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
