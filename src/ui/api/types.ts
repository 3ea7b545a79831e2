/**
 * Shapes of the admin API (docs/admin-api.md, SPEC §5/§6) as the dashboard reads them.
 * The record types come from the gateway as type-only imports (erased at build time), so the UI
 * bundle holds no server code and the two never drift apart.
 */

export type { InterceptionStatus, Metadata } from '../../record/types.js';

export interface ProviderStatus {
  name: string;
  type: string;
  configured: boolean;
  via?: string | null;
}

export interface TodayStats {
  requests: number;
  input_tokens: number;
  output_tokens: number;
  cache_read_input_tokens: number;
  cache_write_input_tokens: number;
  /** USD of today's calls at the current prices (SPEC §11). */
  cost_usd?: number;
}

export type SecretStorage = 'file' | 'os-encrypted';

export interface Status {
  enabled: boolean;
  version: string;
  listen: string;
  health?: { ok: boolean; store?: { ok: boolean; error: string | null } };
  providers: ProviderStatus[];
  endpoints?: { anthropic: string; openai: string; bedrock: string };
  today?: TodayStats;
  in_flight?: number;
  secret_storage?: SecretStorage;
  /** OpenTelemetry export health (SPEC §14). */
  telemetry?: TelemetryStatus;
  /** Budget alerts of the current day / month (SPEC §11). */
  budget_alerts?: BudgetAlert[];
  /** What the owner should know now (listening beyond loopback, a degraded start…). */
  warnings?: string[];
  /** The full-text index (SPEC §15): `building` while it catches up after start. */
  search_index?: SearchIndexStatus | null;
}

export type { SearchIndexStatus } from '../../store/interceptions/types.js';
import type { SearchIndexStatus } from '../../store/interceptions/types.js';

export type { Budget, BudgetAlert, BudgetKind, Spend } from '../../record/budgets.js';
import type { Budget, BudgetAlert, Spend } from '../../record/budgets.js';

export type { TelemetryStatus } from '../../gateway/telemetry/index.js';
import type { TelemetryStatus } from '../../gateway/telemetry/index.js';

export interface SettingsValues {
  enabled: boolean;
  host: string;
  port: number;
  openai_key: string | null;
  openai_base_url: string | null;
  anthropic_key: string | null;
  anthropic_base_url: string | null;
  bedrock_region: string | null;
  bedrock_access_key: string | null;
  bedrock_access_key_secret: string | null;
  bedrock_model: string | null;
  bedrock_small_fast_model: string | null;
  bedrock_base_url: string | null;
  retention: string;
  content_retention: string;
  structured_logging: boolean;
  log_json: string | null;
  max_body_size: number;
  otlp_endpoint: string | null;
  /** Secret: masked when set. */
  otlp_headers: string | null;
  otlp_protocol: 'http/protobuf' | 'http/json';
  otlp_content: boolean;
  /** SPEC §12: secrets in stored content become [REDACTED:RULE]. */
  redact_secrets: boolean;
  /** SPEC §12: a call whose prompt holds a secret is refused (400) before the upstream. */
  block_secrets: boolean;
}

export type SettingKey = keyof SettingsValues;
export type SettingsPatch = { [K in SettingKey]?: SettingsValues[K] | '' };

export interface SettingsResponse {
  settings: SettingsValues;
  sources: Partial<Record<SettingKey, string>>;
  read_only: Partial<Record<SettingKey, string>>;
  secrets: SettingKey[];
  secret_storage: SecretStorage;
}

export interface ProviderTestResult {
  ok: boolean;
  status: number | null;
  message: string;
  models?: string[];
}

export interface BridgeToken {
  id: string;
  name: string;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
  prefix?: string;
  /** Spending limits (SPEC §11), or null. */
  budget?: Budget | null;
  /** Spend of the current local day and month. */
  spend?: Spend;
}

export interface CreatedToken {
  id: string;
  name: string;
  created_at: string;
  token: string;
}

// The record itself is the server's type (SPEC §6), shared rather than copied; the admin API adds
// its `cost` (SPEC §11) when it sends one.
import type { Interception as StoredInterception } from '../../record/types.js';
import type { Cost } from '../../record/cost.js';
export type { Cost };
export type Interception = StoredInterception & { cost?: Cost };

export interface InterceptionPage {
  count: number;
  results: Interception[];
  /** The server's byte budget ended the page before `limit` records (more follow after the last). */
  partial?: true;
}

export type { UsageGroup, UsageRow, SessionRow } from '../../gateway/routes/usage.js';
import type { UsageGroup, UsageRow } from '../../gateway/routes/usage.js';

export interface UsageResponse {
  group_by: UsageGroup;
  results: UsageRow[];
}

export type { PricesView, ShownRates } from '../../gateway/routes/prices.js';
export type { PriceOverride, PriceOverrides } from '../../record/prices.js';

export interface ApiErrorBody {
  error?: { message?: string; type?: string; code?: string };
}

export type { ConnectStatus } from '../../store/connect.js';
