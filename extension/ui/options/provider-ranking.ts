/**
 * The Priorities page's list: providers ranked by priority, highest first, and how dragging one
 * to a new place changes its priority. The list never disagrees with the numbers: a provider moved
 * between two others takes a priority between theirs (the nearest to its own), and among equal
 * priorities the person's arrangement decides the order shown.
 */

export interface RankedProvider {
  id: string;
  /** 0–100. */
  priority: number;
}

/** `ids` ranked by priority, then by the person's saved order, then as given. */
export function rankProviders(
  ids: readonly string[],
  priorities: Readonly<Record<string, number>>,
  order: readonly string[],
  defaultPriority: number,
): RankedProvider[] {
  const place = (id: string) => {
    const index = order.indexOf(id);
    return index === -1 ? order.length + ids.indexOf(id) : index;
  };
  return ids
    .map((id) => ({ id, priority: priorities[id] ?? defaultPriority }))
    .sort((a, b) => b.priority - a.priority || place(a.id) - place(b.id));
}

/** The list after moving the provider at `from` to `to`, its priority fitted between its neighbours. */
export function moveProvider(
  list: readonly RankedProvider[],
  from: number,
  to: number,
): RankedProvider[] {
  if (from === to || to < 0 || to >= list.length) return [...list];
  const next = [...list];
  const [moved] = next.splice(from, 1);
  if (!moved) return [...list];
  const above = to > 0 ? next[to - 1]!.priority : 100;
  const below = to < next.length ? next[to]!.priority : 0;
  next.splice(to, 0, { ...moved, priority: Math.min(above, Math.max(below, moved.priority)) });
  return next;
}

/** The list after one provider's priority changed: re-ranked, ties keeping the current order. */
export function setPriority(
  list: readonly RankedProvider[],
  id: string,
  priority: number,
): RankedProvider[] {
  const changed = list.map((entry) => (entry.id === id ? { ...entry, priority } : entry));
  return changed
    .map((entry, index) => ({ entry, index }))
    .sort((a, b) => b.entry.priority - a.entry.priority || a.index - b.index)
    .map(({ entry }) => entry);
}
