import { useMemo, useState } from 'preact/hooks';
import { api, query } from '../api/client';
import type { UsageGroup, UsageResponse, UsageRow } from '../api/types';
import { Card, EmptyState, ErrorNotice, Loading, PageHeader } from '../components/ui';
import { compact, fromLocalInput, int, toLocalInput } from '../lib/format';
import { rowCostText, usd } from '../lib/cost';
import { href } from '../lib/router';
import { useAsync } from '../lib/use-async';
import { localTz, toDays } from '../lib/usage-days';
import { UsageChart } from './usage-chart';

const RANGES = [
  { value: '7d', label: '7 days', days: 7 },
  { value: '30d', label: '30 days', days: 30 },
  { value: '90d', label: '90 days', days: 90 },
  { value: '365d', label: '1 year', days: 365 },
  { value: 'custom', label: 'Custom', days: 0 },
];

const GROUPS: { value: Exclude<UsageGroup, 'day'>; label: string }[] = [
  { value: 'model', label: 'Model' },
  { value: 'initiator', label: 'Initiator' },
  { value: 'client', label: 'Client' },
  { value: 'provider', label: 'Provider' },
];

const tokensOf = (r: UsageRow) => r.input_tokens + r.output_tokens + r.cache_read_input_tokens + r.cache_write_input_tokens;
const costOf = (r: UsageRow) => r.cost_usd ?? 0;
/** One breakdown row per model / initiator (person or tool) / client / provider / day, with tokens and cost (SPEC §11). */
function Breakdown({ rows, group, by = 'tokens' }: { rows: UsageRow[]; group: UsageGroup; by?: 'tokens' | 'cost' }) {
  const measure = by === 'cost' ? costOf : tokensOf;
  const sorted = [...rows].sort((a, b) => measure(b) - measure(a) || tokensOf(b) - tokensOf(a));
  const max = Math.max(by === 'cost' ? 1e-9 : 1, ...sorted.map(measure));
  const filterKey = group === 'provider' || group === 'model' || group === 'initiator' || group === 'client' ? group : null;
  return (
    <div class="table-wrap">
      <table class="table usage-table">
        <thead>
          <tr>
            <th scope="col">{GROUPS.find((g) => g.value === group)?.label ?? 'Day'}</th>
            <th scope="col" class="num">Requests</th><th scope="col" class="num">Input</th><th scope="col" class="num">Output</th>
            <th scope="col" class="num">Cache read</th><th scope="col" class="num">Cache write</th><th scope="col" class="num">Reasoning</th>
            <th scope="col" class="num" title="USD at the current prices">Cost</th>
            <th scope="col" class="bar-col">Share of {by === 'cost' ? 'cost' : 'tokens'}</th>
          </tr>
        </thead>
        <tbody>
          {sorted.map((r) => (
            <tr key={r.key}>
              <th scope="row">{filterKey ? <a href={href('interceptions', { [filterKey]: r.key })} title="Show these interceptions">{r.key || '(none)'}</a> : r.key}</th>
              <td class="num">{int(r.requests)}</td>
              <td class="num">{int(r.input_tokens)}</td>
              <td class="num">{int(r.output_tokens)}</td>
              <td class="num">{int(r.cache_read_input_tokens)}</td>
              <td class="num">{int(r.cache_write_input_tokens)}</td>
              <td class="num">{int(r.reasoning_tokens ?? 0)}</td>
              <td class={`num nowrap ${r.cost_usd === null && r.requests > 0 ? 'muted' : ''}`} data-cost>{rowCostText(r)}</td>
              <td class="bar-col">
                <div class="bar-cell">
                  <span class="bar" aria-hidden="true"><span class="bar-fill" style={{ width: `${(measure(r) / max) * 100}%` }} /></span>
                  <span class="bar-label">{by === 'cost' ? usd(costOf(r)) : compact(tokensOf(r))}</span>
                </div>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function UsagePage() {
  const [range, setRange] = useState('30d');
  const [from, setFrom] = useState(() => toLocalInput(Date.now() - 30 * 86400e3));
  const [to, setTo] = useState('');
  const [group, setGroup] = useState<Exclude<UsageGroup, 'day'>>('model');
  const [by, setBy] = useState<'tokens' | 'cost'>('tokens');

  const span = range === 'custom' ? { since: fromLocalInput(from) ?? undefined, until: fromLocalInput(to) ?? undefined } : { since: range, until: undefined };
  const spanKey = `${span.since ?? ''}|${span.until ?? ''}`;
  // Days are this browser's calendar days (the API buckets by UTC unless told the offset).
  const daily = useAsync((signal) => api.get<UsageResponse>(`/usage${query({ group_by: 'day', ...span, tz: localTz() })}`, signal), [spanKey]);
  const grouped = useAsync((signal) => api.get<UsageResponse>(`/usage${query({ group_by: group, ...span })}`, signal), [spanKey, group]);

  const presetDays = RANGES.find((r) => r.value === range)?.days ?? 0;
  const days = useMemo(() => toDays(daily.data?.results ?? [], presetDays), [daily.data, presetDays]);
  const sum = useMemo(() => (daily.data?.results ?? []).reduce((a, r) => ({
    requests: a.requests + r.requests, input: a.input + r.input_tokens, output: a.output + r.output_tokens,
    cache: a.cache + r.cache_read_input_tokens + r.cache_write_input_tokens, reasoning: a.reasoning + (r.reasoning_tokens ?? 0),
    cost: a.cost + (r.cost_usd ?? 0), unpriced: a.unpriced + r.unpriced_requests,
  }), { requests: 0, input: 0, output: 0, cache: 0, reasoning: 0, cost: 0, unpriced: 0 }), [daily.data]);
  const empty = daily.data && sum.requests === 0;

  return (
    <>
      <PageHeader title="Usage" description="Token sums and their cost (USD at the current prices) from the recorded interceptions." />
      <div class="toolbar" role="group" aria-label="Time range">
        <div class="segmented">
          {RANGES.map((r) => (
            <button key={r.value} type="button" class={range === r.value ? 'active' : ''} aria-pressed={range === r.value} onClick={() => setRange(r.value)}>{r.label}</button>
          ))}
        </div>
        {range === 'custom' && (
          <>
            <label class="inline-label">From <input type="datetime-local" value={from} onChange={(e) => setFrom(e.currentTarget.value)} /></label>
            <label class="inline-label">Until <input type="datetime-local" value={to} onChange={(e) => setTo(e.currentTarget.value)} /></label>
          </>
        )}
      </div>
      <ErrorNotice error={daily.error} onRetry={daily.reload} />
      {daily.loading && !daily.data && <Loading />}
      {daily.data && (
        <dl class="stats stats-wide">
          {([['Requests', sum.requests], ['Input tokens', sum.input], ['Output tokens', sum.output], ['Cache tokens', sum.cache], ['Reasoning tokens', sum.reasoning]] as const).map(([label, v]) => (
            <div class="stat" key={label}><dt>{label}</dt><dd title={int(v)}>{compact(v)}</dd></div>
          ))}
          <div class="stat" key="cost">
            <dt>Cost</dt>
            <dd id="usage-cost" title="USD at the current prices">{sum.requests > 0 && sum.unpriced >= sum.requests ? 'no price' : usd(sum.cost)}</dd>
            {sum.unpriced > 0 && sum.unpriced < sum.requests && <dd class="stat-note">+ {int(sum.unpriced)} call{sum.unpriced === 1 ? '' : 's'} with no price</dd>}
          </div>
        </dl>
      )}
      {empty && <EmptyState title="No usage in this range">Choose a longer range, or send some calls through the bridge — the <a href="#/">overview</a> shows how to connect a tool.</EmptyState>}
      {daily.data && !empty && (
        <Card title="Tokens per day" id="per-day">
          <UsageChart days={days} />
          <details class="chart-table">
            <summary>Show as a table</summary>
            <Breakdown rows={days.filter((d) => d.row.requests > 0).map((d) => d.row)} group="day" />
          </details>
        </Card>
      )}
      {daily.data && !empty && (
        <Card title="Cost per day" id="cost-per-day">
          <UsageChart days={days} cost />
          {sum.unpriced > 0 && <p class="hint">{int(sum.unpriced)} call{sum.unpriced === 1 ? '' : 's'} in this range had no price and {sum.unpriced === 1 ? 'is' : 'are'} not counted: set a price on the <a href="#/prices">Prices</a> page.</p>}
        </Card>
      )}
      {daily.data && !empty && (
        <Card
          title="Breakdown"
          id="breakdown"
          actions={
            <>
              <div class="segmented" role="group" aria-label="Group by">
                {GROUPS.map((g) => <button key={g.value} type="button" class={group === g.value ? 'active' : ''} aria-pressed={group === g.value} onClick={() => setGroup(g.value)}>{g.label}</button>)}
              </div>
              <div class="segmented" role="group" aria-label="Rank by">
                {(['tokens', 'cost'] as const).map((m) => <button key={m} type="button" class={by === m ? 'active' : ''} aria-pressed={by === m} onClick={() => setBy(m)}>{m === 'tokens' ? 'Tokens' : 'Cost'}</button>)}
              </div>
            </>
          }
        >
          <ErrorNotice error={grouped.error} onRetry={grouped.reload} />
          {grouped.data && <Breakdown rows={grouped.data.results} group={group} by={by} />}
          {!grouped.data && grouped.loading && <Loading />}
        </Card>
      )}
    </>
  );
}
