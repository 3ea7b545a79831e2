import { describe, expect, it } from 'vitest';
import { formatInterceptionLines, formatLogLine, interceptionLogLines } from '../../../src/record/log-lines.js';
import { makeRecord } from '../../helpers/make-record.js';

const HEAD = ['level', 'time', 'msg', 'record_type', 'interception_id'];
// SPEC §7 table, field for field and in this order.
const FIELDS: Record<string, string[]> = {
  interception_start: ['initiator_id', 'initiator_name', 'provider', 'provider_name', 'model', 'api', 'streaming', 'client', 'client_session_id', 'user_agent', 'started_at', 'metadata'],
  interception_end: ['ended_at', 'status', 'http_status', 'error', 'cost_usd'],
  token_usage: ['msg_id', 'input_tokens', 'output_tokens', 'cache_read_input_tokens', 'cache_write_input_tokens', 'created_at', 'metadata'],
  prompt_usage: ['msg_id', 'prompt', 'created_at', 'metadata'],
  tool_usage: ['msg_id', 'tool_call_id', 'tool', 'input', 'server_url', 'injected', 'invocation_error', 'created_at', 'metadata'],
  model_thought: ['content', 'created_at', 'metadata'],
};

describe('interceptionLogLines', () => {
  it('emits the SPEC §7 lines in order with exactly the table fields', () => {
    const rec = makeRecord(1);
    const lines = interceptionLogLines(rec);
    expect(lines.map((l) => l.record_type)).toEqual([
      'interception_start', 'prompt_usage', 'token_usage', 'tool_usage', 'model_thought', 'interception_end',
    ]);
    for (const l of lines) {
      expect(Object.keys(l)).toEqual([...HEAD, ...(FIELDS[l.record_type] ?? ['?'])]);
      expect(l.msg).toBe('interception log');
      expect(l.level).toBe('info');
      expect(l.interception_id).toBe(rec.id);
      expect(l.time).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    }
  });

  it('takes values from the record (msg_id = provider_response_id, time = the part time)', () => {
    const rec = makeRecord(2);
    const [start, prompt, usage, tool, thought, end] = interceptionLogLines(rec);
    expect(start).toMatchObject({
      time: rec.started_at, initiator_id: 'tok_1', initiator_name: 'alice', provider: 'anthropic', provider_name: 'anthropic',
      model: 'claude-sonnet-4-5', api: 'messages', streaming: true, client: 'Claude Code', client_session_id: 'sess-1',
      user_agent: 'claude-cli/2.0.0 (external, cli)', started_at: rec.started_at, metadata: { route: '/anthropic/v1/messages' },
    });
    expect(prompt).toMatchObject({ time: rec.user_prompts[0]?.created_at, msg_id: 'msg_1', prompt: 'hello 2' });
    expect(usage).toMatchObject({ msg_id: 'msg_1', input_tokens: 10, output_tokens: 20, cache_read_input_tokens: 3, cache_write_input_tokens: 4, metadata: { reasoning_tokens: 5 } });
    expect(tool).toMatchObject({ msg_id: 'msg_1', tool_call_id: 'toolu_1', tool: 'Read', input: { file_path: '/tmp/x' }, server_url: null, injected: false, invocation_error: null });
    expect(thought).toMatchObject({ content: 'thinking…' });
    expect(end).toMatchObject({ time: rec.ended_at, ended_at: rec.ended_at, status: 'completed', http_status: 200, error: null });
  });

  it('keeps every part in order when there are several (parallel tools, several responses)', () => {
    const base = makeRecord(3);
    const tool = base.tool_usages[0];
    const usage = base.token_usages[0];
    if (!tool || !usage) throw new Error('fixture');
    const rec = { ...base, tool_usages: [tool, { ...tool, id: 't2', tool_call_id: 'toolu_2', tool: 'Bash', input: 'not json' }],
      token_usages: [usage, { ...usage, id: 'u2', provider_response_id: 'msg_2' }] };
    const lines = interceptionLogLines(rec);
    expect(lines.map((l) => l.record_type)).toEqual([
      'interception_start', 'prompt_usage', 'token_usage', 'token_usage', 'tool_usage', 'tool_usage', 'model_thought', 'interception_end',
    ]);
    expect(lines[5]).toMatchObject({ tool: 'Bash', input: 'not json' });
    expect(lines[3]).toMatchObject({ msg_id: 'msg_2' });
  });

  it('writes a failed record with its error and no parts but the prompt', () => {
    const rec = makeRecord(4, undefined, { status: 'failed', http_status: 502, error: 'upstream unreachable', token_usages: [], tool_usages: [], model_thoughts: [] });
    const lines = interceptionLogLines(rec);
    expect(lines.map((l) => l.record_type)).toEqual(['interception_start', 'prompt_usage', 'interception_end']);
    expect(lines[2]).toMatchObject({ status: 'failed', http_status: 502, error: 'upstream unreachable' });
  });

  it('has no end line for an in-flight record and normalises offsets to UTC', () => {
    const rec = makeRecord(5, undefined, { status: 'in_flight', ended_at: null, started_at: '2026-11-26T12:00:00+02:00', user_prompts: [], token_usages: [], tool_usages: [], model_thoughts: [] });
    const lines = interceptionLogLines(rec);
    expect(lines.map((l) => l.record_type)).toEqual(['interception_start']);
    expect(lines[0]?.time).toBe('2026-11-26T10:00:00.000Z');
  });

  it('serializes as one compact JSON object per line, deterministically', () => {
    const rec = makeRecord(6);
    const text = formatInterceptionLines(rec);
    expect(text.endsWith('\n')).toBe(true);
    const rows = text.trimEnd().split('\n');
    expect(rows).toHaveLength(6);
    for (const r of rows) expect(JSON.parse(r)).toBeTypeOf('object');
    expect(formatInterceptionLines(JSON.parse(JSON.stringify(rec)))).toBe(text);
    expect(formatLogLine({ a: 1 })).toBe('{"a":1}\n');
    expect(rows[0]?.startsWith('{"level":"info","time":"2026-11-26T10:00:00.000Z","msg":"interception log","record_type":"interception_start"')).toBe(true);
  });
});
