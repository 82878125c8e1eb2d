/**
 * Token estimates with tokenx (a heuristic estimator measured within a few percent of real BPE
 * tokenizers on prose and code), bounded so a 100,000-character prompt costs about as much to
 * estimate as a 1,800-character one.
 */
import { estimateTokenCount } from 'tokenx';

/** Texts up to this length are estimated whole. */
export const WHOLE_TEXT_ESTIMATE_LIMIT = 1_800;
/** Longer texts: this many evenly spaced windows… */
const SAMPLE_WINDOWS = 12;
/** …of about this many characters, extrapolated by tokens per character. Measured against
 * whole-text tokenx on prose, code, JSON, CSV and German text of 2k–100k characters: median
 * error 1.5%, 90th percentile 4.3%, worst 7.2% — for a fixed cost of ~1,800 characters. */
const SAMPLE_WINDOW_CHARS = 150;

/** Looks at most this far for a word boundary (a text without spaces, e.g. base64, has none). */
const MAX_BOUNDARY_SEARCH = 64;

/** Moves `index` forward to the next whitespace so a window does not start mid-word. */
function toWordBoundary(text: string, index: number, textLength: number): number {
  const limit = Math.min(textLength, index + MAX_BOUNDARY_SEARCH);
  let position = index;
  while (position < limit && text.charCodeAt(position) > 32) position++;
  return position;
}

/**
 * Estimated tokens of `text`. Whole-text tokenx below `WHOLE_TEXT_ESTIMATE_LIMIT` characters;
 * above it, tokenx on evenly spaced windows scaled to the full length (within about 5% of the
 * whole-text estimate on prose, code and mixed text — see test/router/router-tokens.test.ts).
 */
export function estimateTokens(text: string): number {
  if (text.length <= WHOLE_TEXT_ESTIMATE_LIMIT) return estimateTokenCount(text);
  const stride = (text.length - SAMPLE_WINDOW_CHARS) / (SAMPLE_WINDOWS - 1);
  let tokens = 0;
  let characters = 0;
  for (let window = 0; window < SAMPLE_WINDOWS; window++) {
    const start = window === 0 ? 0 : toWordBoundary(text, Math.round(window * stride), text.length);
    const end = toWordBoundary(
      text,
      Math.min(text.length, start + SAMPLE_WINDOW_CHARS),
      text.length,
    );
    if (end <= start) continue;
    tokens += estimateTokenCount(text.slice(start, end));
    characters += end - start;
  }
  return characters === 0 ? 0 : Math.round((tokens / characters) * text.length);
}
