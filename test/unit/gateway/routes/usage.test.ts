/** `GET /api/v1/usage?group_by=day&tz=…`: days bucketed in the caller's zone (docs/admin-api.md). */
import { describe, expect, it } from 'vitest';
import { tzOffset } from '../../../../src/gateway/routes/admin.js';
import { dayKeyAt, usageReport } from '../../../../src/gateway/routes/usage.js';
import { openInterceptionStore, type InterceptionStore } from '../../../../src/store/interceptions/index.js';
import type { Interception } from '../../../../src/record/types.js';
import { makeRecord } from '../../../helpers/make-record.js';
import { tempDir } from '../../../helpers/store-temp.js';
import { createPriceTable } from '../../../../src/record/prices.js';

const prices = await createPriceTable();

const at = (iso: string, n: number) => makeRecord(n, Date.parse(iso));

/** A real store holding `recs` (usage is answered from its index). */
async function storeOf(recs: Interception[]): Promise<InterceptionStore & { done(): Promise<void> }> {
  const { dir, cleanup } = await tempDir();
  const store = await openInterceptionStore({ dir });
  for (const r of recs) store.finish(r as Interception & { status: 'completed' });
  return Object.assign(store, { done: async () => { await store.close(); await cleanup(); } });
}

describe('usage per day in a time zone', () => {
  it('a call at 23:30 UTC lands on the next local day with tz=60', async () => {
    const store = await storeOf([at('2026-11-26T23:30:00Z', 1), at('2026-11-26T12:00:00Z', 2)]);
    const utc = await usageReport(store, prices, 'day', {});
    expect(utc.map((r) => [r.key, r.requests])).toEqual([['2026-11-26', 2]]);
    const cet = await usageReport(store, prices, 'day', {}, 60);
    expect(cet.map((r) => [r.key, r.requests])).toEqual([['2026-11-26', 1], ['2026-11-27', 1]]);
    expect(cet[1]?.input_tokens).toBe(10);
    await store.done();
  });

  it('west of UTC an early-morning UTC call is still the previous local day', () => {
    expect(dayKeyAt(Date.parse('2026-11-27T03:00:00.000Z'), -300)).toBe('2026-11-26');
    expect(dayKeyAt(Date.parse('2026-11-27T05:00:00.000Z'), -300)).toBe('2026-11-27');
    expect(dayKeyAt(Date.parse('2026-11-26T10:15:00.000Z'), 840)).toBe('2026-11-27');
    expect(dayKeyAt(Date.parse('2026-11-26T10:15:00.000Z'), -840)).toBe('2026-11-25');
    expect(dayKeyAt(Date.parse('2026-11-26T23:59:59.999Z'))).toBe('2026-11-26');
    // Half-hour zones (India, UTC+5:30).
    expect(dayKeyAt(Date.parse('2026-11-26T18:29:00.000Z'), 330)).toBe('2026-11-26');
    expect(dayKeyAt(Date.parse('2026-11-26T18:30:00.000Z'), 330)).toBe('2026-11-27');
  });

  it('other groupings ignore tz', async () => {
    const store = await storeOf([at('2026-11-26T23:30:00Z', 1)]);
    expect(await usageReport(store, prices, 'model', {}, 60)).toEqual(await usageReport(store, prices, 'model', {}));
    await store.done();
  });

  it('tz is validated: whole minutes from -840 to 840', () => {
    expect(tzOffset(undefined)).toBe(0);
    expect(tzOffset('')).toBe(0);
    expect(tzOffset('60')).toBe(60);
    expect(tzOffset('-300')).toBe(-300);
    expect(tzOffset('+330')).toBe(330);
    expect(tzOffset('840')).toBe(840);
    expect(tzOffset('-840')).toBe(-840);
    expect(Object.is(tzOffset('-0'), 0)).toBe(true);
    for (const bad of ['841', '-841', '1.5', 'abc', '60m', '1e2', ' ', '0x3c', ['60', '120']]) {
      expect(() => tzOffset(bad), String(bad)).toThrow(/tz must be whole minutes east of UTC from -840 to 840/);
    }
  });
});

