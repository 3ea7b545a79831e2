/**
 * Usage rows grouped by day (`key` = YYYY-MM-DD) → points on a continuous axis for the chart,
 * with the days that had no calls filled in as zero. No DOM here (unit-tested in Node).
 */
import type { UsageRow } from '../api/types.js';

export interface DayPoint {
  /** Local midnight of that calendar day, ms. */
  t: number;
  row: UsageRow;
}

export const emptyRow = (key: string): UsageRow => ({ key, requests: 0, input_tokens: 0, output_tokens: 0, cache_read_input_tokens: 0, cache_write_input_tokens: 0, reasoning_tokens: 0, cost_usd: 0, unpriced_requests: 0 });

/** This browser's offset in minutes east of UTC at `now`: the API's `tz` (docs/admin-api.md). */
export const localTz = (now = Date.now()): number => -new Date(now).getTimezoneOffset() || 0;

/** The calendar day (YYYY-MM-DD) of `ms` in a zone `tz` minutes east of UTC, as the API keys it (`dayKeyAt` in src/gateway/routes/usage.ts; types only cross into the UI). */
export const dayKeyAt = (ms: number, tz: number): string => new Date(ms + tz * 60_000).toISOString().slice(0, 10);

/** Day keys (YYYY-MM-DD, in the zone `tz` the API was asked for) → points on a continuous axis, missing days as zero. */
export function toDays(rows: UsageRow[], days: number, now = Date.now(), tz = localTz(now)): DayPoint[] {
  const byKey = new Map(rows.map((r) => [r.key.slice(0, 10), r]));
  const keys = new Set(byKey.keys());
  if (days > 0) {
    for (let i = 0; i < days; i++) keys.add(dayKeyAt(now - i * 86400e3, tz));
  }
  const out: DayPoint[] = [];
  for (const key of [...keys].sort()) {
    const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(key);
    if (!m) continue;
    out.push({ t: new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3])).getTime(), row: byKey.get(key) ?? emptyRow(key) });
  }
  return out;
}
