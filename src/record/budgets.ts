/**
 * Budgets per bridge token (SPEC §11): the budget object, its periods on the machine's local
 * calendar, and the spend ledger that keeps each token's spend of the current day and month.
 *
 * The ledger is a record consumer (immediate: it counts a call in the same turn the client got its
 * last bytes, so the very next call sees it) and is seeded at start-up from the store's index, so
 * spend survives restarts without a store scan per call. A record counts for the day and month its
 * `started_at` falls in, as the seed does. Cost is at the current prices; when the overrides change,
 * the gateway re-seeds (src/app.ts).
 */
import type { RecordConsumer } from './fanout.js';
import type { Interception } from './types.js';
import { recordCost, type PriceLookup } from './cost.js';
import { tokenSums } from './usage.js';
import { isoMs } from './iso-time.js';

/** A token's budget; any limit may be null (none). */
export interface Budget {
  usd_per_day: number | null;
  usd_per_month: number | null;
  tokens_per_day: number | null;
}

/** Which limit. */
export type BudgetKind = keyof Budget;
export const BUDGET_KINDS: readonly BudgetKind[] = ['usd_per_day', 'usd_per_month', 'tokens_per_day'];

/** A token's spend in the current local day and month (`GET /api/v1/tokens`). */
export interface Spend {
  usd_today: number;
  usd_month: number;
  tokens_today: number;
}

/** Checks a budget object: numbers ≥ 0 or null; `tokens_per_day` whole. Null/empty → null (no budget). */
export function parseBudget(raw: unknown): Budget | null {
  if (raw === null || raw === undefined) return null;
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new Error('a budget must be an object {"usd_per_day", "usd_per_month", "tokens_per_day"} (each a number or null), or null to clear it');
  const o = raw as Record<string, unknown>;
  for (const k of Object.keys(o)) {
    if (!(BUDGET_KINDS as readonly string[]).includes(k)) throw new Error(`unknown budget "${k}" (expected usd_per_day, usd_per_month or tokens_per_day)`);
  }
  const b: Budget = { usd_per_day: null, usd_per_month: null, tokens_per_day: null };
  for (const k of BUDGET_KINDS) {
    const v = o[k];
    if (v === null || v === undefined) continue;
    const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
    if (typeof n !== 'number' || !Number.isFinite(n) || n < 0 || (k === 'tokens_per_day' && !Number.isInteger(n))) {
      throw new Error(`budget ${k} must be ${k === 'tokens_per_day' ? 'a whole number of tokens' : 'a number of USD'} (0 or more), not ${JSON.stringify(v)}`);
    }
    b[k] = n;
  }
  return BUDGET_KINDS.every((k) => b[k] === null) ? null : b;
}

/** Start (ms) of the local calendar day of `ms`. */
export function localDayStart(ms: number): number {
  const d = new Date(ms);
  d.setHours(0, 0, 0, 0);
  return d.getTime();
}

/** Start (ms) of the local calendar month of `ms`. */
export function localMonthStart(ms: number): number {
  const d = new Date(ms);
  d.setDate(1);
  d.setHours(0, 0, 0, 0);
  return d.getTime();
}

/** When the period of `kind` that holds `ms` ends (next local midnight, or the 1st of next month). */
export function periodEnd(kind: BudgetKind, ms: number): number {
  const d = new Date(ms);
  if (kind === 'usd_per_month') d.setMonth(d.getMonth() + 1, 1);
  else d.setDate(d.getDate() + 1);
  d.setHours(0, 0, 0, 0);
  return d.getTime();
}

/** Tokens a call counts against `tokens_per_day`: input + output, cache reads and writes included. */
export function budgetTokens(rec: Interception): number {
  const t = tokenSums(rec);
  return t.input + t.output + t.cacheRead + t.cacheWrite;
}

/** The spent amount of `kind` in `s`. */
export function spentOf(kind: BudgetKind, s: Spend): number {
  return kind === 'usd_per_day' ? s.usd_today : kind === 'usd_per_month' ? s.usd_month : s.tokens_today;
}

/** A `budget_alert` (SPEC §11): a token's spend crossed 80 % or 100 % of a limit. */
export interface BudgetAlert {
  initiator_id: string;
  initiator_name: string;
  budget: BudgetKind;
  spent: number;
  limit: number;
  /** spent ÷ limit × 100 at the crossing. */
  percent: number;
  /** The threshold crossed (80 or 100). */
  threshold: 80 | 100;
  /** ms since epoch when it fired. */
  at: number;
}

/** Seed rows: a token's spend since local month start, split at the day start. */
export interface SpendSeed {
  /** By initiator id. */
  month: Map<string, { usd: number }>;
  today: Map<string, { usd: number; tokens: number }>;
}

/** Options of {@link createSpendLedger}. */
export interface SpendLedgerOptions {
  now: () => number;
  prices: PriceLookup;
  /** The token's budget (for alerts); undefined/null = none. */
  budgetOf(initiatorId: string): Budget | null | undefined;
  /** Reads what the store holds since `monthStart` (the index, no records). */
  seed(monthStart: number, dayStart: number): Promise<SpendSeed>;
  onAlert(a: BudgetAlert): void;
}

/** The spend ledger: a fan-out consumer plus lookups for the budget gate and the tokens list. */
export interface SpendLedger {
  readonly records: RecordConsumer;
  /** Current spend of a token (zeros when it spent nothing this month). */
  spend(initiatorId: string): Spend;
  /** Reads the store again (at start, and after a price change re-prices history). */
  reseed(): Promise<void>;
  /** Alerts that fired in the current periods (newest last), for the dashboard's banner. */
  alerts(): BudgetAlert[];
}

