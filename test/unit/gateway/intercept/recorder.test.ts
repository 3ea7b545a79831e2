/**
 * startRecord / endRecord (src/gateway/intercept/recorder.ts): the SPEC §6 record from what the
 * pipeline saw. Outcomes come from the real Anthropic codec run over the recorded fixtures
 * (test/fixtures/anthropic/*.sse), so the record is checked against what a real stream yields.
 */
import { describe, expect, it } from 'vitest';
import { endRecord, startRecord, upstreamErrorText, type StartFacts } from '../../../../src/gateway/intercept/recorder.js';
import { messagesCodec } from '../../../../src/gateway/providers/anthropic/codec.js';
import { fixtureBytes, runStream } from '../../../helpers/codec-harness.js';

const T0 = Date.UTC(2026, 11, 6, 10, 0, 0, 0);
const T1 = T0 + 1234;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const start = (over: Partial<StartFacts> = {}): StartFacts => ({
  initiator: { id: 'tok_1', name: 'laptop' },
  provider: 'anthropic',
  providerName: 'anthropic',
  api: 'messages',
  facts: { model: 'claude-sonnet-4-5', streaming: true, prompt: 'read /etc/hosts' },
  client: 'claude-code',
  clientSessionId: 'sess-1',
  userAgent: 'claude-cli/2.0',
  startedAt: T0,
  ...over,
});

const outcomeOf = (fixture: string) => runStream(messagesCodec, [fixtureBytes(fixture)]);

describe('startRecord', () => {
  it('is in flight, carries the request facts and the prompt row tied to its id', () => {
    const r = startRecord(start());
    expect(r.id).toMatch(UUID);
    expect(r).toMatchObject({
      initiator: { id: 'tok_1', name: 'laptop' },
      provider: 'anthropic',
      provider_name: 'anthropic',
      model: 'claude-sonnet-4-5',
      api: 'messages',
      streaming: true,
      client: 'claude-code',
      client_session_id: 'sess-1',
      user_agent: 'claude-cli/2.0',
      started_at: '2026-12-06T10:00:00.000Z',
      ended_at: null,
      status: 'in_flight',
      http_status: null,
      error: null,
      metadata: {},
      token_usages: [],
      tool_usages: [],
      model_thoughts: [],
    });
    expect(r.user_prompts).toHaveLength(1);
    expect(r.user_prompts[0]).toMatchObject({ interception_id: r.id, provider_response_id: '', prompt: 'read /etc/hosts', metadata: {}, created_at: '2026-12-06T10:00:00.000Z' });
    expect(r.user_prompts[0]!.id).toMatch(UUID);
    expect(r.user_prompts[0]!.id).not.toBe(r.id);
  });

  it('a fresh id per call; no prompt row when the last message holds only tool results; a capped prompt marked truncated', () => {
    const a = startRecord(start());
    const b = startRecord(start());
    expect(a.id).not.toBe(b.id);
    expect(startRecord(start({ facts: { model: 'm', streaming: false, prompt: null } })).user_prompts).toEqual([]);
    expect(startRecord(start({ facts: { model: 'm', streaming: false, prompt: null } })).streaming).toBe(false);
    expect(startRecord(start({ promptTruncated: true })).user_prompts[0]!.metadata).toEqual({ truncated: true });
  });
});

