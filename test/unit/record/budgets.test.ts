/**
 * The spend ledger of src/record/budgets.ts (SPEC §11) on a fake clock: each token's spend of the
 * local day and month, `budget_alert` at 80 % and 100 % once per threshold per period, re-armed at
 * local midnight (day budgets) and on the 1st (the month's), no alert for what the start-up seed
 * already holds, and a re-seed (after a price change) that does not announce again. Prices come
 * from a real price table with an override of $1 a token, so dollars and tokens are easy to read.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { createSpendLedger, localDayStart, localMonthStart, parseBudget, periodEnd, type Budget, type BudgetAlert, type SpendSeed } from '../../../src/record/budgets.js';
import type { FinishedRecord } from '../../../src/record/fanout.js';
import { createPriceTable, type PriceTable } from '../../../src/record/prices.js';
import { makeRecord } from '../../helpers/make-record.js';

// The local calendar is the machine's; pin it (one process per test file, vitest.config.ts).
process.env.TZ = 'UTC';

const MODEL = 'budget-unit-model';
let prices: PriceTable;
beforeAll(async () => {
  prices = await createPriceTable({ [MODEL]: { input: 1e6, output: 1e6, cache_read: 1e6, cache_write: 1e6 } });
});

let n = 0;
/** A finished call of `tokens` input tokens ($1 each) by token `id`, started at `startedMs`. */
function call(id: string, tokens: number, startedMs: number): FinishedRecord {
  n++;
  const rec = makeRecord(n, startedMs, { model: MODEL, initiator: { id, name: id } });
  rec.token_usages = [{ ...rec.token_usages[0]!, input_tokens: tokens, output_tokens: 0, cache_read_input_tokens: 0, cache_write_input_tokens: 0, metadata: {} }];
  return rec as FinishedRecord;
}

const empty = async (): Promise<SpendSeed> => ({ month: new Map(), today: new Map() });

async function ledgerAt(start: string, budgets: Record<string, Budget>, seed = empty) {
  const clock = { now: Date.parse(start) };
  const fired: BudgetAlert[] = [];
  const seeds: [number, number][] = [];
  const ledger = await createSpendLedger({
    now: () => clock.now,
    prices,
    budgetOf: (id) => budgets[id] ?? null,
    seed: (m, d) => {
      seeds.push([m, d]);
      return seed();
    },
    onAlert: (a) => fired.push(a),
  });
  const spend = (id: string, tokens: number) => ledger.records.finish!(call(id, tokens, clock.now));
  const got = () => fired.map((a) => `${a.budget} ${a.threshold}`);
  return { clock, fired, seeds, ledger, spend, got };
}

const budget = (b: Partial<Budget>): Budget => ({ usd_per_day: null, usd_per_month: null, tokens_per_day: null, ...b });

