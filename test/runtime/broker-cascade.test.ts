/**
 * A local first pass through the whole broker: a model in this browser answers first (the real
 * host around an engine that implements web-llm's interface), a cloud model (a loopback server
 * speaking OpenAI's wire format) answers only when the first pass is not accepted. The page sees
 * no rejected first pass unless it allows restarts; every pass is charged and recorded.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { LocalModelHost } from '../../src/local/local-model-host';
import { createWebLlmProvider } from '../../src/local/webllm-provider';
import type { LlmRequest } from '../../src/protocol/llm-request';
import { route } from '../../src/router/router-route';
import type { CandidateScore, RoutePlan } from '../../src/router/router-types';
import {
  describePasses,
  escalationOrder,
  planCascade,
  planVerification,
} from '../../src/runtime/run-cascade';
import { FakeMlcEngine, FakeModelFiles, inProcess } from '../fixtures/fake-mlc-engine';
import { type BrokerWorld, createWorld, ORIGIN, runCollecting } from './broker-world';

const LOCAL = 'Llama-3.2-3B-Instruct-q4f32_1-MLC';
const CLOUD_ANSWER = 'An answer from the cloud.';

async function cascadeWorld(
  local: string,
  options: { ollama?: string; cascadeTasks?: string[] } = {},
) {
  const files = new FakeModelFiles();
  const engine = new FakeMlcEngine({ files, answer: local });
  const host = new LocalModelHost(
    () => engine.asEngine(),
    files,
    () => {},
  );
  await host.startDownload(LOCAL);
  const world = await createWorld({
    providers: { openai: 100, ...(options.ollama && { ollama: 100 }) },
    answers: { openai: CLOUD_ANSWER, ...(options.ollama && { ollama: options.ollama }) },
    ...(options.ollama && { models: { ollama: ['qwen2.5:7b'] } }),
    extraProviders: [createWebLlmProvider(inProcess(host))],
    browserModels: async () => ({ ready: [LOCAL] }),
  });
  // The person ranks the cloud first, so the chain starts there and the first pass is the
  // cheaper way in front of it.
  await world.storage.settings.setProviderPriority('webllm', 40);
  if (options.ollama) await world.storage.settings.setProviderPriority('ollama', 40);
  world.broker.settingsChanged();
  if (options.cascadeTasks) {
    await world.storage.settings.update({ cascadeTasks: options.cascadeTasks as never });
    world.broker.settingsChanged();
  }
  return world;
}

let world: BrokerWorld | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

/** The plan the broker makes for `request` from the test site, as the router sees it. */
async function planOf(world: BrokerWorld, request: LlmRequest) {
  return route(
    request,
    await world.broker.currentCatalog(),
    await world.broker.routingState(ORIGIN),
  );
}

const idOf = ({ model }: CandidateScore) => `${model.provider}/${model.id}`;

const REVIEW = {
  task: 'classification' as const,
  prompt:
    'Is this review positive or negative? "The battery died after two days." Answer in one word.',
};

