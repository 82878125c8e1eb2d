/**
 * A whole broker for runtime tests: the real storage (Dexie on fake-indexeddb), the bundled
 * catalog, the real providers, and a loopback server per provider speaking its wire format.
 * Only the network's far end is fake.
 */
import type { LlmStreamPart } from '../../src/protocol/llm-result';
import { findProvider } from '../../src/providers/provider-registry';
import type { ProviderDefinition } from '../../src/providers/provider-types';
import { loadBundledCatalog } from '../../src/router';
import { Broker, type BrokerOptions } from '../../src/runtime/broker';
import { ProviderHealth, type ProviderHealthOptions } from '../../src/runtime/provider-health';
import { InMemorySession } from '../../src/runtime/session-memory';
import { type BrokerStorage, createBrokerStorage } from '../../src/storage/storage-broker';
import { type ProviderServer, startProviderServer } from '../fixtures/provider-server';
import type { ProviderKind } from '../fixtures/provider-server-types';

export const ORIGIN = 'https://site.example';
export const API_KEY = 'sk-test-0123456789abcdef';

/** Which wire format each provider's AI SDK package speaks, and where its API lives on a server. */
const WIRE: Record<string, { kind: ProviderKind; path: string }> = {
  openai: { kind: 'openai', path: '/v1' },
  anthropic: { kind: 'anthropic', path: '/v1' },
  google: { kind: 'google', path: '/v1beta' },
  deepseek: { kind: 'openai', path: '/v1' },
  mistral: { kind: 'openai', path: '/v1' },
  openrouter: { kind: 'openai', path: '/v1' },
  ollama: { kind: 'openai-compatible', path: '/v1' },
  'local-server': { kind: 'openai-compatible', path: '/v1' },
};

export interface WorldOptions {
  /** How long session memory waits before it is written (10 ms unless given). */
  sessionSaveDelayMs?: number;
  /** Provider id → priority 0–100. */
  providers: Record<string, number>;
  monthlyBudgetUsd?: number;
  dailyBudgetUsd?: number;
  /** Whether the request log keeps request text. */
  keepRequestText?: boolean;
  siteBudgetUsd?: number;
  rateLimitPerMinute?: number;
  gateway?: string;
  answer?: string;
  /** Provider id → its server's answer (over `answer`). */
  answers?: Record<string, string>;
  /** Provider id → the model ids its server lists (local servers report what is ready). */
  models?: Record<string, string[]>;
  /** Circuit-breaker settings (a chaos test wants short ones). */
  health?: ProviderHealthOptions;
  /** The broker's hook before a key is used (the extension's automatic lock). */
  beforeKeyUse?: () => Promise<void>;
  /** Models in this browser, as the background reports them. */
  browserModels?: BrokerOptions['browserModels'];
  /** Providers beside the registry's (the webllm provider bound to a host). */
  extraProviders?: ProviderDefinition[];
}

export interface BrokerWorld {
  broker: Broker;
  storage: BrokerStorage;
  /** The storage the brokers write with (its calls do not wait for their records first). */
  brokerStorage: BrokerStorage;
  servers: Record<string, ProviderServer>;
  /** The session memory every broker of this world shares, as restarts of one worker do. */
  session: InMemorySession;
  /** A fresh broker on the same storage and session memory, as after a service-worker restart. */
  restart(): Broker;
  /** A fresh broker on the same storage with empty session memory, as in a new browser session. */
  newSession(): Broker;
  close(): Promise<void>;
}

let worldCount = 0;

function createBroker(
  storage: BrokerStorage,
  session: InMemorySession,
  options: WorldOptions,
): Broker {
  const { health, beforeKeyUse, browserModels, extraProviders = [] } = options;
  return new Broker({
    storage,
    session,
    ...(health && { health: new ProviderHealth(health) }),
    ...(beforeKeyUse && { beforeKeyUse }),
    catalog: loadBundledCatalog(),
    loadRefreshedCatalog: async () => (await storage.catalog.get())?.models,
    findProvider: (id) => extraProviders.find((provider) => provider.id === id) ?? findProvider(id),
    ...(browserModels && { browserModels }),
    limits: { firstTokenTimeoutMs: 500, idleTimeoutMs: 500 },
    statsSaveDelayMs: 10,
    sessionSaveDelayMs: options.sessionSaveDelayMs ?? 10,
  });
}

