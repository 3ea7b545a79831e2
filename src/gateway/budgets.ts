/**
 * Budgets composed (SPEC §11): the spend ledger (src/record/budgets.ts) seeded from the store's
 * index, the budget gate in front of the upstream, and the `budget_alert` log line. `startApp`
 * lists the ledger among the record consumers and the gate before the concurrency limit.
 */
import { createSpendLedger, type BudgetAlert, type SpendLedger, type SpendSeed } from '../record/budgets.js';
import { sumsPricer, type PriceLookup } from '../record/cost.js';
import type { InterceptionReader } from '../store/interceptions/types.js';
import type { TokenStore } from '../store/tokens.js';
import { budgetGate } from './budget-gate.js';
import type { RequestGate } from './gates.js';
import type { Logger } from './log.js';

export interface Budgets {
  readonly ledger: SpendLedger;
  readonly gate: RequestGate;
}

/** What the budgets read and report to; `prices` is the catalog a spend is priced with. */
export interface BudgetDeps<P = PriceLookup> {
  store: Pick<InterceptionReader, 'usage'>;
  tokens: Pick<TokenStore, 'budgetOf'>;
  prices: P;
  now: () => number;
  log: Logger;
  /** Each alert, after its log line (the live feed: dashboard banner, desktop notification). */
  onAlert(a: BudgetAlert): void;
}

export async function createBudgets(deps: BudgetDeps): Promise<Budgets> {
  const ledger = await createSpendLedger({
    now: deps.now,
    prices: deps.prices,
    budgetOf: (id) => deps.tokens.budgetOf(id),
    seed: async (monthStart, dayStart): Promise<SpendSeed> => {
      const rows = await deps.store.usage(
        { since: monthStart },
        (e) => `${e.startedMs >= dayStart ? 'd' : 'm'}\u0000${e.initiatorId}`,
        sumsPricer(deps.prices),
      );
      const seed: SpendSeed = { month: new Map(), today: new Map() };
      for (const [key, r] of rows) {
        const [period, id = ''] = key.split('\u0000');
        const usd = r.cost_usd ?? 0;
        const m = seed.month.get(id) ?? { usd: 0 };
        m.usd += usd;
        seed.month.set(id, m);
        if (period === 'd') {
          const t = seed.today.get(id) ?? { usd: 0, tokens: 0 };
          t.usd += usd;
          t.tokens += r.input_tokens + r.output_tokens + r.cache_read_input_tokens + r.cache_write_input_tokens;
          seed.today.set(id, t);
        }
      }
      return seed;
    },
    onAlert: (a) => {
      deps.log.info(
        { record_type: 'budget_alert', initiator_id: a.initiator_id, initiator_name: a.initiator_name, budget: a.budget, spent: a.spent, limit: a.limit, percent: a.percent },
        'budget alert',
      );
      deps.onAlert(a);
    },
  });
  const gate = budgetGate({ budgetOf: (id) => deps.tokens.budgetOf(id), spend: (id) => ledger.spend(id), now: deps.now });
  return { ledger, gate };
}