interface Row {
  usdToday: number;
  usdMonth: number;
  tokensToday: number;
  /** Thresholds already announced in the current period, per limit. */
  alerted: Record<BudgetKind, number>;
}

const THRESHOLDS = [80, 100] as const;

/** Creates the ledger and seeds it from the store. */
export async function createSpendLedger(opts: SpendLedgerOptions): Promise<SpendLedger> {
  let dayStart = localDayStart(opts.now());
  let monthStart = localMonthStart(opts.now());
  /** When today ends (the next local midnight): until then a roll has nothing to do. */
  let dayEnd = periodEnd('usd_per_day', dayStart);
  let rows = new Map<string, Row>();
  let fired: BudgetAlert[] = [];

  const newRow = (): Row => ({ usdToday: 0, usdMonth: 0, tokensToday: 0, alerted: { usd_per_day: 0, usd_per_month: 0, tokens_per_day: 0 } });
  const spendOf = (r: Row): Spend => ({ usd_today: r.usdToday, usd_month: r.usdMonth, tokens_today: r.tokensToday });

  /** Rolls the periods at local midnight / the 1st: today's (and the month's) figures and alerts restart. */
  const roll = (): void => {
    const now = opts.now();
    // Every call rolls: the local calendar is only asked again once the day is over (or the clock
    // went back before it began).
    if (now < dayEnd && now >= dayStart) return;
    const d = localDayStart(now);
    dayEnd = periodEnd('usd_per_day', d);
    if (d === dayStart) return;
    const m = localMonthStart(now);
    const newMonth = m !== monthStart;
    dayStart = d;
    monthStart = m;
    for (const r of rows.values()) {
      r.usdToday = 0;
      r.tokensToday = 0;
      r.alerted.usd_per_day = 0;
      r.alerted.tokens_per_day = 0;
      if (newMonth) {
        r.usdMonth = 0;
        r.alerted.usd_per_month = 0;
      }
    }
    fired = fired.filter((a) => a.budget === 'usd_per_month' && !newMonth);
  };

  /** Marks thresholds already passed as announced (after a seed: no alert storm at start). */
  const markPassed = (id: string, r: Row): void => {
    const b = opts.budgetOf(id);
    if (!b) return;
    for (const k of BUDGET_KINDS) {
      const limit = b[k];
      if (limit === null) continue;
      const pct = limit === 0 ? Infinity : (spentOf(k, spendOf(r)) / limit) * 100;
      // Never lower: a re-seed at lower prices must not announce a threshold of this period again.
      for (const t of THRESHOLDS) if (pct >= t && r.alerted[k] < t) r.alerted[k] = t;
    }
  };

  const reseed = async (): Promise<void> => {
    roll();
    const m0 = monthStart;
    const d0 = dayStart;
    const seed = await opts.seed(m0, d0);
    if (m0 !== monthStart || d0 !== dayStart) return reseed(); // rolled while reading
    const next = new Map<string, Row>();
    for (const [id, v] of seed.month) {
      const r = newRow();
      r.usdMonth = v.usd;
      next.set(id, r);
    }
    for (const [id, v] of seed.today) {
      let r = next.get(id);
      if (!r) next.set(id, (r = newRow()));
      r.usdToday = v.usd;
      r.tokensToday = v.tokens;
    }
    // Keep what was announced this period (a re-seed after a price change must not re-alert).
    for (const [id, r] of next) {
      const old = rows.get(id);
      if (old) r.alerted = old.alerted;
      markPassed(id, r);
    }
    rows = next;
  };
  await reseed();

  const check = (rec: Interception, r: Row, before: Spend): void => {
    const b = opts.budgetOf(rec.initiator.id);
    if (!b) return;
    const after = spendOf(r);
    for (const k of BUDGET_KINDS) {
      const limit = b[k];
      if (limit === null) continue;
      const was = spentOf(k, before);
      const now = spentOf(k, after);
      if (now <= was) continue;
      const pct = limit === 0 ? Infinity : (now / limit) * 100;
      for (const t of THRESHOLDS) {
        if (pct >= t && r.alerted[k] < t) {
          r.alerted[k] = t;
          const a: BudgetAlert = { initiator_id: rec.initiator.id, initiator_name: rec.initiator.name, budget: k, spent: now, limit, percent: Number.isFinite(pct) ? pct : 100, threshold: t, at: opts.now() };
          fired.push(a);
          if (fired.length > 200) fired.shift();
          opts.onAlert(a);
        }
      }
    }
  };

  return {
    records: {
      name: 'budget-spend',
      mode: 'immediate',
      finish(rec) {
        roll();
        const started = isoMs(rec.started_at);
        if (!(started >= monthStart)) return; // a call begun last month (or unparsable) counts for none of today's periods
        const usd = recordCost(rec, opts.prices).usd ?? 0;
        const tokens = budgetTokens(rec);
        if (usd === 0 && tokens === 0) return;
        const id = rec.initiator.id;
        let r = rows.get(id);
        if (!r) rows.set(id, (r = newRow()));
        const before = spendOf(r);
        r.usdMonth += usd;
        if (started >= dayStart) {
          r.usdToday += usd;
          r.tokensToday += tokens;
        }
        check(rec, r, before);
      },
    },
    spend(id) {
      roll();
      const r = rows.get(id);
      return r ? spendOf(r) : { usd_today: 0, usd_month: 0, tokens_today: 0 };
    },
    reseed,
    alerts() {
      roll();
      return fired.slice();
    },
  };
}
