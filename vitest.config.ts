import { defineConfig } from 'vitest/config';

// Unit tests: the core and the extension shells under Node, without the crx build plugin. The
// provider suites and the broker's failover suite run twice: on the lean stream path for the
// OpenAI chat format (src/providers/openai-chat-stream.ts) and on the AI SDK's own.
const shared = {
  environment: 'node',
  testTimeout: 15_000,
} as const;
const STREAMING = ['test/providers/**/*.test.ts', 'test/runtime/broker-failover.test.ts'];

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          ...shared,
          name: 'unit',
          include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
          exclude: ['test/e2e/**', 'node_modules/**'],
          setupFiles: ['test/setup-unit.ts'],
        },
      },
      {
        test: {
          ...shared,
          name: 'ai-sdk streams',
          include: STREAMING,
          setupFiles: ['test/setup-unit.ts', 'test/setup-ai-sdk-streams.ts'],
        },
      },
    ],
  },
});
