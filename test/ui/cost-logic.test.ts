/** The dashboard's money formatting and budget form logic (src/ui/lib/cost.ts), in Node. */
import { describe, expect, it } from 'vitest';
import { budgetFromFields, budgetUse, costText, fieldsFromBudget, NO_PRICE, rowCostText, usd } from '../../src/ui/lib/cost.js';

describe('money on the dashboard (SPEC §11)', () => {
  it('shows a small call as a figure, never as $0.00', () => {
    expect(usd(0)).toBe('$0.00');
    expect(usd(0.0031)).toBe('$0.0031');
    expect(usd(0.000012345)).toBe('$0.000012');
    expect(usd(0.42)).toBe('$0.42');
    expect(usd(0.1234)).toBe('$0.1234');
    expect(usd(1234.5)).toBe('$1,234.50');
  });
  it('says "no price" for an unknown price, and for a record without cost', () => {
    expect(costText({ usd: null, priced_model: 'x', source: 'catalog' })).toBe(NO_PRICE);
    expect(costText(undefined)).toBe(NO_PRICE);
    expect(costText({ usd: 0, priced_model: 'x', source: 'catalog' })).toBe('$0.00');
  });
  it('a usage row: no price when none of its calls had one, the unpriced ones named when some had none', () => {
    expect(rowCostText({ requests: 3, cost_usd: null, unpriced_requests: 3 })).toBe(NO_PRICE);
    expect(rowCostText({ requests: 3, cost_usd: 1.5, unpriced_requests: 1 })).toBe('$1.50 + 1 unpriced');
    expect(rowCostText({ requests: 3, cost_usd: 1.5, unpriced_requests: 0 })).toBe('$1.50');
    expect(rowCostText({ requests: 0, cost_usd: 0, unpriced_requests: 0 })).toBe('$0.00');
  });
});

describe('budget form', () => {
  it('turns fields into the API body: empty = no limit, all empty = null (clears)', () => {
    expect(budgetFromFields({ usd_per_day: '5', usd_per_month: '', tokens_per_day: '1,000,000' })).toEqual({ usd_per_day: 5, usd_per_month: null, tokens_per_day: 1_000_000 });
    expect(budgetFromFields({ usd_per_day: ' ', usd_per_month: '', tokens_per_day: '' })).toBeNull();
    expect(budgetFromFields({ usd_per_day: '$2.50', usd_per_month: '0', tokens_per_day: '' })).toEqual({ usd_per_day: 2.5, usd_per_month: 0, tokens_per_day: null });
  });
  it('explains a bad value', () => {
    expect(() => budgetFromFields({ usd_per_day: 'five', usd_per_month: '', tokens_per_day: '' })).toThrow(/USD per day.*not a number/);
    expect(() => budgetFromFields({ usd_per_day: '-1', usd_per_month: '', tokens_per_day: '' })).toThrow(/0 or more/);
    expect(() => budgetFromFields({ usd_per_day: '', usd_per_month: '', tokens_per_day: '2.5' })).toThrow(/whole number/);
  });
  it('round-trips a budget through the fields', () => {
    const b = { usd_per_day: 1.25, usd_per_month: null, tokens_per_day: 500 };
    expect(budgetFromFields(fieldsFromBudget(b))).toEqual(b);
    expect(fieldsFromBudget(null)).toEqual({ usd_per_day: '', usd_per_month: '', tokens_per_day: '' });
  });
  it('describes how much of each limit is used', () => {
    const spend = { usd_today: 4, usd_month: 30, tokens_today: 1500 };
    const budget = { usd_per_day: 5, usd_per_month: null, tokens_per_day: 1000 };
    expect(budgetUse('usd_per_day', budget, spend)).toEqual({ text: '$4.00 of $5.00 today', percent: 80 });
    expect(budgetUse('usd_per_month', budget, spend)).toBeNull();
    expect(budgetUse('tokens_per_day', budget, spend)).toEqual({ text: '1,500 tokens of 1,000 tokens today', percent: 150 });
  });
});
