/**
 * The interceptions list's filters: kept in the URL, turned into API query parameters, and
 * matched against records that arrive live. No DOM here (unit-tested in Node).
 */
// `.js` so the Node-side tests can type-check this file too (NodeNext); Vite maps it to .ts.
import type { Interception } from '../api/types.js';
import { recordHasWords, searchWords } from './search.js';

/** `datetime-local` value (local time) → RFC 3339, or null. */
function fromLocalInput(value: string): string | null {
  if (!value) return null;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

/** How long typing in the search box pauses before the search runs (the browser tests count on it). */
export const SEARCH_DEBOUNCE_MS = 300;

/** The list's filters, as kept in the URL (`#/interceptions?model=…&range=24h`). */
export interface Filters {
  /** Full-text search (SPEC §15): every word in prompts, tools, thoughts or errors. */
  q: string;
  /** One client session's calls. */
  session: string;
  provider: string;
  model: string;
  initiator: string;
  client: string;
  status: string;
  /** '' (any time), a preset like '24h', or 'custom' with from/to. */
  range: string;
  from: string;
  to: string;
}

export const FILTER_KEYS: (keyof Filters)[] = ['q', 'session', 'provider', 'model', 'initiator', 'client', 'status', 'range', 'from', 'to'];

export const RANGES: { value: string; label: string; ms: number }[] = [
  { value: '', label: 'Any time', ms: 0 },
  { value: '1h', label: 'Last hour', ms: 3600e3 },
  { value: '24h', label: 'Last 24 hours', ms: 86400e3 },
  { value: '7d', label: 'Last 7 days', ms: 7 * 86400e3 },
  { value: '30d', label: 'Last 30 days', ms: 30 * 86400e3 },
  { value: 'custom', label: 'Custom…', ms: 0 },
];

export function filtersFrom(q: URLSearchParams): Filters {
  const f = {} as Filters;
  for (const k of FILTER_KEYS) f[k] = q.get(k) ?? '';
  return f;
}

export function hasFilters(f: Filters): boolean {
  return FILTER_KEYS.some((k) => f[k] !== '');
}

/** started_after / started_before for the API, resolved against `now`. */
export function timeBounds(f: Filters, now = Date.now()): { after: string | null; before: string | null } {
  if (f.range === 'custom') return { after: f.from ? fromLocalInput(f.from) : null, before: f.to ? fromLocalInput(f.to) : null };
  const preset = RANGES.find((r) => r.value === f.range);
  return { after: preset && preset.ms ? new Date(now - preset.ms).toISOString() : null, before: null };
}

export function apiQuery(f: Filters, now = Date.now()): Record<string, string | null> {
  const { after, before } = timeBounds(f, now);
  return { q: f.q, session: f.session, provider: f.provider, model: f.model, initiator: f.initiator, client: f.client, status: f.status, started_after: after, started_before: before };
}

/** Whether a record announced live belongs on the current (first) page. */
export function matches(f: Filters, rec: Interception, now = Date.now()): boolean {
  if (f.provider && f.provider !== rec.provider && f.provider !== rec.provider_name) return false;
  if (f.model && f.model !== rec.model) return false;
  if (f.initiator && f.initiator !== rec.initiator.name && f.initiator !== rec.initiator.id) return false;
  if (f.client && f.client !== rec.client) return false;
  if (f.status && f.status !== rec.status) return false;
  if (f.session && f.session !== rec.client_session_id) return false;
  if (f.q && !recordHasWords(rec, searchWords(f.q))) return false;
  const { after, before } = timeBounds(f, now);
  const t = Date.parse(rec.started_at);
  if (after && t < Date.parse(after)) return false;
  if (before && t >= Date.parse(before)) return false;
  return true;
}
