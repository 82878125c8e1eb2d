import type { LlmBrokerApi } from '../../src/protocol/llm-broker-api';

declare global {
  interface Window {
    llm: LlmBrokerApi;
    /** Defined by test/e2e/pages/index.html: resolves with the value or `{ name, message }`. */
    settle<T>(promise: Promise<T>): Promise<T | { name: string; message: string }>;
  }
}
