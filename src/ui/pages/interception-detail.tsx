import type { ComponentChildren } from 'preact';
import { useEffect } from 'preact/hooks';
import { api } from '../api/client';
import type { Interception, Metadata } from '../api/types';
import { CopyButton } from '../components/copy-button';
import { Redacted } from '../components/redacted';
import { redactionSummary, redactionTotal, splitMarkers } from '../lib/redaction';
import { Card, EmptyState, ErrorNotice, Loading, PageHeader, StatusBadge } from '../components/ui';
import { costText } from '../lib/cost';
import { duration, fullTime, int, prettyJson } from '../lib/format';
import { useAsync } from '../lib/use-async';
import { PROVIDER_LABEL } from './overview';
import { lastListHash, totals } from './interceptions';
import { highlightPieces, searchWords } from '../lib/search';

/**
 * `text` with the searched words marked (SPEC §15: the detail shows why a record matched) and
 * redaction markers shown as such (SPEC §12).
 */
function Marked({ text, words }: { text: string; words: string[] }) {
  if (words.length === 0) return <Redacted text={text} />;
  return (
    <>
      {splitMarkers(text).map((part, k) => (part.rule !== undefined ? <Redacted key={k} text={part.text} /> : (
        highlightPieces(part.text, words).map(([piece, hit], i) => (hit ? <mark key={`${k}.${i}`} class="hit">{piece}</mark> : piece))
      )))}
    </>
  );
}

function Facts({ items }: { items: [string, ComponentChildren][] }) {
  return (
    <dl class="facts">
      {items.map(([k, v]) => (
        <div key={k}><dt>{k}</dt><dd>{v ?? <span class="muted">—</span>}</dd></div>
      ))}
    </dl>
  );
}

function Json({ value, label, words = [] }: { value: unknown; label: string; words?: string[] }) {
  const text = prettyJson(value);
  return (
    <div class="code-block">
      <pre tabIndex={0} aria-label={label} class="json"><code><Marked text={text} words={words} /></code></pre>
      <CopyButton text={text} label={`Copy ${label}`} />
    </div>
  );
}

/** The call's price, and where it comes from (SPEC §11): "no price" names the model to price. */
function CostFact({ rec }: { rec: Interception }) {
  const c = rec.cost;
  if (!c) return <span id="call-cost" class="muted">{costText(c)}</span>;
  return (
    <span id="call-cost">
      {c.usd === null ? <strong>{costText(c)}</strong> : costText(c)}
      <span class="muted">
        {c.usd === null ? <> — no price known for <code>{c.priced_model}</code>; add one on </> : <> — {c.source === 'override' ? 'your override' : 'catalog price'} for <code>{c.priced_model}</code>; see </>}
        <a href="#/prices">Prices</a>
      </span>
    </span>
  );
}

/** How many secrets were removed from the call, by rule (SPEC §12 `metadata.redactions`). */
function RedactionFact({ rec }: { rec: Interception }) {
  const total = redactionTotal(rec.metadata);
  if (total === 0) return <span id="call-redactions" class="muted">none</span>;
  return (
    <span id="call-redactions">
      <strong class="redaction-total">{int(total)}</strong> <span class="muted">({redactionSummary(rec.metadata)})</span>
    </span>
  );
}

const hasKeys = (m: Metadata | null | undefined) => Boolean(m && Object.keys(m).length);

