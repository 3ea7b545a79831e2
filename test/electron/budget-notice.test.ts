/** The wording of the tray's budget-alert notification (SPEC §11). */
import { describe, expect, it } from 'vitest';
import { budgetAlertNotice } from '../../electron/budget-notice.js';
import type { BudgetAlert } from '../../src/record/budgets.js';

const alert = (over: Partial<BudgetAlert>): BudgetAlert => ({
  initiator_id: 't1', initiator_name: 'alice', budget: 'usd_per_day', spent: 4.1, limit: 5, percent: 82, threshold: 80, at: 0, ...over,
});

describe('budget alert notification', () => {
  it('80 %: names the token, the spend and the limit', () => {
    expect(budgetAlertNotice(alert({}))).toEqual({ title: '80 % of budget: alice', body: '$4.10 of $5.00 a day (82 %) spent.' });
  });
  it('100 %: says calls are refused and when the budget resets', () => {
    const day = budgetAlertNotice(alert({ spent: 5.2, percent: 104, threshold: 100 }));
    expect(day.title).toBe('Budget reached: alice');
    expect(day.body).toBe('$5.20 of $5.00 a day (104 %). Calls with this token get 429 until the budget resets at midnight.');
    expect(budgetAlertNotice(alert({ budget: 'usd_per_month', spent: 100, limit: 100, percent: 100, threshold: 100 })).body).toContain('of $100.00 a month (100 %)');
    expect(budgetAlertNotice(alert({ budget: 'usd_per_month', threshold: 100 })).body).toContain('on the 1st of next month');
    expect(budgetAlertNotice(alert({ budget: 'tokens_per_day', spent: 1500, limit: 1000, percent: 150, threshold: 100 })).body).toContain('1,500 tokens of 1,000 tokens a day (150 %)');
  });
});
