/**
 * The usage report's pricer (issue #15, src/record/cost.ts `sumsPricer`) sums tokens per rate and
 * tier and prices each sum once: its figures must equal pricing every record on its own
 * (`sumsCost`) — on random records over tiered, overridden, Bedrock and unpriced models, with
 * rates that change with the time of day, directly and through a real store's usage and sessions.
 */
import { describe, expect, it } from 'vitest';
import { perRecordPricer, sumsCost, sumsPricer, type IndexedTokens, type PriceLookup, type PriceMatch, type Rates } from '../../../src/record/cost.js';
import { createPriceTable } from '../../../src/record/prices.js';
import { usageReport, sessionsReport, type UsageGroup } from '../../../src/gateway/routes/usage.js';
import { openInterceptionStore } from '../../../src/store/interceptions/index.js';
import type { Interception } from '../../../src/record/types.js';
import { makeRecord } from '../../helpers/make-record.js';
import { tempDir } from '../../helpers/store-temp.js';

const MODELS: [string, string][] = [
  ['anthropic', 'claude-sonnet-4-5-20250929'], // tiered above 200k input tokens
  ['anthropic', 'claude-haiku-4-5'], // overridden output only
  ['anthropic', 'claude-opus-4-1'],
  ['openai', 'gpt-5'],
  ['openai', 'gpt-5-mini'],
  ['bedrock', 'us.anthropic.claude-sonnet-4-5-20250929-v1:0'],
  ['bedrock', 'anthropic.claude-3-haiku-20240307-v1:0'],
  ['openai', 'my-self-hosted-llm'], // override only
  ['anthropic', 'house-model-x'], // no price
  ['openai', 'nobody-knows-this'], // no price
];
const OVERRIDES = { 'my-self-hosted-llm': { input: 0.5, output: 1.5, cache_read: 0.05 }, 'claude-haiku-4-5': { output: 4 } };

function rng(seed: number): (n: number) => number {
  let s = seed;
  return (n) => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) % n;
}

/** Random index entries: token sums from nothing to past the 200k tier, 1-hour writes sometimes above the writes (hand-edited). */
function randomEntries(n: number, seed: number, models = MODELS): IndexedTokens[] {
  const r = rng(seed);
  const t0 = Date.parse('2026-11-01T00:00:00Z');
  return Array.from({ length: n }, (_, i) => {
    const [provider, model] = models[r(models.length)]!;
    const cacheWrite = r(4) === 0 ? 0 : r(20_000);
    return {
      provider, model, startedMs: t0 + i * 61_000 + r(60_000),
      tokIn: r(10) === 0 ? 0 : r(6000),
      tokOut: r(5000),
      tokCacheRead: r(8) === 0 ? 150_000 + r(120_000) : r(50_000),
      tokCacheWrite: cacheWrite,
      tokCacheWrite1h: r(5) === 0 ? cacheWrite + r(100) : r(cacheWrite + 1),
    };
  });
}

/** Σ sumsCost per group, the way the report priced before the pricer. */
function naive(prices: PriceLookup, entries: IndexedTokens[], keyOf: (e: IndexedTokens) => string): Map<string, { usd: number | null; unpriced: number }> {
  const out = new Map<string, { usd: number | null; unpriced: number }>();
  for (const e of entries) {
    const row = out.get(keyOf(e)) ?? { usd: null, unpriced: 0 };
    const c = sumsCost(prices, e);
    if (c === null) row.unpriced++;
    else row.usd = (row.usd ?? 0) + c;
    out.set(keyOf(e), row);
  }
  return out;
}

function viaPricer(prices: PriceLookup, entries: IndexedTokens[], keyOf: (e: IndexedTokens) => string): Map<string, { usd: number | null; unpriced: number }> {
  const pricer = sumsPricer(prices);
  const sums = new Map<string, ReturnType<typeof pricer.sum>>();
  for (const e of entries) {
    const k = keyOf(e);
    let s = sums.get(k);
    if (!s) sums.set(k, (s = pricer.sum()));
    s.add(e);
  }
  return new Map([...sums].map(([k, s]) => [k, { usd: s.usd(), unpriced: s.unpriced() }]));
}

function expectSame(a: Map<string, { usd: number | null; unpriced: number }>, b: Map<string, { usd: number | null; unpriced: number }>): void {
  expect([...a.keys()].sort()).toEqual([...b.keys()].sort());
  for (const [k, x] of a) {
    const y = b.get(k)!;
    expect(y.unpriced, k).toBe(x.unpriced);
    if (x.usd === null) expect(y.usd, k).toBeNull();
    else {
      expect(y.usd, k).not.toBeNull();
      // Equal up to rounding: relative 1e-12.
      expect(Math.abs(y.usd! - x.usd) / Math.max(Math.abs(x.usd), 1e-9), `${k}: ${y.usd} vs ${x.usd}`).toBeLessThan(1e-12);
    }
  }
}

const keys: [string, (e: IndexedTokens) => string][] = [
  ['all', () => 'all'],
  ['model', (e) => e.model],
  ['day', (e) => new Date(e.startedMs).toISOString().slice(0, 10)],
  ['hour', (e) => new Date(e.startedMs).toISOString().slice(0, 13)],
];

