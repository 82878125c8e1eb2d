/**
 * Site grants: which origins may call models, and within what limits. An origin without a grant
 * has no access (docs/architecture.md §5); a revoked grant keeps its limits so a re-grant restores
 * them.
 */
import { PRIVACY_LEVELS } from '../protocol/llm-request';
import type { BrokerDatabase } from './storage-database';
import { readSettings } from './storage-settings';
import type { SiteGrant, SiteGrantLimits } from './storage-types';
import { definedFields, isAmount, isCount } from './storage-values';

export interface GrantsRepository {
  get(origin: string): Promise<SiteGrant | undefined>;
  /** Whether the origin holds a grant that is not revoked. */
  isAllowed(origin: string): Promise<boolean>;
  /** Grants access; limits not given keep their stored value, or start at the settings' defaults. */
  grant(origin: string, limits?: Partial<SiteGrantLimits>): Promise<SiteGrant>;
  /** Changes the limits of an existing grant (allowed or revoked); throws if there is none. */
  update(origin: string, limits: Partial<SiteGrantLimits>): Promise<SiteGrant>;
  /** Takes access away, keeping the limits; undefined when the origin had no grant. */
  revoke(origin: string): Promise<SiteGrant | undefined>;
  /**
   * Notes that the person refused the site in the consent window: listed among refused sites,
   * without access (a grant it had stays revoked, with its limits).
   */
  refuse(origin: string): Promise<SiteGrant>;
  /** Removes every trace of the grant. */
  forget(origin: string): Promise<void>;
  /** Every grant, allowed or revoked, ordered by origin. */
  list(): Promise<SiteGrant[]>;
}

export function createGrantsRepository(
  database: BrokerDatabase,
  now: () => number,
): GrantsRepository {
  const grants = database.grants;

  /**
   * Reads, decides and writes one grant in one transaction, so concurrent edits never mix. A
   * malformed origin rejects the returned promise like any other failure.
   */
  const change = async <Changed extends SiteGrant | undefined>(
    origin: string,
    decide: (site: string, grant: SiteGrant | undefined) => Promise<Changed>,
  ): Promise<Changed> => {
    const site = normalizeOrigin(origin);
    return database.transaction('rw', [grants, database.settings], async () => {
      const changed = await decide(site, await grants.get(site));
      if (changed) {
        validateLimits(changed);
        await grants.put(changed);
      }
      return changed;
    });
  };

  return {
    get: async (origin) => grants.get(normalizeOrigin(origin)),
    isAllowed: async (origin) => (await grants.get(normalizeOrigin(origin)))?.allowed === true,
    grant: (origin, limits = {}) =>
      change(origin, async (site, existing) => {
        const time = now();
        const base = existing ?? (await newGrant(database, site, time));
        const { refusedAt: _refused, ...granted } = base;
        return {
          ...granted,
          ...definedFields(limits),
          allowed: true,
          grantedAt: time,
          updatedAt: time,
        };
      }),
    update: (origin, limits) =>
      change(origin, async (site, existing) => {
        if (!existing) throw new RangeError(`No grant for ${site}.`);
        return { ...existing, ...definedFields(limits), updatedAt: now() };
      }),
    revoke: (origin) =>
      change(origin, async (_site, existing) =>
        existing ? { ...existing, allowed: false, updatedAt: now() } : undefined,
      ),
    refuse: (origin) =>
      change(origin, async (site, existing) => {
        const time = now();
        const base = existing ?? { ...(await newGrant(database, site, time)), grantedAt: 0 };
        return { ...base, allowed: false, refusedAt: time, updatedAt: time };
      }),
    forget: async (origin) => grants.delete(normalizeOrigin(origin)),
    list: () => grants.orderBy('origin').toArray(),
  };
}

async function newGrant(
  database: BrokerDatabase,
  origin: string,
  time: number,
): Promise<SiteGrant> {
  const settings = await readSettings(database);
  return {
    origin,
    allowed: true,
    grantedAt: time,
    updatedAt: time,
    monthlyBudgetUsd: settings.defaultSiteMonthlyBudgetUsd,
    rateLimitPerMinute: settings.defaultSiteRateLimitPerMinute,
    privacy: settings.defaultPrivacy,
  };
}

/**
 * The origin as the browser serializes it (`https://example.com`, `http://127.0.0.1:8080`).
 * Anything else — a URL with a path, an opaque `null` origin, `*` — is refused with a TypeError,
 * so one site can never be stored under two spellings.
 */
export function normalizeOrigin(origin: string): string {
  let parsed: URL | undefined;
  try {
    parsed = new URL(origin);
  } catch {
    parsed = undefined;
  }
  if (!parsed || parsed.origin === 'null' || parsed.origin !== origin) {
    throw new TypeError(`Not a web origin: ${JSON.stringify(origin)}`);
  }
  return origin;
}

function validateLimits(limits: SiteGrantLimits): void {
  if (!isAmount(limits.monthlyBudgetUsd)) {
    throw new RangeError('monthlyBudgetUsd must be a number ≥ 0');
  }
  if (!isCount(limits.rateLimitPerMinute)) {
    throw new RangeError('rateLimitPerMinute must be a whole number ≥ 0');
  }
  if (!PRIVACY_LEVELS.includes(limits.privacy)) {
    throw new RangeError(`privacy must be one of ${PRIVACY_LEVELS.join(', ')}`);
  }
}
