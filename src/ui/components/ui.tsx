import type { ComponentChildren } from 'preact';
import type { InterceptionStatus } from '../api/types';

/** Small presentational pieces shared by the pages. */

export function PageHeader({ title, description, actions }: { title: string; description?: ComponentChildren; actions?: ComponentChildren }) {
  return (
    <header class="page-header">
      <div>
        <h1 tabIndex={-1} id="page-title">{title}</h1>
        {description && <p class="page-desc">{description}</p>}
      </div>
      {actions && <div class="page-actions">{actions}</div>}
    </header>
  );
}

export function ErrorNotice({ error, onRetry }: { error: string | null | undefined; onRetry?: () => void }) {
  if (!error) return null;
  return (
    <div class="notice notice-error" role="alert">
      <span class="notice-icon" aria-hidden="true">!</span>
      <div class="notice-body">{error}</div>
      {onRetry && <button type="button" class="btn btn-small" onClick={onRetry}>Try again</button>}
    </div>
  );
}

export function Notice({ kind = 'info', children }: { kind?: 'info' | 'warn' | 'ok'; children: ComponentChildren }) {
  return (
    <div class={`notice notice-${kind}`} role={kind === 'warn' ? 'note' : undefined}>
      <span class="notice-icon" aria-hidden="true">{kind === 'ok' ? '✓' : kind === 'warn' ? '!' : 'i'}</span>
      <div class="notice-body">{children}</div>
    </div>
  );
}

export function EmptyState({ title, children }: { title: string; children?: ComponentChildren }) {
  return (
    <div class="empty">
      <p class="empty-title">{title}</p>
      {children && <div class="empty-body">{children}</div>}
    </div>
  );
}

export function Loading({ label = 'Loading…' }: { label?: string }) {
  return (
    <div class="loading" role="status" aria-live="polite">
      <span class="spinner" aria-hidden="true" />
      {label}
    </div>
  );
}

const STATUS_LABEL: Record<InterceptionStatus, string> = {
  completed: 'Completed',
  failed: 'Failed',
  cancelled: 'Cancelled',
  interrupted: 'Interrupted',
  in_flight: 'In flight',
};

export function StatusBadge({ status }: { status: InterceptionStatus }) {
  return <span class={`badge badge-${status}`}>{STATUS_LABEL[status] ?? status}</span>;
}

export function Pill({ tone, children }: { tone: 'ok' | 'off' | 'warn' | 'bad' | 'muted'; children: ComponentChildren }) {
  return <span class={`pill pill-${tone}`}>{children}</span>;
}

export function Card({ title, children, actions, class: cls = '', id }: { title?: ComponentChildren; children: ComponentChildren; actions?: ComponentChildren; class?: string; id?: string }) {
  return (
    <section class={`card ${cls}`} aria-labelledby={id && title ? `${id}-title` : undefined} id={id}>
      {(title || actions) && (
        <div class="card-head">
          {title && <h2 id={id ? `${id}-title` : undefined}>{title}</h2>}
          {actions && <div class="card-actions">{actions}</div>}
        </div>
      )}
      {children}
    </section>
  );
}

/** The on/off switch: a button with role=switch so keyboard and screen readers get it right. */
export function Switch({ checked, onChange, label, disabled, busy }: { checked: boolean; onChange: (next: boolean) => void; label: string; disabled?: boolean; busy?: boolean }) {
  return (
    <button
      type="button"
      role="switch"
      aria-checked={checked}
      aria-label={label}
      aria-busy={busy}
      disabled={disabled || busy}
      class={`switch ${checked ? 'on' : 'off'}`}
      onClick={() => onChange(!checked)}
    >
      <span class="switch-track" aria-hidden="true"><span class="switch-thumb" /></span>
    </button>
  );
}