describe('endRecord', () => {
  it('a completed stream with a thinking block and a tool call: tokens, tool usage, thoughts, all tied to the record', () => {
    const begun = startRecord(start());
    const outcome = outcomeOf('anthropic/thinking.sse');
    const r = endRecord(begun, { status: 'completed', httpStatus: 200, error: null, endedAt: T1, prompt: 'read /etc/hosts', outcome });
    expect(r.id).toBe(begun.id);
    expect(r).toMatchObject({ status: 'completed', http_status: 200, error: null, started_at: begun.started_at, ended_at: '2026-12-06T10:00:01.234Z', model: 'claude-sonnet-4-5' });
    // The upstream answered with a dated id: kept next to the model asked for (SPEC §10).
    expect(r.metadata).toEqual({ response_model: 'claude-sonnet-4-5-20250929' });
    expect(r.token_usages).toHaveLength(1);
    expect(r.token_usages[0]).toMatchObject({
      interception_id: begun.id,
      provider_response_id: 'msg_01Thinking',
      input_tokens: 50,
      output_tokens: 310,
      cache_read_input_tokens: 0,
      cache_write_input_tokens: 0,
      metadata: {},
      created_at: r.ended_at,
    });
    expect(r.tool_usages).toHaveLength(1);
    expect(r.tool_usages[0]).toMatchObject({
      interception_id: begun.id,
      provider_response_id: 'msg_01Thinking',
      tool_call_id: 'toolu_01ThinkRead',
      tool: 'Read',
      input: { file_path: '/etc/hosts' },
      server_url: null,
      injected: false,
      invocation_error: null,
      metadata: {},
      created_at: r.ended_at,
    });
    expect(r.model_thoughts.map((t) => [t.content, t.metadata, t.interception_id, t.created_at])).toEqual([
      ['Let me think about this. The user wants the hosts file.', { source: 'thinking' }, begun.id, r.ended_at],
      ['Now I should read /etc/hosts.', { source: 'thinking' }, begun.id, r.ended_at],
    ]);
    // The prompt row begun with the call keeps its id, now tied to the first response.
    expect(r.user_prompts).toEqual([
      { id: begun.user_prompts[0]!.id, interception_id: begun.id, provider_response_id: 'msg_01Thinking', prompt: 'read /etc/hosts', metadata: {}, created_at: begun.started_at },
    ]);
    // Every row its own id.
    const ids = [...r.token_usages, ...r.tool_usages, ...r.model_thoughts, ...r.user_prompts].map((x) => x.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(UUID);
    // The begun record is not changed (the store owns what it was handed).
    expect(begun.status).toBe('in_flight');
    expect(begun.token_usages).toEqual([]);
  });

  it('parallel tool calls in order; cache tokens summed as the stream reported them', () => {
    const tools = endRecord(startRecord(start()), { status: 'completed', httpStatus: 200, error: null, endedAt: T1, prompt: 'x', outcome: outcomeOf('anthropic/tool-parallel.sse') });
    const expected = (outcomeOf('anthropic/tool-parallel.sse').responses[0]!.tool_calls);
    expect(expected.length).toBeGreaterThan(1);
    expect(tools.tool_usages.map((t) => [t.tool_call_id, t.tool, t.input])).toEqual(expected.map((t) => [t.tool_call_id, t.tool, t.input]));

    const cache = outcomeOf('anthropic/cache-tokens.sse');
    const usage = cache.responses[0]!.usage!;
    expect(usage.cache_read_input_tokens + usage.cache_write_input_tokens).toBeGreaterThan(0);
    const r = endRecord(startRecord(start()), { status: 'completed', httpStatus: 200, error: null, endedAt: T1, prompt: 'x', outcome: cache });
    expect(r.token_usages[0]).toMatchObject({
      input_tokens: usage.input_tokens,
      output_tokens: usage.output_tokens,
      cache_read_input_tokens: usage.cache_read_input_tokens,
      cache_write_input_tokens: usage.cache_write_input_tokens,
    });
  });

  it('several responses (one call, two messages): one usage row each, the prompt tied to the first, no usage row where none was reported', () => {
    const outcome = {
      error: null,
      responses: [
        { provider_response_id: 'msg_a', usage: { input_tokens: 1, output_tokens: 2, cache_read_input_tokens: 3, cache_write_input_tokens: 4, metadata: { reasoning_tokens: 5 } }, tool_calls: [], thoughts: [] },
        { provider_response_id: 'msg_b', usage: null, tool_calls: [{ tool_call_id: 'c1', tool: 'Bash', input: 'not json' }], thoughts: [{ content: 'plan', source: 'reasoning_summary' as const }] },
      ],
    };
    const r = endRecord(startRecord(start()), { status: 'completed', httpStatus: 200, error: null, endedAt: T1, prompt: 'p', outcome });
    expect(r.token_usages.map((u) => [u.provider_response_id, u.input_tokens, u.output_tokens, u.cache_read_input_tokens, u.cache_write_input_tokens, u.metadata])).toEqual([
      ['msg_a', 1, 2, 3, 4, { reasoning_tokens: 5 }],
    ]);
    expect(r.tool_usages.map((t) => [t.provider_response_id, t.tool, t.input])).toEqual([['msg_b', 'Bash', 'not json']]);
    expect(r.model_thoughts.map((t) => t.metadata)).toEqual([{ source: 'reasoning_summary' }]);
    expect(r.user_prompts[0]!.provider_response_id).toBe('msg_a');
    // No answered model: no response_model.
    expect(r.metadata).toEqual({});
  });

  it('an upstream error: failed with its status and text, no parts; the begun prompt still recorded', () => {
    const begun = startRecord(start());
    const error = upstreamErrorText(429, fixtureBytes('anthropic/error-429.json').toString('utf8'));
    expect(error).toMatch(/^upstream answered 429: \S/);
    const r = endRecord(begun, { status: 'failed', httpStatus: 429, error, endedAt: T1, prompt: 'read /etc/hosts', outcome: null });
    expect(r).toMatchObject({ status: 'failed', http_status: 429, error, ended_at: '2026-12-06T10:00:01.234Z' });
    expect(r.token_usages).toEqual([]);
    expect(r.tool_usages).toEqual([]);
    expect(r.model_thoughts).toEqual([]);
    expect(r.user_prompts).toHaveLength(1);
    expect(r.user_prompts[0]!.provider_response_id).toBe('');
  });

  it('cancelled mid-stream with no http status; no prompt row when the end has none; a new prompt row when the begun record had none', () => {
    const begun = startRecord(start({ facts: { model: 'm', streaming: true, prompt: null } }));
    const r = endRecord(begun, { status: 'cancelled', httpStatus: null, error: 'client went away', endedAt: T1, prompt: null, outcome: { responses: [], error: null, complete: false } });
    expect(r).toMatchObject({ status: 'cancelled', http_status: null, error: 'client went away' });
    expect(r.user_prompts).toEqual([]);
    const late = endRecord(begun, { status: 'completed', httpStatus: 200, error: null, endedAt: T1, prompt: 'late', promptTruncated: true, outcome: null });
    expect(late.user_prompts).toHaveLength(1);
    expect(late.user_prompts[0]!.id).toMatch(UUID);
    expect(late.user_prompts[0]!.metadata).toEqual({ truncated: true });
  });

  it('metadata: the begun metadata kept, the end facts added, a replaced model and the answered one', () => {
    const begun = { ...startRecord(start()), metadata: { from_begin: 1 } };
    const r = endRecord(begun, {
      status: 'completed',
      httpStatus: 200,
      error: null,
      endedAt: T1,
      prompt: 'x',
      model: 'claude-sonnet-4-5-20250929',
      metadata: { response_not_parsed: true },
      outcome: outcomeOf('anthropic/thinking.sse'),
    });
    // The adapter's model equals the one answered: no response_model.
    expect(r.model).toBe('claude-sonnet-4-5-20250929');
    expect(r.metadata).toEqual({ from_begin: 1, response_not_parsed: true });
    const same = endRecord(begun, { status: 'completed', httpStatus: 200, error: null, endedAt: T1, prompt: 'x', outcome: null });
    expect(same.metadata).toEqual({ from_begin: 1 });
  });
});
