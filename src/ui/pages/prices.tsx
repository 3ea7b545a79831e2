import { useState } from 'preact/hooks';
import { api, errorText } from '../api/client';
import type { PriceOverride, PriceOverrides, PricesView, ShownRates } from '../api/types';
import { ConfirmDialog } from '../components/confirm-dialog';
import { Card, EmptyState, ErrorNotice, Loading, Notice, PageHeader, Pill } from '../components/ui';
import { NO_PRICE } from '../lib/cost';
import { int } from '../lib/format';
import { useAsync } from '../lib/use-async';
import { PROVIDER_LABEL } from './overview';

/** The price classes (SPEC §11), in the order the gateway lists them. */
const CLASSES = [
  { key: 'input', label: 'Input' },
  { key: 'output', label: 'Output' },
  { key: 'cache_read', label: 'Cache read' },
  { key: 'cache_write', label: 'Cache write (5 min)' },
  { key: 'cache_write_1h', label: 'Cache write (1 h)' },
] as const;
type ClassKey = (typeof CLASSES)[number]['key'];
type Fields = Record<ClassKey, string>;

const emptyFields = (): Fields => ({ input: '', output: '', cache_read: '', cache_write: '', cache_write_1h: '' });
const rate = (n: number | null | undefined) => (n === null || n === undefined ? '—' : `$${Number(n.toPrecision(6))}`);

/** The form's fields → an override; a message when a value is not a price or none is given. */
function overrideFrom(fields: Fields): PriceOverride {
  const out: PriceOverride = {};
  for (const { key, label } of CLASSES) {
    const raw = fields[key].trim().replace(/^\$/, '');
    if (raw === '') continue;
    const n = Number(raw);
    if (!Number.isFinite(n) || n < 0) throw new Error(`${label}: “${fields[key]}” is not a price in USD per million tokens (0 or more).`);
    out[key] = n;
  }
  if (Object.keys(out).length === 0) throw new Error('Give at least one price, e.g. Input 3 and Output 15 (USD per million tokens).');
  return out;
}

function fieldsFrom(o: PriceOverride | ShownRates | null | undefined): Fields {
  const f = emptyFields();
  if (!o) return f;
  for (const { key } of CLASSES) {
    const v = o[key];
    if (typeof v === 'number') f[key] = String(v);
  }
  return f;
}

