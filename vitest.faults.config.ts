import { defineConfig } from 'vitest/config';

// The slow fault tests (mass aborts, descriptor exhaustion, slow readers): `npm run test:faults`.
// One file at a time, since they measure descriptors, memory and time of whole processes.
const slow = ['test/faults/slow/**/*.test.ts'];

export default defineConfig({
  test: {
    maxWorkers: 1,
    minWorkers: 1,
    fileParallelism: false,
    projects: [
      { test: { name: 'faults-express5', include: slow, env: { EXPRESS_MAJOR: '5' }, testTimeout: 180_000, hookTimeout: 60_000 } },
      { test: { name: 'faults-express4', include: slow, env: { EXPRESS_MAJOR: '4' }, testTimeout: 180_000, hookTimeout: 60_000 } },
    ],
  },
});
