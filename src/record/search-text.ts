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

/** ASCII letters and digits: the only ASCII characters that are `[\p{L}\p{N}]`. */
const ASCII_WORD = new Uint8Array(128);
for (let c = 0; c < 128; c++) ASCII_WORD[c] = /[A-Za-z0-9]/.test(String.fromCharCode(c)) ? 1 : 0;

/**
 * How many code units of `text` from `i` (whose unit is `c`, not ASCII) make one letter or digit:
 * 1, 2 (a surrogate pair whose code point is one), or 0 when the unit starts none (a lone
 * surrogate is no letter; a pair that is none is skipped one unit at a time, harmlessly).
 */
function wideWidth(text: string, i: number, n: number, c: number): number {
  if ((c & 0xf800) !== 0xd800) {
    let k = UNIT_CLASS[c]!;
    if (k === 0) {
      k = WORD_CHAR.test(String.fromCharCode(c)) ? 1 : 2;
      UNIT_CLASS[c] = k;
    }
    return k === 1 ? 1 : 0;
  }
  if (c <= 0xdbff && i + 1 < n && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) return WORD_CHAR.test(text.slice(i, i + 2)) ? 2 : 0;
  return 0;
}

/** Where {@link eachWord} hands a word: `text.slice(start, end)`, with its FNV-1a `hash` over the code units. */
interface WordSink {
  take(text: string, start: number, end: number, hash: number): void;
}

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/**
 * Hands each word of `text` (already lower-cased) to `sink`, in order: the same words as
 * `text.match(/[\p{L}\p{N}]+/gu)`, in a fraction of its time (issue #20: that match was a quarter
 * of the CPU of a call with a Claude Code-sized prompt). Each code unit is classified from {@link
 * ASCII_WORD} or {@link UNIT_CLASS}; a surrogate pair is asked as its code point, and a lone
 * surrogate is no letter.
 * Each word's hash is computed on the way, so a sink that keeps distinct words finds a repeat
 * without cutting it out of the text. test/unit/record/search-text.test.ts compares the words
 * with the regex's over random text.
 */
function eachWord(text: string, sink: WordSink): void {
  const n = text.length;
  let i = 0;
  while (i < n) {
    let c = text.charCodeAt(i);
    let w = c < 0x80 ? ASCII_WORD[c]! : wideWidth(text, i, n, c);
    if (w === 0) {
      i++;
      continue;
    }
    // A word: take its units (and hash them) up to the first that is no letter or digit.
    const start = i;
    let h = FNV_OFFSET;
    do {
      h = Math.imul(h ^ c, FNV_PRIME);
      if (w === 2) h = Math.imul(h ^ text.charCodeAt(i + 1), FNV_PRIME);
      i += w;
      if (i >= n) break;
      c = text.charCodeAt(i);
      w = c < 0x80 ? ASCII_WORD[c]! : wideWidth(text, i, n, c);
    } while (w !== 0);
    sink.take(text, start, i, h);
    i++; // the separator (past the end when the text ended)
  }
}

/** Every word, repeats included (a query's words; the tests). */
class WordList implements WordSink {
  readonly words: string[] = [];
  take(text: string, start: number, end: number): void {
    this.words.push(text.slice(start, end));
  }
}

/**
 * The distinct words of one record, in the order first seen. An open-addressing table of the
 * words kept so far, by hash: a repeated word (most words of a coding prompt) is recognised by
 * comparing its code units with the kept word's, and never cut out of its text nor hashed again
 * by a Set. Exact: equal hashes alone never make two words one.
 */
class DistinctWords implements WordSink {
  readonly words: string[] = [];
  private mask = 31;
  private hashes: number[] = new Array<number>(32).fill(0);
  private kept: (string | undefined)[] = new Array<string | undefined>(32);

  take(text: string, start: number, end: number, hash: number): void {
    const len = end - start;
    const { kept, hashes, mask } = this;
    let at = hash & mask;
    for (;;) {
      const w = kept[at];
      if (w === undefined) break;
      if (hashes[at] === hash && w.length === len && sameUnits(w, text, start)) return;
      at = (at + 1) & mask;
    }
    const w = text.slice(start, end);
    kept[at] = w;
    hashes[at] = hash;
    this.words.push(w);
    if (this.words.length * 2 > mask) this.grow();
  }

  private grow(): void {
    const { kept, hashes } = this;
    const size = (this.mask + 1) * 4;
    this.mask = size - 1;
    this.hashes = new Array<number>(size).fill(0);
    this.kept = new Array<string | undefined>(size);
    for (let k = 0; k < kept.length; k++) {
      const w = kept[k];
      if (w === undefined) continue;
      let at = hashes[k]! & this.mask;
      while (this.kept[at] !== undefined) at = (at + 1) & this.mask;
      this.kept[at] = w;
      this.hashes[at] = hashes[k]!;
    }
  }
}

/** Whether `text` holds `w`'s code units from `start` on (`w` fits: the caller checked lengths). */
function sameUnits(w: string, text: string, start: number): boolean {
  for (let k = 0; k < w.length; k++) if (w.charCodeAt(k) !== text.charCodeAt(start + k)) return false;
  return true;
}

/** The words of `text`, lower-cased, in order (with repeats). */
export function textWords(text: string): string[] {
  const list = new WordList();
  eachWord(text.toLowerCase(), list);
  return list.words;
}

/** Adds the words of `text`, lower-cased, to `words`. */
function addWords(text: string, words: DistinctWords): void {
  eachWord(text.toLowerCase(), words);
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

/** The distinct words of a record's searchable text, in the order first seen. */
export function recordWords(rec: Interception): string[] {
  const words = new DistinctWords();
  forEachSearchText(rec, (text) => addWords(text, words));
  return words.words;
}

/**
 * The words {@link recordWords} finds in the record as the store keeps it (its JSON line read
 * back, `JSON.parse(JSON.stringify(rec))`), taken from the record in memory: the store indexes a
 * finished record without reading it back. Null when a searchable value might not survive JSON
 * unchanged — a number that is not finite, a bigint, an object that is not a plain object or
 * array (a `Date`, a boxed string, anything with `toJSON`) — and the caller reads the stored line.
 */
export function storedRecordWords(rec: Interception): string[] | null {
  const words = new DistinctWords();
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
  return words.words;
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
  const have = new Set(recordWords(rec));
  return words.every((w) => have.has(w));
}
