/** The user's global settings: one row, defaults filled in on read. */

import { OPENROUTER_MODELS_URL } from '../catalog/catalog-refresh';
import {
  PRESETS,
  PRIVACY_LEVELS,
  QUALITY_HINTS,
  SPEED_HINTS,
  TASK_TYPES,
} from '../protocol/llm-request';
import { AUTO_LOCK_MINUTES, isAutoLockSetting } from './storage-auto-lock';
import type { BrokerDatabase } from './storage-database';
import type { BrokerSettings } from './storage-types';
import { definedFields, isAmount, isCount, isPriority } from './storage-values';

export const DEFAULT_SETTINGS: Readonly<BrokerSettings> = Object.freeze({
  monthlyBudgetUsd: 10,
  dailyBudgetUsd: null,
  providerPriorities: {},
  providerOrder: [],
  taskPresets: {},
  cascadeTasks: [],
  verifyCheapAnswers: false,
  defaultQuality: null,
  defaultSpeed: null,
  defaultPrivacy: 'no-training',
  gateway: null,
  defaultSiteMonthlyBudgetUsd: 1,
  defaultSiteRateLimitPerMinute: 20,
  responseCacheTtlMs: 60 * 60 * 1000,
  responseCacheMaxBytes: 5 * 1024 * 1024,
  requestLogLimit: 100_000,
  keepRequestText: false,
  requestTextDays: 30,
  catalogUrl: OPENROUTER_MODELS_URL,
  autoLockMinutes: null,
});

/**
 * The priority of a provider the user never ranked: 100, the multiplier that leaves its models'
 * scores as they are (the router playground and CLI assume the same). Ranking a provider lower
 * is how a person says "prefer the others".
 */
export const DEFAULT_PROVIDER_PRIORITY = 100;

/** How long kept request text may stay, in days (the choices the options page offers). */
export const REQUEST_TEXT_DAYS = [1, 7, 30, 90, 365] as const;

const SETTINGS_ROW_ID = 'global';

export interface SettingsRepository {
  /** The current settings, with defaults for anything never changed. */
  get(): Promise<BrokerSettings>;
  /** Changes some settings at once; throws RangeError (and changes nothing) if any is invalid. */
  update(patch: Partial<BrokerSettings>): Promise<BrokerSettings>;
  /** Sets one provider's priority (0–100) without touching the others. */
  setProviderPriority(provider: string, priority: number): Promise<BrokerSettings>;
}

export function createSettingsRepository(database: BrokerDatabase): SettingsRepository {
  const update = (patch: Partial<BrokerSettings>) =>
    database.transaction('rw', database.settings, async () => {
      const stored = (await database.settings.get(SETTINGS_ROW_ID))?.values ?? {};
      const values = { ...stored, ...definedFields(patch) };
      const settings = withDefaults(values);
      validateSettings(settings);
      await database.settings.put({ id: SETTINGS_ROW_ID, values });
      return settings;
    });

  return {
    get: () => readSettings(database),
    update,
    setProviderPriority: (provider, priority) =>
      database.transaction('rw', database.settings, async () => {
        const current = await readSettings(database);
        return update({
          providerPriorities: { ...current.providerPriorities, [provider]: priority },
        });
      }),
  };
}

/** Reads the settings; inside a transaction that includes the settings table, reads them in it. */
export async function readSettings(database: BrokerDatabase): Promise<BrokerSettings> {
  const row = await database.settings.get(SETTINGS_ROW_ID);
  return withDefaults(row?.values ?? {});
}

export function providerPriorityOf(settings: BrokerSettings, provider: string): number {
  return settings.providerPriorities[provider] ?? DEFAULT_PROVIDER_PRIORITY;
}

function withDefaults(values: Partial<BrokerSettings>): BrokerSettings {
  return {
    ...DEFAULT_SETTINGS,
    ...values,
    providerPriorities: { ...values.providerPriorities },
    providerOrder: [...(values.providerOrder ?? [])],
    taskPresets: { ...values.taskPresets },
    cascadeTasks: [...(values.cascadeTasks ?? [])],
  };
}