describe('spend ledger: alerts once per threshold per period', () => {
  it('80 % and 100 % fire once each a day, re-arm at local midnight, and the month\'s re-arm on the 1st only', async () => {
    const L = await ledgerAt('2026-11-29T10:00:00Z', { alice: budget({ usd_per_day: 10, usd_per_month: 25 }) });
    // Day 1 (Nov 29): $5, $3 (80 %), $1, $1 (100 %), $2.
    L.spend('alice', 5);
    expect(L.got()).toEqual([]);
    L.spend('alice', 3);
    expect(L.got()).toEqual(['usd_per_day 80']);
    expect(L.fired[0]).toMatchObject({ initiator_id: 'alice', initiator_name: 'alice', budget: 'usd_per_day', spent: 8, limit: 10, threshold: 80, at: L.clock.now });
    expect(L.fired[0]!.percent).toBeCloseTo(80, 9);
    L.spend('alice', 1);
    L.spend('alice', 1);
    L.spend('alice', 2);
    expect(L.got()).toEqual(['usd_per_day 80', 'usd_per_day 100']);
    expect(L.fired[1]!.percent).toBeCloseTo(100, 9);
    expect(L.ledger.spend('alice')).toEqual({ usd_today: 12, usd_month: 12, tokens_today: 12 });
    expect(L.ledger.alerts().map((a) => a.threshold)).toEqual([80, 100]);

    // Day 2 (Nov 30): the day's figures and alerts restart, the month's go on.
    L.clock.now = Date.parse('2026-11-30T00:00:00Z');
    expect(L.ledger.spend('alice')).toEqual({ usd_today: 0, usd_month: 12, tokens_today: 0 });
    expect(L.ledger.alerts()).toEqual([]);
    L.spend('alice', 8); // day 80 %, month 20/25 = 80 %
    expect(L.got().slice(2)).toEqual(['usd_per_day 80', 'usd_per_month 80']);
    L.spend('alice', 2); // day 100 %, month 88 %
    L.spend('alice', 4); // day 140 %, month 104 %
    L.spend('alice', 1);
    expect(L.got().slice(2)).toEqual(['usd_per_day 80', 'usd_per_month 80', 'usd_per_day 100', 'usd_per_month 100']);
    expect(L.ledger.alerts().map((a) => `${a.budget} ${a.threshold}`)).toEqual(['usd_per_day 80', 'usd_per_month 80', 'usd_per_day 100', 'usd_per_month 100']);

    // The 1st of the month: both periods restart; one call that jumps past both thresholds fires both.
    L.clock.now = Date.parse('2026-12-01T08:00:00Z');
    expect(L.ledger.spend('alice')).toEqual({ usd_today: 0, usd_month: 0, tokens_today: 0 });
    expect(L.ledger.alerts()).toEqual([]);
    L.spend('alice', 20); // day 200 %, month 80 %
    expect(L.got().slice(6)).toEqual(['usd_per_day 80', 'usd_per_day 100', 'usd_per_month 80']);
    expect(L.fired.at(-1)!.percent).toBeCloseTo(80, 9);
    expect(L.fired.length).toBe(9);
  });

  it('a month alert of earlier days stays listed for the banner until the month ends; the day\'s go at midnight', async () => {
    const L = await ledgerAt('2026-12-30T12:00:00Z', { bob: budget({ usd_per_day: 100, usd_per_month: 10 }) });
    L.spend('bob', 9); // month 90 %, day 9 %
    L.clock.now = Date.parse('2026-12-31T12:00:00Z');
    expect(L.ledger.alerts().map((a) => `${a.budget} ${a.threshold}`)).toEqual(['usd_per_month 80']);
    L.spend('bob', 1); // month 100 %: the 80 % is not announced again
    expect(L.got()).toEqual(['usd_per_month 80', 'usd_per_month 100']);
    L.clock.now = Date.parse('2027-01-01T00:00:00Z');
    expect(L.ledger.alerts()).toEqual([]);
    expect(L.ledger.spend('bob')).toEqual({ usd_today: 0, usd_month: 0, tokens_today: 0 });
  });

  it('tokens_per_day counts input + output + cache reads and writes, and re-arms at midnight', async () => {
    const L = await ledgerAt('2026-11-29T23:00:00Z', { carol: budget({ tokens_per_day: 100 }) });
    const rec = call('carol', 0, L.clock.now);
    rec.token_usages = [{ ...rec.token_usages[0]!, input_tokens: 10, output_tokens: 20, cache_read_input_tokens: 30, cache_write_input_tokens: 25 }];
    L.ledger.records.finish!(rec); // 85 tokens
    expect(L.ledger.spend('carol').tokens_today).toBe(85);
    expect(L.got()).toEqual(['tokens_per_day 80']);
    expect(L.fired[0]!.percent).toBeCloseTo(85, 9);
    L.spend('carol', 15);
    expect(L.got()).toEqual(['tokens_per_day 80', 'tokens_per_day 100']);
    L.clock.now = Date.parse('2026-11-30T00:00:00Z');
    L.spend('carol', 90);
    expect(L.got()).toEqual(['tokens_per_day 80', 'tokens_per_day 100', 'tokens_per_day 80']);
  });

  it('each token has its own thresholds; a token without a budget never alerts; a refused call (no tokens) adds nothing', async () => {
    const L = await ledgerAt('2026-11-29T10:00:00Z', { a: budget({ usd_per_day: 10 }), b: budget({ usd_per_day: 10 }) });
    L.spend('a', 9);
    L.spend('b', 8);
    L.spend('nobody', 1000);
    expect(L.fired.map((x) => `${x.initiator_id} ${x.threshold}`)).toEqual(['a 80', 'b 80']);
    L.spend('a', 0);
    expect(L.fired).toHaveLength(2);
    expect(L.ledger.spend('nobody').usd_today).toBe(1000);
  });

  it('a call begun before midnight counts for the month but not for the new day; one begun last month for neither', async () => {
    const L = await ledgerAt('2026-12-01T00:00:10Z', { dan: budget({ usd_per_day: 10, usd_per_month: 100 }) });
    L.ledger.records.finish!(call('dan', 5, Date.parse('2026-11-30T23:59:00Z'))); // last month
    expect(L.ledger.spend('dan')).toEqual({ usd_today: 0, usd_month: 0, tokens_today: 0 });
    L.clock.now = Date.parse('2026-12-02T00:00:10Z');
    L.ledger.records.finish!(call('dan', 9, Date.parse('2026-12-01T23:59:00Z'))); // yesterday
    expect(L.ledger.spend('dan')).toEqual({ usd_today: 0, usd_month: 9, tokens_today: 0 });
    expect(L.got()).toEqual([]);
  });
});

