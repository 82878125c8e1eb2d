/**
 * A local first pass that escalates only when it must (docs/router.md §10). The cheapest capable
 * model answers first (a model in this browser or on a local server costs nothing); a second
 * cheap model answers alongside it on short-answer tasks, so the two can be compared; the
 * acceptance check decides whether that answer is returned or the request goes on down the
 * chain. The page sees nothing of a first pass until it is accepted, unless it allows restarts
 * (`allowRestart`): then the first pass streams live and a rejected one is followed by a
 * `fallback` part.
 *
 * Verification is the same passes with the router's own cheap pick first: when the person asks
 * for it and the chosen model is cheap beside the chain's strongest, a short answer is checked
 * against a second cheap model's before it is returned.
 */
import type { LlmRequest } from '../protocol/llm-request';
import type { CascadeReport, ModelRef } from '../protocol/llm-result';
import type { CandidateScore, RoutePlan } from '../router/router-types';
import type { BrokerSettings } from '../storage/storage-types';
import { checkAnswer, SHORT_ANSWER_TASKS } from './cascade-acceptance';
import { costOfUsage, reservationFor } from './cost';
import {
  type ChainContext,
  type ChainDependencies,
  type ChainOutcome,
  candidatesInOrder,
  modelRef,
  runChain,
} from './run-chain';

/** Who answers first, and who is asked for a second opinion. */
export interface CascadePlan {
  first: CandidateScore;
  second?: CandidateScore;
  /** The first is the router's own pick, checked by the second (`planVerification`). */
  verify?: boolean;
}

export interface CascadeOutcome extends ChainOutcome {
  cascade: CascadeReport;
}

const key = ({ model }: CandidateScore) => `${model.provider}/${model.id}`;

/**
 * The first pass for a request that asks for one (`hints.cascade`, else the person's setting for
 * its task), or undefined: when nothing is cheaper than the chain's own first model, the chain
 * already is the cheap path — and then, if the person asked for it, the chain's own first model
 * may be verified (`planVerification`). A request's `cascade: false` turns both off.
 */
export function planCascade(
  request: LlmRequest,
  plan: RoutePlan,
  settings: Pick<BrokerSettings, 'cascadeTasks' | 'verifyCheapAnswers'>,
): CascadePlan | undefined {
  const task = plan.analysis.task;
  const asked = request.hints?.cascade;
  if (asked === false) return undefined;
  const verify = () => (settings.verifyCheapAnswers ? planVerification(plan) : undefined);
  if (!(asked ?? settings.cascadeTasks.includes(task))) return verify();
  const top = plan.chain[0];
  if (!top) return undefined;
  // Cheapest first; among equals (free local models), the better ranked.
  const byCost = [...plan.explanation.candidates].sort(
    (a, b) => a.expectedCostUsd - b.expectedCostUsd,
  );
  const first = byCost[0];
  if (!first || key(first) === key(top) || first.expectedCostUsd >= top.expectedCostUsd) {
    return verify();
  }
  const second = SHORT_ANSWER_TASKS.has(task)
    ? byCost.find(
        (candidate) =>
          candidate !== first &&
          key(candidate) !== key(top) &&
          candidate.model.family !== first.model.family &&
          candidate.expectedCostUsd < top.expectedCostUsd,
      )
    : undefined;
  return { first, ...(second && { second }) };
}

/** The router's pick counts as cheap, for verification, when it is expected to cost at most this
 * share of the chain's strongest model (docs/routing-replay.md: 97% of GPT-4's quality for 36.8%
 * of its cost on RouterBench, where the learned router alone needs 61.3%). */
export const VERIFY_COST_SHARE = 0.15;

/**
 * Verification of the router's own pick, or undefined where it does not apply: on a short-answer
 * task, a pick expected to cost at most `VERIFY_COST_SHARE` of a stronger model in the chain
 * answers first, and the best-ranked candidate of another family that is as cheap gives the
 * second opinion. Agreement returns the pick's answer; a disagreement goes to the chain's
 * strongest model (`escalationOrder`). A dear pick is trusted as routed: the router chose it
 * because cheaper ones tend to fail there.
 */
