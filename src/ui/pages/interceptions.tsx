import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { api, query } from '../api/client';
import { liveState, onInterception, runningCalls } from '../api/events';
import type { Interception, InterceptionPage, SearchIndexStatus, Status } from '../api/types';
import { EmptyState, ErrorNotice, Loading, PageHeader, StatusBadge } from '../components/ui';
import { Redacted, RedactionPill } from '../components/redacted';
import { redactionSummary, redactionTotal } from '../lib/redaction';
import { compact, duration, elapsed, fullTime, int, preview, shortTime } from '../lib/format';
import { href, navigate, type Route } from '../lib/router';
import { useStore } from '../lib/store';
import { useAsync } from '../lib/use-async';
import { costText } from '../lib/cost';
import { apiQuery, FILTER_KEYS, filtersFrom, hasFilters, matches, type Filters } from '../lib/filters';
import { FilterBar } from './interception-filters';

const PAGE_SIZES = [25, 50, 100, 200];

/** Cursors of the pages before the current one, per filter set (survives opening a detail). */
const cursorStacks = new Map<string, string[]>();
/** Row number of the first row of the page after a cursor (pages cut short by the server's byte budget hold fewer than `limit`). */
const pageStarts = new Map<string, number>();
let lastList = '#/interceptions';
/** The list view last shown (with its filters and page), for the detail view's back link. */
export const lastListHash = (): string => lastList;
/** A list request, and the live rows that arrived after it was sent until its answer was shown (newest first). */
interface ListRequest {
  live: Interception[];
  answer?: InterceptionPage;
  shown?: boolean;
}

export function totals(rec: Interception) {
  let input = 0, output = 0, cache = 0;
  for (const u of rec.token_usages) {
    input += u.input_tokens;
    output += u.output_tokens;
    cache += u.cache_read_input_tokens + u.cache_write_input_tokens;
  }
  return { input, output, cache };
}

function Row({ rec, fresh, onKey, q }: { rec: Interception; fresh: boolean; onKey: (e: KeyboardEvent) => void; q: string }) {
  const t = totals(rec);
  const prompt = rec.user_prompts[rec.user_prompts.length - 1]?.prompt;
  const redacted = redactionTotal(rec.metadata);
  // With a search on, the detail highlights its words.
  const link = href(`interceptions/${encodeURIComponent(rec.id)}`, { q });
  const open = (e: MouseEvent) => {
    const target = e.target as HTMLElement;
    if (target.closest('a') || window.getSelection()?.toString()) return;
    navigate(link);
  };
  return (
    <tr class={`row-link ${fresh ? 'is-new' : ''}`} onClick={open} data-id={rec.id}>
      <td class="nowrap">
        <a href={link} class="row-anchor" onKeyDown={onKey} title={fullTime(rec.started_at)} aria-label={`Open interception from ${fullTime(rec.started_at)}, ${rec.model}`}>
          {shortTime(rec.started_at)}
        </a>
      </td>
      <td><span class="cell-main">{rec.initiator.name}</span><span class="cell-sub">{rec.client}</span></td>
      <td><span class="cell-main model">{rec.model}</span><span class="cell-sub provider-tag">{rec.provider}</span></td>
      <td class="prompt-cell" title={preview(prompt, 400)}>
        <span class="cell-main">{prompt ? <Redacted text={preview(prompt, 90)} /> : <span class="muted">—</span>}</span>
        {redacted > 0 && <span class="cell-sub"><RedactionPill total={redacted} summary={redactionSummary(rec.metadata)} /></span>}
      </td>
      <td class="num nowrap" title={`${int(t.input)} in, ${int(t.output)} out, ${int(t.cache)} cache`}>
        {compact(t.input)} <span class="muted">/</span> {compact(t.output)} <span class="muted">/</span> {compact(t.cache)}
      </td>
      <td class="num nowrap cost-cell" title={rec.cost ? `priced as ${rec.cost.priced_model} (${rec.cost.source})` : undefined}>
        {rec.cost?.usd == null ? <span class="muted">{costText(rec.cost)}</span> : costText(rec.cost)}
      </td>
      <td class="num">{rec.tool_usages.length || <span class="muted">0</span>}</td>
      <td><StatusBadge status={rec.status} /></td>
      <td class="num nowrap">{duration(rec.started_at, rec.ended_at)}</td>
    </tr>
  );
}

