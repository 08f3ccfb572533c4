import { readdirSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { partialContent } from '../../../src/index.js';
import { createApp } from '../../helpers/server.js';

/**
 * A server in its own process for the fault tests that measure a whole process (descriptors under a
 * low `ulimit -n`, RSS under slow readers). Serves ROOT at /media with the defaults and Express's
 * own final handler; GET /__stats reports descriptors, memory and what happened so far. Prints
 * `listening <port>` once ready.
 */

const root = process.env['ROOT'];
if (root === undefined) throw new Error('ROOT is required');

const stats = { acceptErrors: 0, responses: 0, aborted: 0, failed: 0, statuses: {} as Record<string, number> };

function descriptors(): number {
  try {
    return readdirSync('/proc/self/fd').length - 1; // minus the one readdir itself holds
  } catch {
    return -1; // EMFILE: no descriptor left even to look
  }
}

const app = createApp();
app.get('/__stats', (_req, res) => {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (_req.url?.includes('gc') === true) gc?.();
  const memory = process.memoryUsage();
  res.setHeader('Content-Type', 'application/json');
  res.end(JSON.stringify({ ...stats, fds: descriptors(), rss: memory.rss, heapUsed: memory.heapUsed, arrayBuffers: memory.arrayBuffers }));
});
app.use(
  '/media',
  partialContent(root, {
    onResponse: (event) => {
      stats.responses++;
      if (event.aborted) stats.aborted++;
      if (event.error !== undefined) stats.failed++;
      stats.statuses[event.status] = (stats.statuses[event.status] ?? 0) + 1;
    },
  }),
);

const server = createServer(app);
// accept(2) failing with EMFILE surfaces as a server 'error'; without a listener Node would crash.
server.on('error', () => {
  stats.acceptErrors++;
});
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`listening ${(server.address() as AddressInfo).port}\n`);
});
