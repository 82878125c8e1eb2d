/**
 * The router playground: routes one request and prints the decision and its explanation.
 *
 *   npm run route -- request.json            a readable table
 *   npm run route -- - < request.json        the request on stdin
 *   npm run route -- request.json --json     one JSON object (chosen, chain, candidates, …)
 *   npm run route -- request.json --settings settings.json
 *
 * Without --settings every provider of the catalog counts as available at priority 100 and every
 * local model as downloaded. A settings file looks like:
 *
 *   { "providers": { "anthropic": { "apiKey": "sk-…", "priority": 100 },
 *                    "ollama": { "enabled": true } },
 *     "priorities": { "local": 80 }, "localModels": ["llama-3.3-70b"],
 *     "gateway": "openrouter", "budgetUsd": 5 }
 *
 * A provider counts as available when it has a non-empty `apiKey`/`key` or `enabled: true`.
 * `--openrouter FILE` adds the models of an OpenRouter model list (as a catalog refresh would).
 */
import { readFileSync } from 'node:fs';
import { loadBundledCatalog, mergeCatalogs } from '../src/catalog/catalog-bundled';
import { catalogFromOpenRouter } from '../src/catalog/catalog-openrouter';
import type { CatalogModel } from '../src/catalog/catalog-types';
import { LlmError } from '../src/protocol/llm-errors';
import type { LlmRequest } from '../src/protocol/llm-request';
import { describeCandidate } from '../src/router/router-explain';
import { route } from '../src/router/router-route';
import type {
  CandidateScore,
  RouteExplanation,
  RoutePlan,
  RoutingState,
} from '../src/router/router-types';

interface ProviderSettings {
  apiKey?: string;
  key?: string;
  enabled?: boolean;
  available?: boolean;
  priority?: number;
}

/** The settings file the playground reads (a subset of what the options page stores). */
interface PlaygroundSettings {
  providers?: Record<string, ProviderSettings>;
  priorities?: Record<string, number>;
  localModels?: string[];
  gateway?: string;
  budgetUsd?: number;
  cooldowns?: Record<string, number>;
  now?: number;
}

interface Arguments {
  requestPath: string;
  json: boolean;
  settingsPath?: string;
  openRouterPath?: string;
}

const USAGE =
  'Usage: npm run route -- <request.json | -> [--json] [--settings settings.json] [--openrouter models.json]';

function parseArguments(argv: readonly string[]): Arguments {
  let requestPath: string | undefined;
  let json = false;
  let settingsPath: string | undefined;
  let openRouterPath: string | undefined;
  for (let index = 0; index < argv.length; index++) {
    const argument = argv[index]!;
    if (argument === '--json') json = true;
    else if (argument === '--settings') settingsPath = argv[++index];
    else if (argument === '--openrouter') openRouterPath = argv[++index];
    else if (argument === '--help' || argument === '-h') throw new UsageError(USAGE);
    else if (requestPath === undefined) requestPath = argument;
    else throw new UsageError(`Unexpected argument ${argument}.\n${USAGE}`);
  }
  if (requestPath === undefined) throw new UsageError(USAGE);
  return {
    requestPath,
    json,
    ...(settingsPath ? { settingsPath } : {}),
    ...(openRouterPath ? { openRouterPath } : {}),
  };
}

class UsageError extends Error {}

function readJsonFile(path: string): unknown {
  const text = path === '-' ? readFileSync(0, 'utf8') : readFileSync(path, 'utf8');
  return JSON.parse(text);
}

function isAvailable(settings: ProviderSettings): boolean {
  const key = settings.apiKey ?? settings.key;
  return (
    (typeof key === 'string' && key.trim() !== '') ||
    settings.enabled === true ||
    settings.available === true
  );
}

