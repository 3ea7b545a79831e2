/**
 * The word scanner of src/record/search-text.ts against the definition it implements: a word is
 * a run of Unicode letters and digits in the lower-cased text, `text.toLowerCase().match(/[\p{L}\p{N}]+/gu)`.
 */
import { describe, expect, it } from 'vitest';
import { recordWords, storedRecordWords, textWords } from '../../../src/record/search-text.js';
import { makeRecord } from '../../helpers/make-record.js';

const reference = (text: string): string[] => text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];

/** Pieces that sit on every edge of the scanner: ASCII, other scripts, marks, astral, surrogates. */
const PIECES = [
  'a', 'Z', 'q', '0', '9', '_', '-', '.', ' ', '\n', '\t', '/', '@', ':', '"', '\\', '\u007f',
  'é', 'É', 'ß', 'ÿ', '\u00a0', '×', 'ª', 'º', '²', 'Ω', 'ж', 'Ж', 'ש', 'ع', '٣', '漢', '字', 'ひ', 'カ', '한',
  '\u0301', '\u200d', '\u2028', '✓', '✗', '€', 'İ', 'ǅ', 'ﬁ', 'Ⅻ', '①',
  '\u{1d400}', '\u{1d7ce}', '\u{10400}', '😀', '👍🏽', '\u{1f1e9}\u{1f1ea}',
  '\ud800', '\udc00', '\udbff', '\udfff', '\ud83d', '\ude00x',
];

function randomText(rand: () => number, len: number): string {
  let s = '';
  while (s.length < len) {
    const r = rand();
    // Mostly words of ASCII letters, as prompts are; the rest from the edge pieces.
    if (r < 0.5) s += 'abcdefghijklmnopqrstuvwxyz0123456789ABC'.slice(0, 1 + Math.floor(rand() * 12));
    else s += PIECES[Math.floor(rand() * PIECES.length)]!;
  }
  return s;
}

/** A small deterministic generator, so a failure can be replayed. */
function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('textWords', () => {
  it('finds exactly the runs of letters and digits of the lower-cased text (20,000 random texts)', () => {
    const rand = mulberry32(20);
    for (let i = 0; i < 20_000; i++) {
      const text = randomText(rand, 1 + Math.floor(rand() * 60));
      expect(textWords(text), JSON.stringify(text)).toEqual(reference(text));
    }
  });

  it('long random texts too', () => {
    const rand = mulberry32(21);
    for (let i = 0; i < 400; i++) {
      const text = randomText(rand, 1000 + Math.floor(rand() * 3000));
      expect(textWords(text)).toEqual(reference(text));
    }
  });

  it('every single piece alone, at the start, in the middle and at the end of a word', () => {
    for (const p of PIECES) {
      const pad = ' x'.repeat(600); // a piece inside a long text
      for (const short of [p, `${p}ab`, `ab${p}`, `ab${p}cd`, `${p}${p}`, `1${p}${p}2`]) for (const text of [short, pad + short, short + pad]) {
        expect(textWords(text), JSON.stringify(text)).toEqual(reference(text));
      }
    }
  });

  it('long coding text and long text in other scripts', () => {
    const code = 'export function sum(xs: number[]): number { return xs.reduce((a, b) => a + b, 0); } // ✓ done\n'.repeat(300);
    const cjk = '漢字かな交じり文、テスト１２３。한국어 텍스트 Ελληνικά 😀 '.repeat(300);
    for (const text of [code, cjk, code + cjk]) expect(textWords(text)).toEqual(reference(text));
  });

  it('a record\'s distinct words: every word of every text once, in the order first seen (random records)', () => {
    const rand = mulberry32(22);
    for (let i = 0; i < 300; i++) {
      // Few distinct words, many repeats (as in coding prompts), across several texts of a record.
      const vocabulary = Array.from({ length: 1 + Math.floor(rand() * 40) }, () => randomText(rand, 1 + Math.floor(rand() * 8)));
      const texts = Array.from({ length: 1 + Math.floor(rand() * 4) }, () =>
        Array.from({ length: Math.floor(rand() * 400) }, () => vocabulary[Math.floor(rand() * vocabulary.length)]).join(rand() < 0.5 ? ' ' : '.'),
      );
      const want = [...new Set(texts.flatMap(reference))];
      expect(storedRecordWords(recordOf(texts)), JSON.stringify(texts)).toEqual(want);
      expect([...recordWords(recordOf(texts))]).toEqual(want);
    }
  });

  it('words whose hashes are equal stay two words (FNV-1a collisions of equal length)', () => {
    // Pairs of 6-letter words with the same 32-bit FNV-1a hash, found by search.
    const fnv = (w: string): number => {
      let h = 0x811c9dc5;
      for (let i = 0; i < w.length; i++) h = Math.imul(h ^ w.charCodeAt(i), 0x01000193);
      return h;
    };
    const pairs = [['7yzlaa', 'e6apaa'], ['gwzlaa', '16cpaa'], ['e6vdaa', '7yepaa']] as const;
    for (const [a, b] of pairs) expect(fnv(a)).toBe(fnv(b));
    const words = pairs.flat();
    const long = Array.from({ length: 500 }, (_, i) => words[i % words.length]).join(' ');
    expect(storedRecordWords(recordOf([long, words.join(' ')]))).toEqual(words);
    expect(storedRecordWords(recordOf(['e6apaa 7yzlaa e6apaa']))).toEqual(['e6apaa', '7yzlaa']);
  });

  it('a record\'s distinct words are the words of its texts', () => {
    const rec = makeRecord(1, Date.UTC(2026, 11, 1), {
      user_prompts: [{ id: 'p', interception_id: 'i', provider_response_id: 'r', prompt: 'Größe über Ärger ÜBER 42 x42', metadata: {}, created_at: new Date(0).toISOString() }],
      tool_usages: [],
      model_thoughts: [],
      error: null,
    });
    expect([...recordWords(rec)].sort()).toEqual([...new Set(reference('Größe über Ärger ÜBER 42 x42'))].sort());
  });
});

function recordOf(prompts: string[]) {
  return makeRecord(1, Date.UTC(2026, 11, 1), {
    user_prompts: prompts.map((prompt, i) => ({ id: `p${i}`, interception_id: 'i', provider_response_id: 'r', prompt, metadata: {}, created_at: new Date(0).toISOString() })),
    tool_usages: [],
    model_thoughts: [],
    error: null,
  });
}
