/**
 * Issue #3 through the official SDKs (`@anthropic-ai/sdk`, `openai`), blocking and with their
 * streaming helpers, pointed at the gateway as users set them up (SPEC §4 base URLs, bridge token
 * as the API key). Asserts what the SDK hands the application (same as straight from the fixture)
 * and what the record says: exact tokens incl. cache and reasoning, tool calls with parsed
 * arguments (parallel, split over many deltas), thoughts, prompt, client and session id.
 */
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGatewayHarness, ANTHROPIC_KEY, OPENAI_KEY, type GatewayHarness, type Interception } from '../helpers/gateway-harness.js';

let h: GatewayHarness;
let anthropic: Anthropic;
let openai: OpenAI;

/** Per-request mock selection: the gateway passes `x-mock-*` headers through to the mock. */
const fx = (fixture: string, extra: Record<string, string> = {}) => ({ headers: { 'x-mock-fixture': fixture, ...extra } });
/** Many small writes with pauses, so every delta arrives on its own. */
const SLOW = { 'x-mock-chunk-size': '9', 'x-mock-delay-ms': '1' };

const usageOf = (rec: Interception) =>
  rec.token_usages.map((u) => ({
    id: u.provider_response_id,
    input: u.input_tokens,
    output: u.output_tokens,
    cacheRead: u.cache_read_input_tokens,
    cacheWrite: u.cache_write_input_tokens,
    metadata: u.metadata,
  }));
const toolsOf = (rec: Interception) => rec.tool_usages.map((t) => ({ id: t.tool_call_id, tool: t.tool, input: t.input }));

beforeAll(async () => {
  h = await startGatewayHarness();
  anthropic = new Anthropic({ baseURL: h.anthropicBase, apiKey: h.token, maxRetries: 0 });
  openai = new OpenAI({ baseURL: h.openaiBase, apiKey: h.token, maxRetries: 0 });
});
afterAll(async () => {
  await h?.close();
});

