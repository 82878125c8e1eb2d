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
    // What a page shows after a click can take more than poll's default second while a browser
    // and its extension share two cores with the test runner; a poll only waits longer when the
    // page is late, and still fails when it never gets there.
    expect: { poll: { timeout: 5_000 } },
  },
});
