/**
 * Sessions (SPEC §15): the list of client sessions (`GET /api/v1/sessions`) and one session's
 * calls in order (`GET /api/v1/interceptions?session=ID`), with their prompts, tools, tokens, cost
 * and the time between calls.
 */
import { api, query } from '../api/client';
import type { Interception, InterceptionPage, SessionRow } from '../api/types';
import { Card, EmptyState, ErrorNotice, Loading, PageHeader, StatusBadge } from '../components/ui';
import { compact, duration, fullTime, int, ms, preview, relative, shortTime } from '../lib/format';
import { costText, NO_PRICE, usd } from '../lib/cost';
import { href } from '../lib/router';
import { useAsync } from '../lib/use-async';
import { totals } from './interceptions';

/** The most calls one session view loads (the API's page limit). */
const MAX_CALLS = 1000;

export function SessionsPage() {
  const list = useAsync((signal) => api.get<{ results: SessionRow[] }>(`/sessions${query({ since: '30d', limit: 200 })}`, signal), []);
  const rows = list.data?.results ?? [];
  return (
    <>
      <PageHeader title="Sessions" description="Calls grouped by the coding tool's session (Claude Code, Codex), the last 30 days, most recent first." />
      <ErrorNotice error={list.error} onRetry={list.reload} />
      {list.loading && !list.data && <Loading />}
      {list.data && rows.length === 0 && (
        <EmptyState title="No sessions in the last 30 days">Claude Code and Codex send a session id with each call; calls from other tools belong to no session.</EmptyState>
      )}
      {rows.length > 0 && (
        <div class="table-wrap">
          <table class="table sessions">
            <thead>
              <tr>
                <th scope="col">Last call</th><th scope="col">Session</th><th scope="col">Initiator / client</th>
                <th scope="col" class="num">Calls</th><th scope="col" class="num">Tokens <span class="th-sub">in / out</span></th>
                <th scope="col" class="num">Cost</th><th scope="col" class="num">Span</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr key={r.client_session_id}>
                  <td class="nowrap" title={fullTime(r.last_at)}>{relative(r.last_at)}</td>
                  <td><a href={href(`sessions/${encodeURIComponent(r.client_session_id)}`)}><code>{preview(r.client_session_id, 40)}</code></a></td>
                  <td><span class="cell-main">{r.initiator}</span><span class="cell-sub">{r.client}</span></td>
                  <td class="num">{int(r.interceptions)}</td>
                  <td class="num nowrap">{compact(r.input_tokens)} <span class="muted">/</span> {compact(r.output_tokens)}</td>
                  <td class="num nowrap">{r.cost_usd === null ? <span class="muted">{NO_PRICE}</span> : usd(r.cost_usd)}</td>
                  <td class="num nowrap">{duration(r.first_at, r.last_at)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}

/** Every call of a session, oldest first (pages followed up to {@link MAX_CALLS}). */
async function sessionCalls(id: string, signal: AbortSignal): Promise<{ calls: Interception[]; count: number }> {
  const calls: Interception[] = [];
  let count = 0;
  let after = '';
  for (;;) {
    const page = await api.get<InterceptionPage>(`/interceptions${query({ session: id, limit: 1000, after_id: after })}`, signal);
    count = page.count;
    calls.push(...page.results);
    const last = page.results[page.results.length - 1];
    if (!last || calls.length >= Math.min(count, MAX_CALLS)) break;
    after = last.id;
  }
  return { calls: calls.reverse(), count };
}

function CallItem({ rec, n, prev }: { rec: Interception; n: number; prev: Interception | undefined }) {
  const t = totals(rec);
  const prompt = rec.user_prompts[rec.user_prompts.length - 1]?.prompt ?? '';
  const gapFrom = prev ? prev.ended_at ?? prev.started_at : null;
  const gap = gapFrom ? Date.parse(rec.started_at) - Date.parse(gapFrom) : null;
  return (
    <li class="session-call" data-id={rec.id}>
      {gap !== null && <div class="session-gap" title="From the end of the previous call to the start of this one">{gap < 0 ? 'overlaps the previous call' : `${ms(gap)} later`}</div>}
      <div class="session-call-head">
        <span class="session-n">#{n}</span>
        <a href={href(`interceptions/${encodeURIComponent(rec.id)}`)} title={fullTime(rec.started_at)}>{shortTime(rec.started_at)}</a>
        <code class="model">{rec.model}</code>
        <StatusBadge status={rec.status} />
        <span class="muted nowrap">{duration(rec.started_at, rec.ended_at)}</span>
        <span class="session-figures nowrap" title={`${int(t.input)} in, ${int(t.output)} out, ${int(t.cache)} cache`}>
          {compact(t.input)} <span class="muted">in /</span> {compact(t.output)} <span class="muted">out</span>
          <span class="session-cost">{costText(rec.cost)}</span>
        </span>
      </div>
      {prompt ? <pre class="prose-pre session-prompt">{preview(prompt, 600)}</pre> : <p class="muted">No user prompt in this call (a turn that only returned tool results, or removed by content retention).</p>}
      {rec.tool_usages.length > 0 && (
        <ul class="session-tools" aria-label="Tool calls">
          {rec.tool_usages.map((u) => (
            <li key={u.id}><code class="tool-name">{u.tool}</code> <span class="muted">{preview(typeof u.input === 'string' ? u.input : JSON.stringify(u.input) ?? '', 140)}</span></li>
          ))}
        </ul>
      )}
      {rec.error && <p class="text-bad">{preview(rec.error, 300)}</p>}
    </li>
  );
}

export function SessionPage({ id }: { id: string }) {
  const data = useAsync((signal) => sessionCalls(id, signal), [id]);
  const calls = data.data?.calls ?? [];
  let input = 0, output = 0, usdSum = 0, unpriced = 0;
  for (const r of calls) {
    const t = totals(r);
    input += t.input;
    output += t.output;
    if (r.cost?.usd == null) unpriced++;
    else usdSum += r.cost.usd;
  }
  const first = calls[0];
  const last = calls[calls.length - 1];
  return (
    <>
      <PageHeader
        title="Session"
        description={<code class="muted">{id}</code>}
        actions={<><a class="btn btn-small btn-ghost" href="#/sessions">← All sessions</a><a class="btn btn-small btn-ghost" href={href('interceptions', { session: id })}>As a list</a></>}
      />
      <ErrorNotice error={data.error} onRetry={data.reload} />
      {data.loading && !data.data && <Loading />}
      {data.data && calls.length === 0 && <EmptyState title="No calls in this session">It may have expired under the retention setting. <a href="#/sessions">Back to the sessions</a>.</EmptyState>}
      {first && last && (
        <>
          <Card title="Summary" id="session-summary">
            <dl class="facts">
              <div><dt>Client</dt><dd>{last.client}</dd></div>
              <div><dt>Initiator</dt><dd>{last.initiator.name}</dd></div>
              <div><dt>Calls</dt><dd>{int(data.data!.count)}{data.data!.count > calls.length && <span class="muted"> (the latest {int(calls.length)} shown)</span>}</dd></div>
              <div><dt>First call</dt><dd>{fullTime(first.started_at)}</dd></div>
              <div><dt>Last call</dt><dd>{fullTime(last.started_at)}</dd></div>
              <div><dt>Span</dt><dd>{duration(first.started_at, last.ended_at ?? last.started_at)}</dd></div>
              <div><dt>Tokens</dt><dd>{int(input)} in / {int(output)} out</dd></div>
              <div><dt>Cost</dt><dd id="session-cost">{unpriced === calls.length ? NO_PRICE : usd(usdSum)}{unpriced > 0 && unpriced < calls.length && <span class="muted"> + {unpriced} unpriced</span>}</dd></div>
            </dl>
          </Card>
          <Card title={`Calls in order (${calls.length})`} id="session-calls">
            <ol class="session-calls">
              {calls.map((r, i) => <CallItem key={r.id} rec={r} n={i + 1} prev={calls[i - 1]} />)}
            </ol>
          </Card>
        </>
      )}
    </>
  );
}