describe('sumsPricer equals pricing each record on its own', () => {
  it('the catalog with overrides: tiered, Bedrock, override-only and unpriced models, every grouping', async () => {
    const prices = await createPriceTable(OVERRIDES);
    for (const seed of [1, 2, 3]) {
      const entries = randomEntries(20_000, seed);
      for (const [name, keyOf] of keys) {
        const want = naive(prices, entries, keyOf);
        expectSame(want, viaPricer(prices, entries, keyOf));
        // The prices' per-model resolver is an optimisation: lookup alone gives the same figures.
        expectSame(want, viaPricer({ lookup: (p, m, at) => prices.lookup(p, m, at) }, entries, keyOf));
        void name;
      }
    }
    // The tier is in play: some Sonnet 4.5 records above 200k input, some below.
    const entries = randomEntries(20_000, 1);
    const sonnet = entries.filter((e) => e.model === 'claude-sonnet-4-5-20250929');
    expect(sonnet.some((e) => e.tokIn + e.tokCacheRead + e.tokCacheWrite > 200_000)).toBe(true);
    expect(sonnet.some((e) => e.tokIn + e.tokCacheRead + e.tokCacheWrite <= 200_000)).toBe(true);
  });

  it('rates that change with the time of day and tiers of their own, answers rebuilt on each change', () => {
    // Off-peak from 16:00 to 24:00 UTC; tiered input; a fresh object at every change of period,
    // as the price table merges an override over changing catalog rates.
    const peak: Rates = { input: { base: 2, tiers: [{ start: 100_000, price: 4 }, { start: 30_000, price: 3 }] }, output: 8, cache_read: 0.2, cache_write_1h: 5 };
    const off: Rates = { input: 1, output: { base: 4, tiers: [{ start: 60_000, price: 6 }] }, cache_write: 1.25, requests_kcount: 0.4 };
    let last: { offPeak: boolean; m: PriceMatch } | undefined;
    const lookup = (_p: string, model: string, at: number): PriceMatch => {
      if (model === 'free-lunch') return { rates: null, priced_model: model, source: 'catalog' };
      const offPeak = new Date(at).getUTCHours() >= 16;
      if (last?.offPeak !== offPeak) last = { offPeak, m: { rates: { ...(offPeak ? off : peak) }, priced_model: model, source: 'override' } };
      return last.m;
    };
    const entries = randomEntries(30_000, 7, [['openai', 'clock-model'], ['openai', 'free-lunch']]);
    for (const [, keyOf] of keys) expectSame(naive({ lookup }, entries, keyOf), viaPricer({ lookup }, entries, keyOf));
  });

  it('no records: null; only unpriced ones: null with their count', async () => {
    const prices = await createPriceTable();
    const empty = sumsPricer(prices).sum();
    expect([empty.usd(), empty.unpriced()]).toEqual([null, 0]);
    const s = sumsPricer(prices).sum();
    s.add({ provider: 'anthropic', model: 'house-model-x', startedMs: 0, tokIn: 5, tokOut: 5, tokCacheRead: 0, tokCacheWrite: 0, tokCacheWrite1h: 0 });
    expect([s.usd(), s.unpriced()]).toEqual([null, 1]);
    // A priced model with no tokens costs 0, not null.
    s.add({ provider: 'openai', model: 'gpt-5', startedMs: 0, tokIn: 0, tokOut: 0, tokCacheRead: 0, tokCacheWrite: 0, tokCacheWrite1h: 0 });
    expect([s.usd(), s.unpriced()]).toEqual([0, 1]);
  });

  it('through a real store: usage rows and sessions equal the per-record sum', async () => {
    const prices = await createPriceTable(OVERRIDES);
    const { dir, cleanup } = await tempDir();
    const store = await openInterceptionStore({ dir, searchIndex: false });
    try {
      const r = rng(99);
      const entries = randomEntries(600, 11);
      entries.forEach((e, i) => {
        const rec: Interception = makeRecord(i + 1, e.startedMs, {
          provider: e.provider as Interception['provider'], model: e.model, client_session_id: `s${r(7)}`,
          initiator: { id: `t${i % 3}`, name: ['alice', 'bob', 'carol'][i % 3]! },
        });
        rec.token_usages = [{
          ...rec.token_usages[0]!, input_tokens: e.tokIn, output_tokens: e.tokOut, cache_read_input_tokens: e.tokCacheRead,
          cache_write_input_tokens: e.tokCacheWrite, metadata: { cache_write_1h_input_tokens: e.tokCacheWrite1h },
        }];
        store.finish(rec as Interception & { status: 'completed' });
      });
      await store.flush();
      for (const group of ['model', 'day', 'initiator', 'provider'] as UsageGroup[]) {
        const rows = await usageReport(store, prices, group, {});
        const keyOf = group === 'day' ? (e: IndexedTokens) => new Date(e.startedMs).toISOString().slice(0, 10) : group === 'model' ? (e: IndexedTokens) => e.model : undefined;
        const ref = await store.usage({}, (e) => (group === 'initiator' ? e.initiatorName : keyOf ? keyOf(e) : e.provider), perRecordPricer((e) => sumsCost(prices, e)));
        expectSame(
          new Map([...ref].map(([k, v]) => [k, { usd: v.cost_usd ?? null, unpriced: v.unpriced_requests ?? 0 }])),
          new Map(rows.map((x) => [x.key, { usd: x.cost_usd, unpriced: x.unpriced_requests }])),
        );
        expect(rows.reduce((n, x) => n + x.requests, 0)).toBe(600);
      }
      const sessions = await sessionsReport(store, prices, {}, 1000);
      const ref = await store.sessions({}, perRecordPricer((e) => sumsCost(prices, e)));
      expect(sessions).toHaveLength(ref.length);
      for (const s of ref) {
        const got = sessions.find((x) => x.client_session_id === s.client_session_id)!;
        if (s.cost_usd === null) expect(got.cost_usd).toBeNull();
        else expect(Math.abs(got.cost_usd! - s.cost_usd) / s.cost_usd).toBeLessThan(1e-12);
      }
    } finally {
      await store.close();
      await cleanup();
    }
  });
});
