/**
 * Shapes of the admin API (docs/admin-api.md, SPEC §5/§6) as the dashboard reads them.
 * Kept here rather than imported from the gateway so the UI bundle has no server code in its graph.
 */

export type ProviderName = 'anthropic' | 'openai' | 'bedrock';
export type EndStatus = 'completed' | 'failed' | 'cancelled' | 'interrupted';
export type InterceptionStatus = EndStatus | 'in_flight';
export type Metadata = Record<string, unknown>;

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
}

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
}

export interface CreatedToken {
  id: string;
  name: string;
  created_at: string;
  token: string;
}

export interface TokenUsage {
  id: string;
  interception_id: string;
  provider_response_id: string;
  input_tokens: number;
  output_tokens: number;
  cache_read_input_tokens: number;
  cache_write_input_tokens: number;
  metadata: Metadata;
  created_at: string;
}

export interface UserPrompt {
  id: string;
  provider_response_id: string;
  prompt: string;
  metadata: Metadata;
  created_at: string;
}

export interface ToolUsage {
  id: string;
  provider_response_id: string;
  tool_call_id: string;
  tool: string;
  input: unknown;
  server_url: string | null;
  injected: boolean;
  invocation_error: string | null;
  metadata: Metadata;
  created_at: string;
}

export interface ModelThought {
  id: string;
  content: string;
  metadata: Metadata;
  created_at: string;
}

export interface Interception {
  id: string;
  initiator: { id: string; name: string };
  provider: string;
  provider_name: string;
  model: string;
  api: string;
  streaming: boolean;
  client: string;
  client_session_id: string | null;
  user_agent: string | null;
  started_at: string;
  ended_at: string | null;
  status: InterceptionStatus;
  http_status: number | null;
  error: string | null;
  metadata: Metadata;
  token_usages: TokenUsage[];
  user_prompts: UserPrompt[];
  tool_usages: ToolUsage[];
  model_thoughts: ModelThought[];
}

export interface InterceptionPage {
  count: number;
  results: Interception[];
}

export type UsageGroup = 'model' | 'provider' | 'initiator' | 'client' | 'day';

export interface UsageRow {
  key: string;
  requests: number;
  input_tokens: number;
  output_tokens: number;
  cache_read_input_tokens: number;
  cache_write_input_tokens: number;
  reasoning_tokens?: number;
}

export interface UsageResponse {
  group_by: UsageGroup;
  results: UsageRow[];
}

export interface ApiErrorBody {
  error?: { message?: string; type?: string; code?: string };
}
