import { defineConfig } from 'vitest/config';

// The fetch shell's HTTP suite on Bun and Deno (npm run test:runtimes). The runtimes come from the
// small package in test/runtimes/ (npm ci --prefix test/runtimes), not from the root devDependencies.
export default defineConfig({
  test: {
    include: ['test/runtimes/**/*.test.ts'],
    exclude: ['test/runtimes/node_modules/**'],
    globalSetup: ['test/runtimes/setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
