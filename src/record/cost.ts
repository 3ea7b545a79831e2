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

// Scalars rather than an object: the usage report prices 300,000 index entries per call.
function priceOf(rates: Rates, input: number, output: number, cacheRead: number, cacheWrite: number, cacheWrite1h: number, requests: number): number {
  const totalIn = input + cacheRead + cacheWrite;
  const w1h = rates.cache_write_1h !== undefined ? Math.min(cacheWrite1h, cacheWrite) : 0;
  const w = rates.cache_write !== undefined ? cacheWrite - w1h : 0;
  const r = rates.cache_read !== undefined ? cacheRead : 0;
  const restIn = totalIn - w1h - w - r;
  let usd = 0;
  if (rates.input !== undefined) usd += (rateAt(rates.input, totalIn) * restIn) / 1e6;
  if (rates.output !== undefined) usd += (rateAt(rates.output, totalIn) * output) / 1e6;
  if (rates.cache_read !== undefined) usd += (rateAt(rates.cache_read, totalIn) * r) / 1e6;
  if (rates.cache_write !== undefined) usd += (rateAt(rates.cache_write, totalIn) * w) / 1e6;
  if (rates.cache_write_1h !== undefined) usd += (rateAt(rates.cache_write_1h, totalIn) * w1h) / 1e6;
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
  const startedMs = Date.parse(rec.started_at);
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