/** A call announced by `interception_start` that has not finished: replaced by its Row when it does. */
function RunningRow({ rec, now, onKey }: { rec: Interception; now: number; onKey: (e: KeyboardEvent) => void }) {
  const link = href(`interceptions/${encodeURIComponent(rec.id)}`);
  const open = (e: MouseEvent) => {
    if ((e.target as HTMLElement).closest('a') || window.getSelection()?.toString()) return;
    navigate(link);
  };
  const took = elapsed(now - Date.parse(rec.started_at));
  const prompt = rec.user_prompts[0]?.prompt ?? '';
  return (
    <tr class="row-link is-running" onClick={open} data-id={rec.id}>
      <td class="nowrap">
        <a href={link} class="row-anchor" onKeyDown={onKey} title={fullTime(rec.started_at)} aria-label={`Open running interception from ${fullTime(rec.started_at)}, ${rec.model}`}>
          {shortTime(rec.started_at)}
        </a>
      </td>
      <td><span class="cell-main">{rec.initiator.name}</span><span class="cell-sub">{rec.client}</span></td>
      <td><span class="cell-main model">{rec.model || '—'}</span><span class="cell-sub provider-tag">{rec.provider}</span></td>
      <td class="prompt-cell" title={preview(prompt, 400)}>{prompt ? preview(prompt, 90) : <span class="muted">Waiting for the answer…</span>}</td>
      <td class="num muted">—</td>
      <td class="num muted">—</td>
      <td class="num muted">—</td>
      <td><span class="badge badge-in_flight badge-running">Running</span></td>
      <td class="num nowrap" title={`running for ${took}`}>{took}</td>
    </tr>
  );
}

/** Arrow keys move between rows; the links themselves open with Enter. */
function moveFocus(e: KeyboardEvent) {
  if (e.key !== 'ArrowDown' && e.key !== 'ArrowUp') return;
  const row = (e.currentTarget as HTMLElement).closest('tr');
  const next = e.key === 'ArrowDown' ? row?.nextElementSibling : row?.previousElementSibling;
  const a = next?.querySelector<HTMLAnchorElement>('a.row-anchor');
  if (a) {
    e.preventDefault();
    a.focus();
  }
}