describe('a local first pass', () => {
  it('returns an accepted local answer, for nothing, and says what it saved', async () => {
    world = await cascadeWorld('Negative');
    const { result, parts } = await runCollecting(world.broker, {
      ...REVIEW,
      hints: { cascade: true },
    });
    expect(result.text).toBe('Negative');
    expect(result.model.provider).toBe('webllm');
    expect(result.costUsd).toBe(0);
    expect(result.cascade).toMatchObject({
      escalated: false,
      passes: [{ accepted: true, costUsd: 0 }],
    });
    expect(result.cascade?.savedUsd).toBeGreaterThan(0);
    expect(world.servers.openai!.requests).toHaveLength(0);
    // The accepted answer reaches the page at once (the port adds the finish part).
    expect(parts.map((part) => part.type)).toEqual(['start', 'text-delta']);
    await world.broker.flushRecords();
    const [line] = await world.storage.requestLog.recent();
    expect(line?.cascade).toMatchObject({ escalated: false });
  });

  it('escalates a refusal to the chain, and the page sees only the chain’s answer', async () => {
    world = await cascadeWorld("I'm sorry, but I can't help with that.");
    const { result, parts } = await runCollecting(world.broker, {
      ...REVIEW,
      hints: { cascade: true },
    });
    expect(result.text).toBe(CLOUD_ANSWER);
    expect(result.model.provider).toBe('openai');
    expect(result.cascade).toMatchObject({
      escalated: true,
      reason: 'the model declined to answer',
    });
    expect(result.cascade?.passes.map((pass) => pass.model.provider)).toEqual(['webllm', 'openai']);
    // A refusal says nothing about how hard the prompt is: the chain goes on in its own order.
    const plan = await planOf(world, { ...REVIEW, hints: { cascade: true } });
    const firstCloud = plan.chain.find(({ model }) => model.provider === 'openai')!;
    expect(`${result.model.provider}/${result.model.id}`).toBe(idOf(firstCloud));
    const shown = parts
      .filter((part) => part.type === 'text-delta')
      .map((part) => (part.type === 'text-delta' ? part.delta : ''))
      .join('');
    expect(shown).toBe(CLOUD_ANSWER);
    expect(parts.some((part) => part.type === 'fallback')).toBe(false);
    // Both passes are in the record; the cost is the cloud's (the local pass is free).
    expect(result.attempts.map((attempt) => attempt.model.provider)).toEqual(['webllm', 'openai']);
    expect(result.costUsd).toBeGreaterThan(0);
    await world.broker.flushRecords();
    const [line] = await world.storage.requestLog.recent();
    expect(line).toMatchObject({ costUsd: result.costUsd, cascade: { escalated: true } });
    // The Usage page's daily rollup counts it.
    const today = new Date().toISOString().slice(0, 10);
    const [day] = await world.storage.usage.days('all', today, today);
    expect(day).toMatchObject({ cascaded: 1, escalated: 1 });
  });

  it('streams the first pass live when the page allows restarts, then a fallback part', async () => {
    world = await cascadeWorld("I'm sorry, but I can't help with that.");
    const { result, parts } = await runCollecting(world.broker, {
      ...REVIEW,
      hints: { cascade: true },
      allowRestart: true,
    });
    expect(result.cascade?.escalated).toBe(true);
    expect(result.cascade?.reason).toBe('the model declined to answer');
    const types = parts.map((part) => part.type);
    expect(types[0]).toBe('start');
    const fallback = types.indexOf('fallback');
    // The refusal was shown, then taken back, then the chain's answer streamed.
    expect(types.slice(0, fallback)).toContain('text-delta');
    expect(parts[fallback]).toMatchObject({
      from: { provider: 'webllm' },
      reason: 'Not accepted: the model declined to answer.',
    });
    expect(types.at(-1)).toBe('text-delta');
    expect(result.model.provider).toBe('openai');
  });

  it('takes back an empty first pass the page saw start, so one answer follows one start', async () => {
    world = await cascadeWorld('');
    const { result, parts } = await runCollecting(world.broker, {
      ...REVIEW,
      hints: { cascade: true },
      allowRestart: true,
    });
    expect(result.cascade?.reason).toBe('the answer was empty');
    expect(parts.map((part) => part.type)).toEqual([
      'start',
      'fallback',
      'start',
      ...parts.slice(3).map(() => 'text-delta'),
    ]);
    expect(result.text).toBe(CLOUD_ANSWER);
  });

  it('escalates when two cheap models disagree on a short answer', async () => {
    world = await cascadeWorld('Negative', { ollama: 'Positive' });
    const { result } = await runCollecting(world.broker, { ...REVIEW, hints: { cascade: true } });
    expect(result.cascade?.reason).toMatch(
      /two cheap models disagree \((negative vs positive|positive vs negative)\)/,
    );
    expect(result.model.provider).toBe('openai');
    const passes = result.cascade?.passes.map((pass) => pass.model.provider) ?? [];
    expect([...passes.slice(0, 2)].sort()).toEqual(['ollama', 'webllm']);
    expect(passes[2]).toBe('openai');
    // Two cheap models disagreeing says the prompt is hard: the escalation goes to the chain's
    // strongest model, not to its first (here a cheaper, weaker one).
    const plan = await planOf(world, { ...REVIEW, hints: { cascade: true } });
    const cloud = plan.chain.filter(({ model }) => model.provider === 'openai');
    const strongest = [...cloud].sort((a, b) => b.qualityEstimate - a.qualityEstimate)[0]!;
    expect(idOf(cloud[0]!)).not.toBe(idOf(strongest));
    expect(`${result.model.provider}/${result.model.id}`).toBe(idOf(strongest));
  });

  it('asks two models on this machine one after the other: the second not when the first fails', async () => {
    world = await cascadeWorld('Negative', { ollama: 'Negative' });
    const request = { ...REVIEW, hints: { cascade: true } };
    const cascade = planCascade(request, await planOf(world, request), {
      cascadeTasks: [],
      verifyCheapAnswers: false,
    })!;
    expect([cascade.first.model.provider, cascade.second?.model.provider]).toEqual([
      'ollama',
      'webllm',
    ]);
    world.servers.ollama!.script({ kind: 'answer', text: '' });
    const { result } = await runCollecting(world.broker, request);
    expect(result.cascade?.reason).toMatch(/the first pass failed/);
    expect(result.model.provider).toBe('openai');
    // The local server gave nothing; the model in this browser was never asked beside it.
    expect(result.attempts.map((attempt) => attempt.model.provider)).not.toContain('webllm');
  });

  it('says in words what runs before the chain, and why (the playground)', async () => {
    world = await cascadeWorld('Negative', { ollama: 'Negative' });
    const asked = { ...REVIEW, hints: { cascade: true } };
    const plan = await planOf(world, asked);
    const cascade = (await world.broker.cascadeFor(asked, plan))!;
    expect(describePasses(cascade, plan, asked)).toBe(
      `Cheapest first (the request asks for it): ${cascade.first.model.name} answers first and ${cascade.second!.model.name} gives a second opinion; when its answer is empty, a refusal, cut off or not the JSON asked for, or the two disagree, the fallback chain answers instead.`,
    );
    // The person's setting for the task, and a request that says no.
    await world.storage.settings.update({ cascadeTasks: ['classification'] });
    world.broker.settingsChanged();
    const byTask = (await world.broker.cascadeFor(REVIEW, plan))!;
    expect(describePasses(byTask, plan, REVIEW)).toMatch(
      /^Cheapest first \(your setting for classification requests\): /,
    );
    const no = { ...REVIEW, hints: { cascade: false } };
    expect(await world.broker.cascadeFor(no, plan)).toBeUndefined();
  });

  it('accepts when the two agree', async () => {
    world = await cascadeWorld('Negative', { ollama: 'negative.' });
    const { result } = await runCollecting(world.broker, { ...REVIEW, hints: { cascade: true } });
    expect(result.model.location).toBe('local');
    expect(result.costUsd).toBe(0);
    expect(result.cascade?.passes).toHaveLength(2);
  });

  it('escalates JSON that breaks the schema', async () => {
    world = await cascadeWorld('{"sentiment": 3}');
    const { result } = await runCollecting(world.broker, {
      ...REVIEW,
      hints: { cascade: true },
      responseFormat: {
        type: 'json',
        schema: {
          type: 'object',
          required: ['sentiment'],
          properties: { sentiment: { type: 'string', enum: ['positive', 'negative'] } },
        },
      },
    });
    expect(result.cascade?.reason).toMatch(/breaks the schema: \$\.sentiment is not string/);
    expect(result.model.provider).toBe('openai');
  });

  it('follows the person’s setting per task, and a request can turn it off', async () => {
    world = await cascadeWorld('Negative', { cascadeTasks: ['classification'] });
    expect((await runCollecting(world.broker, REVIEW)).result.cascade?.escalated).toBe(false);
    const off = await runCollecting(world.broker, { ...REVIEW, hints: { cascade: false } });
    expect(off.result.cascade).toBeUndefined();
    expect(off.result.model.provider).toBe('openai');
  });
});

