/** The record → GenAI span / metric mapping (SPEC §14), on hand-built records. */
import { describe, expect, it } from 'vitest';
import { errorType, metricPlan, spanPlan } from '../../../../src/gateway/telemetry/genai.js';
import { telemetryRecord } from '../../../../src/gateway/telemetry/otlp-thread.js';
import type { FinishedRecord } from '../../../../src/record/fanout.js';
import { makeRecord } from '../../../helpers/make-record.js';

const rec = (over: Parameters<typeof makeRecord>[2] = {}) => makeRecord(1, Date.UTC(2026, 11, 1, 9, 0, 0), over) as FinishedRecord;

describe('spanPlan', () => {
  it('names the span `chat {model}`, keeps the record times and counts input with the cache', () => {
    const p = spanPlan(rec(), { content: false });
    expect(p.name).toBe('chat claude-sonnet-4-5');
    expect(p.startMs).toBe(Date.UTC(2026, 11, 1, 9, 0, 0));
    expect(p.endMs).toBe(Date.UTC(2026, 11, 1, 9, 0, 1, 500));
    expect(p.attributes).toMatchObject({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'anthropic',
      'gen_ai.request.model': 'claude-sonnet-4-5',
      'gen_ai.response.id': 'msg_1',
      'gen_ai.usage.input_tokens': 10 + 3 + 4,
      'gen_ai.usage.output_tokens': 20,
      'gen_ai.usage.cache_read.input_tokens': 3,
      'gen_ai.usage.cache_creation.input_tokens': 4,
      'gen_ai.usage.reasoning.output_tokens': 5,
      'gen_ai.conversation.id': 'sess-1',
      'aibridge.interception_id': rec().id,
      'aibridge.initiator': 'alice',
      'aibridge.client': 'Claude Code',
    });
    expect(p.errorMessage).toBeNull();
    expect(p.attributes['error.type']).toBeUndefined();
  });

  it('sums several token rows (one per upstream response)', () => {
    const base = rec();
    const row = base.token_usages[0]!;
    const p = spanPlan(rec({ token_usages: [row, { ...row, id: 'u2', input_tokens: 1, output_tokens: 2, cache_read_input_tokens: 0, cache_write_input_tokens: 0, metadata: {} }] }), { content: false });
    expect(p.attributes['gen_ai.usage.input_tokens']).toBe(17 + 1);
    expect(p.attributes['gen_ai.usage.output_tokens']).toBe(22);
  });

  it('maps bedrock to aws.bedrock and the answered model to gen_ai.response.model', () => {
    const p = spanPlan(rec({ provider: 'bedrock', provider_name: 'bedrock', model: 'anthropic.claude-x', metadata: { response_model: 'claude-x-2' } }), { content: false });
    expect(p.attributes['gen_ai.provider.name']).toBe('aws.bedrock');
    expect(p.attributes['gen_ai.response.model']).toBe('claude-x-2');
    expect(p.name).toBe('chat anthropic.claude-x');
  });

  it('failed calls carry error.type (the HTTP status, else _OTHER) and an error message', () => {
    const p = spanPlan(rec({ status: 'failed', http_status: 502, error: 'upstream unreachable', token_usages: [] }), { content: false });
    expect(p.attributes['error.type']).toBe('502');
    expect(p.errorMessage).toBe('upstream unreachable');
    expect(p.attributes['gen_ai.usage.input_tokens']).toBeUndefined(); // no answer, no token numbers
    expect(errorType(rec({ status: 'failed', http_status: 200, error: 'malformed event' }))).toBe('_OTHER');
    expect(errorType(rec({ status: 'cancelled', http_status: 200 }))).toBeNull();
    expect(spanPlan(rec({ status: 'cancelled' }), { content: false }).errorMessage).toBeNull();
  });

  it('content only with otlp_content: prompt, thoughts, tool arguments', () => {
    const off = spanPlan(rec(), { content: false });
    expect(JSON.stringify(off)).not.toContain('hello 1');
    expect(JSON.stringify(off)).not.toContain('thinking…');
    expect(JSON.stringify(off)).not.toContain('/tmp/x');
    expect(off.events).toEqual([{ name: 'gen_ai.tool.call', timeMs: Date.UTC(2026, 11, 1, 9, 0, 1, 200), attributes: { 'gen_ai.tool.name': 'Read', 'gen_ai.tool.call.id': 'toolu_1' } }]);
    const on = spanPlan(rec(), { content: true });
    expect(JSON.parse(String(on.attributes['gen_ai.input.messages']))).toEqual([{ role: 'user', parts: [{ type: 'text', content: 'hello 1' }] }]);
    expect(JSON.parse(String(on.attributes['gen_ai.output.messages']))).toEqual([{ role: 'assistant', parts: [{ type: 'reasoning', content: 'thinking…' }] }]);
    expect(JSON.parse(String(on.events[0]!.attributes['gen_ai.tool.call.arguments']))).toEqual({ file_path: '/tmp/x' });
  });

  it('no session, no conversation id; cost only when priced', () => {
    const p = spanPlan(rec({ client_session_id: null }), { content: false, costUsd: null });
    expect(p.attributes['gen_ai.conversation.id']).toBeUndefined();
    expect(p.attributes['aibridge.cost_usd']).toBeUndefined();
    expect(spanPlan(rec(), { content: false, costUsd: 0.0123 }).attributes['aibridge.cost_usd']).toBe(0.0123);
  });
});

