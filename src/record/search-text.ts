/**
 * What full-text search (SPEC §15) looks at and what a "word" is — one definition shared by the
 * store's index, the exact check against stored records and the docs (docs/search.md).
 *
 * - A record's searchable text: every prompt, every tool's name, its input (the string values and
 *   numbers inside it, not the JSON keys) and its invocation error, every thought, and the
 *   record's `error`.
 * - A word is a run of letters and digits (Unicode); everything else separates words, so
 *   `run_migration.sql` is the three words `run`, `migration`, `sql`. Case is ignored.
 * - A record matches a query when every word of the query is one of the record's words (whole
 *   words: `migrat` does not find `migration`).
 */
import type { Interception } from './types.js';

/** One code point that is a letter or a digit (Unicode): a character of a word. */
const WORD_CHAR = /^[\p{L}\p{N}]$/u;
/**
 * Each UTF-16 code unit outside the surrogates, classified the first time it is met: 0 not asked
 * yet, 1 a letter or digit, 2 neither. 64 KiB, so a CJK prompt asks the Unicode tables once per
 * distinct character, not once per character.
 */
const UNIT_CLASS = new Uint8Array(0x10000);

function unitIsWord(c: number): boolean {
  let k = UNIT_CLASS[c]!;
  if (k === 0) {
    k = WORD_CHAR.test(String.fromCharCode(c)) ? 1 : 2;
    UNIT_CLASS[c] = k;
  }
  return k === 1;
}

/**
 * Hands each word of `text` (already lower-cased) to `words.add`, in order: the same words as
 * `text.match(/[\p{L}\p{N}]+/gu)`, in a third to a half of its time on long coding text (issue
 * #20: that match was a quarter of the CPU of a call with a Claude Code-sized prompt). Each code
 * unit is classified from {@link UNIT_CLASS}; a surrogate pair is asked as its code point, and a
 * lone surrogate is no letter. test/unit/record/search-text.test.ts compares the two over random
 * text.
 */
function eachWord(text: string, words: { add(w: string): unknown }): void {
  const n = text.length;
  let start = -1;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    let width = 1;
    let word: boolean;
    if ((c & 0xf800) !== 0xd800) word = unitIsWord(c);
    else if (c <= 0xdbff && i + 1 < n && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      width = 2;
      word = WORD_CHAR.test(text.slice(i, i + 2));
    } else word = false;
    if (word) {
      if (start < 0) start = i;
    } else if (start >= 0) {
      words.add(text.slice(start, i));
      start = -1;
    }
    i += width;
  }
  if (start >= 0) words.add(text.slice(start));
}

/** What a word is, for texts shorter than {@link SCAN_FROM}. */
const WORD_RE = /[\p{L}\p{N}]+/gu;
/**
 * Texts from this length on are scanned by {@link eachWord}; shorter ones take the regex's one
 * native call, which costs less there (a prompt of a sentence or two, a tool's name or path).
 */
const SCAN_FROM = 1024;

/** The words of `text`, lower-cased, in order (with repeats). */
export function textWords(text: string): string[] {
  const lower = text.toLowerCase();
  if (lower.length < SCAN_FROM) return lower.match(WORD_RE) ?? [];
  const out: string[] = [];
  eachWord(lower, { add: (w) => out.push(w) });
  return out;
}

/** Adds the words of `text`, lower-cased, to `words`. */
function addWords(text: string, words: Set<string>): void {
  const lower = text.toLowerCase();
  if (lower.length >= SCAN_FROM) eachWord(lower, words);
  else for (const w of lower.match(WORD_RE) ?? []) words.add(w);
}

/** The distinct words of a query, in the order given; empty when it holds none. */
export function queryWords(q: string): string[] {
  return [...new Set(textWords(q))];
}

/** Calls `fn` with each searchable piece of text of a record (see the module comment). */
export function forEachSearchText(rec: Interception, fn: (text: string) => void): void {
  for (const p of rec.user_prompts ?? []) if (typeof p.prompt === 'string' && p.prompt !== '') fn(p.prompt);
  for (const t of rec.tool_usages ?? []) {
    if (typeof t.tool === 'string') fn(t.tool);
    inputTexts(t.input, fn, 0);
    if (typeof t.invocation_error === 'string') fn(t.invocation_error);
  }
  for (const t of rec.model_thoughts ?? []) if (typeof t.content === 'string' && t.content !== '') fn(t.content);
  if (typeof rec.error === 'string') fn(rec.error);
}

