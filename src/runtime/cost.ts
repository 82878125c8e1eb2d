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

/** The output tokens allowed when a request sets none. */
export const DEFAULT_OUTPUT_ALLOWANCE = 4_096;

/**
 * The output tokens a model may write for a request: what the request asks (or the default),
 * within what the model can write. It is sent upstream as the call's `max_tokens`, so the
 * reservation made with it bounds what the answer can cost.
 */
export function outputAllowance(
  request: { maxOutputTokens?: number | undefined },
  model: { limits: { maxOutputTokens: number } },
): number {
  return Math.min(
    request.maxOutputTokens ?? DEFAULT_OUTPUT_ALLOWANCE,
    model.limits.maxOutputTokens,
  );
}

/**
 * The input tokens to hold for a prompt estimated at `estimate`: the estimate is a character-based
 * count (router-tokens.ts), and a provider's tokenizer and chat template (role markers, tool and
 * schema definitions) can count more, so the worst case carries a margin.
 */
export function inputAllowance(estimate: number): number {
  return Math.ceil(estimate * 1.25) + 64;
}

/** Any model of a chain may end up answering: hold the dearest one's worst case. */
export function reservationFor(
  inputTokens: number,
  request: { maxOutputTokens?: number | undefined },
  models: Iterable<{ limits: { maxOutputTokens: number }; pricing: ModelPricing }>,
): number {
  let most = 0;
  for (const model of models) {
    const cost = worstCaseCost(
      inputAllowance(inputTokens),
      outputAllowance(request, model),
      model.pricing,
    );
    if (cost > most) most = cost;
  }
  return most;
}

/**
 * A cheap upper estimate of the output tokens in `chars` characters of text (about four characters
 * a token in English; three errs on the side of charging for every token delivered).
 */
export function deliveredTokenBound(chars: number): number {
  return Math.ceil(chars / 3);
}

/**
 * The output tokens a model may still write for a request that has `leftUsd` of its reservation
 * left (earlier attempts may have spent some): its allowance, cut to what the money left covers.
 */
export function affordableOutput(
  allowance: number,
  inputTokens: number,
  leftUsd: number,
  pricing: ModelPricing,
): number {
  if (pricing.outputPerMTok <= 0) return allowance;
  const forOutput = leftUsd - (inputAllowance(inputTokens) * pricing.inputPerMTok) / 1e6;
  return Math.max(0, Math.min(allowance, Math.floor((forOutput * 1e6) / pricing.outputPerMTok)));
}