/** Throws a RangeError naming the first invalid setting. */
export function validateSettings(settings: BrokerSettings): void {
  const problems = [
    isAmount(settings.monthlyBudgetUsd) ? null : 'monthlyBudgetUsd must be a number ≥ 0',
    settings.dailyBudgetUsd === null || isAmount(settings.dailyBudgetUsd)
      ? null
      : 'dailyBudgetUsd must be null (no daily limit) or a number ≥ 0',
    typeof settings.keepRequestText === 'boolean' ? null : 'keepRequestText must be true or false',
    (REQUEST_TEXT_DAYS as readonly number[]).includes(settings.requestTextDays)
      ? null
      : `requestTextDays must be one of ${REQUEST_TEXT_DAYS.join(', ')}`,
    isCatalogUrl(settings.catalogUrl)
      ? null
      : 'catalogUrl must be an https:// address, or http:// on 127.0.0.1 or localhost',
    isAmount(settings.defaultSiteMonthlyBudgetUsd)
      ? null
      : 'defaultSiteMonthlyBudgetUsd must be a number ≥ 0',
    arePriorities(settings.providerPriorities)
      ? null
      : 'providerPriorities must map provider ids to numbers from 0 to 100',
    Array.isArray(settings.providerOrder) &&
    settings.providerOrder.every((provider) => typeof provider === 'string')
      ? null
      : 'providerOrder must be a list of provider ids',
    Object.entries(settings.taskPresets).every(
      ([task, preset]) =>
        (TASK_TYPES as readonly string[]).includes(task) &&
        (PRESETS as readonly string[]).includes(preset as string),
    )
      ? null
      : `taskPresets must map tasks to one of ${PRESETS.join(', ')}`,
    Array.isArray(settings.cascadeTasks) &&
    settings.cascadeTasks.every((task) => (TASK_TYPES as readonly string[]).includes(task))
      ? null
      : `cascadeTasks must be a list of tasks (${TASK_TYPES.join(', ')})`,
    typeof settings.verifyCheapAnswers === 'boolean'
      ? null
      : 'verifyCheapAnswers must be true or false',
    settings.defaultQuality === null || QUALITY_HINTS.includes(settings.defaultQuality)
      ? null
      : `defaultQuality must be null or one of ${QUALITY_HINTS.join(', ')}`,
    settings.defaultSpeed === null || SPEED_HINTS.includes(settings.defaultSpeed)
      ? null
      : `defaultSpeed must be null or one of ${SPEED_HINTS.join(', ')}`,
    PRIVACY_LEVELS.includes(settings.defaultPrivacy)
      ? null
      : `defaultPrivacy must be one of ${PRIVACY_LEVELS.join(', ')}`,
    settings.gateway === null || (typeof settings.gateway === 'string' && settings.gateway !== '')
      ? null
      : 'gateway must be a provider id or null',
    isCount(settings.defaultSiteRateLimitPerMinute)
      ? null
      : 'defaultSiteRateLimitPerMinute must be a whole number ≥ 0',
    isCount(settings.responseCacheTtlMs) ? null : 'responseCacheTtlMs must be a whole number ≥ 0',
    isCount(settings.responseCacheMaxBytes)
      ? null
      : 'responseCacheMaxBytes must be a whole number ≥ 0',
    isCount(settings.requestLogLimit) && settings.requestLogLimit >= 1
      ? null
      : 'requestLogLimit must be a whole number ≥ 1',
    isAutoLockSetting(settings.autoLockMinutes)
      ? null
      : `autoLockMinutes must be null (never) or one of ${AUTO_LOCK_MINUTES.join(', ')}`,
  ];
  const problem = problems.find((entry) => entry !== null);
  if (problem) throw new RangeError(problem);
}

/** An address a model list may come from: https, or plain http on this computer only. */
export function isCatalogUrl(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  try {
    const url = new URL(value);
    if (url.protocol === 'https:') return true;
    return url.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
  } catch {
    return false;
  }
}

function arePriorities(priorities: Record<string, number>): boolean {
  return Object.values(priorities).every(isPriority);
}
