import { useState } from 'preact/hooks';
import { apiFetch, errorText, query } from '../api/client';
import { Card, ErrorNotice } from '../components/ui';
import { fromLocalInput, int, toLocalInput } from '../lib/format';
import { saveBlob } from '../lib/download';
import { exportFileName } from '../lib/export-name';

const PRESETS = [
  { value: '24h', label: 'Last 24 hours' },
  { value: '7d', label: 'Last 7 days' },
  { value: '30d', label: 'Last 30 days' },
  { value: 'all', label: 'Everything kept' },
  { value: 'custom', label: 'Custom range' },
];

/** "Export…": fetches /export with the admin token and saves the answer as a file. */
export function ExportCard() {
  const [range, setRange] = useState('7d');
  const [from, setFrom] = useState(() => toLocalInput(Date.now() - 7 * 86400e3));
  const [to, setTo] = useState(() => toLocalInput(Date.now()));
  const [format, setFormat] = useState<'jsonl' | 'ecs' | 'ocsf'>('jsonl');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);

  const run = async (e: Event) => {
    e.preventDefault();
    setError(null);
    setDone(null);
    let since: string | undefined;
    let until: string | undefined;
    if (range === 'custom') {
      since = fromLocalInput(from) ?? undefined;
      until = fromLocalInput(to) ?? undefined;
      if (since && until && since >= until) {
        setError('The start of the range must be before its end.');
        return;
      }
    } else if (range !== 'all') {
      since = range;
    }
    setBusy(true);
    try {
      const res = await apiFetch(`/export${query({ format, since, until })}`, { headers: { Accept: 'application/x-ndjson' } });
      const blob = await res.blob();
      const lines = blob.size ? (await blob.text()).split('\n').filter(Boolean).length : 0;
      const name = exportFileName(format);
      saveBlob(new Blob([blob], { type: 'application/x-ndjson' }), name);
      setDone(lines ? `Saved ${name}: ${int(lines)} line${lines === 1 ? '' : 's'}.` : `Saved ${name}. It is empty: no interceptions started in that range.`);
    } catch (err) {
      setError(`Export failed: ${errorText(err)}`);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Card title="Export" id="export">
      <p class="muted">Download stored interceptions as log lines for a SIEM — the same lines as <code>aibridge export</code>.</p>
      <form class="form" onSubmit={(e) => void run(e)}>
        <div class="form-row">
          <label class="field">
            <span class="label">Range</span>
            <select name="export-range" value={range} onChange={(e) => setRange(e.currentTarget.value)}>
              {PRESETS.map((p) => <option key={p.value} value={p.value}>{p.label}</option>)}
            </select>
          </label>
          {range === 'custom' && (
            <>
              <label class="field"><span class="label">From</span><input type="datetime-local" name="export-from" value={from} onChange={(e) => setFrom(e.currentTarget.value)} /></label>
              <label class="field"><span class="label">Until</span><input type="datetime-local" name="export-to" value={to} onChange={(e) => setTo(e.currentTarget.value)} /></label>
            </>
          )}
        </div>
        <fieldset class="field radios">
          <legend class="label">Format</legend>
          <label><input type="radio" name="export-format" value="jsonl" checked={format === 'jsonl'} onChange={() => setFormat('jsonl')} /> JSON lines <span class="muted">(record types as logged)</span></label>
          <label><input type="radio" name="export-format" value="ecs" checked={format === 'ecs'} onChange={() => setFormat('ecs')} /> Elastic Common Schema <span class="muted">(ECS)</span></label>
          <label><input type="radio" name="export-format" value="ocsf" checked={format === 'ocsf'} onChange={() => setFormat('ocsf')} /> OCSF API Activity <span class="muted">(one event per call: Security Lake, SIEMs)</span></label>
        </fieldset>
        <ErrorNotice error={error} />
        <div class="form-actions">
          <button type="submit" class="btn btn-primary" disabled={busy}>{busy ? 'Exporting…' : 'Export…'}</button>
          <span class="text-ok" role="status">{done}</span>
        </div>
      </form>
    </Card>
  );
}
