import { useEffect, useState } from 'preact/hooks';
import { api, errorText } from '../api/client';
import { bridgeEnabled, onInterception } from '../api/events';
import type { ConnectStatus, Status } from '../api/types';
import { CopyButton } from '../components/copy-button';
import { ProviderTest } from '../components/provider-test';
import { Card, ErrorNotice, Loading, Notice, PageHeader, Pill, Switch } from '../components/ui';
import { costText, usd } from '../lib/cost';
import { compact, int } from '../lib/format';
import { useStore } from '../lib/store';
import { useAsync } from '../lib/use-async';
import { SetupSnippets, type Endpoints } from './setup-snippets';

export const PROVIDER_LABEL: Record<string, string> = { anthropic: 'Anthropic', openai: 'OpenAI', bedrock: 'Amazon Bedrock' };

export function endpointsOf(status: Status | undefined): Endpoints {
  if (status?.endpoints) return status.endpoints;
  const base = status?.listen ?? location.origin;
  return { anthropic: `${base}/anthropic`, openai: `${base}/openai/v1`, bedrock: `${base}/bedrock` };
}

function BridgeCard({ status }: { status: Status }) {
  const live = useStore(bridgeEnabled);
  const enabled = live ?? status.enabled;
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const toggle = async (next: boolean) => {
    setBusy(true);
    setError(null);
    try {
      const res = await api.put<{ enabled: boolean }>('/bridge', { enabled: next });
      bridgeEnabled.set(res.enabled);
    } catch (err) {
      setError(`Could not switch the bridge ${next ? 'on' : 'off'}: ${errorText(err)}`);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Card class={`bridge-card ${enabled ? 'is-on' : 'is-off'}`}>
      <div class="bridge-row">
        <Switch checked={enabled} onChange={(next) => void toggle(next)} label="Bridge" busy={busy} />
        <div>
          <h2 class="bridge-title" id="bridge-state">Bridge is {enabled ? 'on' : 'off'}</h2>
          <p class="muted">
            {enabled
              ? 'Clients with a bridge token are forwarded to the providers and every call is recorded.'
              : 'Clients get 503 until you switch the bridge on. Nothing is forwarded or recorded.'}
          </p>
        </div>
      </div>
      <ErrorNotice error={error} />
    </Card>
  );
}

/** One click per client (SPEC §16): writes the client's own config, with status and undo. */
function ConnectCard() {
  const list = useAsync((signal) => api.get<{ results: ConnectStatus[] }>('/connect', signal), []);
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const act = async (c: ConnectStatus, undo: boolean) => {
    setBusy(c.client);
    setError(null);
    try {
      if (undo) await api.del(`/connect/${c.client}`);
      else await api.post(`/connect/${c.client}`);
      list.reload();
    } catch (err) {
      setError(`${c.label}: ${errorText(err)}`);
    } finally {
      setBusy(null);
    }
  };
  return (
    <Card title="Connect a tool in one click" id="connect" class="span-2">
      <p class="muted">Makes a bridge token for the tool and writes its own configuration, so a new <code>claude</code> or <code>codex</code> goes through the bridge with nothing to export. The previous file is kept: Undo puts it back exactly.</p>
      <ErrorNotice error={list.error ?? error} onRetry={list.error ? list.reload : undefined} />
      <ul class="connect-list">
        {(list.data?.results ?? []).map((c) => (
          <li key={c.client} class="connect-row" data-client={c.client}>
            <strong>{c.label}</strong>{' '}
            {c.error ? <Pill tone="bad">cannot read its config</Pill> : c.points_here ? <Pill tone="ok">connected</Pill> : <Pill tone="muted">not connected</Pill>}
            <code class="muted">{c.file}</code>
            <span class="connect-actions">
              <button type="button" class="btn" disabled={busy !== null} onClick={() => void act(c, false)}>
                {busy === c.client ? 'Working…' : c.connected ? 'Connect again' : `Connect ${c.label}`}
              </button>
              {c.connected && (
                <button type="button" class="btn btn-ghost" disabled={busy !== null} onClick={() => void act(c, true)}>
                  Undo
                </button>
              )}
            </span>
            {c.error && <p class="hint">{c.error}</p>}
          </li>
        ))}
      </ul>
    </Card>
  );
}

function TodayCard({ status }: { status: Status }) {
  const t = status.today;
  const stats: [string, number | undefined][] = [
    ['Requests', t?.requests],
    ['Input tokens', t?.input_tokens],
    ['Output tokens', t?.output_tokens],
    ['Cache reads', t?.cache_read_input_tokens],
  ];
  return (
    <Card title="Today" id="today" actions={<a href="#/usage" class="btn btn-small btn-ghost">Usage →</a>}>
      <dl class="stats">
        {stats.map(([label, value]) => (
          <div class="stat" key={label}>
            <dt>{label}</dt>
            <dd title={int(value)}>{compact(value)}</dd>
          </div>
        ))}
        <div class="stat" key="cost">
          <dt>Cost</dt>
          <dd id="today-cost" title="USD of today's calls at the current prices; calls to models with no price are not counted">{t?.cost_usd === undefined ? costText(null) : usd(t.cost_usd)}</dd>
        </div>
      </dl>
      {status.in_flight ? <p class="muted">{status.in_flight} call{status.in_flight === 1 ? '' : 's'} in flight right now.</p> : null}
    </Card>
  );
}

function ProvidersCard({ status }: { status: Status }) {
  const none = status.providers.every((p) => !p.configured);
  return (
    <Card title="Providers" id="provider-health" actions={<a href="#/providers" class="btn btn-small btn-ghost">Keys →</a>}>
      {none && <Notice kind="warn">No provider has a key yet. <a href="#/providers">Add an OpenAI, Anthropic or Bedrock key</a> so the bridge can forward calls.</Notice>}
      <ul class="provider-list">
        {status.providers.map((p) => (
          <li key={p.name}>
            <div class="provider-name">
              <strong>{PROVIDER_LABEL[p.name] ?? p.name}</strong>
              {p.configured ? <Pill tone="ok">Configured</Pill> : <Pill tone="muted">Not configured</Pill>}
              {p.via && p.via !== p.name && <span class="muted">via {PROVIDER_LABEL[p.via] ?? p.via}</span>}
            </div>
            <ProviderTest name={p.name} label={PROVIDER_LABEL[p.name] ?? p.name} disabled={!p.configured} />
          </li>
        ))}
      </ul>
    </Card>
  );
}

function EndpointsCard({ endpoints }: { endpoints: Endpoints }) {
  const rows: [string, string][] = [['Anthropic', endpoints.anthropic], ['OpenAI', endpoints.openai], ['Bedrock', endpoints.bedrock]];
  return (
    <Card title="Endpoints" id="endpoints">
      <dl class="endpoints">
        {rows.map(([label, url]) => (
          <div key={label} class="endpoint">
            <dt>{label}</dt>
            <dd><code>{url}</code><CopyButton text={url} label={`Copy ${label} endpoint`} /></dd>
          </div>
        ))}
      </dl>
      <p class="hint">Clients send a <a href="#/tokens">bridge token</a> as their API key; the real provider keys stay in the gateway.</p>
    </Card>
  );
}

/** OpenTelemetry export (SPEC §14): where to, and whether the collector takes it. */
function TelemetryCard({ status }: { status: Status }) {
  const t = status.telemetry;
  if (!t?.enabled) return null;
  return (
    <Card title="OpenTelemetry export" id="telemetry">
      <p>
        {t.ok ? <Pill tone="ok">healthy</Pill> : <Pill tone="bad">failing</Pill>} to <code>{t.endpoint}</code> ({t.protocol}
        {t.content ? ', with content' : ''})
      </p>
      {t.error && <p class="text-bad" role="alert">{t.error}</p>}
      <p class="muted">
        {t.exported} span{t.exported === 1 ? '' : 's'} exported, {t.dropped} dropped, {t.queued} queued since start. Records are kept whatever the collector does.
      </p>
      <p class="hint">Set in <a href="#/settings">Retention &amp; logs</a>; see docs/telemetry.md.</p>
    </Card>
  );
}

export function OverviewPage() {
  const status = useAsync((signal) => api.get<Status>('/status', signal), []);

  useEffect(() => {
    if (status.data) bridgeEnabled.set(status.data.enabled);
  }, [status.data]);

  // Today's counters move with every finished call; refresh them, at most every 2 s.
  useEffect(() => {
    let timer = 0;
    const off = onInterception(() => {
      if (!timer) timer = window.setTimeout(() => { timer = 0; status.reload(); }, 2000);
    });
    return () => { off(); window.clearTimeout(timer); };
  }, [status.reload]);

  const s = status.data;
  return (
    <>
      <PageHeader
        title="Overview"
        description={s ? <>Gateway {s.version} listening on <code>{s.listen}</code>{s.health && !s.health.ok && <Pill tone="bad">unhealthy{s.health.store?.error ? `: ${s.health.store.error}` : ''}</Pill>}</> : 'Your local gateway at a glance.'}
      />
      <ErrorNotice error={status.error} onRetry={status.reload} />
      {s?.warnings?.map((w) => <Notice key={w} kind="warn">{w}</Notice>)}
      {!s && status.loading && <Loading />}
      {s && (
        <div class="overview-grid">
          <BridgeCard status={s} />
          <TodayCard status={s} />
          <ProvidersCard status={s} />
          <EndpointsCard endpoints={endpointsOf(s)} />
          <TelemetryCard status={s} />
          <ConnectCard />
          <Card title="Connect a client" id="setup" class="span-2">
            <SetupSnippets endpoints={endpointsOf(s)} />
            <p class="hint">Replace <code>&lt;bridge token&gt;</code> with a token from <a href="#/tokens">Bridge tokens</a> — creating one shows these commands with the token filled in.</p>
          </Card>
        </div>
      )}
    </>
  );
}
