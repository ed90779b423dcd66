import { defineConfig } from 'vitest/config';

// Tests drive the built service in dist/ (the same code that ships, with the Swagger plugin's
// metadata); `npm test` builds first.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    pool: 'forks',
    maxWorkers: 3,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    reporters: ['default'],
  },
});
