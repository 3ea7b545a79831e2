/** Hand-built Interception records for the log, export and retention tests. */
import type { Interception } from '../../src/record/types.js';

/** A finished record with one of every part, started at `startedMs`. */
export function makeRecord(n: number, startedMs = Date.UTC(2026, 10, 26, 10, 0, 0), over: Partial<Interception> = {}): Interception {
  const id = `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
  const t = (dt: number): string => new Date(startedMs + dt).toISOString();
  return {
    id,
    initiator: { id: 'tok_1', name: 'alice' },
    provider: 'anthropic',
    provider_name: 'anthropic',
    model: 'claude-sonnet-4-5',
    api: 'messages',
    streaming: true,
    client: 'Claude Code',
    client_session_id: 'sess-1',
    user_agent: 'claude-cli/2.0.0 (external, cli)',
    started_at: t(0),
    ended_at: t(1500),
    status: 'completed',
    http_status: 200,
    error: null,
    metadata: { route: '/anthropic/v1/messages' },
    user_prompts: [{ id: `p${n}`, interception_id: id, provider_response_id: 'msg_1', prompt: `hello ${n}`, metadata: {}, created_at: t(10) }],
    token_usages: [{
      id: `u${n}`, interception_id: id, provider_response_id: 'msg_1', input_tokens: 10, output_tokens: 20,
      cache_read_input_tokens: 3, cache_write_input_tokens: 4, metadata: { reasoning_tokens: 5 }, created_at: t(1400),
    }],
    tool_usages: [{
      id: `t${n}`, interception_id: id, provider_response_id: 'msg_1', tool_call_id: 'toolu_1', tool: 'Read',
      input: { file_path: '/tmp/x' }, server_url: null, injected: false, invocation_error: null, metadata: {}, created_at: t(1200),
    }],
    model_thoughts: [{ id: `m${n}`, interception_id: id, content: 'thinking…', metadata: {}, created_at: t(600) }],
    ...over,
  };
}
