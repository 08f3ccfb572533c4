import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// Browser and download-client tests (npm run test:e2e): Chromium at /usr/bin/chromium, curl, wget,
// and ffmpeg when available. One file at a time: they share two CPUs with a browser and encoders.
export default defineConfig({
  resolve: {
    // The player imports the package by name; test the sources, not a possibly stale dist/.
    alias: [{ find: /^partial-content$/, replacement: fileURLToPath(new URL('./src/index.ts', import.meta.url)) }],
  },
  test: {
    include: ['test/e2e/**/*.test.ts'],
    globalSetup: ['test/e2e/global-setup.ts'],
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 240_000,
  },
});
