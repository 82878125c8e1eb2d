/**
 * A TypeScript site using the kit's published declarations (client/llm-broker-client.d.ts and
 * client/types/): `npm run typecheck` compiles this file, so declarations that stop describing
 * the contract fail the build. Nothing here runs.
 */
import {
  createLlmClient,
  getLlm,
  type LlmBrokerApi,
  type LlmClient,
  type LlmRequest,
  type LlmResult,
  type LlmStreamPart,
  type PermissionState,
} from '../../client/llm-broker-client.js';

export async function siteCode(): Promise<string> {
  const broker: LlmBrokerApi | null = await getLlm({ timeoutMs: 500, rdns: 'dev.llm-broker' });
  const client: LlmClient = await createLlmClient({
    fallback: { baseUrl: 'https://example.com/api/v1', model: 'house-model' },
  });
  const request: LlmRequest = {
    prompt: 'Summarize this page.',
    task: 'summarization',
    hints: { quality: 'high', speed: 'fast' },
    constraints: { maxCostUsd: 0.01, privacy: 'no-training', capabilities: ['json'] },
    responseFormat: { type: 'json', schema: { type: 'object' } },
  };
  const permission: PermissionState = await client.getPermission();
  const result: LlmResult = await client.generate(request);
  let text = `${result.text} ${result.model.provider} ${permission.granted} ${broker !== null}`;
  for await (const part of client.stream(request) as AsyncIterable<LlmStreamPart>) {
    if (part.type === 'text-delta') text += part.delta;
    if (part.type === 'fallback') text = '';
  }
  return text;
}
