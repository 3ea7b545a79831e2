/**
 * What calls cost, composed (SPEC §11): today's totals (the status, the tray) and the budgets,
 * both seeded from the store's index at the current prices and read again when a price override
 * re-prices history. `startApp` lists `today.records` and `budgets.ledger.records` among the record
 * consumers and `budgets.gate` among the request gates.
 */
import { recordCost, sumsPricer } from '../record/cost.js';
import { createTodayTotals, type TodayTotals } from '../record/today.js';
import type { PriceSettings } from '../store/prices-file.js';
import { createBudgets, type BudgetDeps, type Budgets } from './budgets.js';

export async function createSpend(deps: BudgetDeps<PriceSettings>): Promise<{ today: TodayTotals; budgets: Budgets }> {
  const { store, prices, now } = deps;
  const today = await createTodayTotals({
    now,
    seed: async (since) => (await store.usage({ since }, () => 'today', sumsPricer(prices.table))).get('today'),
    cost: (rec) => recordCost(rec, prices.table).usd,
  });
  // Budgets: each token's spend this day and month, kept by an immediate consumer.
  const budgets = await createBudgets({ store, tokens: deps.tokens, prices: prices.table, now, log: deps.log, onAlert: deps.onAlert });
  // An override re-prices history: today's cost and the month's spend are read again.
  prices.onChange(() => {
    void today.reseed();
    void budgets.ledger.reseed();
  });
  return { today, budgets };
}