export function InterceptionsPage({ route }: { route: Route }) {
  const filters = filtersFrom(route.query);
  lastList = location.hash || '#/interceptions';
  const after = route.query.get('after') ?? '';
  const limit = Number(route.query.get('limit')) || 50;
  const filterKey = FILTER_KEYS.map((k) => filters[k]).join('\u0000') + `\u0000${limit}`;
  const stack = cursorStacks.get(filterKey) ?? [];

  // The list request last sent: live rows that arrive before its answer is shown are kept for it.
  const sent = useRef<ListRequest>({ live: [] });
  const page = useAsync(
    (signal) => {
      const req: ListRequest = { live: [] };
      sent.current = req;
      return api.get<InterceptionPage>(`/interceptions${query({ ...apiQuery(filters), limit, after_id: after })}`, signal).then((answer) => {
        req.answer = answer;
        return answer;
      });
    },
    [filterKey, after],
  );
  const [rows, setRows] = useState<Interception[]>([]);
  const [count, setCount] = useState(0);
  const [fresh, setFresh] = useState<Set<string>>(new Set());
  const [missed, setMissed] = useState(0);
  const live = useStore(liveState);
  const running = useStore(runningCalls);
  const state = useRef({ filters, after, limit });
  state.current = { filters, after, limit };

  useEffect(() => {
    const req = sent.current;
    // Only the answer to the last request sent (not one that resolved just before the filters changed).
    if (!page.data || page.data !== req.answer) return;
    req.shown = true;
    // The server read the list when the request came: a live row that arrived since may be missing from it.
    const listed = new Set(page.data.results.map((r) => r.id));
    const { filters: f, limit: lim } = state.current;
    const later = req.live.filter((r) => !listed.has(r.id) && matches(f, r));
    setRows([...later, ...page.data.results].slice(0, lim));
    setCount(page.data.count + later.length);
    setFresh(new Set(later.map((r) => r.id)));
    setMissed(0);
  }, [page.data]);

  // Live rows: prepend on the first page when they match; elsewhere just say that there are new ones.
  useEffect(() => onInterception((rec) => {
    const { filters: f, after: cursor, limit: lim } = state.current;
    if (rec.status === 'in_flight' || !matches(f, rec)) return;
    if (cursor) { setMissed((n) => n + 1); return; }
    const req = sent.current;
    if (!req.shown && !req.live.some((r) => r.id === rec.id)) req.live.unshift(rec);
    setRows((prev) => {
      if (prev.some((r) => r.id === rec.id)) return prev;
      setCount((c) => c + 1);
      setFresh((s) => new Set(s).add(rec.id));
      return [rec, ...prev].slice(0, lim);
    });
  }), []);

  // Running calls (first page only, when they match): above the finished rows, until their own
  // `interception` event replaces them.
  const shownRunning = after ? [] : running.filter((r) => matches(filters, r) && !rows.some((x) => x.id === r.id)).slice(0, limit);
  const [now, setNow] = useState(Date.now());
  const ticking = shownRunning.length > 0;
  useEffect(() => {
    if (!ticking) return;
    setNow(Date.now());
    const t = window.setInterval(() => setNow(Date.now()), 1000);
    return () => window.clearInterval(t);
  }, [ticking]);

  const setQuery = (f: Filters, extra: Record<string, string> = {}) => {
    const params: Record<string, string> = {};
    for (const k of FILTER_KEYS) if (f[k]) params[k] = f[k];
    if (limit !== 50) params.limit = String(limit);
    navigate(href('interceptions', { ...params, ...extra }), true);
  };

  const older = () => {
    const last = rows[rows.length - 1];
    if (!last) return;
    cursorStacks.set(filterKey, [...stack, after]);
    pageStarts.set(`${filterKey}\u0000${last.id}`, firstIndex + rows.length);
    setQuery(filters, { after: last.id });
  };
  const newer = () => {
    const prev = stack.slice(0, -1);
    const cursor = stack[stack.length - 1] ?? '';
    cursorStacks.set(filterKey, prev);
    setQuery(filters, cursor ? { after: cursor } : {});
  };
  const newest = () => { cursorStacks.set(filterKey, []); setQuery(filters); };

  const pageNo = after ? stack.length + 1 : 1;
  const firstIndex = after ? (pageStarts.get(`${filterKey}\u0000${after}`) ?? (pageNo - 1) * limit + 1) : 1;
  // A page the server's byte budget cut short (`partial`) has older rows after it too.
  const hasOlder = (rows.length === limit || page.data?.partial === true) && firstIndex + rows.length - 1 < count;
  const filtered = hasFilters(filters);
  const summary = useMemo(() => {
    if (!page.data) return '';
    const inFlight = shownRunning.length ? ` · ${int(shownRunning.length)} running` : '';
    if (count === 0) return (filtered ? 'No matches' : 'No interceptions') + inFlight;
    return `${int(count)} interception${count === 1 ? '' : 's'}${filtered ? ' match' : ''} · showing ${int(firstIndex)}–${int(firstIndex + rows.length - 1)}${inFlight}`;
  }, [page.data, count, rows.length, firstIndex, filtered, shownRunning.length]);

  return (
    <>
      <PageHeader
        title="Interceptions"
        description="Every call your tools made through the bridge, newest first."
        actions={<span class={`live live-${live}`}><span class="live-dot" aria-hidden="true" />{live === 'live' ? (after ? 'Live (on the newest page)' : 'Live') : 'Reconnecting…'}</span>}
      />
      <FilterBar filters={filters} onChange={(f) => setQuery(f)} />
      <SearchIndexNote active={filters.q !== ''} />
      <ErrorNotice error={page.error} onRetry={page.reload} />
      {missed > 0 && (
        <div class="notice notice-info" role="status">
          <span class="notice-icon" aria-hidden="true">i</span>
          <div class="notice-body">{missed} new interception{missed === 1 ? '' : 's'} since you opened this page.</div>
          <button type="button" class="btn btn-small" onClick={newest}>Show newest</button>
        </div>
      )}
      <div class="list-bar">
        <p class="muted" role="status" aria-live="polite">{page.loading && !page.data ? '' : summary}</p>
        <label class="inline-label">
          Rows per page
          <select value={String(limit)} onChange={(e) => { cursorStacks.clear(); const p: Record<string, string> = {}; for (const k of FILTER_KEYS) if (filters[k]) p[k] = filters[k]; p.limit = e.currentTarget.value; navigate(href('interceptions', p), true); }}>
            {PAGE_SIZES.map((n) => <option key={n} value={n}>{n}</option>)}
          </select>
        </label>
      </div>
      {page.loading && !page.data && <Loading />}
      {page.data && rows.length === 0 && shownRunning.length === 0 && (
        filtered
          ? <EmptyState title="Nothing matches these filters">Widen the time range or <a href="#/interceptions">clear the filters</a>.</EmptyState>
          : after
            ? <EmptyState title="No older interceptions"><button type="button" class="btn btn-small" onClick={newest}>Back to the newest</button></EmptyState>
            : <EmptyState title="No interceptions yet">Point a tool at the bridge with a bridge token — the <a href="#/">overview</a> has copy-ready setup for Claude Code and Codex. Calls appear here live while they run.</EmptyState>
      )}
      {rows.length + shownRunning.length > 0 && (
        <div class={`table-wrap ${page.loading ? 'is-loading' : ''}`}>
          <table class="table interceptions" aria-describedby="page-title">
            <colgroup>
              <col class="c-time" /><col class="c-who" /><col class="c-model" /><col class="c-prompt" />
              <col class="c-tokens" /><col class="c-cost" /><col class="c-tools" /><col class="c-status" /><col class="c-dur" />
            </colgroup>
            <thead>
              <tr>
                <th scope="col">Time</th><th scope="col">Initiator / client</th><th scope="col">Model / provider</th>
                <th scope="col">Prompt</th><th scope="col" class="num" title="input / output / cache tokens">Tokens <span class="th-sub">in / out / cache</span></th>
                <th scope="col" class="num" title="USD at the current prices">Cost</th><th scope="col" class="num">Tools</th><th scope="col">Status</th><th scope="col" class="num">Duration</th>
              </tr>
            </thead>
            <tbody>
              {shownRunning.map((r) => <RunningRow key={r.id} rec={r} now={now} onKey={moveFocus} />)}
              {rows.map((r) => <Row key={r.id} rec={r} fresh={fresh.has(r.id)} onKey={moveFocus} q={filters.q} />)}
            </tbody>
          </table>
        </div>
      )}
      {(after || hasOlder) && (
        <nav class="pager" aria-label="Pages">
          <button type="button" class="btn btn-small" onClick={newest} disabled={!after}>« Newest</button>
          <button type="button" class="btn btn-small" onClick={newer} disabled={!after}>‹ Newer</button>
          <span class="muted">Page {pageNo}</span>
          <button type="button" class="btn btn-small" onClick={older} disabled={!hasOlder}>Older ›</button>
        </nav>
      )}
    </>
  );
}

