/**
 * SPEC §13: the chain's definition checked by hand (JCS text, SHA-256 over prev + text, the
 * checkpoint's signed text and key id), and each kind of tampering found at the right line.
 */
import { createHash, createPublicKey, generateKeyPairSync, verify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import canonicalize from 'canonicalize';
import { CHAIN_GENESIS, ChainedLines, canonicalLine, ed25519Signer } from '../../../src/record/chain.js';
import { interceptionLogLines } from '../../../src/record/log-lines.js';
import { createPriceTable } from '../../../src/record/prices.js';
import { oddRecords } from '../../helpers/odd-records.js';
import { ChainVerifier, type ChainReport } from '../../../src/record/chain-verify.js';

const { privateKey, publicKey } = generateKeyPairSync('ed25519');
const signer = ed25519Signer(privateKey);
const NOW = Date.UTC(2026, 11, 5, 6, 0, 0);

/** 25 lines with a checkpoint after every 10 and one at the end: 28 lines in all. */
function build(): string[] {
  const c = new ChainedLines(undefined, signer, () => NOW, 10);
  let out = '';
  for (let i = 1; i <= 25; i++) out += c.line({ level: 'info', msg: 'interception log', n: i, z: { b: 2, a: [1, 'é'] } });
  out += c.checkpoint();
  return out.trimEnd().split('\n');
}

function check(lines: string[], key = publicKey): ChainReport {
  const v = new ChainVerifier(key);
  lines.forEach((l, i) => v.add(l, { file: 'f.jsonl', line: i + 1 }));
  return v.finish();
}

describe('chain lines', () => {
  it('hash = SHA-256 of prev + the RFC 8785 text without chain; seq from 1; prev of the first = 64 zeros', () => {
    const c = new ChainedLines();
    const first = JSON.parse(c.line({ z: 1, a: 'x', m: { y: [true, null], b: 1.5e21 } })) as Record<string, { seq: number; prev: string; hash: string }>;
    const jcs = '{"a":"x","m":{"b":1.5e+21,"y":[true,null]},"z":1}';
    expect(first.chain).toEqual({ seq: 1, prev: CHAIN_GENESIS, hash: createHash('sha256').update(CHAIN_GENESIS + jcs).digest('hex') });
    const second = JSON.parse(c.text('{"level":"info","msg":"pino line"}\n')) as Record<string, { seq: number; prev: string; hash: string }>;
    expect(second.chain).toEqual({ seq: 2, prev: first.chain!.hash, hash: createHash('sha256').update(first.chain!.hash + '{"level":"info","msg":"pino line"}').digest('hex') });
  });

  it('hashes the UTF-8 bytes of non-ASCII text (the one-shot digest as a Hash with two updates)', () => {
    const c = new ChainedLines();
    const line = JSON.parse(c.line({ msg: 'Größe 日本語 😀 \u00e9' })) as Record<string, { hash: string }>;
    const canon = '{"msg":"Größe 日本語 😀 é"}';
    expect(line.chain!.hash).toBe(createHash('sha256').update(CHAIN_GENESIS, 'utf8').update(canon, 'utf8').digest('hex'));
  });

  it('checkpoints sign `aibridge-chain-v1:{seq}:{hash}` of the line before, every N lines and on demand', () => {
    const lines = build().map((l) => JSON.parse(l) as Record<string, unknown> & { chain: { seq: number; hash: string } });
    const cps = lines.filter((l) => l['record_type'] === 'chain_checkpoint');
    expect(cps.map((c) => c['seq'])).toEqual([10, 21, 27]);
    const keyId = createHash('sha256').update(createPublicKey(privateKey).export({ type: 'spki', format: 'der' })).digest('hex').slice(0, 16);
    for (const cp of cps) {
      const before = lines[lines.indexOf(cp) - 1]!;
      expect(cp).toMatchObject({ msg: 'chain checkpoint', seq: before.chain.seq, hash: before.chain.hash, key_id: keyId });
      expect(verify(null, Buffer.from(`aibridge-chain-v1:${before.chain.seq}:${before.chain.hash}`), publicKey, Buffer.from(cp['signature'] as string, 'base64'))).toBe(true);
    }
  });

  it('a lone surrogate or NaN is written as the value that was hashed', () => {
    const c = new ChainedLines(undefined, signer);
    const text = c.line({ msg: 'x', s: 'a\ud800b', n: Number.NaN });
    const v = new ChainVerifier(publicKey);
    v.add(text.trimEnd(), { file: 'f', line: 1 });
    expect(JSON.parse(text)).toMatchObject({ s: 'a\ufffdb', n: null });
    expect(v.finish().breaks.filter((b) => b.kind !== 'unsigned tail')).toEqual([]);
  });
});

describe('canonical form (the fast path)', () => {
  /** What the `canonicalize` package (the JCS author's implementation) makes of a value, or its error. */
  const reference = (v: object) => {
    try {
      return canonicalize(v);
    } catch (err) {
      return `throws ${(err as Error).message}`;
    }
  };

  it('is the text `canonicalize` produces for JSON-shaped values: key order, escapes, numbers, nesting', () => {
    const values: object[] = [
      {},
      [],
      { b: 1, a: 2, A: 3, _: 4, '10': 5, '9': 6, '': 7, é: 8, '\u20ac': 9, '\ud83d\ude00': 10, 'ä': 11 },
      { s: 'quote " backslash \\ tab \t nl \n ctrl \u0001 del \u007f ls \u2028 emoji \ud83d\ude00 é', k: 'plain' },
      { n: [0, -0, 1.5e21, 1e-7, 123456789012345680000, -1.25, 2 ** 53, 0.1 + 0.2, 5e-324] },
      { t: true, f: false, z: null, u: undefined, arr: [undefined, null, 1, 'x', { y: undefined }] },
      { deep: { a: { b: { c: [{ e: 1, d: [2, { g: 3, f: 4 }] }] } } } },
      { 'key with "quote"': { 'back\\slash': 'v', 'new\nline': 'w' } },
      { metadata: { redactions: [{ rule: 'jwt', count: 2 }], reasoning_tokens: 5 }, input: { file_path: '/tmp/x', n: [1, 2, 3] } },
      { literal: 'text that says \\ud800 but is fine' },
    ];
    for (const v of values) expect(canonicalLine(v).canonical, JSON.stringify(v)).toBe(reference(v));
  });

  it('values the package refuses still go its way: lone surrogates, NaN, Infinity, toJSON, holes', () => {
    const odd: object[] = [
      { s: 'lone \ud800 high' },
      { s: 'lone \udc00 low' },
      { ['k\ud800']: 1 },
      { n: NaN },
      { n: [Infinity] },
      { d: new Date(Date.UTC(2026, 0, 1)) },
      // eslint-disable-next-line no-sparse-arrays
      { a: [1, , 3] },
    ];
    for (const v of odd) {
      const { canonical, line } = canonicalLine(v);
      const ref = reference(v);
      // Where the package accepts the value, the text is its; where it throws, the value is
      // normalised first (lone surrogates → U+FFFD, NaN → null) and the package's text of that.
      if (!ref?.startsWith('throws')) expect(canonical).toBe(ref);
      else expect(canonical).toBe(canonicalize(line));
    }
  });

  it('random JSON values: the same text as the package', () => {
    let seed = 20;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const chars = ['a', 'b', 'Z', '0', '"', '\\', '\n', '\u0000', 'é', '€', '\ud83d\ude00', ' ', '_', '~'];
    const str = () => Array.from({ length: Math.floor(rnd() * 6) }, () => chars[Math.floor(rnd() * chars.length)]).join('');
    const val = (depth: number): unknown => {
      const r = rnd();
      if (depth > 3 || r < 0.3) return str();
      if (r < 0.45) return Math.round((rnd() - 0.5) * 1e6) / (rnd() < 0.5 ? 1 : 1000);
      if (r < 0.5) return rnd() < 0.5;
      if (r < 0.55) return null;
      if (r < 0.75) return Array.from({ length: Math.floor(rnd() * 4) }, () => val(depth + 1));
      return Object.fromEntries(Array.from({ length: Math.floor(rnd() * 5) }, () => [str(), val(depth + 1)]));
    };
    for (let i = 0; i < 500; i++) {
      const v = { x: val(0), y: val(0) };
      expect(canonicalLine(v).canonical).toBe(canonicalize(v));
    }
  });
});

describe('interception lines (written and canonical text in one pass)', () => {
  /** What `line` wrote before the one-pass path: canonicalLine, then JSON.stringify of its line. */
  const reference = (objs: object[]): string => {
    let prev = CHAIN_GENESIS;
    let out = '';
    objs.forEach((obj, i) => {
      const { canonical, line } = canonicalLine(obj);
      const hash = createHash('sha256').update(prev + canonical).digest('hex');
      const json = JSON.stringify(line);
      const member = `"chain":${JSON.stringify({ seq: i + 1, prev, hash })}`;
      out += `${json === '{}' ? `{${member}}` : `${json.slice(0, -1)},${member}}`}\n`;
      prev = hash;
    });
    return out;
  };
  const chained = (objs: object[]): string => {
    const c = new ChainedLines();
    return objs.map((o) => c.line(o)).join('');
  };

  it('every line of real records: the same bytes as before (fixed and 300 random records)', async () => {
    const prices = await createPriceTable();
    const { rec, fixed: odd } = oddRecords();
    const fixed = odd();
    const lines = [fixed, ...Array.from({ length: 300 }, (_, i) => rec(i + 1))].flatMap((r) => interceptionLogLines(r, prices));
    const got = chained(lines);
    expect(got).toBe(reference(lines));
    // The odd values above did reach the general path, and plain ones the one-pass path.
    expect(got).toContain('lone \ufffd and literal \\\\ud800');
  });

  it('the same record_type with another key list, and odd top-level values, go the general way', () => {
    const lines: object[] = [
      { record_type: 'x', b: 1, a: 'é', c: { y: [2, 'z'], x: null } },
      { record_type: 'x', a: 1, c: undefined, b: () => 1 },
      { record_type: 'x', a: 1n === 1n ? 'no bigint' : '', n: Infinity },
      { record_type: 'y', s: Symbol('s'), ['k\ud800']: 1 },
      { record_type: 'x', toJSON: () => ({ replaced: true }) },
      { record_type: 'x', b: 1, a: 'é', c: { y: [2, 'z'], x: null } },
    ];
    expect(chained(lines)).toBe(reference(lines));
  });
});

