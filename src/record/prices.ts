/**
 * The price table (SPEC §11): the bundled catalog of `@pydantic/genai-prices` (pinned in
 * package.json; its data ships inside the package, and nothing here ever asks it to update over
 * the network) with per-model overrides on top (YAML `prices:`, `PUT /api/v1/prices`).
 *
 * Lookups are cached per (provider, model): the catalog's model matching runs once per model, not
 * once per record, so pricing 300,000 index entries is a map hit and a few multiplications each.
 * Which catalog model a record prices as:
 * - `anthropic` and `openai` routes: the record's model in that provider's catalog;
 * - `bedrock`: the Anthropic model behind the Bedrock id (`us.anthropic.claude-sonnet-4-5-20250929-v1:0`
 *   and inference-profile ARNs → `claude-sonnet-4-5-20250929`), as SPEC §11 asks; a Bedrock model
 *   the Anthropic catalog does not know is looked up in the catalog's AWS list.
 * An override matches the record's model, or the normalised name, or the catalog's model id
 * (case-insensitive), so one override for `claude-sonnet-4-5` re-prices its dated aliases too.
 */
import type { ModelInfo, ModelPrice, calcPrice as CalcPrice } from '@pydantic/genai-prices';
import { CostMemo, type PriceLookup, type PriceMatch, type Rate, type Rates } from './cost.js';

/** An override: USD per million tokens by class (SPEC §11). A class left out keeps the catalog's rate. */
export interface PriceOverride {
  input?: number;
  output?: number;
  cache_read?: number;
  cache_write?: number;
  cache_write_1h?: number;
}

/** Overrides by model name. */
export type PriceOverrides = Record<string, PriceOverride>;

/** The override classes, in the order they are shown. */
export const PRICE_CLASSES = ['input', 'output', 'cache_read', 'cache_write', 'cache_write_1h'] as const;

/** The price table the gateway keeps: lookups plus its overrides, replaceable at run time. */
export interface PriceTable extends PriceLookup {
  forModel(provider: string, model: string): (atMs: number) => PriceMatch;
  /** Replaces the overrides; every later lookup (so every cost read) uses them. */
  setOverrides(o: PriceOverrides): void;
  overrides(): PriceOverrides;
  /** Counts up on every change of the overrides (consumers that cache figures re-seed on it). */
  version(): number;
}

/** The catalog's price keys for our classes. */
const CATALOG_KEYS: Record<(typeof PRICE_CLASSES)[number], string> = {
  input: 'input_mtok',
  output: 'output_mtok',
  cache_read: 'cache_read_mtok',
  cache_write: 'cache_write_mtok',
  cache_write_1h: 'cache_write_1h_mtok',
};

/** Checks and normalises an overrides object; throws an Error naming the first bad value. */
export function parsePriceOverrides(raw: unknown, where: string): PriceOverrides {
  if (raw === null || raw === undefined) return {};
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new Error(`${where}: prices must be a mapping of model name to prices`);
  const out: PriceOverrides = {};
  for (const [model, v] of Object.entries(raw as Record<string, unknown>)) {
    const name = model.trim();
    if (name === '') throw new Error(`${where}: a model name in prices is empty`);
    if (typeof v !== 'object' || v === null || Array.isArray(v)) {
      throw new Error(`${where}: prices for "${name}" must be a mapping such as {input: 3, output: 15} (USD per million tokens)`);
    }
    const o: PriceOverride = {};
    for (const [k, n] of Object.entries(v as Record<string, unknown>)) {
      if (!(PRICE_CLASSES as readonly string[]).includes(k)) {
        throw new Error(`${where}: unknown price "${k}" for "${name}" (expected ${PRICE_CLASSES.join(', ')})`);
      }
      if (n === null || n === undefined) continue;
      const value = typeof n === 'string' && n.trim() !== '' ? Number(n) : n;
      if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
        throw new Error(`${where}: price "${k}" for "${name}" must be a number of USD per million tokens (0 or more), not ${JSON.stringify(n)}`);
      }
      o[k as keyof PriceOverride] = value;
    }
    if (Object.keys(o).length === 0) throw new Error(`${where}: prices for "${name}" name no price (expected ${PRICE_CLASSES.join(', ')})`);
    out[name] = o;
  }
  return out;
}

const BEDROCK_REGION_PREFIX = /^(?:us|eu|apac|ap|jp|au|ca|us-gov|global)\./;

/**
 * The Anthropic model name behind a Bedrock model id: `[arn:…/]` `[us.|eu.|global.…]`
 * `anthropic.` NAME `-v1:0` → NAME. Other ids come back without ARN and region prefix.
 */
export function bedrockBaseModel(id: string): string {
  let m = id.trim();
  const slash = m.lastIndexOf('/');
  if (m.startsWith('arn:') && slash >= 0) m = m.slice(slash + 1);
  m = m.replace(BEDROCK_REGION_PREFIX, '');
  if (m.startsWith('anthropic.')) m = m.slice('anthropic.'.length).replace(/-v\d+(?::\d+)?$/, '');
  return m;
}

/** One catalog price (maybe dated) as our rates. */
function ratesOf(p: ModelPrice): Rates {
  const r: Rates = {};
  for (const c of PRICE_CLASSES) {
    const v = p[CATALOG_KEYS[c]];
    if (v !== undefined) r[c] = v as Rate;
  }
  const req = p['requests_kcount'];
  if (typeof req === 'number') r.requests_kcount = req;
  return r;
}

