/**
 * The desktop notification for a budget alert (SPEC §11): a token passed 80 % or reached 100 % of
 * one of its limits. Pure text, so the wording is tested without a desktop.
 */
import type { BudgetAlert } from '../src/record/budgets.js';

/** "$5.00", "$0.0042" (2 significant digits under a cent, so a small limit is not shown as $0.00). */
export function usdText(n: number): string {
  if (n > 0 && n < 0.01) return `$${Number(n.toPrecision(2))}`;
  return `$${n.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
}

const PERIOD: Record<BudgetAlert['budget'], { per: string; resets: string }> = {
  usd_per_day: { per: 'a day', resets: 'at midnight' },
  usd_per_month: { per: 'a month', resets: 'on the 1st of next month' },
  tokens_per_day: { per: 'a day', resets: 'at midnight' },
};

/** Title and body of the notification for one alert. */
export function budgetAlertNotice(a: BudgetAlert): { title: string; body: string } {
  const amount = (n: number) => (a.budget === 'tokens_per_day' ? `${Math.round(n).toLocaleString('en-US')} tokens` : usdText(n));
  const { per, resets } = PERIOD[a.budget];
  const spent = `${amount(a.spent)} of ${amount(a.limit)} ${per} (${Math.round(a.percent)} %)`;
  if (a.threshold >= 100) {
    return {
      title: `Budget reached: ${a.initiator_name}`,
      body: `${spent}. Calls with this token get 429 until the budget resets ${resets}.`,
    };
  }
  return { title: `80 % of budget: ${a.initiator_name}`, body: `${spent} spent.` };
}
