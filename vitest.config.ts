import { defineConfig } from 'vitest/config';

// Unit tests: the core and the extension shells under Node, without the crx build plugin.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    exclude: ['test/e2e/**', 'node_modules/**'],
    environment: 'node',
    setupFiles: ['test/setup-unit.ts'],
    testTimeout: 15_000,
  },
});