export function planVerification(plan: RoutePlan): CascadePlan | undefined {
  const top = plan.chain[0];
  if (!top || !SHORT_ANSWER_TASKS.has(plan.analysis.task)) return undefined;
  const strongest = escalationOrder(plan, new Set([key(top)]), true)[0];
  if (!strongest || strongest.qualityEstimate <= top.qualityEstimate) return undefined;
  const cheap = VERIFY_COST_SHARE * strongest.expectedCostUsd;
  if (top.expectedCostUsd > cheap) return undefined;
  const second = plan.explanation.candidates.find(
    (candidate) =>
      key(candidate) !== key(top) &&
      !candidate.viaGateway &&
      candidate.model.family !== top.model.family &&
      candidate.expectedCostUsd <= cheap,
  );
  return second && { first: top, second, verify: true };
}

/**
 * Where a rejected first pass goes on: down the request's chain, past the models that already
 * answered — except after two cheap models disagreed, which says the prompt is hard: then the
 * chain's strongest models come first (quality estimate × the person's priority for them), and the
 * gateway and the candidates past the chain follow in order. The chain's models are the ones the
 * reservation covers, so the strongest of them is always affordable.
 */
export function escalationOrder(
  plan: RoutePlan,
  passed: ReadonlySet<string>,
  disagreed: boolean,
): CandidateScore[] {
  const rest = [...candidatesInOrder(plan)].filter((candidate) => !passed.has(key(candidate)));
  if (!disagreed) return rest;
  const chain = new Set(plan.chain.filter(({ viaGateway }) => !viaGateway).map(key));
  const strength = (candidate: CandidateScore) =>
    candidate.qualityEstimate * candidate.priorityMultiplier;
  const strongestFirst = rest
    .filter((candidate) => chain.has(key(candidate)))
    .sort((a, b) => strength(b) - strength(a) || a.rank - b.rank);
  return [...strongestFirst, ...rest.filter((candidate) => !chain.has(key(candidate)))];
}

/**
 * What runs before the chain, in words (the playground's decision): who answers first, who gives
 * a second opinion, and where a rejected answer goes.
 */
export function describePasses(cascade: CascadePlan, plan: RoutePlan, request: LlmRequest): string {
  const first = cascade.first.model.name;
  const second = cascade.second;
  if (cascade.verify && second) {
    const passed = new Set([key(cascade.first), key(second)]);
    const strongest = escalationOrder(plan, passed, true)[0];
    const dispute = strongest ? `, when they disagree ${strongest.model.name} answers` : '';
    return `Checked by a second opinion (your setting): ${first} answers and ${second.model.name} answers too, at the same time; when they agree, ${first}'s answer is returned${dispute}.`;
  }
  const why =
    request.hints?.cascade === true
      ? 'the request asks for it'
      : `your setting for ${plan.analysis.task} requests`;
  const opinion = second ? ` and ${second.model.name} gives a second opinion` : '';
  const disputed = second ? ', or the two disagree' : '';
  return `Cheapest first (${why}): ${first} answers first${opinion}; when its answer is empty, a refusal, cut off or not the JSON asked for${disputed}, the fallback chain answers instead.`;
}

function spent(outcome: ChainOutcome): number {
  return outcome.attempts.reduce((sum, attempt) => sum + attempt.costUsd, 0);
}

/**
 * The first pass and its second opinion, side by side — a checked answer takes as long as the
 * slower of the two, not both — unless both run on this machine (models in this browser or on a
 * local server share its memory and processor): then one after the other, the second only when
 * the first answered. A first pass that fails stops its second opinion, whose answer would not
 * be used. The second may spend what the reservation holds for it, the first the rest.
 */
async function runPasses(
  cascade: CascadePlan,
  request: LlmRequest,
  dependencies: ChainDependencies,
  context: ChainContext,
  contexts: { first: ChainContext; second: ChainContext },
): Promise<{ first: ChainOutcome; second?: ChainOutcome }> {
  const second = cascade.second;
  if (!second) {
    return { first: await runChain([cascade.first], request, dependencies, contexts.first) };
  }
  const secondShare = reservationFor(context.inputTokens, request, [second.model]);
  // What each pass has delivered and been sent so far: the request's figures are their sum.
  const delivered = [0, 0];
  const sent = [0, 0];
  const pass = (index: 0 | 1, base: ChainContext, reservedUsd: number): ChainContext => ({
    ...base,
    reservedUsd,
    ...(context.onProgress && {
      onProgress: (usd: number) => {
        delivered[index] = usd;
        context.onProgress!(delivered[0]! + delivered[1]!);
      },
    }),
    ...(context.onCall && {
      onCall: (usd: number) => {
        sent[index] = usd;
        context.onCall!(sent[0]! + sent[1]!);
      },
    }),
  });
  const firstContext = pass(0, contexts.first, context.reservedUsd - secondShare);

  if (cascade.first.model.location === 'local' && second.model.location === 'local') {
    const first = await runChain([cascade.first], request, dependencies, firstContext);
    if (!first.answer || context.signal.aborted) return { first };
    const secondContext = pass(1, contexts.second, context.reservedUsd - spent(first));
    return { first, second: await runChain([second], request, dependencies, secondContext) };
  }
  const stopSecond = new AbortController();
  const secondRun = runChain([second], request, dependencies, {
    ...pass(1, contexts.second, secondShare),
    signal: AbortSignal.any([context.signal, stopSecond.signal]),
  });
  const first = await runChain([cascade.first], request, dependencies, firstContext);
  if (!first.answer) stopSecond.abort();
  return { first, second: await secondRun };
}