describe('spend ledger: seeding', () => {
  it('reads the store from local month and day start; thresholds the seed already passed are not announced again', async () => {
    let stored = { month: 21, today: 9 };
    const seed = async (): Promise<SpendSeed> => ({ month: new Map([['eve', { usd: stored.month }]]), today: new Map([['eve', { usd: stored.today, tokens: stored.today }]]) });
    const L = await ledgerAt('2026-11-29T10:00:00Z', { eve: budget({ usd_per_day: 10, usd_per_month: 25 }) }, seed);
    expect(L.seeds).toEqual([[Date.parse('2026-11-01T00:00:00Z'), Date.parse('2026-11-29T00:00:00Z')]]);
    expect(L.ledger.spend('eve')).toEqual({ usd_today: 9, usd_month: 21, tokens_today: 9 });
    expect(L.fired).toEqual([]); // 90 % of the day and 84 % of the month at start: no storm
    L.spend('eve', 1); // day 100 %, month 88 %
    expect(L.got()).toEqual(['usd_per_day 100']);
    L.spend('eve', 4); // month 104 %
    expect(L.got()).toEqual(['usd_per_day 100', 'usd_per_month 100']);

    // A price change re-prices history: the store now says $9.50 today, $23.75 this month (95 %).
    // The re-seed keeps what was announced this period: going past 100 % again is not news.
    stored = { month: 23.75, today: 9.5 };
    await L.ledger.reseed();
    expect(L.seeds).toHaveLength(2);
    expect(L.ledger.spend('eve')).toEqual({ usd_today: 9.5, usd_month: 23.75, tokens_today: 9.5 });
    L.spend('eve', 2);
    expect(L.ledger.spend('eve')).toEqual({ usd_today: 11.5, usd_month: 25.75, tokens_today: 11.5 });
    expect(L.got()).toEqual(['usd_per_day 100', 'usd_per_month 100']);
  });

  it('a re-seed on a new day reads from the new day start and re-arms the day\'s thresholds', async () => {
    let today = 9;
    const seed = async (): Promise<SpendSeed> => ({ month: new Map([['fay', { usd: 9 }]]), today: new Map([['fay', { usd: today, tokens: today }]]) });
    const L = await ledgerAt('2026-11-29T10:00:00Z', { fay: budget({ usd_per_day: 10 }) }, seed);
    L.clock.now = Date.parse('2026-11-30T10:00:00Z');
    today = 0;
    await L.ledger.reseed();
    expect(L.seeds.at(-1)).toEqual([Date.parse('2026-11-01T00:00:00Z'), Date.parse('2026-11-30T00:00:00Z')]);
    L.spend('fay', 8);
    expect(L.got()).toEqual(['usd_per_day 80']);
  });
});

describe('budget periods and parsing', () => {
  it('local day and month starts and period ends (the machine\'s calendar)', () => {
    const t = Date.parse('2026-12-31T15:30:00Z');
    expect(localDayStart(t)).toBe(Date.parse('2026-12-31T00:00:00Z'));
    expect(localMonthStart(t)).toBe(Date.parse('2026-12-01T00:00:00Z'));
    expect(periodEnd('usd_per_day', t)).toBe(Date.parse('2027-01-01T00:00:00Z'));
    expect(periodEnd('tokens_per_day', t)).toBe(Date.parse('2027-01-01T00:00:00Z'));
    expect(periodEnd('usd_per_month', Date.parse('2026-01-31T23:00:00Z'))).toBe(Date.parse('2026-02-01T00:00:00Z'));
  });

  it('parseBudget: numbers ≥ 0 or null; tokens whole; unknown keys refused; all-null is no budget', () => {
    expect(parseBudget({ usd_per_day: '2.5', tokens_per_day: 10 })).toEqual({ usd_per_day: 2.5, usd_per_month: null, tokens_per_day: 10 });
    expect(parseBudget({ usd_per_day: null })).toBeNull();
    expect(parseBudget(null)).toBeNull();
    expect(() => parseBudget({ usd_per_day: -1 })).toThrow(/0 or more/);
    expect(() => parseBudget({ tokens_per_day: 1.5 })).toThrow(/whole number/);
    expect(() => parseBudget({ usd_per_week: 1 })).toThrow(/unknown budget "usd_per_week"/);
    expect(() => parseBudget([1])).toThrow(/must be an object/);
  });
});
