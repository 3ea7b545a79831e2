/**
 * Money on the dashboard (SPEC §11, docs/cost.md). No DOM here (unit-tested in Node).
 * A call with no known price shows "no price", never $0: `usd` null means unknown, not free.
 */
import type { Budget, BudgetKind, Spend } from '../../record/budgets.js';
import type { Cost } from '../../record/cost.js';

/** What the dashboard writes for a null `usd`. */
export const NO_PRICE = 'no price';

/**
 * "$1,234.56", "$0.42", "$0.0031" — small amounts keep 2 significant digits so a single cheap call
 * is not shown as $0.00; exactly 0 is "$0.00".
 */
export function usd(n: number): string {
  if (n === 0) return '$0.00';
  const abs = Math.abs(n);
  if (abs >= 1) return n.toLocaleString('en-US', { style: 'currency', currency: 'USD', minimumFractionDigits: 2, maximumFractionDigits: 2 });
  if (abs >= 0.01) return n.toLocaleString('en-US', { style: 'currency', currency: 'USD', minimumFractionDigits: 2, maximumFractionDigits: 4 });
  return n.toLocaleString('en-US', { style: 'currency', currency: 'USD', maximumSignificantDigits: 2 });
}

/** A record's cost as shown: "$0.0042", or "no price" (also for a record without `cost`). */
export function costText(cost: Cost | null | undefined): string {
  return cost && cost.usd !== null ? usd(cost.usd) : NO_PRICE;
}

/**
 * A usage row's cost: "$3.20", "no price" when none of its calls had a price, or
 * "$3.20 + 2 unpriced" when some had none (their cost is unknown, not 0).
 */
export function rowCostText(row: { requests: number; cost_usd: number | null; unpriced_requests: number }): string {
  if (row.requests > 0 && (row.cost_usd === null || row.unpriced_requests >= row.requests)) return NO_PRICE;
  const base = usd(row.cost_usd ?? 0);
  return row.unpriced_requests > 0 ? `${base} + ${row.unpriced_requests} unpriced` : base;
}

export const BUDGET_LABEL: Record<BudgetKind, string> = {
  usd_per_day: 'USD per day',
  usd_per_month: 'USD per month',
  tokens_per_day: 'tokens per day',
};

/** The spend figure a budget kind is measured against. */
export function spentOn(kind: BudgetKind, spend: Spend): number {
  return kind === 'usd_per_day' ? spend.usd_today : kind === 'usd_per_month' ? spend.usd_month : spend.tokens_today;
}

/** "$1.20 of $5.00 today" style text for one limit, and how full it is (0–100+). */
export function budgetUse(kind: BudgetKind, budget: Budget, spend: Spend): { text: string; percent: number } | null {
  const limit = budget[kind];
  if (limit === null) return null;
  const spent = spentOn(kind, spend);
  const fmt = kind === 'tokens_per_day' ? (n: number) => `${Math.round(n).toLocaleString('en-US')} tokens` : usd;
  const period = kind === 'usd_per_month' ? 'this month' : 'today';
  const percent = limit > 0 ? (spent / limit) * 100 : spent > 0 ? 100 : 0;
  return { text: `${fmt(spent)} of ${fmt(limit)} ${period}`, percent };
}

/**
 * A budget form's three text fields → the budget object for `PUT /tokens/{id}/budget`
 * (empty field = no limit; all empty = null, which clears). Throws with a message for a bad value.
 */
export function budgetFromFields(fields: Record<BudgetKind, string>): Budget | null {
  const out: Budget = { usd_per_day: null, usd_per_month: null, tokens_per_day: null };
  for (const kind of Object.keys(out) as BudgetKind[]) {
    const raw = fields[kind].trim().replace(/^\$/, '').replace(/,/g, '');
    if (raw === '') continue;
    const n = Number(raw);
    if (!Number.isFinite(n) || n < 0) throw new Error(`${BUDGET_LABEL[kind]}: “${fields[kind]}” is not a number of ${kind === 'tokens_per_day' ? 'tokens' : 'USD'} (0 or more)`);
    if (kind === 'tokens_per_day' && !Number.isInteger(n)) throw new Error(`tokens per day: “${fields[kind]}” must be a whole number`);
    out[kind] = n;
  }
  return out.usd_per_day === null && out.usd_per_month === null && out.tokens_per_day === null ? null : out;
}

/** The fields of a budget form filled from a budget (null → all empty). */
export function fieldsFromBudget(b: Budget | null | undefined): Record<BudgetKind, string> {
  const s = (n: number | null | undefined) => (n === null || n === undefined ? '' : String(n));
  return { usd_per_day: s(b?.usd_per_day), usd_per_month: s(b?.usd_per_month), tokens_per_day: s(b?.tokens_per_day) };
}
