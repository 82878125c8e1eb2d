/** One example request per task, for the playground's picker. */
import type { TaskType } from '../../../src/protocol/llm-request';

export const PLAYGROUND_EXAMPLES: Record<TaskType, string> = {
  coding:
    'Write a Python function that merges two sorted lists in linear time, with unit tests for empty lists and duplicates.',
  creative: 'Write a short poem about a lighthouse keeper who collects messages in bottles.',
  summarization:
    'Summarize in three sentences: The city council met on Tuesday to discuss the new bike lanes. Residents on Elm Street asked for more parking; cyclists asked for protected lanes. The council voted 5–2 to fund a pilot on two streets and review it in six months.',
  qa: 'What is the capital of Australia, and why is it not Sydney?',
  educational:
    'Explain to a 12-year-old why the sky is blue, with one experiment they can do at home.',
  general: 'Suggest three ideas for a rainy Sunday afternoon with two kids.',
  extraction:
    'Extract the name, date and amount as JSON from: "Invoice 2291 — Acme Corp, due 14 March 2026, total €1,240.50".',
  classification:
    'Classify the sentiment of this review as positive, negative or mixed: "The battery lasts forever, but the screen scratches far too easily."',
  translation: 'Translate into French and German: "The meeting is moved to Thursday at 10 am."',
  reasoning:
    'A train leaves at 9:40 and travels 210 km at 84 km/h; a second train leaves the same station at 10:05 at 105 km/h on the same track. When and where does the second one catch up? Show your reasoning.',
};