describe('metricPlan', () => {
  it('duration in seconds, input with cache, error.type on failures', () => {
    const m = metricPlan(rec());
    expect(m).toMatchObject({ durationS: 1.5, inputTokens: 17, outputTokens: 20, hasTokens: true, errorType: null, costUsd: null });
    expect(m.attributes).toEqual({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'anthropic',
      'gen_ai.request.model': 'claude-sonnet-4-5',
      'gen_ai.response.model': 'claude-sonnet-4-5',
    });
    expect(metricPlan(rec({ status: 'failed', http_status: 429, token_usages: [] })).errorType).toBe('429');
    expect(metricPlan(rec({ token_usages: [] })).hasTokens).toBe(false);
  });
});

describe('telemetryRecord (what crosses to the export thread)', () => {
  // The thread maps the slim record; it must give exactly the span and points the whole record gives.
  const variants: [string, FinishedRecord][] = [
    ['completed with tokens, reasoning, a session', rec()],
    ['failed with a status and an error', rec({ status: 'failed', http_status: 503, error: 'upstream said no' })],
    ['no token rows, a response model', rec({ token_usages: [], metadata: { response_model: 'claude-sonnet-4-5-20250929', other: 'x' } })],
    ['tool calls and thoughts', rec({
      tool_usages: [{ id: 't1', interception_id: 'i', provider_response_id: 'msg_1', tool_call_id: 'call_1', tool: 'Read', input: { path: '/a' }, server_url: null, injected: false, invocation_error: null, metadata: {}, created_at: '2026-12-01T09:00:01.000Z' }],
      model_thoughts: [{ id: 'm1', interception_id: 'i', content: 'thinking…', metadata: {}, created_at: '2026-12-01T09:00:00.500Z' }],
    })],
  ];
  for (const [name, r] of variants) {
    for (const content of [false, true]) {
      it(`${name}, content ${content ? 'on' : 'off'}: same span and metric points`, () => {
        const slim = telemetryRecord(r, content);
        expect(spanPlan(slim, { content, costUsd: 0.5 })).toEqual(spanPlan(r, { content, costUsd: 0.5 }));
        expect(metricPlan(slim, 0.5)).toEqual(metricPlan(r, 0.5));
        if (!content) expect(JSON.stringify(slim)).not.toContain('/a'); // no content crosses when it is off
      });
    }
  }
});
