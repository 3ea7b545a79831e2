/**
 * Reading what a user asks for: the SPEC §5 list filters and the time bounds of export and usage,
 * shared by the admin API and the CLI (`interceptions list`, `export`). Throws {@link QueryError}
 * with a message naming the parameter; the caller turns it into a 400 or an exit code.
 */
import { parseDuration } from '../config/duration.js';
import type { ListQuery } from './interceptions/types.js';
import { queryWords } from '../record/search-text.js';

/** A query parameter that cannot be used, with a message naming it and its value. */
export class QueryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'QueryError';
  }
}

/**
 * Parses a time bound (`--since`, `--until`, `?since=`): a duration counts back from `now`
 * (`1h` = an hour ago), anything else must be an RFC 3339 / ISO-8601 time or ms since epoch.
 */
export function parseTimeBound(value: string, now: number): number {
  const d = parseDuration(value);
  if (d !== undefined) return now - d;
  if (/^\d{10,}$/.test(value.trim())) return Number(value.trim());
  const t = Date.parse(value);
  if (Number.isNaN(t)) throw new QueryError(`invalid time "${value}": use a duration such as 1h or 7d, or an RFC 3339 time`);
  return t;
}

/**
 * `since` / `until` as ms since epoch (see {@link parseTimeBound}); a missing `since` is
 * `defaultBackMs` before `now` (undefined = from the start). `prefix` goes before the names in
 * messages (`--` for the CLI).
 */
export function timeRange(
  q: { since?: unknown; until?: unknown },
  now: number,
  defaultBackMs?: number,
  prefix = '',
): { since?: number; until?: number } {
  const bound = (name: string, v: unknown): number | undefined => {
    const s = str(v);
    if (s === undefined) return undefined;
    try {
      return parseTimeBound(s, now);
    } catch (err) {
      throw new QueryError(`${prefix}${name}: ${(err as Error).message}`);
    }
  };
  const since = bound('since', q.since) ?? (defaultBackMs === undefined ? undefined : now - defaultBackMs);
  return { since, until: bound('until', q.until) };
}

/** The SPEC §5 list query (`limit`, `started_after`, …) → the store's query; `cutoff` hides expired records. */
export function listQuery(q: Record<string, unknown>, cutoff: number | undefined): ListQuery {
  let limit: number | undefined;
  if (q['limit'] !== undefined) {
    const n = Number(q['limit']);
    if (!Number.isInteger(n) || n < 1 || n > 1000) throw new QueryError(`limit must be a whole number from 1 to 1000, not "${String(q['limit'])}"`);
    limit = n;
  }
  const after = rfc3339('started_after', q['started_after']);
  return {
    provider: str(q['provider']),
    model: str(q['model']),
    initiator: str(q['initiator']),
    client: str(q['client']),
    status: str(q['status']),
    session: str(q['session']),
    q: searchText(q['q']),
    startedAfter: cutoff === undefined ? after : Math.max(after ?? cutoff, cutoff),
    startedBefore: rfc3339('started_before', q['started_before']),
    includeInFlight: q['include_in_flight'] === 'true' || q['include_in_flight'] === '1',
    limit,
    afterId: str(q['after_id']),
  };
}

/** Most words a search may have (each narrows; more is a pasted document, not a search). */
export const MAX_SEARCH_WORDS = 32;

/** `q` (SPEC §15): text whose words must all appear; at most {@link MAX_SEARCH_WORDS} words. */
function searchText(v: unknown, name = 'q'): string | undefined {
  if (Array.isArray(v)) throw new QueryError(`${name} must be given once`);
  const s = str(v);
  if (s === undefined) return undefined;
  const n = queryWords(s).length;
  if (n > MAX_SEARCH_WORDS) throw new QueryError(`${name} has ${n} words; a search takes at most ${MAX_SEARCH_WORDS}`);
  return s;
}

/**
 * `GET /api/v1/sessions` (SPEC §15): `since` / `until` as {@link timeRange} (no default: all
 * time) and `limit` (1–1000, default 100); `cutoff` hides expired records.
 */
export function sessionsQuery(q: Record<string, unknown>, now: number, cutoff: number | undefined): { since?: number; until?: number; limit: number } {
  const { since, until } = timeRange(q, now);
  let limit = 100;
  if (q['limit'] !== undefined) {
    const n = Number(q['limit']);
    if (!Number.isInteger(n) || n < 1 || n > 1000) throw new QueryError(`limit must be a whole number from 1 to 1000, not "${String(q['limit'])}"`);
    limit = n;
  }
  return { since: cutoff === undefined ? since : Math.max(since ?? cutoff, cutoff), until, limit };
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

function rfc3339(name: string, v: unknown): number | undefined {
  const s = str(v);
  if (s === undefined) return undefined;
  const t = Date.parse(s);
  if (Number.isNaN(t)) throw new QueryError(`${name} must be an RFC 3339 time, not "${s}"`);
  return t;
}
