import { describe, expect, it } from 'vitest';
import {
  moveProvider,
  rankProviders,
  setPriority,
} from '../../../extension/ui/options/provider-ranking';

const ids = ['openai', 'anthropic', 'ollama', 'mistral'];

describe('provider ranking', () => {
  it('ranks by priority, then by the saved order, then as listed', () => {
    const ranked = rankProviders(ids, { openai: 60, ollama: 90 }, ['mistral', 'anthropic'], 100);
    expect(ranked).toEqual([
      { id: 'mistral', priority: 100 },
      { id: 'anthropic', priority: 100 },
      { id: 'ollama', priority: 90 },
      { id: 'openai', priority: 60 },
    ]);
  });

  it('fits a moved provider between its new neighbours, keeping its own priority when it fits', () => {
    const list = rankProviders(
      ids,
      { openai: 80, anthropic: 50, ollama: 30, mistral: 10 },
      [],
      100,
    );
    // Mistral (10) up between OpenAI (80) and Anthropic (50): takes 50, the nearest that fits.
    expect(moveProvider(list, 3, 1)).toEqual([
      { id: 'openai', priority: 80 },
      { id: 'mistral', priority: 50 },
      { id: 'anthropic', priority: 50 },
      { id: 'ollama', priority: 30 },
    ]);
    // OpenAI to the bottom: takes the last one's 10.
    expect(moveProvider(list, 0, 3).at(-1)).toEqual({ id: 'openai', priority: 10 });
    // To the top: never above 100, never lowered.
    expect(moveProvider(list, 2, 0)[0]).toEqual({ id: 'ollama', priority: 80 });
    // Out of range: nothing moves.
    expect(moveProvider(list, 0, 4)).toEqual(list);
  });

  it('re-ranks when a priority is typed, ties keeping the order shown', () => {
    const list = rankProviders(ids, {}, [], 100);
    const next = setPriority(list, 'ollama', 100);
    expect(next.map((entry) => entry.id)).toEqual(ids);
    expect(setPriority(next, 'openai', 20).map((entry) => entry.id)).toEqual([
      'anthropic',
      'ollama',
      'mistral',
      'openai',
    ]);
  });
});