export function PricesPage() {
  const view = useAsync((signal) => api.get<PricesView>('/prices', signal), []);
  const [model, setModel] = useState('');
  const [fields, setFields] = useState<Fields>(emptyFields);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const [removing, setRemoving] = useState<string | null>(null);

  const v = view.data;
  const fixed = new Set((v?.fixed ?? []).map((m) => m.toLowerCase()));
  const isFixed = (m: string) => fixed.has(m.trim().toLowerCase());

  /** PUT replaces the whole set: send every override in force (the config file's unchanged). */
  const put = async (next: PriceOverrides, done: string) => {
    setBusy(true);
    setError(null);
    setSaved(null);
    try {
      view.setData(await api.put<PricesView>('/prices', { overrides: next }));
      setSaved(done);
      return true;
    } catch (err) {
      setError(`Not saved: ${errorText(err)}`);
      return false;
    } finally {
      setBusy(false);
    }
  };

  const save = async (e: Event) => {
    e.preventDefault();
    const name = model.trim();
    if (!name) { setError('Name the model the price is for, as clients send it (e.g. “my-local-llama” or “claude-sonnet-4-5”).'); return; }
    if (isFixed(name)) { setError(`The price of “${name}” is set in ${v?.fixed_origin ?? 'the config file'}; change it there.`); return; }
    let o: PriceOverride;
    try { o = overrideFrom(fields); } catch (err) { setError(errorText(err)); return; }
    const rest = Object.fromEntries(Object.entries(v?.overrides ?? {}).filter(([k]) => k.toLowerCase() !== name.toLowerCase()));
    if (await put({ ...rest, [name]: o }, `Saved the price of “${name}”. Every record of it is priced at it now, past ones too.`)) {
      setModel('');
      setFields(emptyFields());
    }
  };

  const remove = async (name: string) => {
    setRemoving(null);
    const rest = Object.fromEntries(Object.entries(v?.overrides ?? {}).filter(([k]) => k !== name));
    await put(rest, `Removed the override of “${name}”: it is priced from the catalog again (or has no price if the catalog does not know it).`);
  };

  const edit = (name: string, o: PriceOverride | ShownRates | null) => {
    setModel(name);
    setFields(fieldsFrom(o));
    setError(null);
    setSaved(null);
    window.setTimeout(() => document.getElementById('price-model')?.focus(), 0);
  };

  const overrides = Object.entries(v?.overrides ?? {}).sort(([a], [b]) => a.localeCompare(b));
  return (
    <>
      <PageHeader
        title="Prices"
        description={<>USD per million tokens. Prices come from the bundled <code>@pydantic/genai-prices</code> catalog; an override wins over it, for your own or self-hosted models and negotiated rates. Costs are always worked out at the current prices, so a change here re-prices past calls too.</>}
      />
      <ErrorNotice error={view.error} onRetry={view.reload} />
      {view.loading && !v && <Loading />}
      {v && (
        <>
          <Card title="Models used in the last 30 days" id="price-models">
            {v.models.length === 0 && <EmptyState title="No calls in the last 30 days">Models appear here with their price once tools call them through the bridge. You can still set a price below.</EmptyState>}
            {v.models.length > 0 && (
              <div class="table-wrap">
                <table class="table price-table">
                  <thead>
                    <tr>
                      <th scope="col">Model</th><th scope="col" class="num">Calls</th><th scope="col">Priced as</th>
                      {CLASSES.map((c) => <th scope="col" class="num" key={c.key}>{c.label}</th>)}
                      <th scope="col"><span class="sr-only">Actions</span></th>
                    </tr>
                  </thead>
                  <tbody>
                    {v.models.map((m) => (
                      <tr key={`${m.provider}/${m.model}`} data-model={m.model}>
                        <th scope="row"><span class="cell-main model">{m.model}</span><span class="cell-sub provider-tag">{PROVIDER_LABEL[m.provider] ?? m.provider}</span></th>
                        <td class="num">{int(m.requests)}</td>
                        <td>
                          {m.usd_per_mtok === null
                            ? <Pill tone="warn">{NO_PRICE}</Pill>
                            : <><code>{m.priced_model}</code> {m.source === 'override' ? <Pill tone="ok">override</Pill> : <Pill tone="muted">catalog</Pill>}{m.usd_per_mtok.tiered && <span class="muted" title="The catalog has a higher rate above a number of input tokens (e.g. 200k)"> tiered</span>}</>}
                        </td>
                        {CLASSES.map((c) => <td class="num" key={c.key}>{m.usd_per_mtok ? rate(m.usd_per_mtok[c.key]) : <span class="muted">—</span>}</td>)}
                        <td class="actions">
                          {!isFixed(m.model) && (
                            <button type="button" class="btn btn-small" aria-label={`Set a price for ${m.model}`} onClick={() => edit(m.model, m.source === 'override' ? (v.overrides[m.priced_model] ?? m.usd_per_mtok) : m.usd_per_mtok)}>
                              {m.usd_per_mtok === null ? 'Set a price' : 'Override'}
                            </button>
                          )}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
          </Card>
          <Card title={model && overrides.some(([k]) => k.toLowerCase() === model.trim().toLowerCase()) ? 'Change an override' : 'Set a price'} id="price-form">
            <form onSubmit={(e) => void save(e)}>
              <div class="form-row">
                <label class="field grow">
                  <span class="label">Model</span>
                  <input id="price-model" type="text" name="price-model" value={model} list="price-model-names" placeholder="e.g. my-local-llama" autocomplete="off" onInput={(e) => setModel(e.currentTarget.value)} />
                  <datalist id="price-model-names">{v.models.map((m) => <option key={m.model} value={m.model} />)}</datalist>
                </label>
              </div>
              <div class="form-row price-fields">
                {CLASSES.map((c) => (
                  <label class="field" key={c.key}>
                    <span class="label">{c.label}</span>
                    <input type="text" inputMode="decimal" name={`price-${c.key}`} value={fields[c.key]} placeholder="catalog" autocomplete="off" onInput={(e) => setFields({ ...fields, [c.key]: e.currentTarget.value })} />
                  </label>
                ))}
              </div>
              <p class="hint">USD per million tokens. A class left empty keeps the catalog's rate; for a model the catalog does not know, empty cache classes are priced as input.</p>
              <div class="inline-form">
                <button type="submit" class="btn btn-primary" disabled={busy}>{busy ? 'Saving…' : 'Save price'}</button>
                {(model || Object.values(fields).some(Boolean)) && <button type="button" class="btn btn-ghost" onClick={() => edit('', null)}>Clear form</button>}
              </div>
            </form>
            <ErrorNotice error={error} />
            {saved && <div role="status"><Notice kind="ok">{saved}</Notice></div>}
          </Card>
          <Card title="Overrides" id="price-overrides">
            {overrides.length === 0 && <p class="muted">No overrides: every model is priced from the catalog.</p>}
            {overrides.length > 0 && (
              <div class="table-wrap">
                <table class="table">
                  <thead>
                    <tr><th scope="col">Model</th>{CLASSES.map((c) => <th scope="col" class="num" key={c.key}>{c.label}</th>)}<th scope="col"><span class="sr-only">Actions</span></th></tr>
                  </thead>
                  <tbody>
                    {overrides.map(([name, o]) => (
                      <tr key={name} data-override={name}>
                        <th scope="row"><code>{name}</code></th>
                        {CLASSES.map((c) => <td class="num" key={c.key}>{o[c.key] === undefined ? <span class="muted">catalog</span> : rate(o[c.key])}</td>)}
                        <td class="actions">
                          {isFixed(name)
                            ? <span class="muted" title={`Set in ${v.fixed_origin ?? 'the config file'}`}>config file</span>
                            : <>
                                <button type="button" class="btn btn-small" aria-label={`Edit the price of ${name}`} onClick={() => edit(name, o)}>Edit</button>
                                <button type="button" class="btn btn-small btn-danger-ghost" aria-label={`Remove the override of ${name}`} onClick={() => setRemoving(name)}>Remove</button>
                              </>}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
            {v.fixed.length > 0 && <p class="hint">Prices marked “config file” are set under <code>prices:</code> in {v.fixed_origin ?? 'the config file'} and can only be changed there.</p>}
          </Card>
        </>
      )}
      <ConfirmDialog
        open={removing !== null}
        title={`Remove the override of “${removing ?? ''}”?`}
        confirmLabel="Remove override"
        danger
        onCancel={() => setRemoving(null)}
        onConfirm={() => { if (removing) void remove(removing); }}
      >
        <p>Its calls, past ones included, are priced from the catalog again — or show “no price” if the catalog does not know the model.</p>
      </ConfirmDialog>
    </>
  );
}
