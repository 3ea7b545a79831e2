/** Inline stream and blocking edge cases per API, beyond the recorded fixtures. */
import { describe, expect, it } from 'vitest';
import { messagesCodec } from '../../../../src/gateway/providers/anthropic/codec.js';
import { chatCompletionsCodec } from '../../../../src/gateway/providers/openai/chat-codec.js';
import { responsesCodec } from '../../../../src/gateway/providers/openai/responses-codec.js';
import { runSseText, sse } from '../../../helpers/codec-harness.js';

const start = (id: string, usage: Record<string, number> = { input_tokens: 10, output_tokens: 1 }): string =>
  sse('message_start', { type: 'message_start', message: { id, type: 'message', role: 'assistant', model: 'claude-x', content: [], usage } });
const blockStart = (index: number, content_block: unknown): string => sse('content_block_start', { type: 'content_block_start', index, content_block });
const delta = (index: number, d: unknown): string => sse('content_block_delta', { type: 'content_block_delta', index, delta: d });
const stop = (index: number): string => sse('content_block_stop', { type: 'content_block_stop', index });

describe('Anthropic Messages stream', () => {
  it('merges message_delta usage over message_start usage, later fields winning', () => {
    const out = runSseText(
      messagesCodec,
      start('msg_1', { input_tokens: 10, cache_read_input_tokens: 5, cache_creation_input_tokens: 3, output_tokens: 1 }) +
        sse('message_delta', { type: 'message_delta', delta: {}, usage: { output_tokens: 20 } }) +
        sse('message_delta', { type: 'message_delta', delta: {}, usage: { output_tokens: 35, cache_read_input_tokens: 7, input_tokens: null } }) +
        sse('message_stop', { type: 'message_stop' }),
    );
    expect(out.responses[0]?.usage).toEqual({ input_tokens: 10, output_tokens: 35, cache_read_input_tokens: 7, cache_write_input_tokens: 3, metadata: {} });
    expect(out.complete).toBe(true);
  });

  it('keeps invalid tool JSON as the raw string and records mcp_tool_use', () => {
    const out = runSseText(
      messagesCodec,
      start('msg_2') +
        blockStart(0, { type: 'tool_use', id: 't1', name: 'Bash', input: {} }) +
        delta(0, { type: 'input_json_delta', partial_json: '{"command": ' }) +
        delta(0, { type: 'input_json_delta', partial_json: 'ls}' }) +
        stop(0) +
        blockStart(1, { type: 'mcp_tool_use', id: 'mcptoolu_1', name: 'search', server_name: 'docs', input: {} }) +
        delta(1, { type: 'input_json_delta', partial_json: '{"q":"x"}' }) +
        stop(1),
    );
    expect(out.responses[0]?.tool_calls).toEqual([
      { tool_call_id: 't1', tool: 'Bash', input: '{"command": ls}' },
      { tool_call_id: 'mcptoolu_1', tool: 'search', input: { q: 'x' } },
    ]);
    expect(out.complete).toBe(false);
  });

  it('ignores redacted thinking and empty thinking blocks; thoughts keep block order', () => {
    const out = runSseText(
      messagesCodec,
      start('msg_3') +
        blockStart(0, { type: 'redacted_thinking', data: 'xxx' }) +
        stop(0) +
        blockStart(1, { type: 'thinking', thinking: '' }) +
        delta(1, { type: 'signature_delta', signature: 'sig' }) +
        stop(1) +
        blockStart(2, { type: 'thinking', thinking: '' }) +
        delta(2, { type: 'thinking_delta', thinking: 'a' }) +
        delta(2, { type: 'text_delta', text: 'ignored' }) +
        delta(2, { type: 'thinking_delta', thinking: 'b' }) +
        stop(2),
    );
    expect(out.responses[0]?.thoughts).toEqual([{ content: 'ab', source: 'thinking' }]);
  });

  it('gives one response per message_start and tolerates events before any message_start', () => {
    const out = runSseText(
      messagesCodec,
      blockStart(0, { type: 'tool_use', id: 'early', name: 'X', input: { a: 1 } }) + stop(0) + start('msg_a') + start('msg_b', { input_tokens: 2, output_tokens: 3 }),
    );
    expect(out.responses.map((r) => r.provider_response_id)).toEqual(['', 'msg_a', 'msg_b']);
    expect(out.responses[0]?.tool_calls).toEqual([{ tool_call_id: 'early', tool: 'X', input: { a: 1 } }]);
    expect(out.responses[2]?.usage?.output_tokens).toBe(3);
  });

  it('reports an error event without a message (error before message_start)', () => {
    const out = runSseText(messagesCodec, sse('error', { type: 'error', error: { type: 'api_error', message: 'Internal server error' } }));
    expect(out).toEqual({ responses: [], error: 'Internal server error', complete: false });
  });

  it('keeps a blocking tool_use input object as is and rejects bodies of another format', () => {
    const out = messagesCodec.parseBlocking({
      id: 'msg_b',
      type: 'message',
      role: 'assistant',
      model: 'claude-x',
      content: [{ type: 'server_tool_use', id: 'srv_1', name: 'web_search', input: { query: 'q' } }],
      usage: { input_tokens: 1, output_tokens: 2 },
    });
    expect(out.responses[0]?.tool_calls).toEqual([{ tool_call_id: 'srv_1', tool: 'web_search', input: { query: 'q' } }]);
    const notMessages = 'upstream answered 200 with a body that is not a Messages API response';
    for (const body of [null, 'text', [], { hello: 'world' }, { object: 'chat.completion', choices: [] }]) {
      expect(messagesCodec.parseBlocking(body)).toEqual({ responses: [], error: notMessages });
    }
  });
});