/** Every provider available at priority 100, every local model downloaded. */
function openState(catalog: readonly CatalogModel[]): RoutingState {
  const providers = [...new Set(catalog.map((model) => model.provider))];
  return {
    providers: Object.fromEntries(
      providers.map((provider) => [provider, { available: true, priority: 100 }]),
    ),
    localModels: catalog.filter((model) => model.location === 'local').map((model) => model.id),
    cooldowns: {},
    budgetLeftUsd: Number.POSITIVE_INFINITY,
    now: Date.now(),
  };
}

/** The routing state a settings file describes. */
export function stateFromSettings(settings: PlaygroundSettings): RoutingState {
  const providers: RoutingState['providers'] = {};
  for (const [provider, entry] of Object.entries(settings.providers ?? {})) {
    providers[provider] = {
      available: isAvailable(entry),
      priority: entry.priority ?? settings.priorities?.[provider] ?? 100,
    };
  }
  for (const [provider, priority] of Object.entries(settings.priorities ?? {})) {
    const entry = providers[provider];
    if (entry) continue;
    // A priority alone (e.g. for `local`) configures nothing else: local models still need to
    // be listed, cloud providers still need a key.
    providers[provider] = { available: provider === 'local', priority };
  }
  if (settings.gateway) {
    providers[settings.gateway] = {
      available: true,
      priority: providers[settings.gateway]?.priority ?? 100,
    };
  }
  return {
    providers,
    localModels: settings.localModels ?? [],
    ...(settings.gateway ? { gateway: settings.gateway } : {}),
    cooldowns: settings.cooldowns ?? {},
    budgetLeftUsd: settings.budgetUsd ?? Number.POSITIVE_INFINITY,
    now: settings.now ?? Date.now(),
  };
}

function modelName(candidate: { model: CatalogModel }): string {
  return `${candidate.model.provider}/${candidate.model.id}`;
}

function usd(value: number): string {
  if (value === 0) return '$0';
  return value >= 0.01 ? `$${value.toFixed(3)}` : `$${value.toPrecision(2)}`;
}

function seconds(milliseconds: number): string {
  return `${(milliseconds / 1000).toFixed(1)} s`;
}

function candidateJson(candidate: CandidateScore, explanation: RouteExplanation) {
  return {
    provider: candidate.model.provider,
    model: candidate.model.id,
    rank: candidate.rank,
    finalScore: candidate.finalScore,
    baseScore: candidate.baseScore,
    priorityMultiplier: candidate.priorityMultiplier,
    qualityEstimate: candidate.qualityEstimate,
    expectedCostUsd: candidate.expectedCostUsd,
    expectedLatencyMs: candidate.expectedLatencyMs,
    viaGateway: candidate.viaGateway,
    contributions: candidate.contributions,
    reasons: describeCandidate(candidate, explanation),
  };
}

/** The plan as one JSON object: chosen (a list of one) and chain as lists of {provider, model}, every candidate with its
 * scores and reasons, every ruled-out model with its reason. */
export function planJson(plan: RoutePlan) {
  const { explanation } = plan;
  const chosen = plan.chain[0];
  return {
    chosen: chosen ? [{ provider: chosen.model.provider, model: chosen.model.id }] : [],
    chain: plan.chain.map((candidate) => ({
      provider: candidate.model.provider,
      model: candidate.model.id,
    })),
    analysis: explanation.analysis,
    split: explanation.split,
    weights: explanation.weights,
    expectedCostUsd: explanation.expectedCostUsd ?? null,
    tieBreak: explanation.tieBreak,
    candidates: explanation.candidates.map((candidate) => candidateJson(candidate, explanation)),
    ruledOut: explanation.ruledOut.map((entry) => ({
      provider: entry.model.provider,
      model: entry.model.id,
      constraint: entry.constraint,
      reason: entry.reason,
    })),
  };
}

function table(rows: readonly string[][]): string {
  const widths = rows[0]!.map((_, column) =>
    Math.max(...rows.map((row) => (row[column] ?? '').length)),
  );
  return rows
    .map((row) =>
      row
        .map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column]!)))
        .join('  '),
    )
    .join('\n');
}

