/** What a call cost, from the provider's reported usage at the catalog's prices. */
import type { ModelPricing } from '../catalog/catalog-types';
import type { TokenUsage } from '../protocol/llm-result';

/**
 * USD for one call. Cached input tokens are billed at the cached rate (the full input rate when
 * the provider has none); reasoning tokens are already counted in `outputTokens` by every
 * provider we speak to, so they are not added again.
 */
export function costOfUsage(usage: TokenUsage, pricing: ModelPricing): number {
  const cached = Math.min(usage.cachedInputTokens ?? 0, usage.inputTokens);
  const uncached = usage.inputTokens - cached;
  const cachedRate = pricing.cachedInputPerMTok ?? pricing.inputPerMTok;
  return (
    (uncached * pricing.inputPerMTok +
      cached * cachedRate +
      usage.outputTokens * pricing.outputPerMTok) /
    1e6
  );
}

/** The most a call can cost: every input token uncached and the whole output allowance used. */
export function worstCaseCost(
  inputTokens: number,
  maxOutputTokens: number,
  pricing: ModelPricing,
): number {
  return (inputTokens * pricing.inputPerMTok + maxOutputTokens * pricing.outputPerMTok) / 1e6;
}
