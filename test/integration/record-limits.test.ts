/**
 * Issue #13 "Records that never end" and SPEC §10's field cap, through the real gateway:
 * - a tool input nested 6,000 levels deep (blocking body, or streamed as `input_json_delta` /
 *   Chat `arguments` fragments) used to overflow the stack in the store's `JSON.stringify`: the
 *   client got 200 and the record stayed in flight (hidden, no log lines, not exported). Now the
 *   record ends, the input kept as its raw text;
 * - stored text fields are capped at `max_stored_field`: a capped value ends in
 *   `…[truncated N bytes]` (N = the bytes cut) and its row gets `metadata.truncated: true`.
 */
import type { ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGatewayHarness, type GatewayHarness, type Interception } from '../helpers/gateway-harness.js';

const DEPTH = 6000;
const deepText = '{"a":'.repeat(DEPTH) + '1' + '}'.repeat(DEPTH);

const sse = (res: ServerResponse, events: [string | null, unknown][]): void => {
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  for (const [event, data] of events) {
    res.write(`${event ? `event: ${event}\n` : ''}data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`);
  }
  res.end();
};
const rawJson = (res: ServerResponse, text: string, status = 200): void => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(text);
};
const usage = { input_tokens: 10, output_tokens: 5 };

/** The lines of the JSON log that belong to one interception. */
function logLinesOf(h: GatewayHarness, id: string): { record_type: string; [k: string]: unknown }[] {
  return h
    .logText()
    .split('\n')
    .filter((l) => l.includes(id))
    .map((l) => JSON.parse(l) as { record_type: string });
}

async function waitForLog(h: GatewayHarness, id: string, type: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (logLinesOf(h, id).some((l) => l.record_type === type)) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`no ${type} log line for ${id}`);
}

describe('a tool input nested 6,000 levels deep: the record still ends', () => {
  let h: GatewayHarness;
  beforeAll(async () => {
    h = await startGatewayHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  const check = async (rec: Interception, toolName: string) => {
    expect(rec.status).toBe('completed');
    expect(rec.tool_usages).toHaveLength(1);
    const tu = rec.tool_usages[0]!;
    expect(tu.tool).toBe(toolName);
    // Kept as its raw text (under the default 1 MiB cap: whole).
    expect(tu.input === deepText, `input: ${JSON.stringify(tu.input)?.slice(0, 80)}`).toBe(true);
    expect(rec.token_usages[0]?.output_tokens).toBe(5);
    // The record reached the log and the export too.
    await waitForLog(h, rec.id, 'interception_end');
    expect(logLinesOf(h, rec.id).map((l) => l.record_type)).toContain('tool_usage');
    const exported = await h.request('GET', '/api/v1/export?format=jsonl', { headers: { authorization: `Bearer ${h.app.adminToken}` } });
    expect(exported.status).toBe(200);
    expect(exported.text).toContain(`"interception_id":"${rec.id}","ended_at"`);
    // And one record reads back alone.
    const one = await h.admin<Interception>(`/interceptions/${rec.id}`);
    expect(one.status).toBe('completed');
  };

  it('blocking Anthropic answer', async () => {
    h.up.enqueue({
      kind: 'handler',
      handle: (res) =>
        rawJson(
          res,
          `{"id":"msg_deep1","type":"message","role":"assistant","model":"m","content":[{"type":"tool_use","id":"toolu_deep","name":"Deep","input":${deepText}}],"stop_reason":"tool_use","usage":${JSON.stringify(usage)}}`,
        ),
    });
    const r = await h.post('/anthropic/v1/messages', { model: 'claude-deep', max_tokens: 10, messages: [{ role: 'user', content: 'deep please' }] });
    expect(r.status).toBe(200);
    const [rec] = await h.nextRecords();
    await check(rec!, 'Deep');
  });

  it('streamed Anthropic answer (input_json_delta fragments)', async () => {
    const frags: [string, unknown][] = [];
    for (let i = 0; i < deepText.length; i += 4000) {
      frags.push(['content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'input_json_delta', partial_json: deepText.slice(i, i + 4000) } }]);
    }
    h.up.enqueue({
      kind: 'handler',
      handle: (res) =>
        sse(res, [
          ['message_start', { type: 'message_start', message: { id: 'msg_deep2', type: 'message', role: 'assistant', model: 'm', content: [], usage: { input_tokens: 10, output_tokens: 1 } } }],
          ['content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'tool_use', id: 'toolu_deep2', name: 'DeepStream', input: {} } }],
          ...frags,
          ['content_block_stop', { type: 'content_block_stop', index: 0 }],
          ['message_delta', { type: 'message_delta', delta: { stop_reason: 'tool_use' }, usage: { output_tokens: 5 } }],
          ['message_stop', { type: 'message_stop' }],
        ]),
    });
    const r = await h.post('/anthropic/v1/messages', { model: 'claude-deep', max_tokens: 10, stream: true, messages: [{ role: 'user', content: 'deep stream' }] });
    expect(r.status).toBe(200);
    const [rec] = await h.nextRecords();
    await check(rec!, 'DeepStream');
  });

  it('streamed Chat Completions answer (arguments fragments)', async () => {
    const frags: [null, unknown][] = [];
    for (let i = 0; i < deepText.length; i += 4000) {
      frags.push([null, { id: 'chatcmpl-deep', object: 'chat.completion.chunk', model: 'g', choices: [{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: deepText.slice(i, i + 4000) } }] }, finish_reason: null }] }]);
    }
    h.up.enqueue({
      kind: 'handler',
      handle: (res) =>
        sse(res, [
          [null, { id: 'chatcmpl-deep', object: 'chat.completion.chunk', model: 'g', choices: [{ index: 0, delta: { role: 'assistant', tool_calls: [{ index: 0, id: 'call_deep', type: 'function', function: { name: 'DeepChat', arguments: '' } }] }, finish_reason: null }] }],
          ...frags,
          [null, { id: 'chatcmpl-deep', object: 'chat.completion.chunk', model: 'g', choices: [{ index: 0, delta: {}, finish_reason: 'tool_calls' }] }],
          [null, { id: 'chatcmpl-deep', object: 'chat.completion.chunk', model: 'g', choices: [], usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 } }],
          [null, '[DONE]'],
        ]),
    });
    const r = await h.post('/openai/v1/chat/completions', { model: 'gpt-deep', stream: true, messages: [{ role: 'user', content: 'deep chat' }] });
    expect(r.status).toBe(200);
    const [rec] = await h.nextRecords();
    await check(rec!, 'DeepChat');
  });
});