export async function runCascade(
  cascade: CascadePlan,
  plan: RoutePlan,
  request: LlmRequest,
  dependencies: ChainDependencies,
  context: ChainContext,
): Promise<CascadeOutcome> {
  const visible = context.emit !== undefined && request.allowRestart === true;
  const quiet: ChainContext = { ...context };
  delete quiet.emit;
  // Whether the page was shown the first pass at all (only when it allows restarts).
  let shown = false;
  const live: ChainContext = {
    ...context,
    emit: (part) => {
      shown = true;
      context.emit?.(part);
    },
  };
  const { first, second } = await runPasses(cascade, request, dependencies, context, {
    first: visible ? live : quiet,
    second: quiet,
  });
  const attempts = [...first.attempts, ...(second?.attempts ?? [])];
  const spentUsd = spent(first) + (second ? spent(second) : 0);
  const firstRef = modelRef(cascade.first.model);
  const passes: CascadeReport['passes'] = [
    { model: firstRef, costUsd: spent(first), accepted: false },
  ];
  if (second && cascade.second) {
    passes.push({ model: modelRef(cascade.second.model), costUsd: spent(second), accepted: false });
  }

  let reason: string;
  let disagreed = false;
  if (!first.answer) {
    reason = `the first pass failed: ${first.attempts.at(-1)?.error ?? 'no answer'}`;
  } else {
    const verdict = checkAnswer(
      { text: first.answer.text, finishReason: first.answer.finishReason },
      {
        task: plan.analysis.task,
        ...(request.responseFormat && {
          json: request.responseFormat.schema ? { schema: request.responseFormat.schema } : {},
        }),
        ...(second?.answer && { second: { text: second.answer.text } }),
      },
    );
    if (verdict.accept) {
      passes[0]!.accepted = true;
      if (context.emit && !visible) {
        context.emit({ type: 'start', requestId: context.requestId, model: firstRef });
        context.emit({ type: 'text-delta', delta: first.answer.text });
      }
      const top = plan.chain[0]!.model;
      const wouldHaveCost = costOfUsage(first.answer.usage, top.pricing);
      return {
        answer: first.answer,
        attempts,
        keysLocked: first.keysLocked,
        cascade: {
          escalated: false,
          passes,
          savedUsd: Math.max(0, wouldHaveCost - spentUsd),
          ...(cascade.verify && { verified: true }),
        },
      };
    }
    reason = verdict.detail;
    disagreed = verdict.reason === 'disagreement';
  }

  const passed = new Set([key(cascade.first), ...(cascade.second ? [key(cascade.second)] : [])]);
  const rest = escalationOrder(plan, passed, disagreed);
  // What the page saw is taken back before the chain's answer starts (also after a failed pass).
  if (shown && rest[0]) {
    const to: ModelRef = modelRef(rest[0].model);
    context.emit!({ type: 'fallback', from: firstRef, to, reason: `Not accepted: ${reason}.` });
  }
  const alreadySpent = spentUsd;
  const escalated = await runChain(rest, request, dependencies, {
    ...context,
    reservedUsd: context.reservedUsd - alreadySpent,
    ...(context.onProgress && {
      onProgress: (delivered: number) => context.onProgress!(alreadySpent + delivered),
    }),
    ...(context.onCall && { onCall: (sent: number) => context.onCall!(alreadySpent + sent) }),
  });
  attempts.push(...escalated.attempts);
  if (escalated.answer) {
    passes.push({
      model: modelRef(escalated.answer.model),
      costUsd: spent(escalated),
      accepted: true,
    });
  }
  return {
    ...(escalated.answer && { answer: escalated.answer }),
    attempts,
    keysLocked: first.keysLocked || escalated.keysLocked,
    cascade: { escalated: true, reason, passes, ...(cascade.verify && { verified: true }) },
  };
}