describe('usage grouped by each key', () => {
  // Three records that differ in every grouping key, with distinct token counts so a wrong key or
  // a dropped column shows.
  const recs = [
    makeRecord(1, Date.parse('2026-11-26T10:00:00Z'), { client: 'Claude Code', model: 'claude-sonnet-4-5', provider: 'anthropic', initiator: { id: 't1', name: 'alice' } }),
    makeRecord(2, Date.parse('2026-11-26T11:00:00Z'), {
      client: 'Codex', model: 'gpt-5', provider: 'openai', initiator: { id: 't2', name: 'bob' },
      token_usages: [{ id: 'u2', interception_id: 'x', provider_response_id: 'r', input_tokens: 100, output_tokens: 200, cache_read_input_tokens: 30, cache_write_input_tokens: 0, metadata: { reasoning_tokens: 50 }, created_at: '2026-11-26T11:00:01Z' }],
    }),
    makeRecord(3, Date.parse('2026-11-27T09:00:00Z'), { client: 'Codex', model: 'claude-sonnet-4-5', provider: 'anthropic', initiator: { id: 't1', name: 'alice' } }),
  ];
  // USD per record at the catalog: Claude Sonnet 4.5 $3/$15, cache read $0.30, write $3.75; GPT-5 $1.25/$10, cache read $0.125.
  const SONNET = (10 * 3 + 20 * 15 + 3 * 0.3 + 4 * 3.75) / 1e6;
  const GPT5 = (100 * 1.25 + 200 * 10 + 30 * 0.125) / 1e6;
  const usdOf: Record<string, number> = { Codex: GPT5 + SONNET, 'Claude Code': SONNET, 'gpt-5': GPT5, 'claude-sonnet-4-5': 2 * SONNET, openai: GPT5, anthropic: 2 * SONNET, bob: GPT5, alice: 2 * SONNET, '2026-11-26': GPT5 + SONNET, '2026-11-27': SONNET };
  const row = (key: string, requests: number, i: number, o: number, cr: number, cw: number, r: number, usd = usdOf[key]!) => ({
    key, requests, input_tokens: i, output_tokens: o, cache_read_input_tokens: cr, cache_write_input_tokens: cw, reasoning_tokens: r,
    cost_usd: expect.closeTo(usd, 12) as number, unpriced_requests: 0,
  });

  it('sums every token column under the right key', async () => {
    const store = await storeOf(recs);
    expect(await usageReport(store, prices, 'client', {})).toEqual([row('Codex', 2, 110, 220, 33, 4, 55), row('Claude Code', 1, 10, 20, 3, 4, 5)]);
    expect(await usageReport(store, prices, 'model', {})).toEqual([row('gpt-5', 1, 100, 200, 30, 0, 50), row('claude-sonnet-4-5', 2, 20, 40, 6, 8, 10)]);
    expect(await usageReport(store, prices, 'provider', {})).toEqual([row('openai', 1, 100, 200, 30, 0, 50), row('anthropic', 2, 20, 40, 6, 8, 10)]);
    expect(await usageReport(store, prices, 'initiator', {})).toEqual([row('bob', 1, 100, 200, 30, 0, 50), row('alice', 2, 20, 40, 6, 8, 10)]);
    expect(await usageReport(store, prices, 'day', {})).toEqual([row('2026-11-26', 2, 110, 220, 33, 4, 55), row('2026-11-27', 1, 10, 20, 3, 4, 5)]);
    await store.done();
  });

  it('a time range keeps only the records that started in it', async () => {
    const store = await storeOf(recs);
    const since = Date.parse('2026-11-26T10:30:00Z');
    const until = Date.parse('2026-11-27T00:00:00Z');
    expect(await usageReport(store, prices, 'client', { since, until })).toEqual([row('Codex', 1, 100, 200, 30, 0, 50, GPT5)]);
    await store.done();
  });
});
