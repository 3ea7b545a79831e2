/**
 * Issue #3 header hygiene and SPEC §4 passthrough, over node:http so every header is ours to set:
 * client headers such as `anthropic-version` / `anthropic-beta` reach the upstream; the bridge
 * token, cookies and hop-by-hop headers do not; the upstream gets the provider key as it expects
 * it; the query string and the request body bytes are kept; upstream response headers come back.
 * Passthrough routes (count_tokens, models, stored responses) work and leave no record.
 */
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureFile } from '../helpers/mock-upstream-replies.js';
import { startGatewayHarness, ANTHROPIC_KEY, OPENAI_KEY, type GatewayHarness } from '../helpers/gateway-harness.js';

let h: GatewayHarness;
beforeAll(async () => {
  h = await startGatewayHarness();
});
afterAll(async () => {
  await h?.close();
});

/** A raw request with exactly these headers (node:http lets us send hop-by-hop ones). */
function raw(method: string, path: string, headers: Record<string, string>, body?: string): Promise<{ status: number; headers: IncomingHttpHeaders; text: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${h.url}${path}`, { method, headers }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(parts).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Headers no upstream may see, whatever the client sent. */
const HOSTILE = {
  cookie: 'session=abc; other=1',
  'proxy-authorization': 'Basic Zm9vOmJhcg==',
  'keep-alive': 'timeout=5',
  te: 'trailers',
  connection: 'keep-alive, x-hop-only',
  'x-hop-only': 'dropped because connection names it',
  'x-forwarded-for': '10.0.0.1',
};
const DROPPED = ['cookie', 'proxy-authorization', 'keep-alive', 'te', 'x-hop-only', 'x-forwarded-for'];

describe('Anthropic: what reaches the upstream', () => {
  it.each([
    ['x-api-key', (t: string) => ({ 'x-api-key': t })],
    ['Authorization: Bearer', (t: string) => ({ authorization: `Bearer ${t}` })],
  ])('bridge token in %s: client headers pass, token/cookies/hop-by-hop do not, provider key in x-api-key', async (_name, auth) => {
    const body = '{ "model" : "claude-sonnet-4-5",\n  "max_tokens": 16, "stream": true, "x_unknown_field": {"keep": [1, 2.50, "é"]},\n "messages": [{"role":"user","content":"hdrs"}] }';
    const before = h.up.requests.length;
    const reply = await raw('POST', '/anthropic/v1/messages?beta=true', {
      ...auth(h.token),
      ...HOSTILE,
      'content-type': 'application/json',
      'anthropic-version': '2023-06-01',
      'anthropic-beta': 'claude-code-20250219,interleaved-thinking-2025-05-14,fine-grained-tool-streaming-2025-05-14',
      'anthropic-dangerous-direct-browser-access': 'true',
      'x-app': 'cli',
      'user-agent': 'claude-cli/2.1.197 (external, cli)',
      'x-claude-code-session-id': 'cc-sess-hdr',
      'x-stainless-retry-count': '0',
    }, body);
    expect(reply.status).toBe(200);
    const up = h.up.requests[before]!;
    expect(up.path).toBe('/v1/messages');
    expect(up.search).toBe('?beta=true');
    expect(up.body).toBe(body);
    expect(up.headers).toMatchObject({
      'x-api-key': ANTHROPIC_KEY,
      'anthropic-version': '2023-06-01',
      'anthropic-beta': 'claude-code-20250219,interleaved-thinking-2025-05-14,fine-grained-tool-streaming-2025-05-14',
      'x-app': 'cli',
      'user-agent': 'claude-cli/2.1.197 (external, cli)',
      'x-claude-code-session-id': 'cc-sess-hdr',
      'x-stainless-retry-count': '0',
    });
    expect(up.headers['authorization']).toBeUndefined();
    for (const name of DROPPED) expect(up.headers[name], name).toBeUndefined();
    expect(JSON.stringify(up.headers)).not.toContain(h.token);
    // What the client got back carries no secret either.
    expect(JSON.stringify(reply.headers) + reply.text).not.toContain(ANTHROPIC_KEY);
    const [rec] = await h.nextRecords();
    expect(rec).toMatchObject({ client: 'Claude Code', client_session_id: 'cc-sess-hdr', user_agent: 'claude-cli/2.1.197 (external, cli)', status: 'completed' });
  });
});

describe('OpenAI: what reaches the upstream', () => {
  it.each(['/openai/v1/chat/completions', '/openai/v1/responses'])('%s: provider key as Bearer, query kept, client headers pass', async (path) => {
    const body = path.endsWith('responses') ? '{"model":"gpt-5","input":"hdrs","stream":false,  "store":false}' : '{"model":"gpt-4o","messages":[{"role":"user","content":"hdrs"}] , "n":1}';
    const before = h.up.requests.length;
    const reply = await raw('POST', `${path}?api-version=2025-01-01&x=1`, {
      authorization: `Bearer ${h.token}`,
      ...HOSTILE,
      'content-type': 'application/json',
      'openai-beta': 'responses=experimental',
      originator: 'codex_cli_rs',
      session_id: 'codex-hdr-1',
      'user-agent': 'codex_cli_rs/0.171.0 (Debian 12; x86_64) dumb',
      'x-custom-client': 'yes',
    }, body);
    expect(reply.status).toBe(200);
    const up = h.up.requests[before]!;
    expect(up.path).toBe(path.replace('/openai', ''));
    expect(up.search).toBe('?api-version=2025-01-01&x=1');
    expect(up.body).toBe(body);
    expect(up.headers).toMatchObject({
      authorization: `Bearer ${OPENAI_KEY}`,
      'openai-beta': 'responses=experimental',
      originator: 'codex_cli_rs',
      session_id: 'codex-hdr-1',
      'x-custom-client': 'yes',
    });
    expect(up.headers['x-api-key']).toBeUndefined();
    for (const name of DROPPED) expect(up.headers[name], name).toBeUndefined();
    expect(JSON.stringify(up.headers)).not.toContain(h.token);
    expect(JSON.stringify(reply.headers) + reply.text).not.toContain(OPENAI_KEY);
    const [rec] = await h.nextRecords();
    expect(rec).toMatchObject({ client: 'Codex', client_session_id: 'codex-hdr-1', status: 'completed' });
  });
});

describe('client_session_id from the headers real clients send', () => {
  it.each([
    // What codex-cli 0.171.0 sends (seen through the gateway by test/clients/run.ts).
    ['codex exec 0.171 `session-id`', { 'user-agent': 'codex_exec/0.171.0 (Debian 12.0.0; x86_64) xterm (codex_exec; 0.171.0)', originator: 'codex_exec', 'session-id': '01a218e0-273f-77a1-ac85-afc51bcfa9eb' }, 'Codex', '01a218e0-273f-77a1-ac85-afc51bcfa9eb'],
    ['older Codex `session_id`', { 'user-agent': 'codex_cli_rs/0.87.0', session_id: 'sess-old' }, 'Codex', 'sess-old'],
    ['Claude Code', { 'user-agent': 'claude-cli/2.1.197 (external, sdk-cli)', 'x-claude-code-session-id': 'cc-1' }, 'Claude Code', 'cc-1'],
    ['`session-id` from an unknown client is not a session', { 'user-agent': 'curl/8', 'session-id': 'nope' }, 'Unknown', null],
  ] as const)('%s', async (_name, headers, client, session) => {
    await h.post('/openai/v1/responses', { model: 'gpt-5', input: 'who am i' }, { ...headers });
    const [rec] = await h.nextRecords();
    expect(rec).toMatchObject({ client, client_session_id: session });
  });
});

describe('response headers', () => {
  it('upstream headers that matter come back; set-cookie and hop-by-hop do not', async () => {
    const reply = await h.post(
      '/anthropic/v1/messages',
      { model: 'claude-sonnet-4-5', max_tokens: 8, messages: [{ role: 'user', content: 'resp hdrs' }] },
      {
        'x-mock-reply': JSON.stringify({
          kind: 'fixture',
          fixture: 'anthropic/text.json',
          headers: {
            'request-id': 'req_custom_1',
            'anthropic-ratelimit-tokens-remaining': '12345',
            'anthropic-organization-id': 'org-1',
            'x-custom-upstream': 'kept',
            'set-cookie': 'track=me',
          },
        }),
      },
    );
    expect(reply.status).toBe(200);
    expect(reply.headers).toMatchObject({ 'request-id': 'req_custom_1', 'anthropic-ratelimit-tokens-remaining': '12345', 'anthropic-organization-id': 'org-1', 'x-custom-upstream': 'kept' });
    expect(reply.headers['set-cookie']).toBeUndefined();
    await h.nextRecords();
  });
});

describe('response framing', () => {
  it('a sized upstream answer keeps its content-length (no chunked framing) and its exact bytes', async () => {
    const bytes = fixtureFile('anthropic/text.json');
    const reply = await raw('POST', '/anthropic/v1/messages', {
      'x-api-key': h.token,
      'content-type': 'application/json',
      'x-mock-reply': JSON.stringify({ kind: 'fixture', fixture: 'anthropic/text.json', chunks: { size: 40, delayMs: 1 }, headers: { 'content-length': String(bytes.length) } }),
    }, JSON.stringify({ model: 'claude-sonnet-4-5', max_tokens: 8, messages: [{ role: 'user', content: 'sized' }] }));
    expect(reply.status).toBe(200);
    expect(reply.headers['content-length']).toBe(String(bytes.length));
    expect(reply.headers['transfer-encoding']).toBeUndefined();
    expect(reply.text).toBe(bytes.toString('utf8'));
    const [rec] = await h.nextRecords();
    expect(rec).toMatchObject({ status: 'completed', http_status: 200 });
    expect(rec!.token_usages).toHaveLength(1);
  });

  it('an unsized answer (a stream) goes out chunked', async () => {
    const reply = await raw('POST', '/anthropic/v1/messages', {
      'x-api-key': h.token,
      'content-type': 'application/json',
      'x-mock-reply': JSON.stringify({ kind: 'fixture', fixture: 'anthropic/text.sse' }),
    }, JSON.stringify({ model: 'claude-sonnet-4-5', max_tokens: 8, stream: true, messages: [{ role: 'user', content: 'unsized' }] }));
    expect(reply.status).toBe(200);
    expect(reply.headers['content-length']).toBeUndefined();
    expect(reply.headers['transfer-encoding']).toBe('chunked');
    expect(reply.text).toBe(fixtureFile('anthropic/text.sse').toString('utf8'));
    await h.nextRecords();
  });

  it('a stream whose upstream sends its headers and then nothing: the client has the headers at once', async () => {
    // The headers go out with the first event when both come together; alone, they go at the end
    // of the turn they came in, not when (if ever) the first event follows.
    const { status, headers, cancel } = await new Promise<{ status: number; headers: IncomingHttpHeaders; cancel: () => void }>((resolve, reject) => {
      const req = httpRequest(`${h.url}/anthropic/v1/messages`, {
        method: 'POST',
        headers: { 'x-api-key': h.token, 'content-type': 'application/json', 'x-mock-fixture': 'anthropic/text.sse', 'x-mock-stall-after-bytes': '0' },
      }, (res) => resolve({ status: res.statusCode ?? 0, headers: res.headers, cancel: () => req.destroy() }));
      req.on('error', reject);
      req.end(JSON.stringify({ model: 'claude-sonnet-4-5', max_tokens: 8, stream: true, messages: [{ role: 'user', content: 'headers only' }] }));
    });
    expect(status).toBe(200);
    expect(headers['content-type']).toMatch(/^text\/event-stream/);
    cancel();
    const [rec] = await h.nextRecords();
    expect(rec).toMatchObject({ status: 'cancelled' });
  });
});

describe('passthrough routes: forwarded, not recorded', () => {
  it('count_tokens, models, stored responses via the SDKs and raw HTTP', async () => {
    const count = (await h.interceptions()).length;
    const a = new Anthropic({ baseURL: h.anthropicBase, apiKey: h.token, maxRetries: 0 });
    const o = new OpenAI({ baseURL: h.openaiBase, apiKey: h.token, maxRetries: 0 });

    const before = h.up.requests.length;
    const tokens = await a.messages.countTokens({ model: 'claude-mock-1', messages: [{ role: 'user', content: 'count me' }] });
    expect(tokens.input_tokens).toBe(42);
    const countReq = h.up.requests[before]!;
    expect(countReq).toMatchObject({ method: 'POST', path: '/v1/messages/count_tokens', route: 'count_tokens' });
    expect(countReq.headers['x-api-key']).toBe(ANTHROPIC_KEY);
    expect(countReq.json).toEqual({ model: 'claude-mock-1', messages: [{ role: 'user', content: 'count me' }] });

    const aModels = await a.models.list();
    expect(aModels.data.map((m) => m.id)).toEqual(['claude-sonnet-4-5-20250929']);
    const aModel = await a.models.retrieve('claude-opus-4-1');
    expect(aModel.id).toBe('claude-opus-4-1');
    expect(h.up.last()).toMatchObject({ route: 'anthropic_models', path: '/v1/models/claude-opus-4-1' });

    const oModels = await o.models.list();
    expect(oModels.data.map((m) => m.id)).toEqual(['gpt-4o']);
    expect(h.up.last().headers['authorization']).toBe(`Bearer ${OPENAI_KEY}`);
    expect((await o.models.retrieve('gpt-5')).id).toBe('gpt-5');

    const stored = await o.responses.retrieve('resp_stored_1');
    expect(stored.id).toBe('resp_stored_1');
    expect(h.up.last()).toMatchObject({ method: 'GET', path: '/v1/responses/resp_stored_1', route: 'response_get' });
    await o.responses.delete('resp_stored_1');
    expect(h.up.last()).toMatchObject({ method: 'DELETE', path: '/v1/responses/resp_stored_1', route: 'response_delete' });

    // Raw: query kept, upstream status and body as sent.
    const r = await h.request('GET', '/anthropic/v1/models?limit=5&after_id=x', { headers: { 'x-api-key': h.token, 'anthropic-version': '2023-06-01' } });
    expect(r.status).toBe(200);
    expect(h.up.last().search).toBe('?limit=5&after_id=x');
    expect(h.up.last().headers['anthropic-version']).toBe('2023-06-01');
    const missing = await h.request('GET', '/openai/v1/models/nope', {
      headers: { authorization: `Bearer ${h.token}`, 'x-mock-reply': JSON.stringify({ kind: 'error', status: 404, headers: { 'x-request-id': 'req_nf' } }) },
    });
    expect(missing.status).toBe(404);
    expect(missing.headers['x-request-id']).toBe('req_nf');
    expect(missing.text).toContain('mock upstream error 404');

    for (const secret of [ANTHROPIC_KEY, OPENAI_KEY]) expect(r.text + missing.text).not.toContain(secret);

    // One intercepted call afterwards: it is the only new record.
    await h.post('/openai/v1/responses', { model: 'gpt-5', input: 'after passthrough' });
    const [rec] = await h.nextRecords();
    expect(rec!.user_prompts[0]?.prompt).toBe('after passthrough');
    expect((await h.interceptions()).length).toBe(count + 1);
  });

  it('passthrough needs a bridge token too, and the token never goes upstream', async () => {
    const before = h.up.requests.length;
    const denied = await h.request('GET', '/openai/v1/models');
    expect(denied.status).toBe(401);
    expect(h.up.requests.length).toBe(before);
  });
});

describe('leaks', () => {
  it('the JSON log file and the records hold no provider key and no bridge token', async () => {
    const text = h.logText() + JSON.stringify(await h.interceptions());
    for (const secret of [ANTHROPIC_KEY, OPENAI_KEY, h.token]) expect(text).not.toContain(secret);
  });
});
