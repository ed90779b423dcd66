import swc from 'unplugin-swc';
import { defineConfig } from 'vitest/config';

// Tests drive the built service in dist/ (the same code that ships, with the Swagger plugin's
// metadata); `npm test` builds first. Test files themselves may declare Nest modules and DTOs:
// swc compiles them with decorator metadata, which the default transform would drop.
export default defineConfig({
  plugins: [swc.vite({ include: /[\\/]test[\\/].*\.ts$/, tsconfigFile: false, jsc: { target: 'es2022', parser: { syntax: 'typescript', decorators: true }, transform: { legacyDecorator: true, decoratorMetadata: true } } })],
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
