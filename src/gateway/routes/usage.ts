/** Token sums for `GET /api/v1/usage` (SPEC §5), streamed over the store so memory stays flat. */
import type { InterceptionReader } from '../../store/interceptions/types.js';
import type { Interception } from '../record/types.js';

export type UsageGroup = 'model' | 'provider' | 'initiator' | 'client' | 'day';

export interface UsageRow {
  key: string;
  requests: number;
  input_tokens: number;
  output_tokens: number;
  cache_read_input_tokens: number;
  cache_write_input_tokens: number;
  reasoning_tokens: number;
}

/** Longest offset a real time zone has (UTC−14:00 / UTC+14:00), in minutes. */
export const MAX_TZ_MINUTES = 840;

/**
 * The calendar day (YYYY-MM-DD) a record started on, in a zone `tz` minutes east of UTC
 * (the negation of JS `getTimezoneOffset()`); 0 = the UTC day.
 */
export function dayKey(startedAt: string, tz = 0): string {
  if (tz === 0) return startedAt.slice(0, 10);
  return new Date(Date.parse(startedAt) + tz * 60_000).toISOString().slice(0, 10);
}

function keyOf(rec: Interception, group: UsageGroup, tz: number): string {
  switch (group) {
    case 'model':
      return rec.model;
    case 'provider':
      return rec.provider;
    case 'initiator':
      return rec.initiator.name;
    case 'client':
      return rec.client;
    case 'day':
      return dayKey(rec.started_at, tz);
  }
}

/** `tz`: minutes east of UTC for `day` keys (see `dayKey`); other groups ignore it. */
export async function usageReport(
  reader: InterceptionReader,
  group: UsageGroup,
  range: { since?: number; until?: number },
  tz = 0,
): Promise<UsageRow[]> {
  const rows = new Map<string, UsageRow>();
  for await (const rec of reader.iterate(range)) {
    const key = keyOf(rec, group, tz);
    let row = rows.get(key);
    if (!row) {
      row = { key, requests: 0, input_tokens: 0, output_tokens: 0, cache_read_input_tokens: 0, cache_write_input_tokens: 0, reasoning_tokens: 0 };
      rows.set(key, row);
    }
    addUsage(row, rec);
  }
  const out = [...rows.values()];
  return group === 'day' ? out.sort((a, b) => a.key.localeCompare(b.key)) : out.sort((a, b) => b.input_tokens + b.output_tokens - (a.input_tokens + a.output_tokens));
}

/** Adds one record's tokens to a running sum. */
export function addUsage(row: Omit<UsageRow, 'key'>, rec: Interception): void {
  row.requests += 1;
  for (const u of rec.token_usages) {
    row.input_tokens += u.input_tokens;
    row.output_tokens += u.output_tokens;
    row.cache_read_input_tokens += u.cache_read_input_tokens;
    row.cache_write_input_tokens += u.cache_write_input_tokens;
    const r = u.metadata['reasoning_tokens'];
    if (typeof r === 'number') row.reasoning_tokens += r;
  }
}
