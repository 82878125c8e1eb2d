/**
 * The order a request tries models in: the chain, then the rest of the ranking — which is the
 * plan's explanation, so it is built only when a request gets past the whole chain.
 */
import { describe, expect, it } from 'vitest';
import { planRoute } from '../../src/router/router-route';
import type { RoutePlan } from '../../src/router/router-types';
import { candidatesInOrder } from '../../src/runtime/run-chain';
import { catalog, everythingAvailable } from '../router/router-fixtures';

/** A real plan whose explanation counts how often it is read. */
function countingPlan(): { plan: RoutePlan; reads: () => number } {
  const real = planRoute(
    { prompt: 'What is the capital of France?' },
    catalog,
    everythingAvailable({ tuning: { chainLength: 3, gatewayChainLength: 0 } }),
  );
  let reads = 0;
  const plan: RoutePlan = {
    chain: real.chain,
    analysis: real.analysis,
    get explanation() {
      reads++;
      return real.explanation;
    },
  };
  return { plan, reads: () => reads };
}

const keyOf = ({ model }: { model: { provider: string; id: string } }) =>
  `${model.provider}/${model.id}`;

describe('candidatesInOrder', () => {
  it('yields the chain without building the explanation', () => {
    const { plan, reads } = countingPlan();
    const order = candidatesInOrder(plan);
    const first = [order.next().value, order.next().value, order.next().value];
    expect(first).toEqual(plan.chain);
    expect(reads()).toBe(0);
  });

  it('goes on past the chain with every other candidate by rank, once each', () => {
    const { plan, reads } = countingPlan();
    const all = [...candidatesInOrder(plan)];
    expect(reads()).toBe(1);
    expect(all.slice(0, 3)).toEqual(plan.chain);
    const keys = all.map(keyOf);
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys).toEqual(plan.explanation.candidates.map(keyOf));
    const ranks = all.slice(3).map((candidate) => candidate.rank);
    expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
  });
});
