/**
 * The money side of token rows (SPEC §11): rates per token class and the arithmetic that turns
 * token counts into USD, the same way `@pydantic/genai-prices` computes it (so our figures match
 * the package's own `calcPrice`, which test/unit/record/cost.test.ts checks):
 *
 * - the package counts `input_tokens` *with* cache reads and writes; our rows store input without
 *   them (SPEC §6), so the total input is `input + cache_read + cache_write`;
 * - each priced class takes its own tokens ("leaves"): 1-hour cache writes at `cache_write_1h`, the
 *   other cache writes at `cache_write`, cache reads at `cache_read`, the rest of the input at
 *   `input`; a class without a rate folds into its parent (1h → cache write → input, cache read →
 *   input), as the package does;
 * - a tiered rate (e.g. Claude Sonnet 4.5 above 200k input tokens) is picked by the row's total
 *   input, the whole row at that tier;
 * - reasoning tokens are output tokens already (every provider counts them inside `output_tokens`).
 *
 * Pure: the price table is passed in ({@link PriceLookup}, src/record/prices.ts builds it).
 */
import type { Interception, TokenUsage } from './types.js';
import { isoMs } from './iso-time.js';

/** A tiered rate: `base` USD per million tokens, `price` once the row's total input passes `start`. */
export interface TieredRate {
  base: number;
  tiers: { start: number; price: number }[];
}

/** One rate: USD per million tokens, flat or tiered. */
export type Rate = number | TieredRate;

/** USD per million tokens of each token class (SPEC §11 override names); absent = not priced apart. */
export interface Rates {
  input?: Rate;
  output?: Rate;
  cache_read?: Rate;
  cache_write?: Rate;
  cache_write_1h?: Rate;
  /** USD per thousand requests (a few catalog models charge per call). */
  requests_kcount?: number;
}

/** Token counts of one row (or of many rows added up) by price class. */
export interface TokenClasses {
  /** Input without cache reads and writes (SPEC §6). */
  input: number;
  output: number;
  cacheRead: number;
  /** All cache writes, the 1-hour ones included. */
  cacheWrite: number;
  /** The 1-hour part of `cacheWrite` (Anthropic `cache_creation.ephemeral_1h_input_tokens`). */
  cacheWrite1h: number;
  /** Upstream responses counted (for per-request prices). */
  requests: number;
}

/** The `cost` of a record (SPEC §11). */
export interface Cost {
  /** USD at the current price table; null when no price is known for the model. */
  usd: number | null;
  /** The model the price was found under (the catalog's id, or the override's key). */
  priced_model: string;
  source: 'catalog' | 'override';
}

/** What a price table answers for one model at one time. */
export interface PriceMatch {
  /** Null when neither the overrides nor the catalog know the model. */
  rates: Rates | null;
  priced_model: string;
  source: 'catalog' | 'override';
}

/** The price table as the arithmetic needs it (src/record/prices.ts). */
export interface PriceLookup {
  /** Rates for `model` on `provider`'s route at `atMs` (catalog prices can change by date). */
  lookup(provider: string, model: string, atMs: number): PriceMatch;
  /**
   * The same answers for one model, resolved once ({@link sumsPricer} prices many records of few
   * models); absent = {@link lookup} per record.
   */
  forModel?(provider: string, model: string): (atMs: number) => PriceMatch;
  /**
   * Costs already worked out, by record: a finished record's cost is read by the log line,
   * today's totals, the budgets and telemetry (issue #20: four pricings a call). Absent = every
   * {@link recordCost} prices the record again. See {@link CostMemo}.
   */
  readonly kept?: CostMemo;
}

/**
 * A record's cost kept until the record is dropped or the prices change. Records are never
 * changed once handed on (src/record/fanout.ts; a change makes a new object), so the record object
 * is the key; the price table's version (it counts every override change) says whether a kept cost
 * is still the price. Export and the admin API read records from disk as fresh objects: they miss
 * and pay one WeakMap entry each, collected with the record.
 */
export class CostMemo {
  private readonly costs = new WeakMap<Interception, { version: number; cost: Cost }>();

  constructor(private readonly version: () => number) {}

  get(rec: Interception): Cost | undefined {
    const hit = this.costs.get(rec);
    return hit !== undefined && hit.version === this.version() ? hit.cost : undefined;
  }

  set(rec: Interception, cost: Cost): void {
    this.costs.set(rec, { version: this.version(), cost });
  }
}

/** Metadata key of the 1-hour cache writes on a token row (SPEC §11). */
export const CACHE_WRITE_1H_KEY = 'cache_write_1h_input_tokens';

function rateAt(r: Rate, basis: number): number {
  if (typeof r === 'number') return r;
  let price = r.base;
  for (const t of r.tiers) if (basis > t.start) price = t.price;
  return price;
}

/** USD of `t` at `rates`. */
export function priceClasses(rates: Rates, t: TokenClasses): number {
  return priceOf(rates, t.input, t.output, t.cacheRead, t.cacheWrite, t.cacheWrite1h, t.requests);
}