describe('where a rejected first pass goes on', () => {
  const candidate = (
    id: string,
    rank: number,
    qualityEstimate: number,
    extra: Partial<CandidateScore> = {},
  ) =>
    ({
      model: { provider: 'p', id },
      rank,
      qualityEstimate,
      priorityMultiplier: 1,
      viaGateway: false,
      ...extra,
    }) as CandidateScore;
  const cheap = candidate('cheap', 1, 0.6);
  const middle = candidate('middle', 2, 0.7);
  const strong = candidate('strong', 3, 0.9);
  const disliked = candidate('disliked', 4, 0.95, { priorityMultiplier: 0.5 });
  const gateway = candidate('gateway', 5, 0.99, { viaGateway: true });
  const beyond = candidate('beyond', 6, 0.99);
  const plan = {
    chain: [cheap, middle, strong, disliked, gateway],
    explanation: { candidates: [cheap, middle, strong, disliked, gateway, beyond] },
  } as unknown as RoutePlan;
  const ids = (candidates: CandidateScore[]) => candidates.map(({ model }) => model.id);

  it('goes down the chain in its order after anything but a disagreement', () => {
    expect(ids(escalationOrder(plan, new Set(['p/cheap']), false))).toEqual([
      'middle',
      'strong',
      'disliked',
      'gateway',
      'beyond',
    ]);
  });

  it('after a disagreement, puts the chain’s strongest first (weighed by the person’s priority), then the gateway and the rest', () => {
    expect(ids(escalationOrder(plan, new Set(['p/cheap']), true))).toEqual([
      'strong',
      'middle',
      'disliked',
      'gateway',
      'beyond',
    ]);
  });
});