export async function createWorld(options: WorldOptions): Promise<BrokerWorld> {
  // PBKDF2 at a tenth of a percent of its real cost, for tests that set a passphrase.
  const storage = createBrokerStorage(`broker-world-${++worldCount}-${Date.now()}`, {
    passphraseIterations: 1000,
  });
  const servers: Record<string, ProviderServer> = {};
  for (const [provider, priority] of Object.entries(options.providers)) {
    const wire = WIRE[provider];
    if (!wire) throw new Error(`no wire format for ${provider}`);
    const server = await startProviderServer({
      kind: wire.kind,
      stallMs: 2_000,
      ...(options.answer && { text: options.answer }),
      ...(options.answers?.[provider] && { text: options.answers[provider] }),
      ...(options.models?.[provider] && { models: options.models[provider] }),
    });
    servers[provider] = server;
    await storage.accounts.save({
      provider,
      apiKey: API_KEY,
      baseUrl: `${server.url}${wire.path}`,
    });
    await storage.settings.setProviderPriority(provider, priority);
  }
  await storage.settings.update({
    monthlyBudgetUsd: options.monthlyBudgetUsd ?? 100,
    ...(options.dailyBudgetUsd !== undefined && { dailyBudgetUsd: options.dailyBudgetUsd }),
    ...(options.keepRequestText && { keepRequestText: true }),
    ...(options.gateway && { gateway: options.gateway }),
  });
  await storage.grants.grant(ORIGIN, {
    monthlyBudgetUsd: options.siteBudgetUsd ?? 50,
    rateLimitPerMinute: options.rateLimitPerMinute ?? 10_000,
    privacy: 'any',
  });
  const session = new InMemorySession();
  const brokers = [createBroker(storage, session, options)];
  // A restarted worker starts after the one before stopped: its writes were done by then.
  const afterOlder = () => {
    const older = [...brokers];
    return flushedFirst(storage, () => Promise.all(older.map((broker) => broker.flushRecords())));
  };
  return {
    broker: brokers[0]!,
    // What the test reads, it reads as the settings pages do: after the records of the answers
    // already handed back are written (the background flushes before every settings call).
    brokerStorage: storage,
    storage: flushedFirst(storage, () =>
      Promise.all(brokers.map((broker) => broker.flushRecords())),
    ),
    servers,
    session,
    restart() {
      brokers.push(createBroker(afterOlder(), session, options));
      return brokers.at(-1)!;
    },
    newSession() {
      brokers.push(createBroker(afterOlder(), new InMemorySession(), options));
      return brokers.at(-1)!;
    },
    async close() {
      // Pending statistics are written before the database goes away.
      for (const broker of brokers) {
        await broker.flushRecords();
        await broker.flushStats();
      }
      await Promise.all(Object.values(servers).map((server) => server.close()));
      storage.close();
    },
  };
}

/**
 * `storage` whose repositories' calls wait for `flush` first (the brokers keep the raw storage:
 * their own writes must not wait for themselves).
 */
function flushedFirst(storage: BrokerStorage, flush: () => Promise<unknown>): BrokerStorage {
  const wrap = <T extends object>(target: T): T =>
    new Proxy(target, {
      get(object, key, receiver) {
        const value = Reflect.get(object, key, receiver);
        if (typeof value === 'function') {
          return async (...args: unknown[]) => {
            await flush();
            return value.apply(object, args);
          };
        }
        return value;
      },
    });
  return new Proxy(storage, {
    get(object, key, receiver) {
      const value = Reflect.get(object, key, receiver);
      if (key === 'database' || key === 'close') return value;
      if (typeof value === 'function') return wrap(value.bind(object));
      return typeof value === 'object' && value !== null ? wrap(value) : value;
    },
  });
}

/** Runs a request and collects the parts it streamed. */
export async function runCollecting(
  broker: Broker,
  request: unknown,
  signal: AbortSignal = new AbortController().signal,
) {
  const parts: LlmStreamPart[] = [];
  const result = await broker.run(ORIGIN, request, { signal, emit: (part) => parts.push(part) });
  return { result, parts };
}

/** What a promise rejected with; fails the test when it resolves. */
export async function rejectionOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the promise to reject');
}