// Scalars rather than an object. `basis`: the input that picks a tiered rate's tier (the row's).
function priceOf(rates: Rates, input: number, output: number, cacheRead: number, cacheWrite: number, cacheWrite1h: number, requests: number, basis = input + cacheRead + cacheWrite): number {
  const totalIn = input + cacheRead + cacheWrite;
  const w1h = rates.cache_write_1h !== undefined ? Math.min(cacheWrite1h, cacheWrite) : 0;
  const w = rates.cache_write !== undefined ? cacheWrite - w1h : 0;
  const r = rates.cache_read !== undefined ? cacheRead : 0;
  const restIn = totalIn - w1h - w - r;
  let usd = 0;
  if (rates.input !== undefined) usd += (rateAt(rates.input, basis) * restIn) / 1e6;
  if (rates.output !== undefined) usd += (rateAt(rates.output, basis) * output) / 1e6;
  if (rates.cache_read !== undefined) usd += (rateAt(rates.cache_read, basis) * r) / 1e6;
  if (rates.cache_write !== undefined) usd += (rateAt(rates.cache_write, basis) * w) / 1e6;
  if (rates.cache_write_1h !== undefined) usd += (rateAt(rates.cache_write_1h, basis) * w1h) / 1e6;
  if (rates.requests_kcount !== undefined) usd += (rates.requests_kcount * requests) / 1000;
  return usd;
}

/** A record as the store's index knows it: its model and its token sums. */
export interface IndexedTokens {
  provider: string;
  model: string;
  /** started_at, ms since epoch. */
  startedMs: number;
  tokIn: number;
  tokOut: number;
  tokCacheRead: number;
  tokCacheWrite: number;
  tokCacheWrite1h: number;
}

/**
 * USD of a record from its token sums (the usage report, today's cost, budget spend), or null when
 * the model has no price. Tiers follow the record's summed input: the same as pricing its row for
 * the usual record of one upstream response.
 */
export function sumsCost(prices: PriceLookup, e: IndexedTokens): number | null {
  const rates = prices.lookup(e.provider, e.model, e.startedMs).rates;
  if (!rates) return null;
  return priceOf(rates, e.tokIn, e.tokOut, e.tokCacheRead, e.tokCacheWrite, e.tokCacheWrite1h, 1);
}

/** A running cost of many records, each priced as {@link sumsCost} prices it. */
export interface CostSum {
  add(e: IndexedTokens): void;
  /** USD of the priced records added; null when none had a price. */
  usd(): number | null;
  /** Records added whose model has no price. */
  unpriced(): number;
}

/** Makes {@link CostSum}s (one per usage row) that share one price resolution. */
export interface SumsPricer {
  sum(): CostSum;
}

/**
 * Prices each record on its own with `costOf` (tests, and the reference the fast
 * {@link sumsPricer} is checked against).
 */
export function perRecordPricer(costOf: (e: IndexedTokens) => number | null): SumsPricer {
  return {
    sum() {
      let usd: number | null = null;
      let unpriced = 0;
      return {
        add(e) {
          const c = costOf(e);
          if (c === null) unpriced++;
          else usd = (usd ?? 0) + c;
        },
        usd: () => usd,
        unpriced: () => unpriced,
      };
    },
  };
}

/** One set of rates met during a report, with the tier thresholds of its tiered rates. */
interface RateClass {
  id: number;
  rates: Rates;
  /** Distinct tier starts of every tiered rate, ascending (empty: flat rates). */
  starts: number[];
}

/**
 * Token sums of the records of one rate class and tier. Its `cacheWrite1h` is the sum of
 * min(1-hour writes, writes) per record, as {@link priceOf} clamps each record.
 */
interface Bucket extends TokenClasses {
  cls: RateClass;
  /** A total input of one of its records: picks the same tier for all of them. */
  basis: number;
}

/** A model's rates resolver, and the class of the last rates it gave. */
interface ModelSlot {
  at: (atMs: number) => PriceMatch;
  last: Rates | null | undefined;
  lastCls: RateClass | null;
}

/**
 * The usage report's pricer (issue #15): the same figures as adding up {@link sumsCost} record by
 * record, without pricing each record. A record's cost is linear in its token sums at fixed rates,
 * so records are summed per set of rates and tier (a tiered rate is picked by the record's own
 * total input: the tier is part of the bucket) and each bucket is priced once when asked. Per
 * record: the model's rates resolved once per report (its resolver applied to the record's time,
 * since catalog prices can change by date), a tier count and a few additions. Equal to the
 * per-record sum up to floating-point rounding (test/unit/record/sums-pricer.test.ts).
 */
