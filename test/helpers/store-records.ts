/**
 * Builds Interception records for store tests and the store benchmark: realistic sizes (a prompt,
 * a tool call, a thought, token usage) with controllable sort keys.
 */
import { randomUUID } from 'node:crypto';
import type { Interception, EndStatus } from '../../src/record/types.js';

export interface RecordSpec {
  id?: string;
  startedMs: number;
  provider?: Interception['provider'];
  model?: string;
  initiator?: { id: string; name: string };
  client?: string;
  status?: EndStatus;
  /** Characters of prompt text (default 1,500: a typical coding prompt tail). */
  promptChars?: number;
}

/** An in-flight record as the gateway hands it to begin(). */
export function startedRecord(spec: RecordSpec): Interception {
  const id = spec.id ?? randomUUID();
  return {
    id,
    initiator: spec.initiator ?? { id: 'tok-1', name: 'alice' },
    provider: spec.provider ?? 'anthropic',
    provider_name: spec.provider ?? 'anthropic',
    model: spec.model ?? 'claude-sonnet-4',
    api: spec.provider === 'openai' ? 'responses' : 'messages',
    streaming: true,
    client: spec.client ?? 'Claude Code',
    client_session_id: null,
    user_agent: 'claude-cli/1.0',
    started_at: new Date(spec.startedMs).toISOString(),
    ended_at: null,
    status: 'in_flight',
    http_status: null,
    error: null,
    metadata: {},
    token_usages: [],
    user_prompts: [],
    tool_usages: [],
    model_thoughts: [],
  };
}

/** The same record finished, with all its parts. */
export function finishedRecord(spec: RecordSpec): Interception & { status: EndStatus } {
  const base = startedRecord(spec);
  const id = base.id;
  const at = new Date(spec.startedMs + 1500).toISOString();
  return {
    ...base,
    ended_at: at,
    status: spec.status ?? 'completed',
    http_status: 200,
    token_usages: [{
      id: randomUUID(), interception_id: id, provider_response_id: 'msg_1', input_tokens: 1200,
      output_tokens: 340, cache_read_input_tokens: 9000, cache_write_input_tokens: 0,
      metadata: { reasoning_tokens: 12 }, created_at: at,
    }],
    user_prompts: [{
      id: randomUUID(), interception_id: id, provider_response_id: 'msg_1',
      prompt: 'p'.repeat(spec.promptChars ?? 1500), metadata: {}, created_at: at,
    }],
    tool_usages: [{
      id: randomUUID(), interception_id: id, provider_response_id: 'msg_1', tool_call_id: 'toolu_1',
      tool: 'Bash', input: { command: 'ls -la src' }, server_url: null, injected: false,
      invocation_error: null, metadata: {}, created_at: at,
    }],
    model_thoughts: [{ id: randomUUID(), interception_id: id, content: 'thinking about it', metadata: {}, created_at: at }],
  };
}
