import { useState } from 'preact/hooks';
import { api, errorText } from '../api/client';
import type { ProviderTestResult } from '../api/types';

/** "Test connection": a cheap real call (models list) with the configured key, result in words. */
export function ProviderTest({ name, label, disabled }: { name: string; label: string; disabled?: boolean }) {
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<ProviderTestResult | null>(null);
  const [error, setError] = useState<string | null>(null);

  const run = async () => {
    setBusy(true);
    setError(null);
    setResult(null);
    try {
      setResult(await api.post<ProviderTestResult>(`/providers/${encodeURIComponent(name)}/test`));
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  const models = result?.models ?? [];
  return (
    <div class="provider-test">
      <button type="button" class="btn btn-small" onClick={() => void run()} disabled={busy || disabled} aria-describedby={`test-${name}-result`}>
        {busy ? 'Testing…' : 'Test connection'}
      </button>
      <div id={`test-${name}-result`} class="test-result" aria-live="polite">
        {busy && <span class="muted">Calling {label}…</span>}
        {error && <span class="text-bad">Test failed: {error}</span>}
        {result && (
          <span class={result.ok ? 'text-ok' : 'text-bad'}>
            {result.ok ? '✓ Connected' : '✗ Not working'}
            {result.status !== null && ` (HTTP ${result.status})`}
            {result.message && ` — ${result.message}`}
            {result.ok && models.length > 0 && (
              <span class="muted"> · {models.length} model{models.length === 1 ? '' : 's'}: {models.slice(0, 4).join(', ')}{models.length > 4 ? ', …' : ''}</span>
            )}
          </span>
        )}
      </div>
    </div>
  );
}