/** String values and numbers of a tool input, depth first (a cap keeps hostile nesting cheap). */
function inputTexts(v: unknown, fn: (text: string) => void, depth: number): void {
  if (typeof v === 'string') fn(v);
  else if (typeof v === 'number' || typeof v === 'bigint') fn(String(v));
  else if (v !== null && typeof v === 'object' && depth < 64) {
    for (const x of Array.isArray(v) ? v : Object.values(v as Record<string, unknown>)) inputTexts(x, fn, depth + 1);
  }
}

/** The distinct words of a record's searchable text. */
export function recordWords(rec: Interception): Set<string> {
  const words = new Set<string>();
  forEachSearchText(rec, (text) => addWords(text, words));
  return words;
}

/**
 * The words {@link recordWords} finds in the record as the store keeps it (its JSON line read
 * back, `JSON.parse(JSON.stringify(rec))`), taken from the record in memory: the store indexes a
 * finished record without reading it back. Null when a searchable value might not survive JSON
 * unchanged — a number that is not finite, a bigint, an object that is not a plain object or
 * array (a `Date`, a boxed string, anything with `toJSON`) — and the caller reads the stored line.
 */
export function storedRecordWords(rec: Interception): Set<string> | null {
  const words = new Set<string>();
  const add = (text: string): void => addWords(text, words);
  if (!plainObject(rec) || !plainArray(rec.user_prompts) || !plainArray(rec.tool_usages) || !plainArray(rec.model_thoughts)) return null;
  for (const p of rec.user_prompts) {
    if (!plainObject(p)) return null;
    if (typeof p.prompt === 'string' && p.prompt !== '') add(p.prompt);
  }
  for (const t of rec.tool_usages) {
    if (!plainObject(t)) return null;
    if (typeof t.tool === 'string') add(t.tool);
    if (!stableInputTexts(t.input, add, 0)) return null;
    if (typeof t.invocation_error === 'string') add(t.invocation_error);
  }
  for (const t of rec.model_thoughts) {
    if (!plainObject(t)) return null;
    if (typeof t.content === 'string' && t.content !== '') add(t.content);
  }
  if (typeof rec.error === 'string') add(rec.error);
  return words;
}

/** Arrays and objects JSON writes as they are and reads back the same (no toJSON, no class). */
function plainArray(v: unknown): v is unknown[] {
  return Array.isArray(v) && Object.getPrototypeOf(v) === Array.prototype && !Object.hasOwn(v, 'toJSON');
}
function plainObject(v: unknown): boolean {
  if (v === null || typeof v !== 'object') return false;
  const proto: unknown = Object.getPrototypeOf(v);
  return (proto === Object.prototype || proto === null) && typeof (v as { toJSON?: unknown }).toJSON !== 'function';
}

/** {@link inputTexts}, false as soon as a value's text could differ once through JSON. */
function stableInputTexts(v: unknown, fn: (text: string) => void, depth: number): boolean {
  if (typeof v === 'string') fn(v);
  else if (typeof v === 'number') {
    if (!Number.isFinite(v)) return false; // JSON writes null
    fn(String(v));
  } else if (typeof v === 'bigint') return false; // JSON.stringify throws: the store's fallback line
  else if (v !== null && typeof v === 'object') {
    if (depth >= 64) return true; // not searched, stored or not
    if (Array.isArray(v)) {
      if (!plainArray(v)) return false;
      for (const x of v) if (!stableInputTexts(x, fn, depth + 1)) return false;
    } else {
      if (!plainObject(v)) return false;
      for (const x of Object.values(v as Record<string, unknown>)) if (!stableInputTexts(x, fn, depth + 1)) return false;
    }
  }
  return true;
}

/** Whether a record holds every one of `words` (from {@link queryWords}). */
export function recordMatches(rec: Interception, words: readonly string[]): boolean {
  if (words.length === 0) return true;
  const have = recordWords(rec);
  return words.every((w) => have.has(w));
}
