import { useState } from 'preact/hooks';
import { api, errorText } from '../api/client';
import type { BridgeToken, Budget, CreatedToken, Status } from '../api/types';
import { budgetFromFields, fieldsFromBudget } from '../lib/cost';
import { BudgetCell, BudgetDialog, BudgetFields } from './token-budget';
import { ConfirmDialog } from '../components/confirm-dialog';
import { CopyButton } from '../components/copy-button';
import { Card, EmptyState, ErrorNotice, Loading, PageHeader, Pill } from '../components/ui';
import { fullTime, relative, shortTime } from '../lib/format';
import { useAsync } from '../lib/use-async';
import { endpointsOf } from './overview';
import { SetupSnippets } from './setup-snippets';

/** Shown once, right after creation: the token in full, with copy and the setup filled in. */
function NewToken({ created, status, onDone }: { created: CreatedToken; status?: Status; onDone: () => void }) {
  return (
    <Card class="new-token" title={`Token “${created.name}” created`} id="new-token">
      <div class="notice notice-warn" role="alert">
        <span class="notice-icon" aria-hidden="true">!</span>
        <div class="notice-body">Copy it now: this is the only time the full token is shown. If you lose it, revoke it and create another.</div>
      </div>
      <div class="token-reveal">
        <code id="new-token-value">{created.token}</code>
        <CopyButton text={created.token} label="Copy the new token" />
      </div>
      <details class="token-setup">
        <summary>Set up a client with this token</summary>
        <SetupSnippets endpoints={endpointsOf(status)} token={created.token} />
      </details>
      <button type="button" class="btn" onClick={onDone}>Done, I have copied it</button>
    </Card>
  );
}

export function TokensPage() {
  const list = useAsync((signal) => api.get<{ results: BridgeToken[] }>('/tokens', signal), []);
  const status = useAsync((signal) => api.get<Status>('/status', signal), []);
  const [name, setName] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [created, setCreated] = useState<CreatedToken | null>(null);
  const [revoking, setRevoking] = useState<BridgeToken | null>(null);
  const [budgetFields, setBudgetFields] = useState(fieldsFromBudget(null));
  const [editing, setEditing] = useState<BridgeToken | null>(null);

  const create = async (e: Event) => {
    e.preventDefault();
    const n = name.trim();
    if (!n) {
      setError('Give the token a name — who or what will use it, e.g. “alice-laptop” or “ci”. It shows as the initiator of each call.');
      return;
    }
    let budget: Budget | null;
    try {
      budget = budgetFromFields(budgetFields);
    } catch (err) {
      setError(errorText(err));
      return;
    }
    setBusy(true);
    setError(null);
    try {
      setCreated(await api.post<CreatedToken>('/tokens', budget ? { name: n, budget } : { name: n }));
      setName('');
      setBudgetFields(fieldsFromBudget(null));
      list.reload();
    } catch (err) {
      setError(`The token was not created: ${errorText(err)}`);
    } finally {
      setBusy(false);
    }
  };

  const revoke = async (t: BridgeToken) => {
    setRevoking(null);
    setError(null);
    try {
      await api.del(`/tokens/${encodeURIComponent(t.id)}`);
      list.reload();
    } catch (err) {
      setError(`“${t.name}” was not revoked: ${errorText(err)}`);
    }
  };

  /** `PUT /tokens/{id}/budget` (null clears); the error text for the dialog, or null when saved. */
  const saveBudget = async (t: BridgeToken, budget: Budget | null): Promise<string | null> => {
    try {
      await api.put(`/tokens/${encodeURIComponent(t.id)}/budget`, budget);
      setEditing(null);
      list.reload();
      return null;
    } catch (err) {
      return `The budget was not saved: ${errorText(err)}`;
    }
  };

  const tokens = list.data?.results ?? [];
  const sorted = [...tokens].sort((a, b) => Number(Boolean(a.revoked_at)) - Number(Boolean(b.revoked_at)) || b.created_at.localeCompare(a.created_at));
  return (
    <>
      <PageHeader title="Bridge tokens" description="Each tool or person gets a token to use as its API key. Calls are recorded under the token’s name; revoke a token to cut it off at once." />
      {created && <NewToken created={created} status={status.data} onDone={() => setCreated(null)} />}
      <Card title="Create a token" id="create-token">
        <form class="inline-form" onSubmit={(e) => void create(e)}>
          <label class="field grow">
            <span class="label">Name</span>
            <input type="text" name="token-name" value={name} maxLength={100} placeholder="e.g. alice-laptop" autocomplete="off" onInput={(e) => setName(e.currentTarget.value)} />
          </label>
          <button type="submit" class="btn btn-primary" disabled={busy}>{busy ? 'Creating…' : 'Create token'}</button>
          <details class="create-budget">
            <summary>Budget (optional)</summary>
            <BudgetFields fields={budgetFields} onChange={setBudgetFields} idPrefix="budget-new" />
            <p class="hint">Calls are refused with 429 once the token reaches a limit, until the local day or month ends. Empty = no limit.</p>
          </details>
        </form>
        <ErrorNotice error={error} />
      </Card>
      <Card title="Tokens" id="token-list">
        <ErrorNotice error={list.error} onRetry={list.reload} />
        {list.loading && !list.data && <Loading />}
        {list.data && tokens.length === 0 && (
          <EmptyState title="No bridge tokens yet">Create one above, then use it as the API key in Claude Code, Codex or an SDK.</EmptyState>
        )}
        {tokens.length > 0 && (
          <div class="table-wrap">
            <table class="table">
              <thead>
                <tr><th scope="col">Name</th><th scope="col">Token</th><th scope="col">Created</th><th scope="col">Last used</th><th scope="col">Budget and spend</th><th scope="col">Status</th><th scope="col"><span class="sr-only">Actions</span></th></tr>
              </thead>
              <tbody>
                {sorted.map((t) => (
                  <tr key={t.id} class={t.revoked_at ? 'is-revoked' : ''}>
                    <th scope="row">{t.name}</th>
                    <td><code>{t.prefix ? `${t.prefix}…` : '—'}</code></td>
                    <td title={fullTime(t.created_at)}>{shortTime(t.created_at)}</td>
                    <td title={t.last_used_at ? fullTime(t.last_used_at) : undefined}>{t.last_used_at ? relative(t.last_used_at) : <span class="muted">never</span>}</td>
                    <td class="budget-cell">{t.revoked_at ? <span class="muted">—</span> : <BudgetCell token={t} />}</td>
                    <td>{t.revoked_at ? <span title={fullTime(t.revoked_at)}><Pill tone="bad">Revoked {relative(t.revoked_at)}</Pill></span> : <Pill tone="ok">Active</Pill>}</td>
                    <td class="actions">
                      {!t.revoked_at && <button type="button" class="btn btn-small" onClick={() => setEditing(t)} aria-label={`Budget of ${t.name}`}>Budget</button>}
                      {!t.revoked_at && <button type="button" class="btn btn-small btn-danger-ghost" onClick={() => setRevoking(t)} aria-label={`Revoke ${t.name}`}>Revoke</button>}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Card>
      <BudgetDialog token={editing} onSave={saveBudget} onClose={() => setEditing(null)} />
      <ConfirmDialog
        open={revoking !== null}
        title={`Revoke “${revoking?.name ?? ''}”?`}
        confirmLabel="Revoke token"
        danger
        onCancel={() => setRevoking(null)}
        onConfirm={() => { if (revoking) void revoke(revoking); }}
      >
        <p>Tools using this token get 401 from their next call. This cannot be undone; its past interceptions stay.</p>
      </ConfirmDialog>
    </>
  );
}
