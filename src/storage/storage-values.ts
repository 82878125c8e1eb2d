/** Small checks shared by the repositories that validate what they store. */

/** A sum of money in US dollars: ≥ 0; Infinity allowed (no limit). */
export function isAmount(value: unknown): value is number {
  return typeof value === 'number' && value >= 0;
}

/** A whole number ≥ 0. */
export function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/** A provider priority, 0–100. */
export function isPriority(value: unknown): value is number {
  return typeof value === 'number' && value >= 0 && value <= 100;
}

/**
 * The fields of a patch that are set. `{ gateway: undefined }` then means "leave it", as it reads,
 * rather than overwriting the stored value with undefined.
 */
export function definedFields<T extends object>(patch: T): Partial<T> {
  return Object.fromEntries(
    Object.entries(patch).filter(([, value]) => value !== undefined),
  ) as Partial<T>;
}
