/**
 * Token sums for `GET /api/v1/usage` (SPEC §5), from the store's in-memory index: no record is
 * read (except once for records indexed before the sums existed), so a 30-day report over
 * hundreds of thousands of records takes milliseconds.
 */
import type { CostTotals, InterceptionReader, SessionSums, UsageFields } from '../../store/interceptions/types.js';
import type { UsageTotals } from '../../record/usage.js';
import { sumsPricer, type PriceLookup } from '../../record/cost.js';

export type UsageGroup = 'model' | 'provider' | 'initiator' | 'client' | 'day';

/** One row of `GET /api/v1/usage`: token sums and `cost_usd` (SPEC §11) at the current prices. */
export interface UsageRow extends UsageTotals, CostTotals {
  key: string;
}

/** Longest offset a real time zone has (UTC−14:00 / UTC+14:00), in minutes. */
export const MAX_TZ_MINUTES = 840;

/**
 * The calendar day (YYYY-MM-DD) of `ms` in a zone `tz` minutes east of UTC (the negation of JS
 * `getTimezoneOffset()`); 0 = the UTC day. The dashboard mirrors it (src/ui/lib/usage-days.ts,
 * which takes only types from the gateway).
 */
export function dayKeyAt(ms: number, tz = 0): string {
  return new Date(ms + tz * 60_000).toISOString().slice(0, 10);
}

function keyFn(group: UsageGroup, tz: number): (e: UsageFields) => string {
  switch (group) {
    case 'model':
      return (e) => e.model;
    case 'provider':
      return (e) => e.provider;
    case 'initiator':
      return (e) => e.initiatorName;
    case 'client':
      return (e) => e.client;
    case 'day': {
      // Entries come in time order: remember the last day instead of formatting a date per record.
      let lastNo = Number.NaN;
      let last = '';
      return (e) => {
        const no = Math.floor((e.startedMs + tz * 60_000) / 86_400_000);
        if (no !== lastNo) {
          lastNo = no;
          last = dayKeyAt(e.startedMs, tz);
        }
        return last;
      };
    }
  }
}

/**
 * `tz`: minutes east of UTC for `day` keys (see {@link dayKeyAt}); other groups ignore it. Priced
 * from the index sums: token sums per model and rate, times the rate (no record is read, and no
 * record is priced on its own: src/record/cost.ts `sumsPricer`).
 */
export async function usageReport(
  reader: Pick<InterceptionReader, 'usage'>,
  prices: PriceLookup,
  group: UsageGroup,
  range: { since?: number; until?: number },
  tz = 0,
): Promise<UsageRow[]> {
  const sums = await reader.usage(range, keyFn(group, tz), sumsPricer(prices));
  const out: UsageRow[] = [...sums].map(([key, t]) => ({ key, ...t, cost_usd: t.cost_usd ?? null, unpriced_requests: t.unpriced_requests ?? 0 }));
  return group === 'day' ? out.sort((a, b) => a.key.localeCompare(b.key)) : out.sort((a, b) => b.input_tokens + b.output_tokens - (a.input_tokens + a.output_tokens));
}

/** One row of `GET /api/v1/sessions` (SPEC §15). */
export interface SessionRow {
  client_session_id: string;
  client: string;
  initiator: string;
  first_at: string;
  last_at: string;
  interceptions: number;
  input_tokens: number;
  output_tokens: number;
  cost_usd: number | null;
}

/**
 * Sessions (calls grouped by `client_session_id`) with a call started in [since, until), newest
 * first by `last_at` (the latest call's started_at), at most `limit`; priced like usage rows.
 */
export async function sessionsReport(
  reader: Pick<InterceptionReader, 'sessions'>,
  prices: PriceLookup,
  range: { since?: number; until?: number },
  limit: number,
): Promise<SessionRow[]> {
  const rows = await reader.sessions(range, sumsPricer(prices));
  const order = (a: SessionSums, b: SessionSums): number => b.lastMs - a.lastMs || (a.client_session_id < b.client_session_id ? 1 : -1);
  return rows.sort(order).slice(0, limit).map((r) => ({
    client_session_id: r.client_session_id,
    client: r.client,
    initiator: r.initiator,
    first_at: new Date(r.firstMs).toISOString(),
    last_at: new Date(r.lastMs).toISOString(),
    interceptions: r.interceptions,
    input_tokens: r.input_tokens,
    output_tokens: r.output_tokens,
    cost_usd: r.cost_usd,
  }));
}
