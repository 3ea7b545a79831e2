import { useEffect, useState } from 'preact/hooks';
import { api, query } from '../api/client';
import type { Interception, UsageResponse } from '../api/types';
import { fromLocalInput, toLocalInput } from '../lib/format';

/** The list's filters, as kept in the URL (`#/interceptions?model=…&range=24h`). */
export interface Filters {
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

export const FILTER_KEYS: (keyof Filters)[] = ['provider', 'model', 'initiator', 'client', 'status', 'range', 'from', 'to'];

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

export function apiQuery(f: Filters): Record<string, string | null> {
  const { after, before } = timeBounds(f);
  return { provider: f.provider, model: f.model, initiator: f.initiator, client: f.client, status: f.status, started_after: after, started_before: before };
}

/** Whether a record announced live belongs on the current (first) page. */
export function matches(f: Filters, rec: Interception): boolean {
  if (f.provider && f.provider !== rec.provider && f.provider !== rec.provider_name) return false;
  if (f.model && f.model !== rec.model) return false;
  if (f.initiator && f.initiator !== rec.initiator.name && f.initiator !== rec.initiator.id) return false;
  if (f.client && f.client !== rec.client) return false;
  if (f.status && f.status !== rec.status) return false;
  const { after, before } = timeBounds(f);
  const t = Date.parse(rec.started_at);
  if (after && t < Date.parse(after)) return false;
  if (before && t >= Date.parse(before)) return false;
  return true;
}

type Suggestions = Record<'model' | 'initiator' | 'client', string[]>;
let suggestionCache: Promise<Suggestions> | null = null;

/** Values seen in the last 90 days, for the text filters' suggestion lists (cheap: usage sums). */
function loadSuggestions(): Promise<Suggestions> {
  const one = (g: string) => api.get<UsageResponse>(`/usage${query({ group_by: g, since: '90d' })}`).then((r) => r.results.map((x) => x.key).filter(Boolean), () => []);
  suggestionCache ??= Promise.all([one('model'), one('initiator'), one('client')]).then(([model, initiator, client]) => ({ model, initiator, client }));
  return suggestionCache;
}

function TextFilter({ name, label, value, options, onCommit }: { name: keyof Filters; label: string; value: string; options: string[]; onCommit: (v: string) => void }) {
  const [draft, setDraft] = useState(value);
  useEffect(() => setDraft(value), [value]);
  return (
    <label class="field filter">
      <span class="label">{label}</span>
      <input
        type="search"
        name={`filter-${name}`}
        list={`dl-${name}`}
        value={draft}
        placeholder="Any"
        autocomplete="off"
        onInput={(e) => setDraft(e.currentTarget.value)}
        onChange={(e) => onCommit(e.currentTarget.value.trim())}
      />
      <datalist id={`dl-${name}`}>{options.map((o) => <option key={o} value={o} />)}</datalist>
    </label>
  );
}

export function FilterBar({ filters, onChange }: { filters: Filters; onChange: (next: Filters) => void }) {
  const [sugg, setSugg] = useState<Suggestions>({ model: [], initiator: [], client: [] });
  useEffect(() => { void loadSuggestions().then(setSugg); }, []);
  const set = (k: keyof Filters, v: string) => onChange({ ...filters, [k]: v });

  return (
    <form class="filters" role="search" aria-label="Filter interceptions" onSubmit={(e) => e.preventDefault()}>
      <label class="field filter">
        <span class="label">Provider</span>
        <select name="filter-provider" value={filters.provider} onChange={(e) => set('provider', e.currentTarget.value)}>
          <option value="">Any</option>
          <option value="anthropic">Anthropic</option>
          <option value="openai">OpenAI</option>
          <option value="bedrock">Bedrock</option>
        </select>
      </label>
      <TextFilter name="model" label="Model" value={filters.model} options={sugg.model} onCommit={(v) => set('model', v)} />
      <TextFilter name="initiator" label="Initiator" value={filters.initiator} options={sugg.initiator} onCommit={(v) => set('initiator', v)} />
      <TextFilter name="client" label="Client" value={filters.client} options={sugg.client} onCommit={(v) => set('client', v)} />
      <label class="field filter">
        <span class="label">Status</span>
        <select name="filter-status" value={filters.status} onChange={(e) => set('status', e.currentTarget.value)}>
          <option value="">Any</option>
          <option value="completed">Completed</option>
          <option value="failed">Failed</option>
          <option value="cancelled">Cancelled</option>
          <option value="interrupted">Interrupted</option>
        </select>
      </label>
      <label class="field filter">
        <span class="label">Time</span>
        <select
          name="filter-range"
          value={filters.range}
          onChange={(e) => {
            const range = e.currentTarget.value;
            onChange({ ...filters, range, from: range === 'custom' ? filters.from || toLocalInput(Date.now() - 86400e3) : '', to: range === 'custom' ? filters.to : '' });
          }}
        >
          {RANGES.map((r) => <option key={r.value} value={r.value}>{r.label}</option>)}
        </select>
      </label>
      {filters.range === 'custom' && (
        <>
          <label class="field filter">
            <span class="label">From</span>
            <input type="datetime-local" name="filter-from" value={filters.from} onChange={(e) => set('from', e.currentTarget.value)} />
          </label>
          <label class="field filter">
            <span class="label">Until</span>
            <input type="datetime-local" name="filter-to" value={filters.to} onChange={(e) => set('to', e.currentTarget.value)} />
          </label>
        </>
      )}
      {hasFilters(filters) && (
        <button type="button" class="btn btn-ghost btn-small filter-clear" onClick={() => onChange(filtersFrom(new URLSearchParams()))}>Clear filters</button>
      )}
    </form>
  );
}