/** A catalog model's rates over time, resolved once (the package's date and time-of-day rules). */
interface CatalogPrices {
  id: string;
  at(ms: number): Rates;
}

function catalogPrices(model: ModelInfo): CatalogPrices {
  const prices = model.prices;
  if (!Array.isArray(prices)) {
    const fixed = ratesOf(prices);
    return { id: model.id, at: () => fixed };
  }
  // Newest rule first, as the package walks them: start_date (from that day on, UTC) or
  // time_of_date (a daily UTC window); the first entry is the fallback.
  const rules = prices.map((c) => {
    const k = c.constraint;
    const rates = ratesOf(c.prices);
    if (k === undefined) return { rates, test: () => true };
    if (k.type === 'start_date') {
      const from = Date.parse(`${k.start_date}T00:00:00Z`);
      return { rates, test: (ms: number) => ms >= from };
    }
    const start = secondsOfDay(k.start_time);
    const end = secondsOfDay(k.end_time);
    return {
      rates,
      test: (ms: number) => {
        const s = (((ms / 1000) % 86_400) + 86_400) % 86_400;
        return end < start ? s >= start || s < end : s >= start && s < end;
      },
    };
  });
  return {
    id: model.id,
    at(ms) {
      for (let i = rules.length - 1; i >= 0; i--) if (rules[i]!.test(ms)) return rules[i]!.rates;
      return rules[0]!.rates;
    },
  };
}

/** `HH:MM:SS[.fff](Z|±HH:MM)` → seconds after UTC midnight. */
function secondsOfDay(t: string): number {
  const m = /^(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(Z|([+-])(\d{2}):(\d{2}))$/.exec(t);
  if (!m) return 0;
  const local = Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]);
  const off = m[5] === 'Z' ? 0 : (m[6] === '+' ? 1 : -1) * (Number(m[7]) * 3600 + Number(m[8]) * 60);
  return (((local - off) % 86_400) + 86_400) % 86_400;
}

/** Finds a model in the catalog of one provider (`anthropic`, `openai`, `aws`). */
function findCatalog(calc: typeof CalcPrice, providerId: string, model: string): CatalogPrices | null {
  if (model === '') return null;
  // Usage all zero: only the match is wanted (the rates are resolved per time by catalogPrices).
  const hit = calc({ input_tokens: 0, output_tokens: 0 }, model, { providerId });
  return hit ? catalogPrices(hit.model) : null;
}

let catalogModule: Promise<typeof CalcPrice> | undefined;

/**
 * The catalog is ~0.8 MB of JavaScript: imported once, asynchronously, so `startApp` loads it while
 * the store opens instead of before.
 */
function loadCatalog(): Promise<typeof CalcPrice> {
  catalogModule ??= import('@pydantic/genai-prices').then((m) => m.calcPrice);
  return catalogModule;
}

interface Resolved {
  name: string;
  catalog: CatalogPrices | null;
  override: { key: string; o: PriceOverride } | null;
  /** The last answer and the catalog rates it was made from (answers are shared, not rebuilt). */
  lastBase: Rates | null | undefined;
  last: PriceMatch | undefined;
}

/** Builds the price table: the bundled catalog plus `overrides`. */
export async function createPriceTable(overrides: PriceOverrides = {}): Promise<PriceTable> {
  const calc = await loadCatalog();
  let current: PriceOverrides = {};
  let byLower = new Map<string, { key: string; o: PriceOverride }>();
  let version = 0;
  const cache = new Map<string, Resolved>();
  const set = (o: PriceOverrides) => {
    current = o;
    byLower = new Map(Object.entries(o).map(([k, v]) => [k.toLowerCase(), { key: k, o: v }]));
    cache.clear();
    version++;
  };
  set(overrides);

  const resolve = (provider: string, model: string): Resolved => {
    const key = `${provider}\u0000${model}`;
    let r = cache.get(key);
    if (r) return r;
    let name = model.trim();
    let catalog: CatalogPrices | null;
    if (provider === 'bedrock') {
      name = bedrockBaseModel(model);
      catalog = findCatalog(calc, 'anthropic', name) ?? findCatalog(calc, 'aws', model);
    } else {
      catalog = findCatalog(calc, provider === 'openai' ? 'openai' : 'anthropic', name);
    }
    const override = byLower.get(model.trim().toLowerCase()) ?? byLower.get(name.toLowerCase()) ?? (catalog ? byLower.get(catalog.id.toLowerCase()) : undefined) ?? null;
    r = { name, catalog, override, lastBase: undefined, last: undefined };
    // Bounded: a flood of made-up model names must not grow memory for ever.
    if (cache.size >= 10_000) cache.clear();
    cache.set(key, r);
    return r;
  };

  const matchAt = (r: Resolved, atMs: number): PriceMatch => {
    const base = r.catalog ? r.catalog.at(atMs) : null;
    if (r.last && r.lastBase === base) return r.last;
    let m: PriceMatch;
    if (r.override) m = { rates: { ...base, ...r.override.o }, priced_model: r.override.key, source: 'override' };
    else if (base) m = { rates: base, priced_model: r.catalog!.id, source: 'catalog' };
    else m = { rates: null, priced_model: r.name, source: 'catalog' };
    r.lastBase = base;
    r.last = m;
    return m;
  };

  return {
    lookup: (provider, model, atMs) => matchAt(resolve(provider, model), atMs),
    forModel(provider, model) {
      const r = resolve(provider, model);
      return (atMs) => matchAt(r, atMs);
    },
    setOverrides: set,
    overrides: () => current,
    version: () => version,
    kept: new CostMemo(() => version),
  };
}
