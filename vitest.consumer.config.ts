import { defineConfig } from 'vitest/config';

// `npm run test:consumer`: packs the package and installs it into fresh projects (test/consumer/).
// Slow (npm pack and two npm installs, about a minute), so it is not part of `npm test`.
export default defineConfig({
  test: {
    include: ['test/consumer/**/*.test.ts'],
    testTimeout: 300_000,
    hookTimeout: 480_000,
  },
});