describe('verifying a cheap pick', () => {
  const modelsAsked = (world: BrokerWorld) =>
    world.servers
      .openai!.requests.filter((request) => request.path.endsWith('/chat/completions'))
      .map((request) => (request.body as { model: string }).model);

  async function verifyingWorld(verifyCheapAnswers = true) {
    const made = await createWorld({ providers: { openai: 100 }, answers: { openai: 'Negative' } });
    await made.storage.settings.update({ verifyCheapAnswers });
    made.broker.settingsChanged();
    return made;
  }

  it('checks the chosen cheap model’s short answer against a second cheap model, asked at the same time, and keeps it when they agree', async () => {
    world = await verifyingWorld();
    const plan = await planOf(world, REVIEW);
    const verification = planVerification(plan)!;
    expect(idOf(verification.first)).toBe(idOf(plan.chain[0]!));
    expect(verification.second!.model.family).not.toBe(plan.chain[0]!.model.family);
    // Each takes a while to start answering: side by side, neither waits for the other.
    for (const { model } of [verification.first, verification.second!]) {
      world.servers.openai!.scriptFor(model.providerModelId, {
        kind: 'answer',
        text: 'Negative',
        headersDelayMs: 300,
      });
    }
    const { result } = await runCollecting(world.broker, REVIEW);
    expect(result.text).toBe('Negative');
    expect(`${result.model.provider}/${result.model.id}`).toBe(idOf(plan.chain[0]!));
    expect(modelsAsked(world).sort()).toEqual(
      [verification.first.model.id, verification.second!.model.id].sort(),
    );
    const [one, two] = world.servers.openai!.requests;
    expect(two!.receivedAt).toBeLessThan(one!.endedAt!);
    expect(result.cascade).toMatchObject({ escalated: false, savedUsd: 0 });
    expect(result.cascade?.passes.map((pass) => pass.accepted)).toEqual([true, false]);
    // Both calls are paid for.
    const paid = result.cascade!.passes.reduce((sum, pass) => sum + pass.costUsd, 0);
    expect(paid).toBeGreaterThan(result.cascade!.passes[0]!.costUsd);
    expect(result.costUsd).toBeCloseTo(paid, 12);
  });

  it('says in words who checks and who answers a dispute (the playground)', async () => {
    world = await verifyingWorld();
    const plan = await planOf(world, REVIEW);
    const cascade = (await world.broker.cascadeFor(REVIEW, plan))!;
    const strongest = escalationOrder(
      plan,
      new Set([idOf(cascade.first), idOf(cascade.second!)]),
      true,
    )[0]!;
    const [first, second] = [cascade.first.model.name, cascade.second!.model.name];
    expect(describePasses(cascade, plan, REVIEW)).toBe(
      `Checked by a second opinion (your setting): ${first} answers and ${second} answers too, at the same time; when they agree, ${first}'s answer is returned, when they disagree ${strongest.model.name} answers.`,
    );
  });

  it('sends a disputed answer to the chain’s strongest model', async () => {
    world = await verifyingWorld();
    const plan = await planOf(world, REVIEW);
    const verification = planVerification(plan)!;
    const strongest = plan.chain
      .filter((candidate) => idOf(candidate) !== idOf(verification.first))
      .sort((a, b) => b.qualityEstimate - a.qualityEstimate)[0]!;
    const server = world.servers.openai!;
    server.scriptFor(verification.first.model.providerModelId, {
      kind: 'answer',
      text: 'Negative',
    });
    server.scriptFor(verification.second!.model.providerModelId, {
      kind: 'answer',
      text: 'Positive',
    });
    server.scriptFor(strongest.model.providerModelId, {
      kind: 'answer',
      text: 'Negative, clearly.',
    });
    const { result } = await runCollecting(world.broker, REVIEW);
    expect(result.text).toBe('Negative, clearly.');
    expect(`${result.model.provider}/${result.model.id}`).toBe(idOf(strongest));
    expect(result.cascade).toMatchObject({ escalated: true });
    expect(result.cascade?.reason).toMatch(/two cheap models disagree/);
    const asked = modelsAsked(world);
    expect(asked.slice(0, 2).sort()).toEqual(
      [verification.first.model.id, verification.second!.model.id].sort(),
    );
    expect(asked[2]).toBe(strongest.model.id);
  });

  it('stops the second opinion when the pick fails, and goes down the chain', async () => {
    world = await verifyingWorld();
    const plan = await planOf(world, REVIEW);
    const verification = planVerification(plan)!;
    const server = world.servers.openai!;
    server.scriptFor(verification.first.model.providerModelId, {
      kind: 'http-error',
      status: 400,
    });
    server.scriptFor(verification.second!.model.providerModelId, {
      kind: 'answer',
      text: 'Negative',
      headersDelayMs: 5_000,
    });
    const { result } = await runCollecting(world.broker, REVIEW);
    expect(result.cascade).toMatchObject({ escalated: true });
    expect(result.cascade?.reason).toMatch(/the first pass failed/);
    const secondRequest = server.requests.find(
      (request) =>
        (request.body as { model?: string }).model === verification.second!.model.providerModelId,
    )!;
    expect(secondRequest.outcome).toBe('client-closed');
    const secondAttempt = result.attempts.find(
      (attempt) => attempt.model.id === verification.second!.model.id,
    );
    expect(secondAttempt).toMatchObject({ outcome: 'aborted', costUsd: 0 });
    // The answer is the chain's, from neither of the two.
    expect([verification.first.model.id, verification.second!.model.id]).not.toContain(
      result.model.id,
    );
  });

  it('is off unless the person turns it on, off for a request that says cascade: false, and off for long answers', async () => {
    world = await verifyingWorld(false);
    expect((await runCollecting(world.broker, REVIEW)).result.cascade).toBeUndefined();
    expect(modelsAsked(world)).toHaveLength(1);
    await world.close();
    world = await verifyingWorld();
    const off = await runCollecting(world.broker, { ...REVIEW, hints: { cascade: false } });
    expect(off.result.cascade).toBeUndefined();
    const story = await runCollecting(world.broker, {
      task: 'creative',
      prompt: 'Write a short story about a lighthouse keeper.',
    });
    expect(story.result.cascade).toBeUndefined();
    expect(modelsAsked(world)).toHaveLength(2);
  });
});

