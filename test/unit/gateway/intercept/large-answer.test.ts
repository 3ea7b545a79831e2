/**
 * Issue #13: what the ends of a blocking answer too large to parse give the record, through each
 * API's own codec: the id from the start, the usage from the end (the last `"usage": {…}` that is
 * whole, strings with braces and escapes skipped), nothing invented when the end holds no usage.
 */
import { describe, expect, it } from 'vitest';
import { outcomeFromEnds } from '../../../../src/gateway/intercept/large-answer.js';
import { messagesCodec } from '../../../../src/gateway/providers/anthropic/codec.js';
import { responsesCodec } from '../../../../src/gateway/providers/openai/responses-codec.js';

const ends = (text: string, headBytes = 200, tailBytes = 300) => {
  const b = Buffer.from(text);
  return { total: b.length, head: b.subarray(0, headBytes), tail: b.subarray(b.length - tailBytes) };
};

describe('outcomeFromEnds', () => {
  it('Messages: id from the head, usage from the tail, braces and quotes inside strings skipped', () => {
    const text = JSON.stringify({ id: 'msg_1', type: 'message', model: 'claude-x', content: [{ type: 'text', text: 'y'.repeat(5000) + '"usage": {"input_tokens": 999} }{"' }], usage: { input_tokens: 7, output_tokens: 8, cache_read_input_tokens: 1 } });
    const out = outcomeFromEnds(messagesCodec, ends(text));
    expect(out.error).toBeNull();
    expect(out.responses[0]).toMatchObject({ provider_response_id: 'msg_1', usage: { input_tokens: 7, output_tokens: 8, cache_read_input_tokens: 1 }, tool_calls: [], thoughts: [] });
  });

  it('Responses: usage from the tail', () => {
    const text = JSON.stringify({ id: 'resp_1', object: 'response', status: 'completed', output: [{ type: 'message', content: [{ type: 'output_text', text: 'z'.repeat(5000) }] }], usage: { input_tokens: 50, output_tokens: 60, input_tokens_details: { cached_tokens: 20 } } });
    const out = outcomeFromEnds(responsesCodec, ends(text));
    expect(out.responses[0]).toMatchObject({ provider_response_id: 'resp_1', usage: { input_tokens: 30, output_tokens: 60, cache_read_input_tokens: 20 } });
  });

  it('no whole usage in the tail: a response without usage, no error', () => {
    const text = JSON.stringify({ id: 'msg_2', type: 'message', content: [{ type: 'text', text: 'q'.repeat(5000) }] });
    const out = outcomeFromEnds(messagesCodec, ends(text));
    expect(out.error).toBeNull();
    expect(out.responses[0]?.usage ?? null).toBeNull();
  });
});
