/**
 * The budget gate (SPEC §11): a request gate listed before the concurrency limit. A token that has
 * already reached one of its budgets gets 429 in its provider's shape (Anthropic
 * `rate_limit_error`, OpenAI `insufficient_quota`, Bedrock `ServiceQuotaExceededException`) before
 * the body is read or the upstream is touched, with a message naming the budget and when it resets
 * and `retry-after` in seconds until then. The call is recorded `failed` by the gates seam.
 *
 * It checks spend *before* a call, so calls already running when the limit is reached finish, and
 * calls admitted at the same moment can overshoot it together (docs/cost.md).
 */
import { BUDGET_KINDS, periodEnd, spentOf, type Budget, type BudgetKind, type Spend } from '../record/budgets.js';
import { GatewayError } from './errors.js';
import type { RequestGate } from './gates.js';

/** A token's budget is used up. */
export class BudgetExceededError extends GatewayError {
  constructor(name: string, kind: BudgetKind, spent: number, limit: number, resetAt: number, now: number) {
    const retry = Math.max(1, Math.ceil((resetAt - now) / 1000));
    const what = kind === 'tokens_per_day' ? `${Math.round(spent)} of its ${limit} tokens per day` : `$${spent.toFixed(4)} of its $${limit} per ${kind === 'usd_per_day' ? 'day' : 'month'}`;
    const when = kind === 'usd_per_month' ? 'the first of next month' : 'midnight';
    super(429, 'insufficient_quota', `Budget reached: bridge token "${name}" has used ${what} (budget ${kind}). It resets at ${when} local time (${localTime(resetAt)}), in ${retry} s.`, {
      headers: { 'retry-after': String(retry) },
    });
  }
}

function localTime(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  const off = -d.getTimezoneOffset();
  const sign = off >= 0 ? '+' : '-';
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}:00${sign}${p(Math.floor(Math.abs(off) / 60))}:${p(Math.abs(off) % 60)}`;
}

/** The gate over a token's budget and its current spend. */
export function budgetGate(deps: { budgetOf(id: string): Budget | null | undefined; spend(id: string): Spend; now(): number }): RequestGate {
  return {
    name: 'budget',
    enter(initiator, intercepted) {
      // Passthrough calls (model lists, token counts) cost nothing: never refused for money.
      if (!intercepted) return undefined;
      const b = deps.budgetOf(initiator.id);
      if (!b) return undefined;
      const s = deps.spend(initiator.id);
      for (const k of BUDGET_KINDS) {
        const limit = b[k];
        if (limit === null) continue;
        const spent = spentOf(k, s);
        if (spent >= limit) {
          const now = deps.now();
          return new BudgetExceededError(initiator.name, k, spent, limit, periodEnd(k, now), now);
        }
      }
      return undefined;
    },
  };
}