describe('Anthropic Messages via @anthropic-ai/sdk', () => {
  it('blocking text: SDK gets the message, record has prompt, tokens and the SDK user agent', async () => {
    const msg = await anthropic.messages.create({ model: 'claude-mock-1', max_tokens: 64, messages: [{ role: 'user', content: 'hello there' }] });
    expect(msg.id).toBe('msg_01BlockText');
    expect(msg.content[0]?.type).toBe('text');
    const [rec] = await h.nextRecords();
    expect(rec).toMatchObject({ provider: 'anthropic', api: 'messages', streaming: false, status: 'completed', http_status: 200, client: 'Unknown', model: 'claude-mock-1' });
    expect(rec!.user_agent).toMatch(/^Anthropic\/JS /);
    expect(rec!.user_prompts.map((p) => p.prompt)).toEqual(['hello there']);
    expect(usageOf(rec!)).toEqual([{ id: 'msg_01BlockText', input: 21, output: 12, cacheRead: 0, cacheWrite: 0, metadata: {} }]);
    // The upstream saw the provider key, not the bridge token.
    expect(h.up.last().headers['x-api-key']).toBe(ANTHROPIC_KEY);
    expect(JSON.stringify(h.up.last().headers)).not.toContain(h.token);
  });

  it('messages.stream().finalMessage(): parallel tool calls split over many deltas, Claude Code session', async () => {
    const stream = anthropic.messages.stream(
      {
        model: 'claude-mock-1',
        max_tokens: 1024,
        messages: [
          { role: 'user', content: [{ type: 'text', text: 'look around' }, { type: 'text', text: 'and find TODOs' }] },
        ],
      },
      { headers: { 'x-mock-fixture': 'anthropic/tool-parallel.sse', ...SLOW, 'user-agent': 'claude-cli/2.1.197 (external, cli)', 'x-claude-code-session-id': 'sess-cc-42' } },
    );
    let deltas = 0;
    stream.on('inputJson', () => deltas++);
    const final = await stream.finalMessage();
    expect(deltas).toBeGreaterThan(20);
    const tools = final.content.filter((b) => b.type === 'tool_use');
    expect(tools.map((t) => [t.id, t.name, t.input])).toEqual([
      ['toolu_01ParBash', 'Bash', { command: 'ls -la src', description: 'List files in src' }],
      ['toolu_01ParGrep', 'Grep', { pattern: 'TODO\\(.*\\)', path: 'src', '-n': true, glob: '*.ts' }],
      ['toolu_01ParTodo', 'TodoRead', {}],
    ]);
    const [rec] = await h.nextRecords();
    expect(rec).toMatchObject({ streaming: true, status: 'completed', client: 'Claude Code', client_session_id: 'sess-cc-42', user_agent: 'claude-cli/2.1.197 (external, cli)' });
    expect(rec!.user_prompts.map((p) => p.prompt)).toEqual(['look around\nand find TODOs']);
    expect(toolsOf(rec!)).toEqual(tools.map((t) => ({ id: t.id, tool: t.name, input: t.input })));
    expect(usageOf(rec!)).toEqual([{ id: 'msg_01ToolParallel', input: 1200, output: 140, cacheRead: 0, cacheWrite: 0, metadata: {} }]);
  });

  it('streamed thinking: thoughts recorded in order with the tool call', async () => {
    const final = await anthropic.messages
      .stream(
        { model: 'claude-mock-1', max_tokens: 2048, thinking: { type: 'enabled', budget_tokens: 1024 }, messages: [{ role: 'user', content: 'show hosts' }] },
        fx('anthropic/thinking.sse', SLOW),
      )
      .finalMessage();
    const thinking = final.content.flatMap((b) => (b.type === 'thinking' ? [b.thinking] : []));
    const [rec] = await h.nextRecords();
    expect(rec!.model_thoughts.map((t) => t.content)).toEqual(thinking);
    expect(thinking).toEqual(['Let me think about this. The user wants the hosts file.', 'Now I should read /etc/hosts.']);
    expect(toolsOf(rec!)).toEqual([{ id: 'toolu_01ThinkRead', tool: 'Read', input: { file_path: '/etc/hosts' } }]);
  });

  it('streamed cache tokens: cache read and write recorded exactly, input excludes them', async () => {
    const final = await anthropic.messages.stream({ model: 'claude-mock-1', max_tokens: 64, messages: [{ role: 'user', content: 'cached?' }] }, fx('anthropic/cache-tokens.sse')).finalMessage();
    expect(final.usage.cache_read_input_tokens).toBe(20480);
    const [rec] = await h.nextRecords();
    expect(usageOf(rec!)).toEqual([{ id: 'msg_01CacheTokens', input: 4, output: 87, cacheRead: 20480, cacheWrite: 1532, metadata: {} }]);
  });

  it('blocking parallel tools and thinking', async () => {
    const par = await anthropic.messages.create({ model: 'claude-mock-1', max_tokens: 64, messages: [{ role: 'user', content: 'par' }] }, fx('anthropic/tool-parallel.json'));
    expect(par.content.filter((b) => b.type === 'tool_use')).toHaveLength(2);
    const think = await anthropic.messages.create({ model: 'claude-mock-1', max_tokens: 64, messages: [{ role: 'user', content: 'think' }] }, fx('anthropic/thinking.json'));
    expect(think.content[0]?.type).toBe('thinking');
    const [r1, r2] = await h.nextRecords(2);
    expect(toolsOf(r1!)).toEqual([
      { id: 'toolu_01BParBash', tool: 'Bash', input: { command: 'ls -la src', description: 'List files in src' } },
      { id: 'toolu_01BParGrep', tool: 'Grep', input: { pattern: 'TODO', path: 'src' } },
    ]);
    expect(usageOf(r1!)).toEqual([{ id: 'msg_01BlockParallel', input: 1200, output: 140, cacheRead: 1000, cacheWrite: 64, metadata: {} }]);
    expect(r2!.model_thoughts.map((t) => t.content)).toEqual(['The user wants the hosts file.']);
    expect(r2!.streaming).toBe(false);
  });

  it('authToken (Authorization: Bearer) works too; the provider key still goes as x-api-key', async () => {
    const viaBearer = new Anthropic({ baseURL: h.anthropicBase, authToken: h.token, apiKey: null, maxRetries: 0 });
    await viaBearer.messages.create({ model: 'claude-mock-1', max_tokens: 8, messages: [{ role: 'user', content: 'bearer' }] });
    const up = h.up.last();
    expect(up.headers['x-api-key']).toBe(ANTHROPIC_KEY);
    expect(up.headers['authorization']).toBeUndefined();
    expect((await h.nextRecords())[0]!.initiator.name).toBe('alice');
  });

  it('429 reaches the SDK as a RateLimitError with request-id and retry-after', async () => {
    const err = await anthropic.messages
      .create({ model: 'claude-mock-1', max_tokens: 8, messages: [{ role: 'user', content: 'too many' }] }, fx('anthropic/error-429.json'))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.RateLimitError);
    const e = err as InstanceType<typeof Anthropic.RateLimitError>;
    expect(e.status).toBe(429);
    expect(e.headers?.get('retry-after')).toBe('1');
    expect(e.headers?.get('request-id')).toMatch(/^req_mock_/);
    expect(e.requestID).toMatch(/^req_mock_/);
    const [rec] = await h.nextRecords();
    expect(rec).toMatchObject({ status: 'failed', http_status: 429 });
    expect(rec!.error).toContain('per-minute rate limit');
    expect(rec!.user_prompts.map((p) => p.prompt)).toEqual(['too many']);
  });

  it('mid-stream error event: the SDK sees the error, the record is failed with the usage seen', async () => {
    const err = await anthropic.messages
      .stream({ model: 'claude-mock-1', max_tokens: 8, messages: [{ role: 'user', content: 'overload me' }] }, fx('anthropic/error-mid-stream.sse'))
      .finalMessage()
      .catch((e: unknown) => e);
    expect(String(err)).toMatch(/Overloaded/);
    const [rec] = await h.nextRecords();
    expect(rec).toMatchObject({ status: 'failed', http_status: 200 });
    expect(rec!.error).toContain('Overloaded');
    expect(usageOf(rec!)).toEqual([{ id: 'msg_01ErrorMid', input: 30, output: 1, cacheRead: 0, cacheWrite: 0, metadata: {} }]);
  });
});

