import { configDefaults, defineConfig } from 'vitest/config';

// The slow fault tests (mass aborts, descriptor exhaustion, slow readers): `npm run test:faults`.
// One file at a time, since they measure descriptors, memory and time of whole processes.
// The ones whose server is an Express app run once per Express major; the HTTP/2 child
// (test/faults/child/h2-server.ts) uses no Express, so its files run once.
const slow = ['test/faults/slow/**/*.test.ts'];
const withoutExpress = ['test/faults/slow/h2-aborts.test.ts', 'test/faults/slow/pipelined-aborts.test.ts'];
const exclude = [...configDefaults.exclude, ...withoutExpress];
const limits = { testTimeout: 180_000, hookTimeout: 60_000 };

export default defineConfig({
  test: {
    maxWorkers: 1,
    minWorkers: 1,
    fileParallelism: false,
    projects: [
      { test: { name: 'faults-express5', include: slow, exclude, env: { EXPRESS_MAJOR: '5' }, ...limits } },
      { test: { name: 'faults-express4', include: slow, exclude, env: { EXPRESS_MAJOR: '4' }, ...limits } },
      { test: { name: 'faults-h2', include: withoutExpress, ...limits } },
    ],
  },
});
