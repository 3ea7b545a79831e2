import { useEffect, useRef, useState } from 'preact/hooks';
import type { BridgeToken, BudgetKind } from '../api/types';
import { ErrorNotice } from '../components/ui';
import { BUDGET_LABEL, budgetFromFields, budgetUse, fieldsFromBudget, usd } from '../lib/cost';
import type { Budget } from '../api/types';

const KINDS: BudgetKind[] = ['usd_per_day', 'usd_per_month', 'tokens_per_day'];
const FIELD_LABEL: Record<BudgetKind, string> = { usd_per_day: 'USD per day', usd_per_month: 'USD per month', tokens_per_day: 'Tokens per day' };

/** The three budget inputs (SPEC §11); empty = no limit. Used by the create form and the dialog. */
export function BudgetFields({ fields, onChange, idPrefix }: { fields: Record<BudgetKind, string>; onChange: (f: Record<BudgetKind, string>) => void; idPrefix: string }) {
  return (
    <div class="form-row budget-fields">
      {KINDS.map((k) => (
        <label class="field" key={k}>
          <span class="label">{FIELD_LABEL[k]}</span>
          <input type="text" inputMode={k === 'tokens_per_day' ? 'numeric' : 'decimal'} id={`${idPrefix}-${k}`} name={`budget-${k}`} value={fields[k]} placeholder="no limit" autocomplete="off" onInput={(e) => onChange({ ...fields, [k]: e.currentTarget.value })} />
        </label>
      ))}
    </div>
  );
}

/** A token's budget and spend in the list: "$1.20 of $5.00 today" per limit, or "none". */
export function BudgetCell({ token }: { token: BridgeToken }) {
  const b = token.budget;
  const spend = token.spend;
  if (!spend) return <span class="muted">—</span>;
  if (!b) {
    return <span class="muted" data-budget="none">No budget · {usd(spend.usd_today)} today, {usd(spend.usd_month)} this month</span>;
  }
  return (
    <ul class="budget-use">
      {KINDS.map((k) => {
        const use = budgetUse(k, b, spend);
        if (!use) return null;
        const tone = use.percent >= 100 ? 'bad' : use.percent >= 80 ? 'warn' : 'ok';
        return (
          <li key={k} data-budget={k} title={`${BUDGET_LABEL[k]}: ${Math.round(use.percent)} % used`}>
            <span class={`budget-meter meter-${tone}`} aria-hidden="true"><span style={{ width: `${Math.min(100, use.percent)}%` }} /></span>
            {use.text}
          </li>
        );
      })}
    </ul>
  );
}

/** Sets or clears one token's budget in a modal dialog. */
export function BudgetDialog({ token, onSave, onClose }: { token: BridgeToken | null; onSave: (t: BridgeToken, b: Budget | null) => Promise<string | null>; onClose: () => void }) {
  const ref = useRef<HTMLDialogElement>(null);
  const [fields, setFields] = useState(fieldsFromBudget(null));
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (token) {
      setFields(fieldsFromBudget(token.budget));
      setError(null);
      if (!d.open) d.showModal();
    } else if (d.open) d.close();
  }, [token]);

  const submit = async (budget: Budget | null) => {
    if (!token) return;
    setBusy(true);
    const err = await onSave(token, budget);
    setBusy(false);
    if (err) setError(err);
  };
  const save = (e: Event) => {
    e.preventDefault();
    try {
      void submit(budgetFromFields(fields));
    } catch (err) {
      setError((err as Error).message);
    }
  };
  return (
    <dialog ref={ref} class="dialog budget-dialog" aria-labelledby="budget-dialog-title" onCancel={(e) => { e.preventDefault(); onClose(); }}>
      <form onSubmit={save}>
        <h2 id="budget-dialog-title">Budget of “{token?.name ?? ''}”</h2>
        <div class="dialog-body">
          <p>A call from this token is refused with 429 once it has reached a limit, until the day (local midnight) or month ends. Leave a field empty for no limit. Calls already running finish, so spend can pass a limit by what was in flight.</p>
          <BudgetFields fields={fields} onChange={setFields} idPrefix="budget-edit" />
          <ErrorNotice error={error} />
        </div>
        <div class="dialog-actions">
          <button type="button" class="btn" onClick={onClose}>Cancel</button>
          {token?.budget && <button type="button" class="btn btn-danger-ghost" disabled={busy} onClick={() => void submit(null)}>Remove budget</button>}
          <button type="submit" class="btn btn-primary" disabled={busy}>{busy ? 'Saving…' : 'Save budget'}</button>
        </div>
      </form>
    </dialog>
  );
}