describe('when a pick counts as cheap enough to verify', () => {
  const candidate = (id: string, rank: number, quality: number, cost: number) =>
    ({
      model: { provider: 'p', id, family: id },
      rank,
      qualityEstimate: quality,
      expectedCostUsd: cost,
      priorityMultiplier: 1,
      viaGateway: false,
    }) as unknown as CandidateScore;
  const planWith = (chain: CandidateScore[], task = 'qa') =>
    ({ chain, analysis: { task }, explanation: { candidates: chain } }) as unknown as RoutePlan;

  it('verifies a pick at most 15% of a stronger model’s cost, with the best-ranked cheap model of another family', () => {
    const plan = planWith([
      candidate('pick', 1, 0.7, 1),
      candidate('dear-second', 2, 0.75, 5),
      candidate('cheap-second', 3, 0.65, 1.2),
      candidate('strong', 4, 0.9, 10),
    ]);
    const verification = planVerification(plan)!;
    expect(verification.first.model.id).toBe('pick');
    expect(verification.second!.model.id).toBe('cheap-second');
  });

  it('trusts a dear pick, a pick nothing in the chain beats, and a task with long answers', () => {
    const dear = [candidate('pick', 1, 0.7, 2), candidate('strong', 2, 0.9, 10)];
    expect(planVerification(planWith(dear))).toBeUndefined();
    const best = [candidate('pick', 1, 0.95, 1), candidate('other', 2, 0.9, 10)];
    expect(planVerification(planWith(best))).toBeUndefined();
    const cheap = [
      candidate('pick', 1, 0.7, 1),
      candidate('second', 2, 0.6, 1),
      candidate('strong', 3, 0.9, 10),
    ];
    expect(planVerification(planWith(cheap))).toBeDefined();
    expect(planVerification(planWith(cheap, 'summarization'))).toBeUndefined();
  });
});
