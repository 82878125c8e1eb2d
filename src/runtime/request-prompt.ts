/** Turns a page's request into the AI SDK's provider call options (spec v3). */
import type {
  LanguageModelV3CallOptions,
  LanguageModelV3Message,
  LanguageModelV3Prompt,
} from '@ai-sdk/provider';
import type { LlmRequest, Message } from '../protocol/llm-request';

function toUserContent(
  content: Message['content'],
): Extract<LanguageModelV3Message, { role: 'user' }>['content'] {
  if (typeof content === 'string') return [{ type: 'text', text: content }];
  return content.map((part) =>
    part.type === 'text'
      ? { type: 'text', text: part.text }
      : { type: 'file', data: part.image, mediaType: part.mediaType ?? mediaTypeOf(part.image) },
  );
}

function mediaTypeOf(image: string): string {
  return /^data:([^;,]+)/.exec(image)?.[1] ?? 'image/*';
}

function textOf(content: Message['content']): string {
  return typeof content === 'string'
    ? content
    : content.map((part) => (part.type === 'text' ? part.text : '')).join('');
}

export function toPrompt(request: LlmRequest): LanguageModelV3Prompt {
  const prompt: LanguageModelV3Prompt = [];
  if (request.system) prompt.push({ role: 'system', content: request.system });
  const messages: Message[] = request.messages ?? [{ role: 'user', content: request.prompt ?? '' }];
  for (const message of messages) {
    if (message.role === 'system')
      prompt.push({ role: 'system', content: textOf(message.content) });
    else if (message.role === 'user')
      prompt.push({ role: 'user', content: toUserContent(message.content) });
    else
      prompt.push({
        role: 'assistant',
        content: [{ type: 'text', text: textOf(message.content) }],
      });
  }
  return prompt;
}

export function toCallOptions(
  request: LlmRequest,
  abortSignal: AbortSignal,
): LanguageModelV3CallOptions {
  return {
    prompt: toPrompt(request),
    abortSignal,
    ...(request.maxOutputTokens !== undefined && { maxOutputTokens: request.maxOutputTokens }),
    ...(request.temperature !== undefined && { temperature: request.temperature }),
    ...(request.stop && { stopSequences: request.stop }),
    ...(request.responseFormat && {
      responseFormat: {
        type: 'json',
        ...(request.responseFormat.schema && { schema: request.responseFormat.schema }),
      },
    }),
    ...(request.tools && {
      tools: request.tools.map((tool) => ({
        type: 'function' as const,
        name: tool.name,
        ...(tool.description && { description: tool.description }),
        inputSchema: tool.parameters,
      })),
    }),
  };
}
