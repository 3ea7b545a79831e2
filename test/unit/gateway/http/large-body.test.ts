/**
 * A large body parsed with its long strings left in its bytes (issue #13): the prompt and model the
 * record gets are exactly what `JSON.parse` + `capText` give, and every body `JSON.parse` refuses
 * is refused too.
 */
import { describe, expect, it } from 'vitest';
import { LONG_STRING, withoutLongStrings } from '../../../../src/gateway/http/large-body.js';
import { capText } from '../../../../src/record/field-cap.js';
import { anthropicPrompt } from '../../../../src/gateway/providers/anthropic/prompt.js';

/** A deterministic text of `n` units mixing ASCII, escapes-to-be, 2- and 3-byte characters and emoji. */
function text(n: number, seed: number): string {
  const alphabet = ['a', 'b', ' ', '\n', '"', '\\', '/', '\t', 'é', '€', '😀', '\u0001', '\u2028', 'z'];
  let x = seed;
  let out = '';
  while (out.length < n) {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    out += alphabet[x % alphabet.length];
  }
  return out;
}

function parse(body: string | Buffer) {
  const raw = Buffer.isBuffer(body) ? body : Buffer.from(body);
  const cut = withoutLongStrings(raw);
  if ('error' in cut) return cut;
  return { json: JSON.parse(cut.text) as Record<string, unknown>, long: cut.long, text: cut.text };
}

describe('withoutLongStrings', () => {
  it('leaves long strings out of the parsed text and expands the prompt exactly, cut or whole', () => {
    const long1 = text(600_000, 1); // several 256 KiB pieces: escapes and characters across their edges
    const long2 = text(LONG_STRING + 5, 2);
    const messages = [
      { role: 'user', content: text(LONG_STRING * 2, 3) },
      { role: 'assistant', content: 'ok' },
      { role: 'user', content: [{ type: 'text', text: long1 }, { type: 'text', text: 'short one' }, { type: 'text', text: long2 }] },
    ];
    const body = JSON.stringify({ model: 'claude-x', max_tokens: 5, messages });
    const r = parse(body);
    if ('error' in r) throw new Error(r.error);
    expect(r.text.length).toBeLessThan(2000);
    expect(r.json['model']).toBe('claude-x');
    const prompt = anthropicPrompt(r.json)!;
    expect(r.long.has(prompt)).toBe(true);
    const real = anthropicPrompt(JSON.parse(body))!;
    expect(r.long.expand(prompt).text).toBe(real);
    for (const cap of [1024, 99_999, 500_000, 700_000, 10_000_000]) {
      const want = capText(real, cap);
      const got = r.long.expand(prompt, cap);
      expect(got.text).toBe(want);
      expect(got.truncated).toBe(want !== real);
    }
  });

  it('keeps short strings in the tree and long keys as placeholders; a leading BOM is skipped', () => {
    const key = 'k'.repeat(LONG_STRING + 1);
    const r = parse(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(JSON.stringify({ model: 'm', [key]: 1, stream: true }))]));
    if ('error' in r) throw new Error(r.error);
    expect(r.json['stream']).toBe(true);
    expect(Object.keys(r.json)).toHaveLength(3);
    expect(r.json[key]).toBeUndefined();
  });

  it('refuses what JSON.parse refuses inside a long string', () => {
    const pad = 'x'.repeat(LONG_STRING + 10);
    const bad = [
      `{"a":"${pad}\\q"}`, // bad escape
      `{"a":"${pad}\\u12G4"}`, // bad unicode escape
      `{"a":"${pad}\u0007"}`, // raw control character
      `{"a":"${pad}`, // never closed
    ];
    for (const b of bad) {
      expect(() => JSON.parse(b)).toThrow();
      expect(parse(b)).toHaveProperty('error');
    }
    // Not UTF-8 inside a long string.
    const raw = Buffer.concat([Buffer.from(`{"a":"${pad}`), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]);
    expect(parse(raw)).toHaveProperty('error');
    // A string that ends in an escaped backslash ends there; one ending in an escaped quote does not.
    const r = parse(`{"a":"${pad}\\\\","b":"${pad}\\"x"}`);
    if ('error' in r) throw new Error(r.error);
    expect(Object.keys(r.json)).toEqual(['a', 'b']);
    expect(r.long.expand(r.json['b'] as string)).toEqual({ text: `${pad}"x`, truncated: false });
  });

  it('counts the bytes cut like Buffer.byteLength, escaped surrogate pairs and lone halves included', () => {
    const s = 'y'.repeat(LONG_STRING) + '\\ud83d\\ude00 \\ud83d x \\ude00 \\u00e9\\u20ac';
    const r = parse(`{"messages":[{"role":"user","content":"${s}"}]}`);
    if ('error' in r) throw new Error(r.error);
    const real = anthropicPrompt(JSON.parse(`{"messages":[{"role":"user","content":"${s}"}]}`))!;
    const p = anthropicPrompt(r.json)!;
    expect(r.long.expand(p, 2000).text).toBe(capText(real, 2000));
  });
});
