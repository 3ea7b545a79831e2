import { useEffect, useState } from 'preact/hooks';
import { api, errorText } from '../api/client';
import type { SettingsPatch, SettingsResponse } from '../api/types';
import { Card, ErrorNotice, Loading, PageHeader } from '../components/ui';
import { describeDuration, durationProblem } from '../lib/duration';
import { useAsync } from '../lib/use-async';
import { ExportCard } from './export-card';

interface Draft {
  retention: string;
  content_retention: string;
  structured_logging: boolean;
  log_json: string;
  otlp_endpoint: string;
  /** Write-only secret: empty = keep the saved value. */
  otlp_headers: string;
  otlp_headers_clear: boolean;
  otlp_protocol: 'http/protobuf' | 'http/json';
  otlp_content: boolean;
  redact_secrets: boolean;
  block_secrets: boolean;
}

const draftOf = (s: SettingsResponse): Draft => ({
  retention: s.settings.retention,
  content_retention: s.settings.content_retention,
  structured_logging: s.settings.structured_logging,
  log_json: s.settings.log_json ?? '',
  otlp_endpoint: s.settings.otlp_endpoint ?? '',
  otlp_headers: '',
  otlp_headers_clear: false,
  otlp_protocol: s.settings.otlp_protocol ?? 'http/protobuf',
  otlp_content: s.settings.otlp_content ?? false,
  redact_secrets: s.settings.redact_secrets ?? true,
  block_secrets: s.settings.block_secrets ?? false,
});

