/**
 * SPEC §13: the chain's definition checked by hand (JCS text, SHA-256 over prev + text, the
 * checkpoint's signed text and key id), and each kind of tampering found at the right line.
 */
import { createHash, createPublicKey, generateKeyPairSync, verify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CHAIN_GENESIS, ChainedLines, ed25519Signer } from '../../../src/record/chain.js';
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