function Detail({ rec, words }: { rec: Interception; words: string[] }) {
  const t = totals(rec);
  // Bring the first match into view once the record is shown.
  useEffect(() => {
    if (words.length) document.querySelector('mark.hit')?.scrollIntoView({ block: 'center' });
  }, [rec.id, words.join(' ')]);
  const reasoning = rec.token_usages.reduce((n, u) => n + (typeof u.metadata?.reasoning_tokens === 'number' ? u.metadata.reasoning_tokens : 0), 0);
  return (
    <>
      <div class="detail-grid">
        <Card title="Call" id="call">
          <Facts
            items={[
              ['Status', <><StatusBadge status={rec.status} />{rec.http_status !== null && <span class="muted"> HTTP {rec.http_status}</span>}</>],
              ['Provider', `${PROVIDER_LABEL[rec.provider] ?? rec.provider}${rec.provider_name !== rec.provider ? ` (${rec.provider_name})` : ''}`],
              ['Model', <code>{rec.model}</code>],
              ['API', `${rec.api}${rec.streaming ? ', streaming' : ', blocking'}`],
              ['Initiator', <>{rec.initiator.name} <span class="muted">({rec.initiator.id})</span></>],
              ['Client', rec.client],
              ['Client session', rec.client_session_id
                ? <><code>{rec.client_session_id}</code> <a id="session-link" class="btn btn-small btn-ghost" href={`#/sessions/${encodeURIComponent(rec.client_session_id)}`}>View the session →</a></>
                : null],
              ['User agent', rec.user_agent ? <code class="wrap">{rec.user_agent}</code> : null],
            ]}
          />
        </Card>
        <Card title="Timing and tokens" id="timing">
          <Facts
            items={[
              ['Started', fullTime(rec.started_at)],
              ['Ended', rec.ended_at ? fullTime(rec.ended_at) : 'still running'],
              ['Duration', duration(rec.started_at, rec.ended_at)],
              ['Input tokens', int(t.input)],
              ['Output tokens', int(t.output)],
              ['Cache tokens', int(t.cache)],
              ['Reasoning tokens', reasoning ? int(reasoning) : null],
              ['Cost', <CostFact rec={rec} />],
              ['Tool calls', int(rec.tool_usages.length)],
              ['Secrets redacted', <RedactionFact rec={rec} />],
            ]}
          />
        </Card>
      </div>
      {rec.error && (
        <div class="notice notice-error" role="note">
          <span class="notice-icon" aria-hidden="true">!</span>
          <div class="notice-body"><strong>Error</strong><pre class="error-text"><Marked text={rec.error} words={words} /></pre></div>
        </div>
      )}
      <Card title={`Prompt${rec.user_prompts.length > 1 ? `s (${rec.user_prompts.length})` : ''}`} id="prompts">
        {rec.user_prompts.length === 0 && <p class="muted">No user prompt in this call (for example a turn that only returned tool results), or its text was removed by content retention.</p>}
        {rec.user_prompts.map((p) => (
          <div class="code-block prompt" key={p.id}>
            <pre tabIndex={0} aria-label="Prompt" class="prose-pre"><Marked text={p.prompt} words={words} /></pre>
            <CopyButton text={p.prompt} label="Copy prompt" />
          </div>
        ))}
      </Card>
      <Card title={`Tool calls (${rec.tool_usages.length})`} id="tools">
        {rec.tool_usages.length === 0 && <p class="muted">The model called no tools.</p>}
        {rec.tool_usages.map((u) => (
          <details class="tool" key={u.id} open={rec.tool_usages.length <= 5}>
            <summary>
              <code class="tool-name"><Marked text={u.tool} words={words} /></code>
              <span class="muted"> {u.tool_call_id}</span>
              {u.injected && <span class="pill pill-muted">injected</span>}
              {u.invocation_error && <span class="pill pill-bad">error</span>}
            </summary>
            <Json value={u.input} label={`${u.tool} arguments`} words={words} />
            {u.server_url && <p class="muted">Server: <code>{u.server_url}</code></p>}
            {u.invocation_error && <p class="text-bad"><Marked text={u.invocation_error} words={words} /></p>}
            {hasKeys(u.metadata) && <Json value={u.metadata} label={`${u.tool} metadata`} />}
          </details>
        ))}
      </Card>
      {rec.model_thoughts.length > 0 && (
        <Card title={`Thoughts (${rec.model_thoughts.length})`} id="thoughts">
          {rec.model_thoughts.map((m) => <pre key={m.id} class="prose-pre thought" tabIndex={0} aria-label="Model thought"><Marked text={m.content} words={words} /></pre>)}
        </Card>
      )}
      <Card title={`Token usage (${rec.token_usages.length} response${rec.token_usages.length === 1 ? '' : 's'})`} id="usage-rows">
        {rec.token_usages.length === 0 ? <p class="muted">The provider reported no usage for this call.</p> : (
          <div class="table-wrap">
            <table class="table">
              <thead><tr><th scope="col">Response</th><th scope="col" class="num">Input</th><th scope="col" class="num">Output</th><th scope="col" class="num">Cache read</th><th scope="col" class="num">Cache write</th><th scope="col">Metadata</th><th scope="col">At</th></tr></thead>
              <tbody>
                {rec.token_usages.map((u) => (
                  <tr key={u.id}>
                    <td><code>{u.provider_response_id || '—'}</code></td>
                    <td class="num">{int(u.input_tokens)}</td>
                    <td class="num">{int(u.output_tokens)}</td>
                    <td class="num">{int(u.cache_read_input_tokens)}</td>
                    <td class="num">{int(u.cache_write_input_tokens)}</td>
                    <td>{hasKeys(u.metadata) ? <code class="wrap">{JSON.stringify(u.metadata)}</code> : <span class="muted">—</span>}</td>
                    <td class="nowrap">{fullTime(u.created_at)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Card>
      {hasKeys(rec.metadata) && (
        <Card title="Metadata" id="metadata"><Json value={rec.metadata} label="metadata" /></Card>
      )}
    </>
  );
}

export function InterceptionDetailPage({ id, q = '' }: { id: string; q?: string }) {
  const rec = useAsync((signal) => api.get<Interception>(`/interceptions/${encodeURIComponent(id)}`, signal), [id]);
  const words = searchWords(q);
  const back = <a class="btn btn-small btn-ghost" href={lastListHash()}>← All interceptions</a>;
  return (
    <>
      <PageHeader
        title={rec.data ? `${rec.data.model}` : 'Interception'}
        description={<code class="muted">{id}</code>}
        actions={<>{back}{rec.data && <CopyButton text={JSON.stringify(rec.data, null, 2)} label="Copy the whole record as JSON" />}</>}
      />
      {rec.error && (rec.errorStatus === 404
        ? <EmptyState title="No such interception">It may have expired under the retention setting. <a href="#/interceptions">Back to the list</a>.</EmptyState>
        : <ErrorNotice error={rec.error} onRetry={rec.reload} />)}
      {rec.loading && !rec.data && <Loading />}
      {rec.data && words.length > 0 && (
        <p class="muted search-note" role="status">Highlighted: the words of your search “{q}”.</p>
      )}
      {rec.data && <Detail rec={rec.data} words={words} />}
    </>
  );
}
