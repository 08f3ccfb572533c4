import { defineConfig } from 'vitest/config';

// The HTTP suites run twice, once per Express major, chosen by EXPRESS_MAJOR in test/helpers/server.ts.
// test/faults/slow/ runs on its own: npm run test:faults (vitest.faults.config.ts).
const httpSuites = ['test/http/**/*.test.ts', 'test/security/**/*.test.ts', 'test/faults/*.test.ts', 'test/edge/**/*.test.ts'];

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 30_000,
    projects: [
      { test: { name: 'unit', include: ['test/unit/**/*.test.ts', 'test/*.test.ts', 'test/fetch/**/*.test.ts'], globalSetup: ['test/setup/build.ts'] } },
      { test: { name: 'express5', include: httpSuites, env: { EXPRESS_MAJOR: '5' } } },
      { test: { name: 'express4', include: httpSuites, env: { EXPRESS_MAJOR: '4' } } },
      // Object stores (s3rver, one per file) do not depend on the Express major: run once.
      { test: { name: 'stores', include: ['test/stores/**/*.test.ts'], testTimeout: 30_000, hookTimeout: 30_000, env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' } } },
    ],
  },
});