const chunk = (choices: unknown[], extra: Record<string, unknown> = {}): string =>
  sse(undefined, { id: 'chatcmpl-1', object: 'chat.completion.chunk', model: 'gpt-x', choices, ...extra });
const tc = (index: number, fn: Record<string, string>, id?: string): unknown => ({ delta: { tool_calls: [{ index, ...(id ? { id, type: 'function' } : {}), function: fn }] }, index: 0 });

describe('Chat Completions stream', () => {
  it('assembles interleaved parallel tool calls by index', () => {
    const out = runSseText(
      chatCompletionsCodec,
      chunk([tc(0, { name: 'a', arguments: '' }, 'call_a')]) +
        chunk([tc(1, { name: 'b', arguments: '{"y"' }, 'call_b')]) +
        chunk([tc(0, { arguments: '{"x":' })]) +
        chunk([tc(1, { arguments: ':2}' })]) +
        chunk([tc(0, { arguments: '1}' })]) +
        chunk([], { usage: { prompt_tokens: 10, completion_tokens: 5, prompt_tokens_details: { cached_tokens: 4 } } }) +
        chunk([{ index: 0, delta: {}, finish_reason: 'tool_calls' }], { usage: null }) +
        'data: [DONE]\n\n',
    );
    expect(out.responses[0]?.tool_calls).toEqual([
      { tool_call_id: 'call_a', tool: 'a', input: { x: 1 } },
      { tool_call_id: 'call_b', tool: 'b', input: { y: 2 } },
    ]);
    // usage: null on a later chunk does not erase the usage; no reasoning details → no metadata key
    expect(out.responses[0]?.usage).toEqual({ input_tokens: 6, output_tokens: 5, cache_read_input_tokens: 4, cache_write_input_tokens: 0, metadata: {} });
    expect(out.complete).toBe(true);
  });

  it('keeps calls of different choices apart (n > 1) and reads legacy function_call deltas', () => {
    const out = runSseText(
      chatCompletionsCodec,
      chunk([
        { index: 0, delta: { tool_calls: [{ index: 0, id: 'c0', function: { name: 'f', arguments: '{}' } }] } },
        { index: 1, delta: { tool_calls: [{ index: 0, id: 'c1', function: { name: 'g', arguments: '[1]' } }] } },
      ]) + chunk([{ index: 2, delta: { function_call: { name: 'legacy', arguments: '{"k":' } } }]) + chunk([{ index: 2, delta: { function_call: { arguments: 'true}' } } }]),
    );
    expect(out.responses[0]?.tool_calls).toEqual([
      { tool_call_id: 'c0', tool: 'f', input: {} },
      { tool_call_id: 'c1', tool: 'g', input: [1] },
      { tool_call_id: '', tool: 'legacy', input: { k: true } },
    ]);
  });

  it('reports an error chunk as the error, also when it is the only chunk', () => {
    expect(runSseText(chatCompletionsCodec, sse(undefined, { error: { message: 'boom', type: 'server_error' } }))).toEqual({ responses: [], error: 'boom', complete: false });
    expect(runSseText(chatCompletionsCodec, sse(undefined, { error: { code: 'context_length_exceeded' } })).error).toBe('context_length_exceeded');
  });

  it('parses blocking bodies and rejects bodies of another format', () => {
    expect(chatCompletionsCodec.parseBlocking({ error: { message: 'nope' } })).toEqual({ responses: [], error: 'nope' });
    const notChat = 'upstream answered 200 with a body that is not a Chat Completions response';
    for (const body of [undefined, 5, { type: 'message', content: [] }, '<html>']) {
      expect(chatCompletionsCodec.parseBlocking(body)).toEqual({ responses: [], error: notChat });
    }
  });
});

