/**
 * The SPEC §7 lines written from templates (src/record/log-texts.ts) are the bytes the line objects
 * give (src/record/log-lines.ts through the chain's general path): written text, canonical text,
 * hashes and checkpoints, for plain records and for records with every kind of odd value.
 */
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import canonicalize from 'canonicalize';
import { ChainedLines, ed25519Signer } from '../../../src/record/chain.js';
import { interceptionLogLines } from '../../../src/record/log-lines.js';
import { chainedInterceptionLines, interceptionLineTexts } from '../../../src/record/log-texts.js';
import { createPriceTable } from '../../../src/record/prices.js';
import { makeRecord } from '../../helpers/make-record.js';
import { oddRecords } from '../../helpers/odd-records.js';
import type { Interception } from '../../../src/record/types.js';

const signer = ed25519Signer(generateKeyPairSync('ed25519').privateKey);
const NOW = Date.UTC(2026, 11, 6, 9);

async function corpus(): Promise<Interception[]> {
  const { rec, fixed } = oddRecords(11);
  const mild = oddRecords(12, true);
  const plain = Array.from({ length: 50 }, (_, i) => makeRecord(i, undefined, { model: i % 2 ? 'claude-sonnet-4-5' : 'gpt-4o-mini', provider: i % 2 ? 'anthropic' : 'openai' }));
  // Timestamps in other RFC 3339 forms (an imported or hand-made record): each line's `time` is
  // their ISO UTC form, while `started_at` / `created_at` keep the text as it is.
  const offsets = ['2026-12-06T10:00:00+01:00', '2026-12-06T10:00:00.5Z', '2026-12-06t10:00:00z', 'yesterday'].map((ts, i) => {
    const r = makeRecord(900 + i);
    return {
      ...r,
      started_at: ts,
      ended_at: ts,
      user_prompts: r.user_prompts.map((p) => ({ ...p, created_at: ts })),
      token_usages: r.token_usages.map((u) => ({ ...u, created_at: ts })),
      tool_usages: r.tool_usages.map((u) => ({ ...u, created_at: ts })),
      model_thoughts: r.model_thoughts.map((m) => ({ ...m, created_at: ts })),
    };
  });
  return [fixed(), ...plain, ...offsets, ...Array.from({ length: 300 }, (_, i) => rec(i + 1)), ...Array.from({ length: 300 }, (_, i) => mild.rec(i + 1))];
}

describe('interception lines from templates', () => {
  it('each line: written text = JSON.stringify of the line object, canonical = the JCS package', async () => {
    const prices = await createPriceTable();
    let templated = 0;
    let general = 0;
    for (const rec of await corpus()) {
      const texts = interceptionLineTexts(rec, prices);
      if (texts === undefined) {
        general++;
        continue;
      }
      templated++;
      const objs = interceptionLogLines(rec, prices);
      expect(texts.map((t) => `${t.open}}`)).toEqual(objs.map((o) => JSON.stringify(o)));
      expect(texts.map((t) => t.canonical)).toEqual(objs.map((o) => canonicalize(o)));
    }
    // Both ways were exercised: the odd records send some to the objects' way.
    expect(templated).toBeGreaterThan(300);
    expect(general).toBeGreaterThan(20);
  });

  it('a whole chained log: the same bytes as the line objects chained, checkpoints included', async () => {
    const prices = await createPriceTable();
    const recs = await corpus();
    const a = new ChainedLines(undefined, signer, () => NOW, 7);
    const b = new ChainedLines(undefined, signer, () => NOW, 7);
    const fast = recs.map((r) => chainedInterceptionLines(r, a, prices)).join('');
    const objects = recs.map((r) => interceptionLogLines(r, prices).map((l) => b.line(l)).join('')).join('');
    expect(fast).toBe(objects);
    expect(fast).toContain('"record_type":"chain_checkpoint"');
    expect(a.head).toEqual(b.head);
  });

  it('a value only the general path can write sends the whole record that way', async () => {
    const rec = makeRecord(1);
    expect(interceptionLineTexts(rec)).toBeDefined();
    for (const odd of [
      (r: Interception) => { r.user_prompts[0]!.prompt = 'lone \ud800'; },
      (r: Interception) => { r.token_usages[0]!.input_tokens = Number.POSITIVE_INFINITY; },
      (r: Interception) => { (r.initiator as { name?: string }).name = undefined; },
      (r: Interception) => { r.metadata = { when: new Date(0) } as unknown as Interception['metadata']; },
    ]) {
      const r = makeRecord(2);
      odd(r);
      expect(interceptionLineTexts(r)).toBeUndefined();
      const a = new ChainedLines();
      const b = new ChainedLines();
      expect(chainedInterceptionLines(r, a)).toBe(interceptionLogLines(r).map((l) => b.line(l)).join(''));
    }
  });
});
