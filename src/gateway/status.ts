/**
 * `GET /api/v1/status` (SPEC §5, docs/admin-api.md): the switch, the version, where the gateway
 * listens, the store's health, the providers, today's figures, overload state and where secrets
 * live. Built from the parts `startApp` composes; read on every request.
 */
import type { Settings } from '../config/schema.js';
import type { TodayTotals } from '../record/today.js';
import type { UsageTotals } from '../record/usage.js';
import type { BudgetAlert } from '../record/budgets.js';
import type { ProviderStatus } from './providers/index.js';
import type { OverloadStatus } from './overload/index.js';
import type { TelemetryStatus } from './telemetry/index.js';
import type { SearchIndexStatus } from '../store/interceptions/types.js';

/** The status document. */
export interface AppStatus {
  enabled: boolean;
  version: string;
  listen: string;
  health: { ok: boolean; store: { ok: boolean; error: string | null } };
  providers: ProviderStatus[];
  endpoints: { anthropic: string; openai: string; bedrock: string };
  /** Today's finished calls (local day), with their cost at the current prices (SPEC §11). */
  today: UsageTotals & { cost_usd: number };
  in_flight: number;
  /** Budget alerts of the current day / month (SPEC §11): the dashboard's banner. */
  budget_alerts: BudgetAlert[];
  overload: OverloadStatus;
  secret_storage: 'file' | 'os-encrypted';
  /** OpenTelemetry export (SPEC §14): `error` is null when healthy. */
  telemetry: TelemetryStatus;
  /**
   * The full-text index (SPEC §15): `building` right after start while it catches up with the
   * stored records; searches are exact meanwhile, only slower (the dashboard says so).
   */
  search_index: SearchIndexStatus | null;
  /** What the owner should know now (listening beyond loopback, a degraded start…): the dashboard shows each. */
  warnings: string[];
}

/** Where each part of the status comes from. */
export interface StatusSources {
  settings(): Settings;
  version: string;
  /** `http://host:port` once listening. */
  listenUrl(): string;
  store: { health(): { ok: boolean; error: string | null }; searchIndex(): SearchIndexStatus | null };
  providers: { status(): ProviderStatus[] };
  /** Today's finished calls, their USD, and the calls in flight. */
  today: Pick<TodayTotals, 'usage' | 'costUsd' | 'inFlight'>;
  budgets: { alerts(): BudgetAlert[] };
  overload: { snapshot(): OverloadStatus };
  secretStorage: 'file' | 'os-encrypted';
  telemetry(): TelemetryStatus;
  /** Said once at start (listening beyond loopback…), kept for the dashboard (issue #13). */
  startWarnings: readonly string[];
  /** What the secret store reports about stored keys now. */
  secretProblems(): string[];
}

/** `/healthz`: ok, or degraded while recording fails (the gateway still proxies). */
export function healthOf(store: { ok: boolean; error: string | null }): { ok: boolean; [k: string]: unknown } {
  return store.ok ? { ok: true } : { ok: false, status: 'degraded', error: `recording fails: ${store.error}` };
}

export function statusOf(src: StatusSources): AppStatus {
  const url = src.listenUrl();
  const store = src.store.health();
  return {
    enabled: src.settings().enabled,
    version: src.version,
    listen: url,
    health: { ok: store.ok, store },
    providers: src.providers.status(),
    endpoints: { anthropic: `${url}/anthropic`, openai: `${url}/openai/v1`, bedrock: `${url}/bedrock` },
    today: { ...src.today.usage(), cost_usd: src.today.costUsd() },
    in_flight: src.today.inFlight(),
    budget_alerts: src.budgets.alerts(),
    overload: src.overload.snapshot(),
    secret_storage: src.secretStorage,
    telemetry: src.telemetry(),
    search_index: src.store.searchIndex(),
    warnings: [
      ...src.startWarnings,
      ...src.secretProblems(),
      ...(store.ok ? [] : [`recording fails: ${store.error} — records are kept in memory and written when the disk takes them again; the gateway keeps proxying`]),
    ],
  };
}
