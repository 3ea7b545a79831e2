import { useEffect, useState } from 'preact/hooks';
import { api } from '../api/client';
import { addBudgetAlerts, budgetAlerts } from '../api/events';
import type { BudgetAlert, Status } from '../api/types';
import { BUDGET_LABEL, usd } from '../lib/cost';
import { useStore } from '../lib/store';

const amount = (a: BudgetAlert, n: number) => (a.budget === 'tokens_per_day' ? `${Math.round(n).toLocaleString('en-US')} tokens` : usd(n));

/** The newest alert per token and budget (a 100 % alert replaces the 80 % one). */
function latest(alerts: readonly BudgetAlert[]): BudgetAlert[] {
  const by = new Map<string, BudgetAlert>();
  for (const a of alerts) {
    const k = `${a.initiator_id}|${a.budget}`;
    const prev = by.get(k);
    if (!prev || a.threshold > prev.threshold || (a.threshold === prev.threshold && a.at > prev.at)) by.set(k, a);
  }
  return [...by.values()].sort((a, b) => b.at - a.at);
}

/**
 * Budget alerts (SPEC §11) above every page: the ones of the current periods when the dashboard
 * opens, and each new one as the live feed announces it. Dismissed ones stay hidden until a reload.
 */
export function BudgetBanner() {
  const alerts = useStore(budgetAlerts);
  const [dismissed, setDismissed] = useState<ReadonlySet<string>>(new Set());
  useEffect(() => {
    const c = new AbortController();
    api.get<Status>('/status', c.signal).then((s) => addBudgetAlerts(s.budget_alerts ?? []), () => {});
    return () => c.abort();
  }, []);
  const key = (a: BudgetAlert) => `${a.initiator_id}|${a.budget}|${a.threshold}|${a.at}`;
  const shown = latest(alerts).filter((a) => !dismissed.has(key(a)));
  if (shown.length === 0) return null;
  const over = shown.some((a) => a.threshold >= 100);
  return (
    <div class={`notice ${over ? 'notice-error' : 'notice-warn'} budget-banner`} role="status" id="budget-banner">
      <span class="notice-icon" aria-hidden="true">$</span>
      <div class="notice-body">
        <ul class="budget-alerts">
          {shown.map((a) => (
            <li key={key(a)}>
              <strong>{a.initiator_name}</strong> {a.threshold >= 100 ? 'reached' : 'passed 80 % of'} its budget of {amount(a, a.limit)} {BUDGET_LABEL[a.budget].replace(/^(USD|tokens) /, '')}
              {' '}({amount(a, a.spent)}, {Math.round(a.percent)} %){a.threshold >= 100 ? ': its calls get 429 until the period resets.' : '.'}
            </li>
          ))}
        </ul>
        <a href="#/tokens">Bridge tokens</a> shows each budget and its spend.
      </div>
      <button type="button" class="btn btn-small" onClick={() => setDismissed(new Set([...dismissed, ...shown.map(key)]))}>Dismiss</button>
    </div>
  );
}
