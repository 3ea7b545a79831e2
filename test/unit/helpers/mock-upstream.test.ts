/**
 * The mock upstream other suites rely on: routes, reply selection (headers, queue, sticky,
 * defaults), chunked streaming, error statuses, hang / stall / die / garbage and abort recording.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startMockUpstream, type MockUpstream } from '../../helpers/mock-upstream.js';
import { messagesCodec } from '../../../src/gateway/providers/anthropic/codec.js';
import { responsesCodec } from '../../../src/gateway/providers/openai/responses-codec.js';
import { expectedFor, fixtureBytes, runStream } from '../../helpers/codec-harness.js';

let up: MockUpstream;
beforeAll(async () => {
  up = await startMockUpstream();
});
afterAll(async () => {
  await up.close();
});
beforeEach(() => up.reset());

function post(path: string, body: unknown, headers: Record<string, string> = {}, signal?: AbortSignal): Promise<Response> {
  return fetch(`${up.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body), signal });
}

async function readChunks(res: Response): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  const reader = res.body!.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return out;
    out.push(value);
  }
}

describe('mock upstream', () => {
  it('streams the default Anthropic fixture byte for byte and records the request', async () => {
    const res = await post('/v1/messages?beta=true', { model: 'claude-x', stream: true, messages: [] }, { 'x-api-key': 'sk-ant-test', 'anthropic-version': '2023-06-01' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(res.headers.get('request-id')).toMatch(/^req_mock_\d+$/);
    const chunks = await readChunks(res);
    expect(Buffer.concat(chunks).equals(fixtureBytes('anthropic/text.sse'))).toBe(true);
    expect(runStream(messagesCodec, chunks)).toEqual(expectedFor('anthropic/text.sse'));
    const rec = up.last();
    expect(rec).toMatchObject({ method: 'POST', path: '/v1/messages', search: '?beta=true', route: 'messages', provider: 'anthropic', json: { model: 'claude-x' } });
    expect(rec.headers['x-api-key']).toBe('sk-ant-test');
    await rec.closed;
    expect(rec.finished).toBe(true);
    expect(rec.aborted).toBe(false);
  });

  it('answers blocking calls with the JSON fixtures and knows the OpenAI routes', async () => {
    const chat = await post('/v1/chat/completions', { model: 'gpt-4o', messages: [] });
    expect(((await chat.json()) as { object: string }).object).toBe('chat.completion');
    expect(chat.headers.get('x-request-id')).toMatch(/^req_mock_/);
    const resp = await post('/v1/responses', { model: 'gpt-5', input: 'hi' });
    expect(((await resp.json()) as { object: string }).object).toBe('response');
    const got = await fetch(`${up.url}/v1/responses/resp_123`);
    expect(((await got.json()) as { id: string }).id).toBe('resp_123');
    const del = await fetch(`${up.url}/v1/responses/resp_123`, { method: 'DELETE' });
    expect(await del.json()).toEqual({ id: 'resp_123', object: 'response', deleted: true });
    const oModels = (await (await fetch(`${up.url}/v1/models`)).json()) as { object: string };
    expect(oModels.object).toBe('list');
    const aModels = (await (await fetch(`${up.url}/v1/models`, { headers: { 'anthropic-version': '2023-06-01' } })).json()) as { has_more: boolean };
    expect(aModels.has_more).toBe(false);
    const count = await post('/v1/messages/count_tokens', { model: 'claude-x', messages: [] });
    expect(await count.json()).toEqual({ input_tokens: 42 });
    const missing = await post('/v1/nope', {});
    expect(missing.status).toBe(404);
    expect(up.requests.map((r) => r.route)).toEqual([
      'chat',
      'responses',
      'response_get',
      'response_delete',
      'openai_models',
      'anthropic_models',
      'count_tokens',
      'not_found',
    ]);
  });

  it('picks the fixture from x-mock-* headers, with chunk size and an error status from the name', async () => {
    const res = await post('/v1/responses', { stream: true }, { 'x-mock-fixture': 'openai-responses/reasoning.sse', 'x-mock-chunk-size': '13' });
    const chunks = await readChunks(res);
    expect(runStream(responsesCodec, chunks)).toEqual(expectedFor('openai-responses/reasoning.sse'));
    const limited = await post('/v1/messages', {}, { 'x-mock-fixture': 'anthropic/error-429.json' });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('1');
    expect(((await limited.json()) as { error: { type: string } }).error.type).toBe('rate_limit_error');
    const forced = await post('/v1/messages', {}, { 'x-mock-fixture': 'anthropic/error-529.json', 'x-mock-status': '529' });
    expect(forced.status).toBe(529);
    await forced.arrayBuffer();
  });

  it('serves the queue in order, route-bound entries only on their route, then sticky replies', async () => {
    up.enqueue({ kind: 'error', status: 500 });
    up.enqueue({ kind: 'json', body: { n: 1 } }, 'count_tokens');
    up.enqueue({ kind: 'json', body: { hello: 'world' } });
    up.setReply('chat', { kind: 'error', status: 503, body: { error: { message: 'down' } }, headers: { 'x-extra': 'yes' } });
    expect((await post('/v1/messages', {})).status).toBe(500);
    expect(await (await post('/v1/messages/count_tokens', {})).json()).toEqual({ n: 1 });
    expect(await (await post('/v1/responses', {})).json()).toEqual({ hello: 'world' });
    const sticky = await post('/v1/chat/completions', {});
    expect(sticky.status).toBe(503);
    expect(sticky.headers.get('x-extra')).toBe('yes');
    expect(sticky.headers.get('retry-after')).toBe('1');
    expect((await post('/v1/chat/completions', {})).status).toBe(503);
    up.setReply('chat', null);
    expect((await post('/v1/chat/completions', {})).status).toBe(200);
  });

  it('records a client abort while hanging', async () => {
    up.enqueue({ kind: 'hang' });
    const ac = new AbortController();
    const pending = post('/v1/messages', { stream: true }, {}, ac.signal).catch((e: unknown) => e);
    const [rec] = await up.waitForRequests(1);
    ac.abort();
    expect(await pending).toBeInstanceOf(Error);
    await rec!.closed;
    expect(rec!.aborted).toBe(true);
    expect(rec!.finished).toBe(false);
  });

  it('records a client abort mid-stream (stall), and not one when the mock kills the socket (die)', async () => {
    up.enqueue({ kind: 'stall', fixture: 'anthropic/tool-parallel.sse', afterEvents: 3 });
    const ac = new AbortController();
    const res = await post('/v1/messages', { stream: true }, {}, ac.signal);
    const reader = res.body!.getReader();
    const first = await reader.read();
    expect(first.done).toBe(false);
    ac.abort();
    const stalled = up.last();
    await stalled.closed;
    expect(stalled.aborted).toBe(true);

    up.enqueue({ kind: 'die', fixture: 'openai-chat/tool-parallel.sse', afterBytes: 500 });
    const dying = await post('/v1/chat/completions', { stream: true });
    const got: Uint8Array[] = [];
    const err = await (async () => {
      const r = dying.body!.getReader();
      try {
        for (;;) {
          const { done, value } = await r.read();
          if (done) return null;
          got.push(value);
        }
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(Error);
    const sent = Buffer.concat(got);
    expect(sent.length).toBe(500);
    expect(sent.equals(fixtureBytes('openai-chat/tool-parallel.sse').subarray(0, 500))).toBe(true);
    const died = up.last();
    await died.closed;
    expect(died.aborted).toBe(false);
  });

  it('dies before answering and sends garbage on request', async () => {
    const dead = await post('/v1/responses', {}, { 'x-mock-mode': 'die' }).catch((e: unknown) => e);
    expect(dead).toBeInstanceOf(Error);
    const junk = await post('/v1/chat/completions', {}, { 'x-mock-mode': 'garbage' });
    expect(junk.status).toBe(200);
    await expect(junk.clone().json()).rejects.toThrow();
    const sseJunk = await post('/v1/chat/completions', { stream: true }, { 'x-mock-reply': JSON.stringify({ kind: 'garbage' }) });
    expect(sseJunk.headers.get('content-type')).toBe('text/event-stream');
    expect(await sseJunk.text()).toContain('not json');
  });

  it('writes with a delay between chunks and honours custom prefixes', async () => {
    const other = await startMockUpstream({ anthropicPrefix: '/anthropic/v1', openaiPrefix: '/openai/v1/' });
    try {
      other.enqueue({ kind: 'fixture', fixture: 'openai-chat/text.sse', chunks: { size: 64, delayMs: 1 } });
      const res = await fetch(`${other.url}/openai/v1/chat/completions`, { method: 'POST', body: '{"stream":true}' });
      expect(Buffer.concat(await readChunks(res)).equals(fixtureBytes('openai-chat/text.sse'))).toBe(true);
      const models = await fetch(`${other.url}/anthropic/v1/models/claude-x`);
      expect(((await models.json()) as { id: string }).id).toBe('claude-x');
      expect((await fetch(`${other.url}/v1/models`)).status).toBe(404);
    } finally {
      await other.close();
    }
  });
});
