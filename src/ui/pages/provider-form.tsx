import { useEffect, useState } from 'preact/hooks';
import { api, errorText } from '../api/client';
import type { ProviderStatus, SettingKey, SettingsPatch, SettingsResponse } from '../api/types';
import { ConfirmDialog } from '../components/confirm-dialog';
import { ProviderTest } from '../components/provider-test';
import { Card, ErrorNotice, Pill } from '../components/ui';

export interface FieldDef {
  key: SettingKey;
  label: string;
  placeholder?: string;
  hint?: string;
}

export interface ProviderDef {
  name: string;
  label: string;
  blurb: string;
  fields: FieldDef[];
}

const SOURCE_LABEL: Record<string, string> = { flag: 'command-line flag', env: 'environment', file: 'config file', dashboard: 'dashboard', default: 'default' };

function asText(v: unknown): string {
  return v === null || v === undefined ? '' : String(v);
}

/**
 * One provider's settings. Secrets are write-only: the input starts empty with the masked value
 * as placeholder, and is emptied again after saving, so a key never comes back into the page.
 */
export function ProviderForm({ def, data, status, onSaved }: { def: ProviderDef; data: SettingsResponse; status?: ProviderStatus; onSaved: (next: SettingsResponse) => void }) {
  const isSecret = (k: SettingKey) => data.secrets.includes(k);
  const initial = () => Object.fromEntries(def.fields.map((f) => [f.key, isSecret(f.key) ? '' : asText(data.settings[f.key])]));
  const [values, setValues] = useState<Record<string, string>>(initial);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const [clearing, setClearing] = useState<FieldDef | null>(null);

  // New server state (after a save anywhere) resets the form; secret inputs go back to empty.
  useEffect(() => setValues(initial()), [data]);

  const changes = (): SettingsPatch => {
    const patch: Record<string, string | null> = {};
    for (const f of def.fields) {
      if (data.read_only[f.key]) continue;
      const v = (values[f.key] ?? '').trim();
      if (isSecret(f.key)) {
        if (v) patch[f.key] = v;
      } else if (v !== asText(data.settings[f.key])) {
        patch[f.key] = v === '' ? null : v;
      }
    }
    return patch as SettingsPatch;
  };
  const dirty = Object.keys(changes()).length > 0;

  const send = async (patch: SettingsPatch, what: string) => {
    setBusy(true);
    setError(null);
    setSaved(null);
    try {
      const next = await api.patch<SettingsResponse>('/settings', patch);
      setValues((v) => Object.fromEntries(Object.entries(v).map(([k, x]) => [k, isSecret(k as SettingKey) ? '' : x])));
      onSaved(next);
      setSaved(what);
    } catch (err) {
      setError(`${def.label} settings were not saved: ${errorText(err)}`);
    } finally {
      setBusy(false);
    }
  };

  const submit = (e: Event) => {
    e.preventDefault();
    const patch = changes();
    if (Object.keys(patch).length) void send(patch, 'Saved.');
  };

  const id = (k: string) => `f-${k}`;
  return (
    <Card
      id={`provider-${def.name}`}
      title={<>{def.label} {status?.configured ? <Pill tone="ok">Configured</Pill> : <Pill tone="muted">Not configured</Pill>}</>}
    >
      <p class="muted">{def.blurb}</p>
      <form class="form" onSubmit={submit} aria-label={`${def.label} settings`} autocomplete="off">
        {def.fields.map((f) => {
          const ro = data.read_only[f.key];
          const secret = isSecret(f.key);
          const current = data.settings[f.key];
          const source = data.sources[f.key];
          const placeholder = secret ? (current ? String(current) : 'Not set') : f.placeholder;
          const fromElsewhere = !ro && source && source !== 'default' && source !== 'dashboard' ? ` Currently from the ${SOURCE_LABEL[source] ?? source}.` : '';
          const hint = ro
            ? <span class="readonly-reason">Read-only: {ro}.</span>
            : secret
              ? `${current ? `Saved (${String(current)}). Type a new value to replace it; the saved one is never shown.` : 'Write-only: once saved it is never shown again.'}${fromElsewhere}`
              : f.hint || fromElsewhere ? `${f.hint ?? ''}${fromElsewhere}` : null;
          return (
            <div class="field" key={f.key}>
              <label class="label" for={id(f.key)}>{f.label}</label>
              <div class="input-row">
                <input
                  id={id(f.key)}
                  name={f.key}
                  type={secret ? 'password' : 'text'}
                  autocomplete={secret ? 'new-password' : 'off'}
                  spellcheck={false}
                  value={values[f.key] ?? ''}
                  placeholder={placeholder}
                  disabled={Boolean(ro) || busy}
                  aria-describedby={hint ? `${id(f.key)}-hint` : undefined}
                  data-secret={secret ? 'true' : undefined}
                  onInput={(e) => { const v = e.currentTarget.value; setValues((s) => ({ ...s, [f.key]: v })); }}
                />
                {secret && current && !ro && (
                  <button type="button" class="btn btn-small btn-ghost" onClick={() => setClearing(f)} disabled={busy}>Remove</button>
                )}
              </div>
              {hint && <p class="hint" id={`${id(f.key)}-hint`}>{hint}</p>}
            </div>
          );
        })}
        <ErrorNotice error={error} />
        <div class="form-actions">
          <button type="submit" class="btn btn-primary" disabled={!dirty || busy}>{busy ? 'Saving…' : 'Save'}</button>
          <ProviderTest name={def.name} label={def.label} disabled={!status?.configured || busy || dirty} />
          <span class="text-ok" role="status">{saved}</span>
        </div>
        {dirty && status?.configured && <p class="hint">Save your changes before testing the connection.</p>}
      </form>
      <ConfirmDialog
        open={clearing !== null}
        title={`Remove the ${def.label} ${clearing?.label ?? ''}?`}
        confirmLabel="Remove"
        danger
        onCancel={() => setClearing(null)}
        onConfirm={() => { const f = clearing; setClearing(null); if (f) void send({ [f.key]: null } as SettingsPatch, `${f.label} removed.`); }}
      >
        <p>Calls to {def.label} will fail with 503 until a new value is saved.</p>
      </ConfirmDialog>
    </Card>
  );
}