const rev = (type: string, data: Record<string, unknown>): string => sse(type, { type, ...data });

describe('Responses stream', () => {
  it('records commentary messages as thoughts (source commentary) and never the final answer', () => {
    const out = runSseText(
      responsesCodec,
      rev('response.created', { response: { id: 'resp_c', model: 'gpt-5', output: [] } }) +
        rev('response.output_item.added', { output_index: 0, item: { id: 'msg_c', type: 'message', role: 'assistant', phase: 'commentary', content: [] } }) +
        rev('response.output_text.delta', { item_id: 'msg_c', output_index: 0, content_index: 0, delta: 'Checking ' }) +
        rev('response.output_text.delta', { item_id: 'msg_c', output_index: 0, content_index: 0, delta: 'the tests.' }) +
        // A final answer: its text deltas are not thoughts.
        rev('response.output_item.added', { output_index: 1, item: { id: 'msg_f', type: 'message', role: 'assistant', phase: 'final_answer', content: [] } }) +
        rev('response.output_text.delta', { item_id: 'msg_f', output_index: 1, content_index: 0, delta: 'All green.' }) +
        rev('response.output_text.done', { item_id: 'msg_f', output_index: 1, content_index: 0, text: 'All green.' }) +
        // An answer without a phase (older models) is not a thought either.
        rev('response.output_item.added', { output_index: 2, item: { id: 'msg_n', type: 'message', role: 'assistant', content: [] } }) +
        rev('response.output_text.delta', { item_id: 'msg_n', output_index: 2, content_index: 0, delta: 'Done.' }),
    );
    expect(out.responses[0]?.thoughts).toEqual([{ content: 'Checking the tests.', source: 'commentary' }]);
    expect(out.responses[0]?.tool_calls).toEqual([]);
  });

  it('uses delta fragments when no .done event came, and the .done text when it did', () => {
    const out = runSseText(
      responsesCodec,
      rev('response.created', { response: { id: 'resp_1', model: 'gpt-5', output: [] } }) +
        rev('response.output_item.added', { output_index: 0, item: { id: 'fc_1', type: 'function_call', call_id: 'call_1', name: 'f', arguments: '' } }) +
        rev('response.function_call_arguments.delta', { item_id: 'fc_1', output_index: 0, delta: '{"a":' }) +
        rev('response.function_call_arguments.delta', { item_id: 'fc_1', output_index: 0, delta: '1}' }) +
        rev('response.output_item.added', { output_index: 1, item: { id: 'rs_1', type: 'reasoning', summary: [] } }) +
        rev('response.reasoning_summary_text.delta', { item_id: 'rs_1', output_index: 1, summary_index: 0, delta: 'par' }) +
        rev('response.reasoning_summary_text.done', { item_id: 'rs_1', output_index: 1, summary_index: 0, text: 'whole text' }) +
        rev('response.reasoning_summary_text.delta', { item_id: 'rs_1', output_index: 1, summary_index: 1, delta: 'second' }),
    );
    expect(out.responses[0]).toMatchObject({ provider_response_id: 'resp_1', model: 'gpt-5', usage: null, thoughts: [{ content: 'whole text', source: 'reasoning_summary' }, { content: 'second', source: 'reasoning_summary' }] });
    expect(out.responses[0]?.tool_calls).toEqual([{ tool_call_id: 'call_1', tool: 'f', input: { a: 1 } }]);
    expect(out.complete).toBe(false);
  });

  it('takes items from response.completed alone, without counting streamed ones twice', () => {
    const item = { id: 'fc_9', type: 'function_call', call_id: 'call_9', name: 'g', arguments: '{"b":2}' };
    const completed = rev('response.completed', { response: { id: 'resp_9', model: 'gpt-5', output: [item], usage: { input_tokens: 5, output_tokens: 1 } } });
    const only = runSseText(responsesCodec, completed);
    const both = runSseText(
      responsesCodec,
      rev('response.output_item.added', { output_index: 0, item: { ...item, arguments: '' } }) + rev('response.output_item.done', { output_index: 0, item }) + completed,
    );
    for (const out of [only, both]) {
      expect(out.responses[0]?.tool_calls).toEqual([{ tool_call_id: 'call_9', tool: 'g', input: { b: 2 } }]);
      expect(out.responses[0]?.usage).toEqual({ input_tokens: 5, output_tokens: 1, cache_read_input_tokens: 0, cache_write_input_tokens: 0, metadata: {} });
      expect(out.complete).toBe(true);
    }
  });

  it('treats response.incomplete as the end without an error; failed without details still fails', () => {
    const inc = runSseText(responsesCodec, rev('response.incomplete', { response: { id: 'r', status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' }, output: [], usage: { input_tokens: 1, output_tokens: 9 } } }));
    expect(inc.error).toBeNull();
    expect(inc.complete).toBe(true);
    expect(runSseText(responsesCodec, rev('response.failed', { response: { id: 'r', status: 'failed', error: null } })).error).toBe('response failed');
    expect(runSseText(responsesCodec, sse('error', { type: 'error', error: { message: 'nested' } })).error).toBe('nested');
  });

  it('parses blocking bodies: failed status, error bodies and other formats', () => {
    expect(responsesCodec.parseBlocking({ id: 'r', object: 'response', status: 'failed', error: { code: 'server_error', message: 'bad' }, output: [] })).toMatchObject({ error: 'bad' });
    expect(responsesCodec.parseBlocking({ error: { message: 'quota' } })).toEqual({ responses: [], error: 'quota' });
    const notResponses = 'upstream answered 200 with a body that is not a Responses API response';
    for (const body of [null, [], { object: 'chat.completion', choices: [] }, { id: 'x' }]) {
      expect(responsesCodec.parseBlocking(body)).toEqual({ responses: [], error: notResponses });
    }
  });
});

describe('many fragments', () => {
  it('joins 50 000 argument fragments once (no per-event re-joining)', () => {
    const n = 50_000;
    let text = start('msg_big') + blockStart(0, { type: 'tool_use', id: 't', name: 'Write', input: {} });
    text += delta(0, { type: 'input_json_delta', partial_json: '{"content":"' });
    for (let i = 0; i < n; i++) text += delta(0, { type: 'input_json_delta', partial_json: 'ab' });
    text += delta(0, { type: 'input_json_delta', partial_json: '"}' }) + stop(0);
    const out = runSseText(messagesCodec, text);
    expect(out.responses[0]?.tool_calls[0]?.input).toEqual({ content: 'ab'.repeat(n) });
  });
});
