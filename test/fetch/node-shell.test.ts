import { afterAll, beforeAll, describe } from 'vitest';
import type { Fixtures } from '../helpers/fixtures.js';
import { createFetchFixtures } from './fetch-fixtures.js';
import { abortSuite } from './abort-suite.js';
import { fetchShellSuite } from './http-suite.js';
import { startServer, type RuntimeServer } from './runtime-server.js';

// The fetch shell on Node (through @hono/node-server), in its own process, loaded from dist/.
// The same suite runs on Bun and Deno in `npm run test:runtimes`.
let fixtures: Fixtures;
let server: RuntimeServer;
beforeAll(async () => {
  fixtures = createFetchFixtures();
  server = await startServer('node', fixtures.root);
});
afterAll(async () => {
  await server?.close();
  fixtures?.cleanup();
});

describe('the fetch shell on Node', () => {
  fetchShellSuite(() => server, () => fixtures);
  abortSuite(() => server);
});
