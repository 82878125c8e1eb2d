/**
 * Explaining a decision: `explain` returns the full explanation even when no model qualifies
 * (where `route` throws); `describeCandidate`, `describeLearning` and `describeRuledOut` put its
 * reasons in words for `npm run route` and the playground. (A page's `window.llm.route()` gets
 * models, scores and ruled-out reasons only: nothing about the person's ratings.)
 */
import { type CatalogModel, CRITERIA, type Criterion } from '../catalog/catalog-types';
import type { LlmRequest } from '../protocol/llm-request';
import { planRoute } from './router-route';
import type {
  CandidateScore,
  RouteExplanation,
  RoutingState,
  RuledOutCandidate,
} from './router-types';

/**
 * Every candidate with its per-criterion contributions, base score, priority multiplier, final
 * score and rank; every ruled-out model with its reason; the inferred task, difficulty, token
 * estimates and the chosen model's expected cost. Never throws for an unservable request.
 */
export function explain(
  request: LlmRequest,
  catalog: readonly CatalogModel[],
  state: RoutingState,
): RouteExplanation {
  return planRoute(request, catalog, state).explanation;
}

/** The criteria that contributed most to a candidate's base score, largest first. */
export function topContributions(
  candidate: CandidateScore,
  count = 3,
): Array<{ criterion: Criterion; contribution: number }> {
  return CRITERIA.map((criterion) => ({
    criterion,
    contribution: candidate.contributions[criterion],
  }))
    .filter((entry) => entry.contribution > 0)
    .sort((a, b) => b.contribution - a.contribution || a.criterion.localeCompare(b.criterion))
    .slice(0, count);
}

function round(value: number, digits = 3): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

/** Reasons in words for one candidate's place: what carried its score, its quality against the
 * need (or, with a learned ranking, that learned quality was weighed against cost), the priority,
 * and any live or per-prompt adjustment. */
export function describeCandidate(
  candidate: CandidateScore,
  explanation: Pick<RouteExplanation, 'analysis'> & Partial<Pick<RouteExplanation, 'learned'>>,
): string[] {
  const reasons = topContributions(candidate).map(
    ({ criterion, contribution }) => `${criterion} +${round(contribution)}`,
  );
  const need = explanation.analysis.qualityNeed;
  const quality = round(candidate.qualityEstimate, 2);
  if (explanation.learned) {
    reasons.push(`learned ranking: quality ${quality} weighed in full against the cost at stake`);
  } else {
    reasons.push(
      quality >= need
        ? `quality ${quality} meets the need ${round(need, 2)}`
        : `quality ${quality} below the need ${round(need, 2)}`,
    );
  }
  if (candidate.priorityMultiplier < 1) {
    reasons.push(`priority ×${round(candidate.priorityMultiplier, 2)}`);
  }
  if (candidate.liveAdjusted) reasons.push('adjusted by observed speed/reliability/feedback');
  if (candidate.ratingsCounted < 1) {
    reasons.push(
      candidate.ratingsCounted === 0
        ? 'its ratings were all on prompts of another shape: the catalog decides'
        : `its ratings count ×${round(candidate.ratingsCounted, 2)} (few on prompts of this shape)`,
    );
  }
  if (candidate.promptQuality) {
    reasons.push(
      `per-prompt quality ${round(candidate.promptQuality.mean, 2)} (evidence ${round(candidate.promptQuality.weight, 1)})`,
    );
  }
  if (candidate.viaGateway) reasons.push('via the gateway (closes the chain)');
  return reasons;
}

/**
 * One sentence on what the person's ratings did to this decision, or `undefined` when no model
 * has any: ranked with learned quality, and whether some models' ratings counted less because
 * they were given on prompts of another shape (options to choose from, a blank, code, free text).
 */
export function describeLearning(
  explanation: Pick<RouteExplanation, 'candidates'> & Partial<Pick<RouteExplanation, 'learned'>>,
): string | undefined {
  const discounted = explanation.candidates.filter(({ ratingsCounted }) => ratingsCounted < 1);
  const models = (count: number) => (count === 1 ? '1 model' : `${count} models`);
  const shape =
    discounted.length === 0
      ? ''
      : `${models(discounted.length)} (${discounted
          .slice(0, 3)
          .map(({ model }) => model.id)
          .join(
            ', ',
          )}${discounted.length > 3 ? ', …' : ''}) had few or none of ${discounted.length === 1 ? 'its' : 'their'} ratings on prompts shaped like this one (options to choose from, a blank to fill, code, free text), so the catalog's figures counted more for them.`;
  if (explanation.learned) {
    const rated = explanation.learned.candidatesWithEvidence;
    const lead = `Ranked by what ratings taught: ${models(rated)} rated enough for this kind of prompt, quality weighed against the cost at stake.`;
    return shape ? `${lead} ${shape}` : lead;
  }
  if (shape) return `Ratings counted less here: ${shape}`;
  return undefined;
}

/** One line for a ruled-out model. */
export function describeRuledOut(entry: RuledOutCandidate): string {
  return `${entry.model.provider}/${entry.model.id}: ${entry.reason}`;
}
