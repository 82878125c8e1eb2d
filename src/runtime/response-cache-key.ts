/**
 * The local exact-match response cache's key. Only deterministic requests are cached: those that
 * ask for temperature 0 and use no tools (a tool call's answer depends on the world).
 */
import type { LlmRequest } from '../protocol/llm-request';

export function isCacheable(request: LlmRequest): boolean {
  return request.temperature === 0 && (request.tools === undefined || request.tools.length === 0);
}

/** JSON with object keys sorted, so equal requests written differently give one key. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** SHA-256 of the request's canonical form, hex. */
export async function responseCacheKey(request: LlmRequest): Promise<string> {
  const digest = await crypto.subtle.digest(
    'SHA-256',
    new TextEncoder().encode(canonicalJson(request)),
  );
  return Array.from(new Uint8Array(digest), (byte) => byte.toString(16).padStart(2, '0')).join('');
}