/** How often the note below looks at the index again while it is being built. */
const INDEX_LOOK_MS = 2000;

/**
 * Right after start, while the full-text index catches up with the stored records (SPEC §15),
 * searches read the records themselves: exact, but slower on a large store. Said while a search
 * is on, and gone once the index has caught up.
 */
function SearchIndexNote({ active }: { active: boolean }) {
  const [index, setIndex] = useState<SearchIndexStatus | null>(null);
  useEffect(() => {
    if (!active) {
      setIndex(null);
      return;
    }
    const c = new AbortController();
    let timer: number | undefined;
    const look = () => {
      api.get<Status>('/status', c.signal).then((s) => {
        const next = s.search_index ?? null;
        setIndex(next);
        if (next?.building) timer = window.setTimeout(look, INDEX_LOOK_MS);
      }, () => {});
    };
    look();
    return () => {
      c.abort();
      window.clearTimeout(timer);
    };
  }, [active]);
  if (!active || !index?.building) return null;
  const total = index.indexed + index.waiting;
  return (
    <div class="notice notice-info" role="status" data-search-index="building">
      <span class="notice-icon" aria-hidden="true">i</span>
      <div class="notice-body">
        The search index is still being built{total > 0 ? ` (${int(index.indexed)} of ${int(total)} records so far)` : ''}. Until it is done,
        searches read the records themselves: the results are complete, but on a large history they can take a few seconds.
      </div>
    </div>
  );
}
