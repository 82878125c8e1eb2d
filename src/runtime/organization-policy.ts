/**
 * An organization's policy: rules an administrator sets through the browser's managed storage
 * (`storage.managed`, shaped by public/managed-schema.json) that always win over the person's own
 * settings — which providers may be used, the least privacy every site gets, which sites may ask
 * at all, and caps on the budgets. Every refusal it causes says it was the organization's policy.
 */
import type { PrivacyLevel } from '../protocol/llm-request';
import { PRIVACY_LEVELS } from '../protocol/llm-request';

export interface OrganizationPolicy {
  /** When set, only these providers may be used. */
  allowedProviders?: readonly string[];
  blockedProviders?: readonly string[];
  /** The least privacy every site gets: a site's own level can be stricter, never looser. */
  privacy?: PrivacyLevel;
  /** When set, only origins matching one of these patterns may use LLM Broker. */
  allowedOrigins?: readonly string[];
  blockedOrigins?: readonly string[];
  /** Caps on the global and per-site monthly budgets, in US dollars. */
  maxMonthlyBudgetUsd?: number;
  maxSiteMonthlyBudgetUsd?: number;
}

/** No policy: the person's settings rule alone. */
export const NO_POLICY: OrganizationPolicy = Object.freeze({});

/** The sentence every refusal by policy carries, so a person knows whom to ask. */
export const BY_POLICY = "your organization's policy";

const strings = (value: unknown): string[] | undefined =>
  Array.isArray(value)
    ? value.filter((item): item is string => typeof item === 'string' && item !== '')
    : undefined;

const amount = (value: unknown): number | undefined =>
  typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined;

/**
 * Reads what managed storage holds. Anything malformed is left out (an administrator's typo must
 * not switch the extension off); what is left out is listed in `ignored`.
 */
export function parseOrganizationPolicy(raw: unknown): {
  policy: OrganizationPolicy;
  ignored: string[];
} {
  const source = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
  const policy: OrganizationPolicy = {};
  const ignored: string[] = [];
  const take = <K extends keyof OrganizationPolicy>(
    key: K,
    read: (value: unknown) => OrganizationPolicy[K] | undefined,
  ) => {
    if (!(key in source)) return;
    const value = read(source[key]);
    if (value === undefined) ignored.push(key);
    else policy[key] = value;
  };
  take('allowedProviders', strings);
  take('blockedProviders', strings);
  take('allowedOrigins', strings);
  take('blockedOrigins', strings);
  take('privacy', (value) =>
    typeof value === 'string' && (PRIVACY_LEVELS as readonly string[]).includes(value)
      ? (value as PrivacyLevel)
      : undefined,
  );
  take('maxMonthlyBudgetUsd', amount);
  take('maxSiteMonthlyBudgetUsd', amount);
  return { policy, ignored };
}

/**
 * Whether an origin matches a pattern: an exact origin (`https://example.com`), any subdomain
 * (`https://*.example.com`, which also matches example.com), any port (`http://localhost:*`), or
 * `*` for every origin.
 */
export function originMatches(pattern: string, origin: string): boolean {
  if (pattern === '*') return true;
  const match = /^([a-z][a-z0-9+.-]*):\/\/(\*\.)?([^:/]+)(?::(\d+|\*))?$/i.exec(pattern);
  if (!match) return false;
  const [, scheme, anySubdomain, host, port] = match;
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  if (url.protocol !== `${scheme!.toLowerCase()}:`) return false;
  const hostname = url.hostname;
  const target = host!.toLowerCase();
  const hostMatches = anySubdomain
    ? hostname === target || hostname.endsWith(`.${target}`)
    : hostname === target;
  const portMatches = port === '*' || (port ?? '') === url.port;
  return hostMatches && portMatches;
}

/** Why the policy keeps an origin out, or undefined when it may ask. */
export function originRefusal(policy: OrganizationPolicy, origin: string): string | undefined {
  if (policy.blockedOrigins?.some((pattern) => originMatches(pattern, origin)))
    return `${BY_POLICY} does not allow ${origin} to use LLM Broker.`;
  if (
    policy.allowedOrigins &&
    !policy.allowedOrigins.some((pattern) => originMatches(pattern, origin))
  )
    return `${BY_POLICY} allows only some sites to use LLM Broker, and ${origin} is not one of them.`;
  return undefined;
}

/** Why the policy keeps a provider out, or undefined when it may be used. */
export function providerRefusal(policy: OrganizationPolicy, provider: string): string | undefined {
  if (policy.blockedProviders?.includes(provider)) return `blocked by ${BY_POLICY}`;
  if (policy.allowedProviders && !policy.allowedProviders.includes(provider))
    return `not among the providers ${BY_POLICY} allows`;
  return undefined;
}

const STRICTNESS: Record<PrivacyLevel, number> = { any: 0, 'no-training': 1, 'local-only': 2 };

/** The stricter of two privacy levels (either may be absent). */
export function stricterPrivacy(
  a: PrivacyLevel | undefined,
  b: PrivacyLevel | undefined,
): PrivacyLevel {
  const left = a ?? 'any';
  return b !== undefined && STRICTNESS[b] > STRICTNESS[left] ? b : left;
}

/** A budget as the policy caps it. */
export function cappedBudget(budgetUsd: number, capUsd: number | undefined): number {
  return capUsd === undefined ? budgetUsd : Math.min(budgetUsd, capUsd);
}
