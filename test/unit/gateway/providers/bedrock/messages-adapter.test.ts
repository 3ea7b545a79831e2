/**
 * The Anthropic-route Bedrock adapter against the mock Bedrock runtime (plain HTTP/1.1, so these
 * also prove the SDK is not on its default HTTP/2 handler), without the gateway around it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProviderCall, ProviderReply } from '../../../../../src/gateway/providers/adapter.js';
import { messagesCodec } from '../../../../../src/gateway/providers/anthropic/codec.js';
import { createBedrockMessagesAdapter } from '../../../../../src/gateway/providers/bedrock/index.js';
import type { BedrockConfig } from '../../../../../src/gateway/providers/bedrock/config.js';
import { GatewayError, UpstreamTimeoutError, UpstreamUnreachableError } from '../../../../../src/gateway/errors.js';
import { MOCK_ERRORS, blockingMessage, fixtureText, startMockBedrock, type MockBedrock, type MockErrorName } from '../../../../helpers/mock-bedrock.js';

let mock: MockBedrock;
let cfg: BedrockConfig;

beforeAll(async () => {
  mock = await startMockBedrock();
  cfg = {
    region: 'eu-west-1',
    accessKey: 'AKIDEXAMPLE',
    accessKeySecret: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
    model: 'eu.anthropic.claude-sonnet-4-5-20250929-v1:0',
    smallFastModel: 'eu.anthropic.claude-haiku-4-5-20251001-v1:0',
    baseUrl: mock.url,
  };
});
afterAll(async () => {
  await mock.close();
});

function call(json: Record<string, unknown>, opts: { signal?: AbortSignal; headers?: Record<string, string> } = {}): ProviderCall {
  return {
    rawBody: Buffer.from(JSON.stringify(json)),
    json,
    path: '/v1/messages',
    search: '?beta=true',
    headers: { 'anthropic-version': '2023-06-01', ...opts.headers },
    signal: opts.signal ?? new AbortController().signal,
    facts: messagesCodec.requestFacts(json),
  };
}

async function text(reply: ProviderReply): Promise<string> {
  const parts: Buffer[] = [];
  for await (const c of reply.body) parts.push(Buffer.from(c));
  return Buffer.concat(parts).toString('utf8');
}

const body = (extra: Record<string, unknown> = {}) => ({
  model: 'claude-sonnet-4-5-20250929',
  max_tokens: 256,
  messages: [{ role: 'user', content: 'Say hello' }],
  ...extra,
});

const adapter = () => createBedrockMessagesAdapter(() => cfg, { timeoutMs: 5000 });

describe('Bedrock messages adapter', () => {
  it('streams Bedrock chunks back as the same Anthropic SSE, event for event', async () => {
    mock.setScenario('text');
    const reply = await adapter().send(call(body({ stream: true }), { headers: { 'anthropic-beta': 'claude-code-20250219,interleaved-thinking-2025-05-14' } }));
    expect(reply.status).toBe(200);
    expect(reply.mode).toBe('sse');
    expect(reply.model).toBe(cfg.model);
    expect(reply.headers['content-type']).toMatch(/^text\/event-stream/);
    expect(await text(reply)).toBe(fixtureText('text'));

    const up = mock.last();
    expect(up.authProblem).toBeNull();
    expect(up.credential).toMatchObject({ accessKeyId: 'AKIDEXAMPLE', region: 'eu-west-1', service: 'bedrock' });
    expect(up.operation).toBe('invoke-with-response-stream');
    expect(up.modelId).toBe(cfg.model);
    expect(up.body).toEqual({
      anthropic_version: 'bedrock-2023-05-31',
      anthropic_beta: ['interleaved-thinking-2025-05-14'],
      max_tokens: 256,
      messages: [{ role: 'user', content: 'Say hello' }],
    });
  });

  it.each(['tool-use', 'thinking'] as const)('passes the %s stream through unchanged', async (fixture) => {
    mock.setScenario(fixture);
    // A base URL with a trailing slash must not produce `//model/…`.
    const slash = createBedrockMessagesAdapter(() => ({ ...cfg, baseUrl: `${mock.url}/` }), { timeoutMs: 5000 });
    const reply = await slash.send(call(body({ stream: true })));
    expect(await text(reply)).toBe(fixtureText(fixture));
  });

  it('answers blocking calls with the Anthropic message JSON and maps haiku to the small fast model', async () => {
    mock.setScenario('tool-use');
    const reply = await adapter().send(call(body({ model: 'claude-3-5-haiku-20241022' })));
    expect(reply.mode).toBe('json');
    expect(reply.model).toBe(cfg.smallFastModel);
    expect(JSON.parse(await text(reply))).toEqual(blockingMessage('tool-use'));
    expect(mock.last().operation).toBe('invoke');
    expect(mock.last().modelId).toBe(cfg.smallFastModel);
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
  ] as [MockErrorName, number, string][])('answers Bedrock %s as an Anthropic %i %s', async (name, status, type) => {
    mock.setScenario(name);
    for (const stream of [true, false]) {
      const reply = await adapter().send(call(body({ stream })));
      expect(reply.status).toBe(status);
      expect(JSON.parse(await text(reply))).toEqual({
        type: 'error',
        error: { type, message: `${MOCK_ERRORS[name].type}: ${MOCK_ERRORS[name].message}` },
      });
    }
  });

  it('ends the SSE with an Anthropic error event on an exception frame mid-stream', async () => {
    mock.setScenario('exception-mid-stream', { after: 3 });
    const out = await text(await adapter().send(call(body({ stream: true }))));
    const events = out.trim().split('\n\n');
    expect(events).toHaveLength(4);
    expect(events.slice(0, 3).join('\n\n') + '\n\n').toBe(fixtureText('text').split('\n\n').slice(0, 3).join('\n\n') + '\n\n');
    expect(events[3]).toBe(
      `event: error\ndata: ${JSON.stringify({ type: 'error', error: { type: 'rate_limit_error', message: `ThrottlingException: ${MOCK_ERRORS.throttling.message}` } })}`,
    );
  });

  it('maps a modelStreamErrorException frame and a connection that dies mid-stream to api_error', async () => {
    mock.setScenario('exception-mid-stream', { exceptionType: 'modelStreamErrorException', exceptionMessage: 'model broke' });
    const a = await text(await adapter().send(call(body({ stream: true }))));
    expect(a).toContain('event: error\ndata: {"type":"error","error":{"type":"api_error","message":"ModelStreamErrorException: model broke"}}');
    mock.setScenario('die-mid-stream', { after: 2 });
    const b = await text(await adapter().send(call(body({ stream: true }))));
    expect(b).toMatch(/event: error\ndata: \{"type":"error","error":\{"type":"api_error","message":"Bedrock stream broke: /);
  });

  it('throws 502 when Bedrock is unreachable or closes without answering, 504 when it does not answer in time', async () => {
    mock.setScenario('die');
    await expect(adapter().send(call(body({ stream: true })))).rejects.toBeInstanceOf(UpstreamUnreachableError);
    const closed = { ...cfg, baseUrl: 'http://127.0.0.1:1' };
    await expect(createBedrockMessagesAdapter(() => closed, { timeoutMs: 5000 }).send(call(body()))).rejects.toMatchObject({ status: 502 });
    mock.setScenario('hang');
    const slow = createBedrockMessagesAdapter(() => cfg, { timeoutMs: 300 });
    await expect(slow.send(call(body({ stream: true })))).rejects.toBeInstanceOf(UpstreamTimeoutError);
  });

  it('gives up on a silent connection after the idle timeout: 504 before the answer, an error event mid-stream', async () => {
    const idle = createBedrockMessagesAdapter(() => cfg, { timeoutMs: 10_000, idleTimeoutMs: 200 });
    mock.setScenario('hang');
    await expect(idle.send(call(body({ stream: true })))).rejects.toBeInstanceOf(UpstreamTimeoutError);
    mock.setScenario('slow-stream', { intervalMs: 2000 });
    const out = await text(await idle.send(call(body({ stream: true }))));
    expect(out).toMatch(/event: error\ndata: \{"type":"error","error":\{"type":"api_error","message":"Bedrock stream broke: .*inactivity/);
  });

  it('refuses with 503 naming the setting when Bedrock is not configured', async () => {
    const a = createBedrockMessagesAdapter(() => ({}), { timeoutMs: 1000 });
    const err = await a.send(call(body())).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GatewayError);
    expect((err as GatewayError).status).toBe(503);
    expect((err as GatewayError).message).toMatch(/--bedrock-region/);
    const b = createBedrockMessagesAdapter(() => ({ region: 'us-east-1', model: 'm' }), { timeoutMs: 1000 });
    await expect(b.send(call(body()))).rejects.toThrow(/bedrock-small-fast-model/);
  });

  it('aborts the upstream stream when the call signal fires', async () => {
    mock.setScenario('slow-stream', { intervalMs: 20 });
    const ac = new AbortController();
    const reply = await adapter().send(call(body({ stream: true }), { signal: ac.signal }));
    const it = reply.body[Symbol.asyncIterator]();
    await it.next();
    ac.abort(new Error('client disconnected'));
    // The body ends quietly (no error event for a client that is gone).
    let rest = '';
    for (let r = await it.next(); !r.done; r = await it.next()) rest += Buffer.from(r.value).toString('utf8');
    expect(rest).not.toContain('event: error');
    const up = mock.last();
    await expect.poll(() => up.clientClosed).toBe(true);
    expect(up.finished).toBe(false);
  });
});
