/**
 * The Interception record, field for field as in SPEC §6 (Coder AI Bridge names).
 * Everything the store keeps, the admin API returns and the log/export writes is built from these.
 */

export type ProviderKind = 'anthropic' | 'openai' | 'bedrock';
export type Api = 'messages' | 'chat_completions' | 'responses';
export type InterceptionStatus = 'in_flight' | 'completed' | 'failed' | 'cancelled' | 'interrupted';
/** Statuses a finished record can have (everything but `in_flight`). */
export type EndStatus = Exclude<InterceptionStatus, 'in_flight'>;

export type Metadata = Record<string, unknown>;

export interface Initiator {
  /** The bridge token's id (never the token itself). */
  id: string;
  /** The bridge token's name. */
  name: string;
}

export interface TokenUsage {
  id: string;
  interception_id: string;
  provider_response_id: string;
  /** Input tokens excluding cache reads. */
  input_tokens: number;
  output_tokens: number;
  cache_read_input_tokens: number;
  cache_write_input_tokens: number;
  /** `reasoning_tokens` lives here when the provider reports it. */
  metadata: Metadata;
  created_at: string;
}

export interface UserPrompt {
  id: string;
  interception_id: string;
  provider_response_id: string;
  prompt: string;
  metadata: Metadata;
  created_at: string;
}

export interface ToolUsage {
  id: string;
  interception_id: string;
  provider_response_id: string;
  tool_call_id: string;
  tool: string;
  /** Parsed JSON arguments, or the raw string when they are not valid JSON. */
  input: unknown;
  server_url: string | null;
  injected: boolean;
  invocation_error: string | null;
  metadata: Metadata;
  created_at: string;
}

export interface ModelThought {
  id: string;
  interception_id: string;
  content: string;
  metadata: Metadata;
  created_at: string;
}

export interface Interception {
  id: string;
  initiator: Initiator;
  provider: ProviderKind;
  /** The configured provider instance name (today equal to `provider`). */
  provider_name: string;
  model: string;
  api: Api;
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
