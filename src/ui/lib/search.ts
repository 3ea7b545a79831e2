/**
 * Full-text search on the dashboard side (SPEC §15): the words of a search, whether a live record
 * matches them, and the pieces of a text to highlight. Mirrors src/record/search-text.ts (the
 * dashboard takes only types from the gateway); test/ui/logic.test.ts checks both agree.
 * No DOM here (unit-tested in Node).
 */
// `.js` so the Node-side tests can type-check this file too (NodeNext); Vite maps it to .ts.
import type { Interception } from '../api/types.js';

const WORD_RE = /[\p{L}\p{N}]+/gu;

/** The distinct lower-cased words of a search. */
export function searchWords(q: string): string[] {
  return [...new Set(q.toLowerCase().match(WORD_RE) ?? [])];
}

function inputTexts(v: unknown, out: string[], depth: number): void {
  if (typeof v === 'string') out.push(v);
  else if (typeof v === 'number') out.push(String(v));
  else if (v !== null && typeof v === 'object' && depth < 64) {
    for (const x of Array.isArray(v) ? v : Object.values(v as Record<string, unknown>)) inputTexts(x, out, depth + 1);
  }
}

/** Whether a record (arriving live) holds every word of the search, as the server decides. */
export function recordHasWords(rec: Interception, words: string[]): boolean {
  if (words.length === 0) return true;
  const texts: string[] = [];
  for (const p of rec.user_prompts) texts.push(p.prompt);
  for (const t of rec.tool_usages) {
    texts.push(t.tool);
    inputTexts(t.input, texts, 0);
    if (t.invocation_error) texts.push(t.invocation_error);
  }
  for (const m of rec.model_thoughts) texts.push(m.content);
  if (rec.error) texts.push(rec.error);
  const have = new Set<string>();
  for (const s of texts) for (const w of s.toLowerCase().match(WORD_RE) ?? []) have.add(w);
  return words.every((w) => have.has(w));
}

/** A text cut into plain and matching pieces: `[text, isMatch]`, in order, joining back to it. */
export function highlightPieces(text: string, words: string[]): [string, boolean][] {
  if (words.length === 0 || text === '') return [[text, false]];
  const want = new Set(words);
  const out: [string, boolean][] = [];
  let last = 0;
  for (const m of text.matchAll(WORD_RE)) {
    if (!want.has(m[0].toLowerCase())) continue;
    if (m.index > last) out.push([text.slice(last, m.index), false]);
    out.push([m[0], true]);
    last = m.index + m[0].length;
  }
  if (last < text.length) out.push([text.slice(last), false]);
  return out;
}
