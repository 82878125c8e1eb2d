import { defineConfig } from 'vitest/config';

// End-to-end tests: the built extension (dist/) in Debian's Chromium. One browser at a time —
// the machine has two cores and each test file launches its own browser profile.
export default defineConfig({
  test: {
    include: ['test/e2e/**/*.e2e.test.ts'],
    environment: 'node',
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
