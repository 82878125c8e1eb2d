/**
 * What the request log keeps of a request when the person lets it keep request text: the
 * request as it was routed, with each text shortened to KEPT_TEXT_LENGTH and images left out
 * (a placeholder says one was there, so a replay still asks for a vision model).
 */
import type { LlmRequest, Message } from '../protocol/llm-request';
import { shorten } from '../storage/storage-request-log';

export const OMITTED_IMAGE = 'data:,omitted';

export function keptRequest(request: LlmRequest): LlmRequest {
  const kept: LlmRequest = { ...request };
  if (request.prompt !== undefined) kept.prompt = shorten(request.prompt);
  if (request.system !== undefined) kept.system = shorten(request.system);
  if (request.messages) kept.messages = request.messages.map(keptMessage);
  return kept;
}

function keptMessage(message: Message): Message {
  if (typeof message.content === 'string') {
    return { ...message, content: shorten(message.content) };
  }
  return {
    ...message,
    content: message.content.map((part) =>
      part.type === 'text'
        ? { ...part, text: shorten(part.text) }
        : { ...part, image: OMITTED_IMAGE },
    ),
  };
}

/** The request's text as one readable block (the usage log shows it). */
export function keptRequestText(request: LlmRequest): string {
  const blocks: string[] = [];
  if (request.system) blocks.push(`System: ${request.system}`);
  for (const message of request.messages ?? []) {
    const text =
      typeof message.content === 'string'
        ? message.content
        : message.content.map((part) => (part.type === 'text' ? part.text : '[image]')).join('\n');
    blocks.push(`${capitalize(message.role)}: ${text}`);
  }
  if (request.prompt !== undefined) blocks.push(request.prompt);
  return blocks.join('\n\n');
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