function candidateRows(candidates: readonly CandidateScore[], explanation: RouteExplanation) {
  return [
    ['#', 'model', 'final', 'base', 'priority', 'quality', 'cost', 'latency', 'why'],
    ...candidates.map((candidate) => [
      String(candidate.rank),
      `${modelName(candidate)}${candidate.viaGateway ? ' (gateway)' : ''}`,
      candidate.finalScore.toFixed(3),
      candidate.baseScore.toFixed(3),
      `×${candidate.priorityMultiplier.toFixed(2)}`,
      candidate.qualityEstimate.toFixed(2),
      usd(candidate.expectedCostUsd),
      seconds(candidate.expectedLatencyMs),
      describeCandidate(candidate, explanation).join('; '),
    ]),
  ];
}

/** The plan as readable text. */
export function planText(plan: RoutePlan): string {
  const { explanation } = plan;
  const { analysis, split } = explanation;
  const lines = [
    `Task: ${analysis.task}${analysis.taskInferred ? ' (inferred)' : ''}   difficulty ${analysis.difficulty.toFixed(2)}   quality need ${analysis.qualityNeed.toFixed(2)}${analysis.preset ? `   preset ${analysis.preset}` : ''}`,
    `Tokens: ~${analysis.inputTokens} in, ~${analysis.expectedOutputTokens} out expected${analysis.requiredCapabilities.length ? `   needs ${analysis.requiredCapabilities.join(', ')}` : ''}`,
    `Weights: cost ${split.cost.toFixed(2)}, quality ${split.quality.toFixed(2)}, latency ${split.latency.toFixed(2)}${analysis.signals.length ? `   (${analysis.signals.join('; ')})` : ''}`,
    '',
    `Chosen: ${plan.chain[0] ? modelName(plan.chain[0]) : 'none'}   expected cost ${usd(explanation.expectedCostUsd ?? 0)}`,
    '',
    'Fallback chain:',
    table(candidateRows(plan.chain, explanation)),
  ];
  const others = explanation.candidates.slice(plan.chain.length);
  if (others.length > 0) {
    lines.push(
      '',
      `Other candidates (${others.length}):`,
      table(candidateRows(others, explanation)),
    );
  }
  if (explanation.ruledOut.length > 0) {
    lines.push(
      '',
      `Ruled out (${explanation.ruledOut.length}):`,
      table([
        ['model', 'constraint', 'reason'],
        ...explanation.ruledOut.map((entry) => [modelName(entry), entry.constraint, entry.reason]),
      ]),
    );
  }
  lines.push('', `Ties: ${explanation.tieBreak}.`);
  return lines.join('\n');
}

function loadCatalog(openRouterPath: string | undefined): readonly CatalogModel[] {
  const bundled = loadBundledCatalog();
  if (!openRouterPath) return bundled;
  return mergeCatalogs(bundled, catalogFromOpenRouter(readJsonFile(openRouterPath)));
}

function main(): number {
  let options: Arguments;
  try {
    options = parseArguments(process.argv.slice(2));
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(error.message);
      return 64;
    }
    throw error;
  }
  const request = readJsonFile(options.requestPath) as LlmRequest;
  const catalog = loadCatalog(options.openRouterPath);
  const state = options.settingsPath
    ? stateFromSettings(readJsonFile(options.settingsPath) as PlaygroundSettings)
    : openState(catalog);
  try {
    const plan = route(request, catalog, state);
    console.log(options.json ? JSON.stringify(planJson(plan), null, 2) : planText(plan));
    return 0;
  } catch (error) {
    if (!(error instanceof LlmError)) throw error;
    if (options.json) {
      console.log(JSON.stringify({ chosen: [], chain: [], error: error.toData() }, null, 2));
    } else {
      console.error(`${error.name}: ${error.message}`);
      for (const entry of error.ruledOut ?? []) {
        console.error(`  ${entry.provider}/${entry.model}: ${entry.reason}`);
      }
    }
    return 2;
  }
}

process.exitCode = main();