describe('ChainVerifier', () => {
  it('passes a clean chain', () => {
    const r = check(build());
    expect(r).toMatchObject({ ok: true, lines: 28, firstSeq: 1, lastSeq: 28, checkpoints: 3, signedThrough: 28, breaks: [] });
  });

  it('an edited line is named', () => {
    const lines = build();
    lines[4] = lines[4]!.replace('"n":5', '"n":6');
    const r = check(lines);
    expect(r.ok).toBe(false);
    expect(r.breaks[0]).toMatchObject({ kind: 'edited', line: 5 });
  });

  it('an edited line whose hash was rewritten is named through the next link', () => {
    const lines = build();
    const obj = JSON.parse(lines[4]!) as Record<string, unknown> & { chain: { prev: string; hash: string } };
    const { chain, ...rest } = obj;
    rest['n'] = 99;
    // The attacker's own RFC 8785 text of the edited line (keys sorted, nested too).
    const canon = '{"level":"info","msg":"interception log","n":99,"z":{"a":[1,"é"],"b":2}}';
    lines[4] = JSON.stringify({ ...rest, chain: { ...chain, hash: createHash('sha256').update(chain.prev + canon).digest('hex') } });
    const r = check(lines);
    expect(r.breaks[0]).toMatchObject({ kind: 'edited', line: 5 });
    expect(r.breaks[0]!.message).toMatch(/hash was rewritten.*f\.jsonl:6/);
  });

  it('a deleted line is missing at the line that now stands in its place', () => {
    const lines = build();
    lines.splice(6, 1);
    const r = check(lines);
    expect(r.breaks[0]).toMatchObject({ kind: 'missing', line: 7 });
    expect(r.breaks[0]!.message).toContain('seq 7 is absent');
  });

  it('lines removed from the middle (a truncation) are missing, with their count', () => {
    const lines = build();
    lines.splice(12, 5);
    const r = check(lines);
    expect(r.breaks[0]).toMatchObject({ kind: 'missing', line: 13 });
    expect(r.breaks[0]!.message).toContain('seq 13–17 (5 lines)');
  });

  it('swapped lines are reordered, reported once at the first of them', () => {
    const lines = build();
    [lines[2], lines[3]] = [lines[3]!, lines[2]!];
    const r = check(lines);
    expect(r.breaks).toHaveLength(1);
    expect(r.breaks[0]).toMatchObject({ kind: 'reordered', line: 3 });
  });

  it('an altered checkpoint fails at that checkpoint', () => {
    const lines = build();
    const cp = JSON.parse(lines[10]!) as Record<string, unknown>;
    expect(cp['record_type']).toBe('chain_checkpoint');
    lines[10] = lines[10]!.replace(/"signature":"[^"]+"/, `"signature":"${Buffer.alloc(64).toString('base64')}"`);
    const r = check(lines);
    expect(r.breaks[0]).toMatchObject({ kind: 'edited', line: 11 });
    expect(r.breaks.some((b) => b.kind === 'bad signature' && b.line === 11)).toBe(true);
  });

  it('a file signed by another key fails on every checkpoint', () => {
    const other = generateKeyPairSync('ed25519').publicKey;
    const r = check(build(), other);
    expect(r.breaks.filter((b) => b.kind === 'bad signature').map((b) => b.line)).toEqual([11, 22, 28]);
    expect(r.breaks[0]!.message).toMatch(/signed by another key/);
  });

  it('lines after the last checkpoint are an unsigned tail', () => {
    const lines = build().slice(0, 25);
    const r = check(lines);
    expect(r.breaks).toEqual([expect.objectContaining({ kind: 'unsigned tail', line: 23 })]);
  });
});
