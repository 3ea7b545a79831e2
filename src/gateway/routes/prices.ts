/**
 * `GET /api/v1/prices` (SPEC §11, docs/cost.md): the overrides in force, which of them the config
 * file fixes, and the price every model seen in the last 30 days gets now (catalog or override),
 * so the dashboard's prices page can show what it would change.
 */
import type { Rate, Rates } from '../../record/cost.js';
import { PRICE_CLASSES, type PriceOverrides } from '../../record/prices.js';
import type { InterceptionReader } from '../../store/interceptions/types.js';
import type { PriceSettings } from '../../store/prices-file.js';

/** USD per million tokens by class as shown (a tiered rate shows its base and `tiered: true`). */
export type ShownRates = Record<(typeof PRICE_CLASSES)[number], number | null> & { tiered: boolean };

/** One model seen recently and its price now. */
export interface PricedModel {
  provider: string;
  model: string;
  requests: number;
  priced_model: string;
  source: 'catalog' | 'override';
  /** Null when neither the catalog nor an override knows the model ("no price"). */
  usd_per_mtok: ShownRates | null;
}

/** The body of `GET|PUT /api/v1/prices`. */
export interface PricesView {
  /** Every override in force (config file and saved), by model. */
  overrides: PriceOverrides;
  /** Models whose override the config file sets (read-only here). */
  fixed: string[];
  fixed_origin: string | null;
  models: PricedModel[];
}

const SEEN_WINDOW_MS = 30 * 86_400_000;

function base(r: Rate | undefined): number | null {
  if (r === undefined) return null;
  return typeof r === 'number' ? r : r.base;
}

function shown(rates: Rates): ShownRates {
  const out = { tiered: false } as ShownRates;
  for (const c of PRICE_CLASSES) {
    out[c] = base(rates[c]);
    if (typeof rates[c] === 'object') out.tiered = true;
  }
  return out;
}

export async function pricesView(deps: { prices: PriceSettings; store: Pick<InterceptionReader, 'usage'>; now: () => number }): Promise<PricesView> {
  const now = deps.now();
  const seen = await deps.store.usage({ since: now - SEEN_WINDOW_MS }, (e) => `${e.provider}\u0000${e.model}`);
  const models: PricedModel[] = [...seen]
    .map(([key, row]) => {
      const [provider = '', model = ''] = key.split('\u0000');
      const m = deps.prices.table.lookup(provider, model, now);
      return { provider, model, requests: row.requests, priced_model: m.priced_model, source: m.source, usd_per_mtok: m.rates ? shown(m.rates) : null };
    })
    .sort((a, b) => b.requests - a.requests || a.model.localeCompare(b.model));
  return {
    overrides: deps.prices.table.overrides(),
    fixed: Object.keys(deps.prices.fixed),
    fixed_origin: deps.prices.fixedOrigin ?? null,
    models,
  };
}
