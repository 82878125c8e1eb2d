import type { LanguageModelConstructor } from '../../src/protocol/language-model';
import type { LlmBrokerApi } from '../../src/protocol/llm-broker-api';

declare global {
  interface Window {
    llm: LlmBrokerApi;
    /** The browser's own Prompt API, or LLM Broker's where the browser has none. */
    LanguageModel: LanguageModelConstructor;
    /** Defined by test/e2e/pages/index.html: resolves with the value or `{ name, message }`. */
    settle<T>(promise: Promise<T>): Promise<T | { name: string; message: string }>;
    /** Defined by index.html: whether window.llm existed before the page's first script. */
    __llmAtStart: boolean;
    /** Defined by index.html: the names of the brokers that announced themselves. */
    __announced: string[];
  }
}
