/**
 * `POST /anthropic/v1/messages` through the real gateway to the mock Bedrock runtime, driven by the
 * Anthropic SDK: what the client receives and what the interception records (issue 4).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Anthropic, { APIError } from '@anthropic-ai/sdk';
import { MOCK_ERRORS, blockingMessage, fixtureEvents, fixtureText, type MockErrorName } from '../helpers/mock-bedrock.js';
import { BEDROCK_MODEL, BEDROCK_SMALL_MODEL, BRIDGE_AKID, startBedrockHarness, type BedrockHarness } from './bedrock-harness.js';

let h: BedrockHarness;
let client: Anthropic;

beforeAll(async () => {
  h = await startBedrockHarness();
  client = new Anthropic({ apiKey: h.token, baseURL: `${h.app.url}/anthropic`, maxRetries: 0 });
});
afterAll(async () => {
  await h.close();
});

const ask = (text: string) => [{ role: 'user' as const, content: text }];

describe('Anthropic messages over Bedrock', () => {
  it('streams text event for event and records provider, mapped model, prompt and exact tokens', async () => {
    h.mock.setScenario('text');
    const stream = await client.messages.create({
      model: 'claude-sonnet-5-5',
      max_tokens: 512,
      stream: true,
      messages: ask('Say hello from Bedrock'),
    });
    const received: string[] = [];
    for await (const ev of stream) received.push(JSON.stringify(ev));
    expect(received).toEqual(fixtureEvents('text').map((e) => JSON.stringify(JSON.parse(e.data))));

    const up = h.mock.last();
    expect(up.authProblem).toBeNull();
    expect(up.credential?.accessKeyId).toBe(BRIDGE_AKID);
    expect(JSON.stringify(up.headers)).not.toContain(h.token);
    expect(up.modelId).toBe(BEDROCK_MODEL);
    expect(up.operation).toBe('invoke-with-response-stream');

    const rec = await h.next();
    expect(rec).toMatchObject({
      provider: 'bedrock',
      provider_name: 'bedrock',
      model: BEDROCK_MODEL,
      api: 'messages',
      streaming: true,
      status: 'completed',
      http_status: 200,
      error: null,
      initiator: { name: 'alice' },
    });
    expect(rec.user_prompts.map((p) => p.prompt)).toEqual(['Say hello from Bedrock']);
    expect(rec.token_usages).toHaveLength(1);
    expect(rec.token_usages[0]).toMatchObject({
      provider_response_id: 'msg_bdrk_01TextAbc',
      input_tokens: 25,
      output_tokens: 12,
      cache_read_input_tokens: 100,
      cache_write_input_tokens: 7,
    });
  });

  it('keeps the SSE framing byte for byte (raw fetch, ?beta=true, Claude Code headers)', async () => {
    h.mock.setScenario('text');
    const res = await fetch(`${h.app.url}/anthropic/v1/messages?beta=true`, {
      method: 'POST',
      headers: {
        'x-api-key': h.token,
        'content-type': 'application/json',
        'anthropic-version': '2023-06-01',
        'anthropic-beta': 'claude-code-20250219,interleaved-thinking-2025-05-14,fine-grained-tool-streaming-2025-05-14',
        'user-agent': 'claude-cli/2.0.0 (external, cli)',
      },
      body: JSON.stringify({
        model: 'claude-sonnet-5-5',
        max_tokens: 100,
        stream: true,
        metadata: { user_id: 'user_abc_account__session_123' },
        messages: [{ role: 'user', content: [{ type: 'text', text: 'framing' }] }],
      }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(await res.text()).toBe(fixtureText('text'));
    expect(h.mock.last().body).toEqual({
      anthropic_version: 'bedrock-2023-05-31',
      anthropic_beta: ['interleaved-thinking-2025-05-14', 'fine-grained-tool-streaming-2025-05-14'],
      max_tokens: 100,
      messages: [{ role: 'user', content: [{ type: 'text', text: 'framing' }] }],
    });
    const rec = await h.next();
    expect(rec.client).toBe('Claude Code');
    expect(rec.status).toBe('completed');
  });

  it('maps haiku to the small fast model and records parallel tool calls from a blocking call', async () => {
    h.mock.setScenario('tool-use');
    const msg = await client.messages.create({
      model: 'claude-3-5-haiku-20241022',
      max_tokens: 512,
      messages: ask('Weather and time in Paris?'),
      tools: [
        { name: 'get_weather', input_schema: { type: 'object', properties: { city: { type: 'string' } } } },
        { name: 'get_time', input_schema: { type: 'object', properties: { tz: { type: 'string' } } } },
      ],
    });
    expect(msg).toEqual(blockingMessage('tool-use'));
    expect(h.mock.last().modelId).toBe(BEDROCK_SMALL_MODEL);
    expect(h.mock.last().operation).toBe('invoke');

    const rec = await h.next();
    expect(rec).toMatchObject({ model: BEDROCK_SMALL_MODEL, streaming: false, status: 'completed', http_status: 200 });
    expect(rec.tool_usages.map((t) => [t.tool_call_id, t.tool, t.input])).toEqual([
      ['toolu_bdrk_01Weather', 'get_weather', { city: 'Paris', unit: 'celsius' }],
      ['toolu_bdrk_02Time', 'get_time', { tz: 'Europe/Paris' }],
    ]);
    expect(rec.token_usages[0]).toMatchObject({ input_tokens: 410, output_tokens: 87, cache_read_input_tokens: 0, cache_write_input_tokens: 0 });
  });

  it('streams tool calls split across fragments and records them', async () => {
    h.mock.setScenario('tool-use');
    const final = await client.messages
      .stream({ model: 'claude-sonnet-5-5', max_tokens: 512, messages: ask('tools, streamed') })
      .finalMessage();
    expect(final.content.filter((b) => b.type === 'tool_use').map((b) => (b.type === 'tool_use' ? b.input : null))).toEqual([
      { city: 'Paris', unit: 'celsius' },
      { tz: 'Europe/Paris' },
    ]);
    const rec = await h.next();
    expect(rec.tool_usages.map((t) => t.tool)).toEqual(['get_weather', 'get_time']);
    expect(rec.token_usages[0]?.output_tokens).toBe(87);
  });

  it('records thinking as model thoughts', async () => {
    h.mock.setScenario('thinking');
    const final = await client.messages
      .stream({ model: 'claude-sonnet-5-5', max_tokens: 4096, thinking: { type: 'enabled', budget_tokens: 2048 }, messages: ask('2+2?') })
      .finalMessage();
    expect(final.content.map((b) => b.type)).toEqual(['thinking', 'text']);
    expect(h.mock.last().body).toMatchObject({ thinking: { type: 'enabled', budget_tokens: 2048 } });
    const rec = await h.next();
    expect(rec.model_thoughts.map((t) => t.content)).toEqual(['The user wants 2+2. That is 4.']);
    expect(rec.token_usages[0]).toMatchObject({ input_tokens: 60, output_tokens: 31 });
  });

  it.each([
    ['throttling', 429, 'rate_limit_error'],
    ['validation', 400, 'invalid_request_error'],
    ['access-denied', 403, 'permission_error'],
    ['model-not-ready', 503, 'overloaded_error'],
    ['service-unavailable', 503, 'overloaded_error'],
    ['not-found', 404, 'not_found_error'],
    ['internal', 500, 'api_error'],
    ['model-timeout', 504, 'timeout_error'],
  ] as [MockErrorName, number, string][])('reports Bedrock %s as Anthropic %i %s and records it failed', async (name, status, type) => {
    h.mock.setScenario(name);
    const err = await client.messages
      .create({ model: 'claude-sonnet-5-5', max_tokens: 10, stream: true, messages: ask(`trigger ${name}`) })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(APIError);
    const apiErr = err as APIError;
    expect(apiErr.status).toBe(status);
    expect(apiErr.error).toEqual({ type: 'error', error: { type, message: `${MOCK_ERRORS[name].type}: ${MOCK_ERRORS[name].message}` } });
    const rec = await h.next();
    expect(rec).toMatchObject({ provider: 'bedrock', model: BEDROCK_MODEL, status: 'failed', http_status: status });
    expect(rec.error).toContain(MOCK_ERRORS[name].message);
    expect(rec.user_prompts.map((p) => p.prompt)).toEqual([`trigger ${name}`]);
  });

  it('turns an exception frame mid-stream into an Anthropic error event; the record is failed', async () => {
    h.mock.setScenario('exception-mid-stream', { after: 3 });
    const stream = await client.messages.create({ model: 'claude-sonnet-5-5', max_tokens: 10, stream: true, messages: ask('mid-stream') });
    const types: string[] = [];
    const err = await (async () => {
      for await (const ev of stream) types.push(ev.type);
    })().catch((e: unknown) => e);
    expect(types).toEqual(['message_start', 'content_block_start', 'content_block_delta']);
    expect(err).toBeInstanceOf(APIError);
    expect(String((err as Error).message)).toContain('ThrottlingException');
    const rec = await h.next();
    expect(rec.status).toBe('failed');
    expect(rec.http_status).toBe(200);
    expect(rec.error).toContain('ThrottlingException');
    expect(rec.user_prompts.map((p) => p.prompt)).toEqual(['mid-stream']);
  });

  it('answers 502 when Bedrock closes without answering, recorded failed', async () => {
    h.mock.setScenario('die');
    const err = await client.messages.create({ model: 'claude-sonnet-5-5', max_tokens: 10, messages: ask('die') }).catch((e: unknown) => e);
    expect((err as APIError).status).toBe(502);
    const rec = await h.next();
    expect(rec).toMatchObject({ status: 'failed', http_status: 502 });
  });

  it('cancels the upstream call when the client goes away mid-stream', async () => {
    h.mock.setScenario('slow-stream', { intervalMs: 20 });
    const ac = new AbortController();
    const stream = await client.messages.create(
      { model: 'claude-sonnet-5-5', max_tokens: 10, stream: true, messages: ask('go away') },
      { signal: ac.signal },
    );
    let n = 0;
    await (async () => {
      for await (const _ev of stream) {
        if (++n === 4) ac.abort();
      }
    })().catch(() => undefined);
    const up = h.mock.last();
    await expect.poll(() => up.clientClosed).toBe(true);
    expect(up.finished).toBe(false);
    const rec = await h.next();
    expect(rec.status).toBe('cancelled');
  });
});

describe('Anthropic messages over Bedrock: timeouts', () => {
  let t: BedrockHarness;
  beforeAll(async () => {
    t = await startBedrockHarness({ AIBRIDGE_UPSTREAM_TIMEOUT: '1s' });
  });
  afterAll(async () => {
    await t.close();
  });

  it('answers 504 when Bedrock does not answer in time, recorded failed', async () => {
    t.mock.setScenario('hang');
    const c = new Anthropic({ apiKey: t.token, baseURL: `${t.app.url}/anthropic`, maxRetries: 0 });
    const err = await c.messages.create({ model: 'claude-sonnet-5-5', max_tokens: 10, stream: true, messages: ask('hang') }).catch((e: unknown) => e);
    expect((err as APIError).status).toBe(504);
    expect((err as APIError).error).toMatchObject({ type: 'error', error: { type: 'timeout_error' } });
    const rec = await t.next();
    expect(rec).toMatchObject({ status: 'failed', http_status: 504, provider: 'bedrock' });
  });
});
