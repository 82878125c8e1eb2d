/**
 * A Dexie `liveQuery` as a Preact hook: the query runs again whenever a table it read changes —
 * in this page or in another context of the extension (the background writes the log), which
 * Dexie learns of through a BroadcastChannel.
 */
import { liveQuery } from 'dexie';
import { useEffect, useState } from 'preact/hooks';

export interface Live<T> {
  data: T | undefined;
  error: Error | undefined;
}

export function useLive<T>(query: () => Promise<T>, deps: readonly unknown[]): Live<T> {
  const [state, setState] = useState<Live<T>>({ data: undefined, error: undefined });
  useEffect(() => {
    const subscription = liveQuery(query).subscribe({
      next: (data) => setState({ data, error: undefined }),
      error: (error: Error) =>
        console.log('LIVE error', String(error)) ??
        setState((previous) => ({ data: previous.data, error })),
    });
    return () => subscription.unsubscribe();
  }, deps);
  return state;
}
