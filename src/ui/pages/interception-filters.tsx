import { useEffect, useRef, useState } from 'preact/hooks';
import { api, query } from '../api/client';
import type { UsageResponse } from '../api/types';
import { filtersFrom, hasFilters, RANGES, SEARCH_DEBOUNCE_MS, type Filters } from '../lib/filters';
import { toLocalInput } from '../lib/format';

type Suggestions = Record<'model' | 'initiator' | 'client', string[]>;
let suggestionCache: Promise<Suggestions> | null = null;

/** Values seen in the last 90 days, for the text filters' suggestion lists (cheap: usage sums). */
function loadSuggestions(): Promise<Suggestions> {
  const one = (g: string) => api.get<UsageResponse>(`/usage${query({ group_by: g, since: '90d' })}`).then((r) => r.results.map((x) => x.key).filter(Boolean), () => []);
  suggestionCache ??= Promise.all([one('model'), one('initiator'), one('client')]).then(([model, initiator, client]) => ({ model, initiator, client }));
  return suggestionCache;
}

function TextFilter({ name, label, value, options, onCommit, onFocus }: { name: keyof Filters; label: string; value: string; options: string[]; onCommit: (v: string) => void; onFocus: () => void }) {
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
        onFocus={onFocus}
        onInput={(e) => setDraft(e.currentTarget.value)}
        onChange={(e) => onCommit(e.currentTarget.value.trim())}
      />
      <datalist id={`dl-${name}`}>{options.map((o) => <option key={o} value={o} />)}</datalist>
    </label>
  );
}

/** The full-text search box (SPEC §15): searches as you type, after a short pause; Enter runs it at once. */
function SearchBox({ value, onCommit }: { value: string; onCommit: (v: string) => void }) {
  const [draft, setDraft] = useState(value);
  const timer = useRef<number | undefined>(undefined);
  // The search this box sent last: when `value` comes back as that, the box keeps what was typed
  // meanwhile (keys after the pause, a trailing space the search trimmed); any other value (Clear
  // filters, a link, Back) replaces the text.
  const sent = useRef<string | null>(null);
  useEffect(() => {
    if (value !== sent.current) setDraft(value);
    sent.current = null;
  }, [value]);
  useEffect(() => () => window.clearTimeout(timer.current), []);
  const commit = (v: string) => {
    window.clearTimeout(timer.current);
    if (v.trim() === value) return;
    sent.current = v.trim();
    onCommit(v.trim());
  };
  return (
    <label class="field filter filter-search">
      <span class="label">Search</span>
      <input
        type="search"
        name="filter-q"
        value={draft}
        placeholder="Words in prompts, tool calls, thoughts or errors"
        autocomplete="off"
        spellcheck={false}
        onInput={(e) => {
          const v = e.currentTarget.value;
          setDraft(v);
          window.clearTimeout(timer.current);
          timer.current = window.setTimeout(() => commit(v), SEARCH_DEBOUNCE_MS);
        }}
        onKeyDown={(e) => { if (e.key === 'Enter') commit(e.currentTarget.value); }}
      />
    </label>
  );
}

export function FilterBar({ filters, onChange }: { filters: Filters; onChange: (next: Filters) => void }) {
  const [sugg, setSugg] = useState<Suggestions>({ model: [], initiator: [], client: [] });
  // Suggestions cost three usage queries over 90 days: fetch them only once someone types a filter.
  const suggest = () => { void loadSuggestions().then(setSugg); };
  const set = (k: keyof Filters, v: string) => onChange({ ...filters, [k]: v });

  return (
    <form class="filters" role="search" aria-label="Filter interceptions" onSubmit={(e) => e.preventDefault()}>
      <SearchBox value={filters.q} onCommit={(v) => set('q', v)} />
      {filters.session && (
        <span class="field filter filter-chip">
          <span class="label">Session</span>
          <span class="chip">
            <a href={`#/sessions/${encodeURIComponent(filters.session)}`} title="Open the session view"><code>{filters.session.length > 14 ? `${filters.session.slice(0, 12)}…` : filters.session}</code></a>
            <button type="button" class="chip-x" aria-label="Remove the session filter" onClick={() => set('session', '')}>×</button>
          </span>
        </span>
      )}
      <label class="field filter">
        <span class="label">Provider</span>
        <select name="filter-provider" value={filters.provider} onChange={(e) => set('provider', e.currentTarget.value)}>
          <option value="">Any</option>
          <option value="anthropic">Anthropic</option>
          <option value="openai">OpenAI</option>
          <option value="bedrock">Bedrock</option>
        </select>
      </label>
      <TextFilter name="model" label="Model" value={filters.model} options={sugg.model} onCommit={(v) => set('model', v)} onFocus={suggest} />
      <TextFilter name="initiator" label="Initiator" value={filters.initiator} options={sugg.initiator} onCommit={(v) => set('initiator', v)} onFocus={suggest} />
      <TextFilter name="client" label="Client" value={filters.client} options={sugg.client} onCommit={(v) => set('client', v)} onFocus={suggest} />
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