export function sumsPricer(prices: PriceLookup): SumsPricer {
  const slots = new Map<string, Map<string, ModelSlot>>();
  const classes = new Map<Rates, RateClass>();
  let lastProvider = '';
  let lastModel = '';
  let lastSlot: ModelSlot | null = null;
  const slotOf = (provider: string, model: string): ModelSlot => {
    if (lastSlot !== null && provider === lastProvider && model === lastModel) return lastSlot;
    let byModel = slots.get(provider);
    if (!byModel) slots.set(provider, (byModel = new Map()));
    let slot = byModel.get(model);
    if (!slot) {
      const at = prices.forModel?.(provider, model) ?? ((ms: number) => prices.lookup(provider, model, ms));
      byModel.set(model, (slot = { at, last: undefined, lastCls: null }));
    }
    lastProvider = provider;
    lastModel = model;
    lastSlot = slot;
    return slot;
  };
  const classOf = (slot: ModelSlot, rates: Rates | null): RateClass | null => {
    if (rates === slot.last) return slot.lastCls;
    let cls: RateClass | null = null;
    if (rates !== null) {
      cls = classes.get(rates) ?? null;
      if (!cls) {
        const starts = new Set<number>();
        for (const r of [rates.input, rates.output, rates.cache_read, rates.cache_write, rates.cache_write_1h]) {
          if (r !== undefined && typeof r !== 'number') for (const t of r.tiers) starts.add(t.start);
        }
        cls = { id: classes.size, rates, starts: [...starts].sort((a, b) => a - b) };
        classes.set(rates, cls);
      }
    }
    slot.last = rates;
    slot.lastCls = cls;
    return cls;
  };
  return {
    sum(): CostSum {
      // By class id, then tier: most rows meet a handful of models, so few buckets.
      const byClass: (Bucket | undefined)[][] = [];
      let priced = false;
      let unpriced = 0;
      return {
        add(e) {
          const slot = slotOf(e.provider, e.model);
          const cls = classOf(slot, slot.at(e.startedMs).rates);
          if (cls === null) {
            unpriced++;
            return;
          }
          const totalIn = e.tokIn + e.tokCacheRead + e.tokCacheWrite;
          let tier = 0;
          const starts = cls.starts;
          while (tier < starts.length && totalIn > starts[tier]!) tier++;
          const tiers = (byClass[cls.id] ??= []);
          let b = tiers[tier];
          if (b === undefined) {
            b = tiers[tier] = { cls, basis: totalIn, input: 0, output: 0, cacheRead: 0, cacheWrite: 0, cacheWrite1h: 0, requests: 0 };
            priced = true;
          }
          b.input += e.tokIn;
          b.output += e.tokOut;
          b.cacheRead += e.tokCacheRead;
          b.cacheWrite += e.tokCacheWrite;
          b.cacheWrite1h += Math.min(e.tokCacheWrite1h, e.tokCacheWrite);
          b.requests++;
        },
        usd() {
          if (!priced) return null;
          let usd = 0;
          for (const tiers of byClass) {
            for (const b of tiers ?? []) {
              if (b) usd += priceOf(b.cls.rates, b.input, b.output, b.cacheRead, b.cacheWrite, b.cacheWrite1h, b.requests, b.basis);
            }
          }
          return usd;
        },
        unpriced: () => unpriced,
      };
    },
  };
}

function num(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : 0;
}

/** The price classes of one token row. */
export function rowClasses(u: TokenUsage): TokenClasses {
  return {
    input: num(u.input_tokens),
    output: num(u.output_tokens),
    cacheRead: num(u.cache_read_input_tokens),
    cacheWrite: num(u.cache_write_input_tokens),
    cacheWrite1h: num(u.metadata?.[CACHE_WRITE_1H_KEY]),
    requests: 1,
  };
}

/**
 * The `cost` of a record: each token row priced on its own (tiers follow the row's input) at the
 * table's current rates for the record's model and start time. A record without token rows costs
 * 0 when its model has a price (a refused or failed call used nothing).
 */
export function recordCost(rec: Interception, prices: PriceLookup): Cost {
  const kept = prices.kept;
  if (kept === undefined) return priceRecord(rec, prices);
  let cost = kept.get(rec);
  if (cost === undefined) kept.set(rec, (cost = priceRecord(rec, prices)));
  return cost;
}

function priceRecord(rec: Interception, prices: PriceLookup): Cost {
  const startedMs = isoMs(rec.started_at);
  const m = prices.lookup(rec.provider, rec.model, Number.isFinite(startedMs) ? startedMs : 0);
  if (!m.rates) return { usd: null, priced_model: m.priced_model, source: m.source };
  let usd = 0;
  for (const u of Array.isArray(rec.token_usages) ? rec.token_usages : []) usd += priceClasses(m.rates, rowClasses(u));
  return { usd, priced_model: m.priced_model, source: m.source };
}

/** A record with its `cost` (what the admin API and the live feed send). */
export type PricedInterception = Interception & { cost: Cost };

/** The record with `cost` added (a shallow copy; the stored record is never changed). */
export function withCost(rec: Interception, prices: PriceLookup): PricedInterception {
  return { ...rec, cost: recordCost(rec, prices) };
}