describe('max_stored_field caps stored text (SPEC §10)', () => {
  let h: GatewayHarness;
  beforeAll(async () => {
    h = await startGatewayHarness({ argv: ['--max-stored-field', '1KiB'] });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('prompt, thought and tool input over the cap end in "…[truncated N bytes]", their rows marked', async () => {
    // 'é' is two bytes: the cut must not split it, and N counts bytes.
    const prompt = 'é'.repeat(3000); // 6,000 bytes
    const thought = 't'.repeat(5000);
    const bigInput = { path: 'x'.repeat(4000) };
    h.up.enqueue({
      kind: 'handler',
      handle: (res) =>
        rawJson(
          res,
          JSON.stringify({
            id: 'msg_cap',
            type: 'message',
            role: 'assistant',
            model: 'm',
            content: [
              { type: 'thinking', thinking: thought, signature: 's' },
              { type: 'tool_use', id: 'toolu_cap', name: 'Big', input: bigInput },
              { type: 'tool_use', id: 'toolu_small', name: 'Small', input: { a: 1 } },
            ],
            stop_reason: 'tool_use',
            usage,
          }),
        ),
    });
    const r = await h.post('/anthropic/v1/messages', { model: 'claude-cap', max_tokens: 10, messages: [{ role: 'user', content: prompt }] });
    expect(r.status).toBe(200);
    // The client's answer is untouched by the cap.
    expect(r.text).toContain(thought);
    const [rec] = await h.nextRecords();
    expect(rec!.status).toBe('completed');

    const p = rec!.user_prompts[0]!;
    expect(p.prompt).toBe('é'.repeat(512) + '…[truncated 4976 bytes]');
    expect(p.metadata).toMatchObject({ truncated: true });

    const th = rec!.model_thoughts[0]!;
    expect(th.content).toBe('t'.repeat(1024) + '…[truncated 3976 bytes]');
    expect(th.metadata).toMatchObject({ truncated: true });

    const big = rec!.tool_usages.find((t) => t.tool === 'Big')!;
    const bigText = JSON.stringify(bigInput);
    expect(big.input).toBe(bigText.slice(0, 1024) + `…[truncated ${bigText.length - 1024} bytes]`);
    expect(big.metadata).toMatchObject({ truncated: true });
    const small = rec!.tool_usages.find((t) => t.tool === 'Small')!;
    expect(small.input).toEqual({ a: 1 });
    expect(small.metadata['truncated']).toBeUndefined();
    expect(rec!.metadata['truncated']).toBeUndefined();

    // The log lines carry the capped values too.
    await waitForLog(h, rec!.id, 'interception_end');
    const lines = logLinesOf(h, rec!.id);
    expect(lines.find((l) => l.record_type === 'prompt_usage')?.['prompt']).toBe(p.prompt);
    expect(h.logText()).not.toContain('t'.repeat(1025));
  });

  it('an error text over the cap is capped and the record marked', async () => {
    const message = 'E'.repeat(3000);
    h.up.enqueue({ kind: 'error', status: 400, body: { type: 'error', error: { type: 'invalid_request_error', message } } });
    const r = await h.post('/anthropic/v1/messages', { model: 'claude-cap-err', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] });
    expect(r.status).toBe(400);
    expect(r.text).toContain(message); // the client gets the upstream's body as sent
    const [rec] = await h.nextRecords();
    expect(rec!.status).toBe('failed');
    const full = `upstream answered 400: ${message}`;
    expect(rec!.error).toBe(full.slice(0, 1024) + `…[truncated ${full.length - 1024} bytes]`);
    expect(rec!.metadata).toMatchObject({ truncated: true });
  });

  it('an in-flight record carries its prompt capped already', async () => {
    h.up.enqueue({ kind: 'hang' });
    const abort = new AbortController();
    const call = fetch(`${h.anthropicBase}/v1/messages`, {
      method: 'POST',
      signal: abort.signal,
      headers: { 'content-type': 'application/json', 'x-api-key': h.token },
      body: JSON.stringify({ model: 'claude-cap-hang', max_tokens: 10, stream: true, messages: [{ role: 'user', content: 'w'.repeat(4000) }] }),
    }).catch(() => undefined);
    let running: Interception | undefined;
    for (let i = 0; i < 200 && !running; i++) {
      running = (await h.interceptions('include_in_flight=true')).find((x) => x.status === 'in_flight' && x.model === 'claude-cap-hang');
      if (!running) await new Promise((r) => setTimeout(r, 20));
    }
    expect(running?.user_prompts[0]?.prompt).toBe('w'.repeat(1024) + '…[truncated 2976 bytes]');
    expect(running?.user_prompts[0]?.metadata).toMatchObject({ truncated: true });
    abort.abort();
    await call;
    const [ended] = await h.nextRecords();
    expect(ended!.status).toBe('cancelled');
    expect(ended!.user_prompts[0]?.prompt).toBe(running?.user_prompts[0]?.prompt);
  });
});

describe('list responses have a byte budget (issue #13)', () => {
  let h: GatewayHarness;
  beforeAll(async () => {
    h = await startGatewayHarness({ argv: ['--max-stored-field', '4MiB'] });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('5 records of 2 MiB prompts: the default page stops at 8 MiB with partial: true; after_id brings the rest', async () => {
    for (let i = 0; i < 5; i++) {
      const r = await h.post('/anthropic/v1/messages', { model: 'claude-big', max_tokens: 10, messages: [{ role: 'user', content: String(i).repeat(2 * 1024 * 1024) }] });
      expect(r.status).toBe(200);
    }
    await h.nextRecords(5);
    type Page = { count: number; results: Interception[]; partial?: boolean };
    const first = await h.admin<Page>('/interceptions');
    expect(first.count).toBe(5);
    expect(first.results.map((r) => r.user_prompts[0]!.prompt[0])).toEqual(['4', '3', '2']);
    expect(first.partial).toBe(true);
    const rest = await h.admin<Page>(`/interceptions?after_id=${first.results[2]!.id}`);
    expect(rest.results.map((r) => r.user_prompts[0]!.prompt[0])).toEqual(['1', '0']);
    expect(rest.partial).toBeUndefined();
    // Whole records: the prompts are not cut by the list.
    expect(first.results[0]!.user_prompts[0]!.prompt).toHaveLength(2 * 1024 * 1024);
  });
});

describe('request bodies held at once are bounded (max_body_memory, issue #13)', () => {
  let h: GatewayHarness;
  beforeAll(async () => {
    h = await startGatewayHarness({ argv: ['--max-body-memory', '1MiB'] });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('two 700 KB bodies with a 1 MiB bound: the second reaches the upstream only after the first call ended; both recorded', async () => {
    const events: string[] = [];
    const slow = (name: string) => ({
      kind: 'handler' as const,
      handle: async (res: ServerResponse) => {
        events.push(`${name} upstream start`);
        await new Promise((r) => setTimeout(r, 300));
        events.push(`${name} upstream end`);
        rawJson(res, JSON.stringify({ id: `msg_${name}`, type: 'message', role: 'assistant', model: 'm', content: [{ type: 'text', text: 'ok' }], stop_reason: 'end_turn', usage }));
      },
    });
    h.up.enqueue(slow('a'));
    h.up.enqueue(slow('b'));
    const body = (c: string) => ({ model: 'claude-mem', max_tokens: 10, messages: [{ role: 'user', content: c.repeat(700_000) }] });
    const first = h.post('/anthropic/v1/messages', body('a'));
    // The first body is held (it reached the upstream) before the second is sent.
    await expect.poll(() => events.length, { timeout: 10_000, interval: 10 }).toBe(1);
    const second = h.post('/anthropic/v1/messages', body('b'));
    const [ra, rb] = await Promise.all([first, second]);
    expect([ra.status, rb.status]).toEqual([200, 200]);
    expect(events).toEqual(['a upstream start', 'a upstream end', 'b upstream start', 'b upstream end']);
    const recs = await h.nextRecords(2);
    expect(recs.map((r) => r.status)).toEqual(['completed', 'completed']);
    // The bodies reached the upstream whole.
    expect(h.up.requests.slice(-2).map((r) => r.rawBody.length)).toEqual([JSON.stringify(body('a')).length, JSON.stringify(body('b')).length]);
  });

  it('small bodies are not held up by each other', async () => {
    const r = await Promise.all([1, 2, 3].map((i) => h.post('/anthropic/v1/messages', { model: 'claude-mem', max_tokens: 10, messages: [{ role: 'user', content: `hi ${i}` }] })));
    expect(r.map((x) => x.status)).toEqual([200, 200, 200]);
    await h.nextRecords(3);
  });
});

describe('a blocking answer past the parse limit is not buffered whole (issue #13)', () => {
  let h: GatewayHarness;
  beforeAll(async () => {
    h = await startGatewayHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  const big = 'x'.repeat(40 * 1024 * 1024); // past the 32 MiB parse limit

  it('Anthropic: the client gets every byte; the record has the id, model and tokens from the answer\'s ends and says what is missing', async () => {
    const answer = JSON.stringify({
      id: 'msg_huge', type: 'message', role: 'assistant', model: 'claude-huge-answer',
      content: [{ type: 'text', text: big }, { type: 'tool_use', id: 'toolu_h', name: 'Lost', input: { a: 1 } }],
      stop_reason: 'end_turn', usage: { input_tokens: 21, output_tokens: 1234, cache_read_input_tokens: 5, cache_creation_input_tokens: 0 },
    });
    h.up.enqueue({ kind: 'handler', handle: (res) => rawJson(res, answer) });
    const r = await h.post('/anthropic/v1/messages', { model: 'claude-huge', max_tokens: 10, messages: [{ role: 'user', content: 'write a lot' }] });
    expect(r.status).toBe(200);
    expect(r.bytes.length).toBe(Buffer.byteLength(answer));
    expect(r.text === answer).toBe(true);
    const [rec] = await h.nextRecords();
    expect(rec!.status).toBe('completed');
    expect(rec!.token_usages).toHaveLength(1);
    expect(rec!.token_usages[0]).toMatchObject({ provider_response_id: 'msg_huge', input_tokens: 21, output_tokens: 1234, cache_read_input_tokens: 5 });
    expect(rec!.metadata['response_not_parsed']).toMatch(/^answer of \d+ bytes is larger than the 32 MiB parse limit/);
    expect(rec!.tool_usages).toEqual([]);
  });

  it('OpenAI Chat: tokens from the end too', async () => {
    const answer = JSON.stringify({
      id: 'chatcmpl-huge', object: 'chat.completion', model: 'gpt-huge',
      choices: [{ index: 0, message: { role: 'assistant', content: big }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 30, completion_tokens: 4000, total_tokens: 4030, prompt_tokens_details: { cached_tokens: 10 } },
    });
    h.up.enqueue({ kind: 'handler', handle: (res) => rawJson(res, answer) });
    const r = await h.post('/openai/v1/chat/completions', { model: 'gpt-huge', messages: [{ role: 'user', content: 'write a lot' }] });
    expect(r.status).toBe(200);
    expect(r.bytes.length).toBe(Buffer.byteLength(answer));
    const [rec] = await h.nextRecords();
    expect(rec!.status).toBe('completed');
    expect(rec!.token_usages[0]).toMatchObject({ provider_response_id: 'chatcmpl-huge', input_tokens: 20, output_tokens: 4000, cache_read_input_tokens: 10 });
    expect(rec!.metadata['response_not_parsed']).toBeTypeOf('string');
  });

  it('an answer under the limit is parsed whole as before (tool calls recorded, no note)', async () => {
    h.up.enqueue({ kind: 'fixture', fixture: 'anthropic/tool-parallel.json' });
    const r = await h.post('/anthropic/v1/messages', { model: 'claude-small', max_tokens: 10, messages: [{ role: 'user', content: 'tools' }] });
    expect(r.status).toBe(200);
    const [rec] = await h.nextRecords();
    expect(rec!.tool_usages.length).toBeGreaterThan(0);
    expect(rec!.metadata['response_not_parsed']).toBeUndefined();
  });
});
