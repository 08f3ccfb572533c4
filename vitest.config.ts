import { configDefaults, defineConfig } from 'vitest/config';

// Suites where Express itself is under test (its mounting, routing and next(err)) run once per Express
// major, chosen by EXPRESS_MAJOR in test/helpers/server.ts; the other HTTP suites use Express only as a
// harness and run once. test/faults/slow/ runs on its own: npm run test:faults (vitest.faults.config.ts).
const httpSuites = ['test/http/**/*.test.ts', 'test/security/**/*.test.ts', 'test/faults/*.test.ts', 'test/edge/**/*.test.ts'];
const expressSuites = [
  'test/http/middleware.test.ts',
  'test/http/examples.test.ts',
  'test/http/rewrite.test.ts',
  'test/http/root.test.ts',
  'test/http/max-age.test.ts',
  'test/http/other-servers.test.ts',
  'test/security/traversal.test.ts',
];

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 30_000,
    coverage: {
      provider: 'v8',
      include: ['src/**/*.ts'],
      reporter: ['text-summary', 'text'],
      // The floor for `npm test`; the report prints every file's figures.
      thresholds: { lines: 95 },
    },
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/unit/**/*.test.ts', 'test/*.test.ts', 'test/fetch/**/*.test.ts'], globalSetup: ['test/setup/build.ts'] } },
      { extends: true, test: { name: 'http', include: httpSuites, exclude: [...configDefaults.exclude, ...expressSuites], env: { EXPRESS_MAJOR: '5' } } },
      { extends: true, test: { name: 'express5', include: expressSuites, env: { EXPRESS_MAJOR: '5' } } },
      { extends: true, test: { name: 'express4', include: expressSuites, env: { EXPRESS_MAJOR: '4' } } },
      // Object stores (s3rver, one per file) do not depend on the Express major: run once.
      { extends: true, test: { name: 'stores', include: ['test/stores/**/*.test.ts'], testTimeout: 30_000, hookTimeout: 30_000, env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' } } },
    ],
  },
});