describe('OpenAI Chat Completions via openai', () => {
  it('blocking parallel tools: parsed arguments, raw string when not JSON, cache and reasoning tokens', async () => {
    const c = await openai.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'weather+time' }] }, fx('openai-chat/tool-parallel.json'));
    expect(c.choices[0]?.message.tool_calls).toHaveLength(2);
    const [rec] = await h.nextRecords();
    expect(rec).toMatchObject({ provider: 'openai', api: 'chat_completions', streaming: false, status: 'completed', client: 'Unknown' });
    expect(rec!.user_agent).toMatch(/^OpenAI\/JS /);
    expect(toolsOf(rec!)).toEqual([
      { id: 'call_BParA1', tool: 'get_weather', input: { location: 'Paris, France' } },
      { id: 'call_BParB2', tool: 'get_time', input: 'not json {' },
    ]);
    expect(usageOf(rec!)).toEqual([{ id: 'chatcmpl-CBlockParallel01', input: 226, output: 64, cacheRead: 1024, cacheWrite: 0, metadata: { reasoning_tokens: 0 } }]);
    expect(h.up.last().headers['authorization']).toBe(`Bearer ${OPENAI_KEY}`);
  });

  it('chat.completions.stream(): three parallel calls with arguments in many deltas', async () => {
    const stream = openai.chat.completions.stream(
      {
        model: 'gpt-4o',
        stream_options: { include_usage: true },
        messages: [
          { role: 'system', content: 'sys' },
          { role: 'user', content: 'weather in Paris and Tokyo, and the time' },
        ],
      },
      { headers: { 'x-mock-fixture': 'openai-chat/tool-parallel.sse', ...SLOW, originator: 'codex_cli_rs', session_id: 'codex-sess-7' } },
    );
    let argDeltas = 0;
    stream.on('tool_calls.function.arguments.delta', () => argDeltas++);
    const final = await stream.finalChatCompletion();
    expect(argDeltas).toBeGreaterThan(5);
    const calls = final.choices[0]!.message.tool_calls!.map((t) => (t.type === 'function' ? [t.id, t.function.name, JSON.parse(t.function.arguments) as unknown] : []));
    const [rec] = await h.nextRecords();
    expect(rec).toMatchObject({ streaming: true, status: 'completed', client: 'Codex', client_session_id: 'codex-sess-7' });
    expect(rec!.user_prompts.map((p) => p.prompt)).toEqual(['weather in Paris and Tokyo, and the time']);
    expect(toolsOf(rec!).map((t) => [t.id, t.tool, t.input])).toEqual(calls);
    expect(calls).toHaveLength(3);
    expect(usageOf(rec!)).toEqual([{ id: 'chatcmpl-CToolParallel01', input: 226, output: 64, cacheRead: 1024, cacheWrite: 0, metadata: { reasoning_tokens: 0 } }]);
  });

  it('streamed cache + reasoning tokens', async () => {
    const final = await openai.chat.completions
      .stream({ model: 'o4-mini', stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'reason' }] }, fx('openai-chat/cache-reasoning.sse'))
      .finalChatCompletion();
    expect(final.usage?.completion_tokens_details?.reasoning_tokens).toBe(256);
    const [rec] = await h.nextRecords();
    expect(usageOf(rec!)).toEqual([{ id: 'chatcmpl-CReasoning01', input: 86, output: 300, cacheRead: 1920, cacheWrite: 0, metadata: { reasoning_tokens: 256 } }]);
  });

  it('error chunk mid-stream: the SDK throws, the record is failed with the message', async () => {
    const err = await openai.chat.completions
      .stream({ model: 'gpt-4o', messages: [{ role: 'user', content: 'break' }] }, fx('openai-chat/error-mid-stream.sse'))
      .finalChatCompletion()
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    const [rec] = await h.nextRecords();
    expect(rec).toMatchObject({ status: 'failed', http_status: 200 });
    expect(rec!.error).toContain('The server had an error while processing your request');
  });

  it('401 from upstream reaches the SDK as AuthenticationError with x-request-id', async () => {
    const err = await openai.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] }, fx('openai-chat/error-401.json')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.AuthenticationError);
    expect((err as InstanceType<typeof OpenAI.APIError>).requestID).toMatch(/^req_mock_/);
    const [rec] = await h.nextRecords();
    expect(rec).toMatchObject({ status: 'failed', http_status: 401 });
  });
});

