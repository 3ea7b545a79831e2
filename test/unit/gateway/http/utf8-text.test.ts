import { describe, expect, it } from 'vitest';
import { utf8Text } from '../../../../src/gateway/http/utf8-text.js';

const CHECKED = new TextDecoder('utf-8', { fatal: true });

/** What the checked decoder makes of `bytes`: its text, or undefined where it throws. */
function reference(bytes: Buffer): string | undefined {
  try {
    return CHECKED.decode(bytes);
  } catch {
    return undefined;
  }
}

/** A seeded generator, so a failure names an input that can be made again. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const PIECES = ['a', 'Z', ' ', '\n', '"', '\\', '\u0000', '\u007f', 'é', 'ß', '\u00ff', '—', '✓', '漢', '\ufeff', '\ufffd', '😀', '𝔘', '\u{10ffff}', 'κόσμε'];

function text(next: () => number, n: number): string {
  let t = '';
  for (let i = 0; i < n; i++) t += next() < 0.7 ? String.fromCharCode(32 + Math.floor(next() * 95)) : PIECES[Math.floor(next() * PIECES.length)]!;
  return t;
}

describe('utf8Text', () => {
  it('reads valid UTF-8 as the checked decoder does, over 2,000 random texts of 0–6,000 characters', () => {
    const next = rng(1);
    for (let i = 0; i < 2_000; i++) {
      // Both ways in: below 2 KB the checked decoder itself, from 2 KB the conversion.
      const t = text(next, Math.floor(next() * 6_000));
      const bytes = Buffer.from(next() < 0.2 ? '\ufeff' + t : t, 'utf8');
      expect(utf8Text(bytes)).toBe(reference(bytes));
    }
  });

  it('drops a leading byte order mark only, as the decoder does', () => {
    expect(utf8Text(Buffer.from('\ufeff{"a":"é"}', 'utf8'))).toBe('{"a":"é"}');
    expect(utf8Text(Buffer.from('\ufeff\ufeffé', 'utf8'))).toBe('\ufeffé');
    expect(utf8Text(Buffer.from('é\ufeff', 'utf8'))).toBe('é\ufeff');
    expect(utf8Text(Buffer.from('\ufeff', 'utf8'))).toBe('');
    expect(utf8Text(Buffer.alloc(0))).toBe('');
    const long = 'é✓'.repeat(1_000);
    expect(utf8Text(Buffer.from('\ufeff' + long, 'utf8'))).toBe(long);
    expect(utf8Text(Buffer.from('\ufeff\ufeff' + long, 'utf8'))).toBe('\ufeff' + long);
    expect(utf8Text(Buffer.from(long + '\ufeff', 'utf8'))).toBe(long + '\ufeff');
  });

  it('refuses what is not UTF-8, where the decoder throws', () => {
    const bad = [
      [0x80], // a lone continuation byte
      [0xc0, 0x80], // an overlong NUL
      [0xe0, 0x80, 0x80], // an overlong three-byte form
      [0xed, 0xa0, 0x80], // a UTF-16 surrogate
      [0xf4, 0x90, 0x80, 0x80], // past U+10FFFF
      [0xe2, 0x82], // cut short
      [0xf8, 0x88, 0x80, 0x80, 0x80], // a five-byte form
      [0xff],
    ];
    const filler = Buffer.from('é'.repeat(1_500), 'utf8');
    for (const b of bad) {
      for (const bytes of [Buffer.from([0x7b, 0x22, 0xc3, 0xa9, ...b, 0x22, 0x7d]), Buffer.concat([filler, Buffer.from(b), filler])]) {
        expect(reference(bytes)).toBeUndefined();
        expect(utf8Text(bytes)).toBeUndefined();
      }
    }
  });

  it('agrees with the decoder on random bytes, valid or not, short and long', () => {
    const next = rng(2);
    let valid = 0;
    for (let i = 0; i < 5_000; i++) {
      const t = Buffer.from(text(next, i % 2 === 0 ? 20 : 1_500), 'utf8');
      // Flip one byte now and then: most such texts stop being UTF-8.
      if (t.length > 0 && next() < 0.5) t[Math.floor(next() * t.length)] = Math.floor(next() * 256);
      const want = reference(t);
      if (want !== undefined) valid++;
      expect(utf8Text(t)).toBe(want);
    }
    expect(valid).toBeGreaterThan(1_000);
    expect(valid).toBeLessThan(5_000);
  });

  it('reads a body of a megabyte or more the same way (the checked decoder)', () => {
    const big = Buffer.from('\ufeff' + '{"p":"' + 'é✓ 漢字 😀 plain text '.repeat(40_000) + '"}', 'utf8');
    expect(big.length).toBeGreaterThan(1024 * 1024);
    expect(utf8Text(big)).toBe(reference(big));
    expect(utf8Text(Buffer.concat([big, Buffer.from([0xc0, 0x80])]))).toBeUndefined();
  });

  it('reads a view into a larger buffer by its own bounds', () => {
    const whole = Buffer.from('xx\u00e9\u00e9✓ abc😀yy', 'utf8');
    const view = whole.subarray(2, whole.length - 2);
    expect(utf8Text(view)).toBe('éé✓ abc😀');
    const long = Buffer.from('\ufeff' + '✓ é 😀 '.repeat(500) + '\ufeff', 'utf8');
    expect(utf8Text(Buffer.concat([Buffer.from('ab'), long, Buffer.from('cd')]).subarray(2, long.length + 2))).toBe('✓ é 😀 '.repeat(500) + '\ufeff');
    const ascii = Buffer.from('é plain ascii é', 'utf8');
    expect(utf8Text(ascii.subarray(2, ascii.length - 2))).toBe(' plain ascii ');
  });
});