function RetentionForm({ data, onSaved }: { data: SettingsResponse; onSaved: (s: SettingsResponse) => void }) {
  const [draft, setDraft] = useState<Draft>(() => draftOf(data));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const [touched, setTouched] = useState(false);
  useEffect(() => setDraft(draftOf(data)), [data]);

  const ro = data.read_only;
  const base = draftOf(data);
  const retentionProblem = durationProblem(draft.retention);
  const contentProblem = durationProblem(draft.content_retention);
  const patch: SettingsPatch = {};
  if (draft.retention.trim() !== base.retention && !ro.retention) patch.retention = draft.retention.trim();
  if (draft.content_retention.trim() !== base.content_retention && !ro.content_retention) patch.content_retention = draft.content_retention.trim();
  if (draft.structured_logging !== base.structured_logging && !ro.structured_logging) patch.structured_logging = draft.structured_logging;
  if (draft.log_json.trim() !== base.log_json && !ro.log_json) patch.log_json = draft.log_json.trim() || null;
  if (draft.otlp_endpoint.trim() !== base.otlp_endpoint && !ro.otlp_endpoint) patch.otlp_endpoint = draft.otlp_endpoint.trim() || null;
  if (draft.otlp_headers.trim() && !ro.otlp_headers) patch.otlp_headers = draft.otlp_headers.trim();
  else if (draft.otlp_headers_clear && !ro.otlp_headers) patch.otlp_headers = null;
  if (draft.otlp_protocol !== base.otlp_protocol && !ro.otlp_protocol) patch.otlp_protocol = draft.otlp_protocol;
  if (draft.otlp_content !== base.otlp_content && !ro.otlp_content) patch.otlp_content = draft.otlp_content;
  if (draft.redact_secrets !== base.redact_secrets && !ro.redact_secrets) patch.redact_secrets = draft.redact_secrets;
  if (draft.block_secrets !== base.block_secrets && !ro.block_secrets) patch.block_secrets = draft.block_secrets;
  const dirty = Object.keys(patch).length > 0;

  const submit = async (e: Event) => {
    e.preventDefault();
    setTouched(true);
    setSaved(null);
    if ((patch.retention !== undefined && retentionProblem) || (patch.content_retention !== undefined && contentProblem)) {
      setError('Fix the highlighted durations, then save again.');
      return;
    }
    setBusy(true);
    setError(null);
    try {
      onSaved(await api.patch<SettingsResponse>('/settings', patch));
      setSaved('Saved. Retention applies from the next purge (within 10 minutes); expired records are hidden at once.');
      setTouched(false);
    } catch (err) {
      setError(`Not saved: ${errorText(err)}`);
    } finally {
      setBusy(false);
    }
  };

  const set = <K extends keyof Draft>(k: K, v: Draft[K]) => setDraft((d) => ({ ...d, [k]: v }));
  const durationField = (key: 'retention' | 'content_retention', label: string, help: string, problem: string | null) => {
    const show = (touched || draft[key] !== base[key]) && problem;
    return (
      <div class="field">
        <label class="label" for={`f-${key}`}>{label}</label>
        <input
          id={`f-${key}`}
          name={key}
          type="text"
          class="input-short"
          value={draft[key]}
          disabled={Boolean(ro[key]) || busy}
          aria-invalid={show ? true : undefined}
          aria-describedby={`f-${key}-hint`}
          spellcheck={false}
          onInput={(e) => set(key, e.currentTarget.value)}
        />
        <p class={`hint ${show ? 'text-bad' : ''}`} id={`f-${key}-hint`}>
          {ro[key] ? <span class="readonly-reason">Read-only: {ro[key]}.</span> : show ? problem : <>{help} {describeDuration(draft[key]) && <strong>Now: {describeDuration(draft[key])}.</strong>}</>}
        </p>
      </div>
    );
  };

  return (
    <form class="form" onSubmit={(e) => void submit(e)} aria-label="Retention and logging" noValidate>
      <Card title="Retention" id="retention" class="stack">
        {durationField('retention', 'Keep interceptions for', 'Whole records older than this are deleted. Units s, m, h, d, w (e.g. 60d, 2w); 0 keeps them forever.', retentionProblem)}
        {durationField('content_retention', 'Keep prompt text, tool arguments and thoughts for', 'After this, the text is removed but the record and its token usage stay. 0 keeps the text as long as the record.', contentProblem)}
      </Card>
      <Card title="Structured logging" id="logging" class="stack">
        <div class="field">
          <label class="check">
            <input
              type="checkbox"
              name="structured_logging"
              checked={draft.structured_logging}
              disabled={Boolean(ro.structured_logging) || busy}
              onChange={(e) => set('structured_logging', e.currentTarget.checked)}
            />
            Write every interception as JSON log lines (<code>"msg":"interception log"</code>) for a SIEM
          </label>
          {ro.structured_logging && <p class="hint readonly-reason">Read-only: {ro.structured_logging}.</p>}
        </div>
        <div class="field">
          <label class="label" for="f-log_json">JSON log file</label>
          <input
            id="f-log_json"
            name="log_json"
            type="text"
            value={draft.log_json}
            placeholder="none — human-readable logs go to stderr"
            disabled={Boolean(ro.log_json) || busy}
            aria-describedby="f-log_json-hint"
            spellcheck={false}
            onInput={(e) => set('log_json', e.currentTarget.value)}
          />
          <p class="hint" id="f-log_json-hint">{ro.log_json ? <span class="readonly-reason">Read-only: {ro.log_json}.</span> : 'An absolute path on the gateway’s machine; every line in it is a JSON object. Leave empty for none.'}</p>
        </div>
      </Card>
      <Card title="Secrets in prompts" id="secrets" class="stack">
        <p class="hint">Keys and tokens pasted into prompts or read by tools (AWS, GitHub, Anthropic, OpenAI, Slack, Stripe, Google, private keys, JWTs…). Your provider keys and bridge tokens are always removed from records, whatever these say.</p>
        <div class="field">
          <label class="check">
            <input type="checkbox" name="redact_secrets" checked={draft.redact_secrets} disabled={Boolean(ro.redact_secrets) || busy} onChange={(e) => set('redact_secrets', e.currentTarget.checked)} />
            Redact secrets: store, log and export them as <code>[REDACTED:RULE]</code> (the call itself is sent unchanged)
          </label>
          {ro.redact_secrets && <p class="hint readonly-reason">Read-only: {ro.redact_secrets}.</p>}
        </div>
        <div class="field">
          <label class="check">
            <input type="checkbox" name="block_secrets" checked={draft.block_secrets} disabled={Boolean(ro.block_secrets) || busy} onChange={(e) => set('block_secrets', e.currentTarget.checked)} />
            Block calls whose prompt holds a secret: the tool gets an error naming the rule and nothing is sent to the provider
          </label>
          {ro.block_secrets && <p class="hint readonly-reason">Read-only: {ro.block_secrets}.</p>}
        </div>
      </Card>
      <Card title="OpenTelemetry export" id="telemetry" class="stack">
        <p class="hint">One span per call (GenAI conventions) and token/duration metrics to an OTLP/HTTP collector. Leave the endpoint empty for none. A slow or down collector never slows a call.</p>
        <div class="field">
          <label class="label" for="f-otlp_endpoint">OTLP endpoint</label>
          <input id="f-otlp_endpoint" name="otlp_endpoint" type="url" value={draft.otlp_endpoint} placeholder="none — e.g. http://127.0.0.1:4318"
            disabled={Boolean(ro.otlp_endpoint) || busy} spellcheck={false} onInput={(e) => set('otlp_endpoint', e.currentTarget.value)} />
          {ro.otlp_endpoint && <p class="hint readonly-reason">Read-only: {ro.otlp_endpoint}.</p>}
        </div>
        <div class="field">
          <label class="label" for="f-otlp_protocol">Protocol</label>
          <select id="f-otlp_protocol" name="otlp_protocol" value={draft.otlp_protocol} disabled={Boolean(ro.otlp_protocol) || busy}
            onChange={(e) => set('otlp_protocol', e.currentTarget.value === 'http/json' ? 'http/json' : 'http/protobuf')}>
            <option value="http/protobuf">http/protobuf</option>
            <option value="http/json">http/json</option>
          </select>
          {ro.otlp_protocol && <p class="hint readonly-reason">Read-only: {ro.otlp_protocol}.</p>}
        </div>
        <div class="field">
          <label class="label" for="f-otlp_headers">Headers (secret)</label>
          <input id="f-otlp_headers" name="otlp_headers" type="password" autocomplete="off" value={draft.otlp_headers}
            placeholder={data.settings.otlp_headers ? `saved: ${data.settings.otlp_headers} — type to replace` : 'none — e.g. authorization=Bearer abc,x-team=ai'}
            disabled={Boolean(ro.otlp_headers) || busy} spellcheck={false} onInput={(e) => set('otlp_headers', e.currentTarget.value)} aria-describedby="f-otlp_headers-hint" />
          <p class="hint" id="f-otlp_headers-hint">
            {ro.otlp_headers ? <span class="readonly-reason">Read-only: {ro.otlp_headers}.</span> : <>Comma-separated <code>key=value</code> pairs, stored like a provider key and never shown again.</>}
            {data.settings.otlp_headers && !ro.otlp_headers && (
              <label class="check"><input type="checkbox" name="otlp_headers_clear" checked={draft.otlp_headers_clear} disabled={busy} onChange={(e) => set('otlp_headers_clear', e.currentTarget.checked)} /> Remove the saved headers</label>
            )}
          </p>
        </div>
        <div class="field">
          <label class="check">
            <input type="checkbox" name="otlp_content" checked={draft.otlp_content} disabled={Boolean(ro.otlp_content) || busy} onChange={(e) => set('otlp_content', e.currentTarget.checked)} />
            Include prompts, thoughts and tool arguments in spans (after secret redaction)
          </label>
          {ro.otlp_content && <p class="hint readonly-reason">Read-only: {ro.otlp_content}.</p>}
        </div>
      </Card>
      <ErrorNotice error={error} />
      <div class="form-actions sticky-actions">
        <button type="submit" class="btn btn-primary" disabled={!dirty || busy}>{busy ? 'Saving…' : 'Save changes'}</button>
        {dirty && <button type="button" class="btn btn-ghost" onClick={() => { setDraft(base); setTouched(false); setError(null); }} disabled={busy}>Discard</button>}
        <span class="text-ok" role="status">{saved}</span>
      </div>
    </form>
  );
}

export function SettingsPage() {
  const settings = useAsync((signal) => api.get<SettingsResponse>('/settings', signal), []);
  return (
    <>
      <PageHeader title="Retention & logs" description="How long records are kept, secrets in prompts, where structured logs go, OpenTelemetry export, and exports for your SIEM." />
      <ErrorNotice error={settings.error} onRetry={settings.reload} />
      {settings.loading && !settings.data && <Loading />}
      {settings.data && <RetentionForm data={settings.data} onSaved={settings.setData} />}
      <ExportCard />
    </>
  );
}