describe('OpenAI Responses via openai', () => {
  it('responses.stream().finalResponse(): parallel function calls, Codex session', async () => {
    const stream = openai.responses.stream(
      { model: 'gpt-5', input: [{ role: 'user', content: [{ type: 'input_text', text: 'weather please' }] }] },
      { headers: { 'x-mock-fixture': 'openai-responses/tool-parallel.sse', ...SLOW, 'user-agent': 'codex_cli_rs/0.171.0 (Debian 12; x86_64) xterm', session_id: 'c0dex' } },
    );
    const final = await stream.finalResponse();
    const calls = final.output.flatMap((o) => (o.type === 'function_call' ? [[o.call_id, o.name, JSON.parse(o.arguments) as unknown]] : []));
    expect(calls).toHaveLength(2);
    const [rec] = await h.nextRecords();
    expect(rec).toMatchObject({ api: 'responses', streaming: true, status: 'completed', client: 'Codex', client_session_id: 'c0dex' });
    expect(rec!.user_prompts.map((p) => p.prompt)).toEqual(['weather please']);
    expect(toolsOf(rec!).map((t) => [t.id, t.tool, t.input])).toEqual(calls);
    expect(usageOf(rec!)).toEqual([{ id: 'resp_ToolParallel01', input: 310, output: 58, cacheRead: 0, cacheWrite: 0, metadata: { reasoning_tokens: 0 } }]);
  });

  it('streamed reasoning summaries become thoughts; reasoning and cached tokens exact', async () => {
    const final = await openai.responses.stream({ model: 'gpt-5', input: 'think first', reasoning: { summary: 'auto' } }, fx('openai-responses/reasoning.sse', SLOW)).finalResponse();
    const summaries = final.output.flatMap((o) => (o.type === 'reasoning' ? o.summary.map((s) => s.text) : []));
    const [rec] = await h.nextRecords();
    expect(rec!.model_thoughts.map((t) => t.content)).toEqual(summaries);
    expect(summaries).toEqual(['**Inspecting the repo**\n\nI will list the files first.', '**Planning the change**']);
    expect(usageOf(rec!)).toEqual([{ id: 'resp_Reasoning01', input: 476, output: 420, cacheRead: 1024, cacheWrite: 0, metadata: { reasoning_tokens: 320 } }]);
  });

  it('blocking reasoning + function call', async () => {
    const r = await openai.responses.create({ model: 'gpt-5', input: 'blocking please' }, fx('openai-responses/reasoning.json'));
    expect(r.id).toBe('resp_BlockReasoning01');
    const [rec] = await h.nextRecords();
    expect(rec).toMatchObject({ streaming: false, status: 'completed' });
    expect(rec!.model_thoughts.map((t) => t.content)).toEqual(['**Checking** the weather tool.']);
    expect(toolsOf(rec!)).toEqual([{ id: 'call_Block1', tool: 'get_weather', input: { location: 'Paris' } }]);
    expect(usageOf(rec!)).toEqual([{ id: 'resp_BlockReasoning01', input: 388, output: 150, cacheRead: 512, cacheWrite: 0, metadata: { reasoning_tokens: 96 } }]);
  });

  it('response.failed mid-stream: forwarded, record failed with the error', async () => {
    const stream = openai.responses.stream({ model: 'gpt-5', input: 'fail' }, fx('openai-responses/failed.sse'));
    const types: string[] = [];
    stream.on('event', (ev) => types.push(ev.type));
    await stream.finalResponse().catch(() => undefined);
    expect(types).toContain('response.failed');
    const [rec] = await h.nextRecords();
    expect(rec).toMatchObject({ status: 'failed', http_status: 200 });
    expect(rec!.error).toContain('An error occurred while processing your request');
  });

  it('400 before streaming reaches the SDK as BadRequestError', async () => {
    const err = await openai.responses.create({ model: 'gpt-5', input: 'bad', stream: true }, fx('openai-responses/error-400.json')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    const [rec] = await h.nextRecords();
    expect(rec).toMatchObject({ status: 'failed', http_status: 400, streaming: true });
  });
});

describe('SDK aborts mid-stream', () => {
  it('Anthropic stream.abort() after the first event → upstream aborted, record cancelled with the usage seen', async () => {
    const n = h.up.requests.length;
    const stream = anthropic.messages.stream({ model: 'claude-mock-1', max_tokens: 64, messages: [{ role: 'user', content: 'abort me' }] }, fx('anthropic/text.sse', { 'x-mock-stall-after-bytes': '700' }));
    stream.on('streamEvent', () => stream.abort());
    await stream.done().catch(() => undefined);
    expect(stream.aborted).toBe(true);
    await h.up.requests[n]!.closed;
    expect(h.up.requests[n]!.aborted).toBe(true);
    const [rec] = await h.nextRecords();
    expect(rec).toMatchObject({ status: 'cancelled', streaming: true });
    expect(usageOf(rec!)).toEqual([{ id: 'msg_01TextHello', input: 21, output: 1, cacheRead: 0, cacheWrite: 0, metadata: {} }]);
    expect(rec!.user_prompts.map((p) => p.prompt)).toEqual(['abort me']);
  });

  it('OpenAI responses stream.abort() → upstream aborted, record cancelled', async () => {
    const n = h.up.requests.length;
    const stream = openai.responses.stream({ model: 'gpt-5', input: 'abort me too' }, fx('openai-responses/text.sse', { 'x-mock-stall-after-bytes': '900' }));
    stream.on('event', () => stream.abort());
    await stream.done().catch(() => undefined);
    await h.up.requests[n]!.closed;
    expect(h.up.requests[n]!.aborted).toBe(true);
    const [rec] = await h.nextRecords();
    expect(rec).toMatchObject({ status: 'cancelled', streaming: true });
    expect(rec!.user_prompts.map((p) => p.prompt)).toEqual(['abort me too']);
  });
});

describe('no key or token leaks', () => {
  it('neither provider key nor bridge token appears in any record or log line', async () => {
    const all = JSON.stringify(await h.interceptions());
    const log = h.logText();
    for (const secret of [ANTHROPIC_KEY, OPENAI_KEY, h.token]) {
      expect(all).not.toContain(secret);
      expect(log).not.toContain(secret);
    }
    expect(log).toContain('"msg":"interception log"');
  });
});
