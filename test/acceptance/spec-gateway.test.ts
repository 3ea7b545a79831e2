/** SPEC acceptance, §2–§7 one running gateway: routes, auth, SDKs, records, admin API, logs, export (black-box: the built CLI as child processes; harness in ./harness.ts). */
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { stripChain } from '../helpers/chain.js';
import { ANTHROPIC_KEY, CLI, ISO_UTC, OPENAI_KEY, OPENAI_KEY_MASK, ROOT, Server, admin, byPrompt, byUA, expectAnthropicError, expectKeys, expectOpenAIError, expectRecordShape, findRecord, group, gw, http, isObj, listAll, rawRequest, runCli, running, serve, tmp, up, waitFor, setupAcceptance } from './harness.js';

setupAcceptance();

group('§2–§7 one running gateway (serve + mock upstream + SDKs)', () => {
  const dir = tmp();
  const logFile = join(dir, 'logs', 'aibridge.jsonl');
  let s: Server;
  let token: string;
  let tokenId: string;
  const t0 = new Date(Date.now() - 1000).toISOString();

  beforeAll(async () => {
    // token made by the CLI before any server ran on this data dir
    const c = await runCli(['tokens', 'create', '--name', 'alice', '--data-dir', dir]);
    expect(c.code, c.stderr).toBe(0);
    token = c.stdout.trimEnd().split('\n').pop()!;
    s = await serve(
      [
        '--data-dir', dir, '--port', '0', '--enabled',
        '--anthropic-key', ANTHROPIC_KEY, '--anthropic-base-url', up.url,
        '--openai-key', OPENAI_KEY, '--openai-base-url', `${up.url}/v1/`,
        '--structured-logging', '--log-json', logFile,
      ],
    );
  });
  afterAll(async () => {
    await s?.stop();
  });

  it('serve prints "listening on http://HOST:PORT" and the login URL http://HOST:PORT/ui/#token=ADMIN_TOKEN', async () => {
    expect(s.stdout()).toMatch(new RegExp(`^listening on http://127\\.0\\.0\\.1:${s.port}$`, 'm'));
    expect(s.loginUrl).toBe(`http://127.0.0.1:${s.port}/ui/#token=${s.adminToken}`);
    const at = await runCli(['admin-token', '--data-dir', dir]);
    expect(at.stdout.trim()).toBe(s.adminToken);
    const tl = await runCli(['tokens', 'list', '--data-dir', dir]);
    tokenId = /([0-9a-f]{8}-[0-9a-f-]{27})/.exec(tl.stdout)![1]!;
  });

  it('GET /healthz → {"ok":true} without auth', async () => {
    const r = await http(`${s.url}/healthz`);
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ ok: true });
  });

  it('GET /api/v1/status → {enabled, version, listen, providers:[{name,type,configured}]}', async () => {
    const r = await admin(s, '/api/v1/status');
    expect(r.status, r.text).toBe(200);
    expect(r.json.enabled).toBe(true);
    expect(typeof r.json.version).toBe('string');
    expect(r.json.listen).toContain(`127.0.0.1:${s.port}`);
    expect(Array.isArray(r.json.providers)).toBe(true);
    for (const p of r.json.providers) {
      expect(typeof p.name).toBe('string');
      expect(typeof p.type).toBe('string');
      expect(typeof p.configured).toBe('boolean');
    }
    const byName = Object.fromEntries(r.json.providers.map((p: any) => [p.name, p.configured]));
    expect(byName['anthropic']).toBe(true);
    expect(byName['openai']).toBe(true);
  });

  it('admin API needs the admin token (401 without, 401 with a bridge token); /metrics too', async () => {
    expect((await http(`${s.url}/api/v1/status`)).status).toBe(401);
    expect((await http(`${s.url}/api/v1/status`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(401);
    expect((await http(`${s.url}/api/v1/interceptions`, { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
    expect((await http(`${s.url}/metrics`)).status).toBe(401);
    expect((await http(`${s.url}/metrics`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(401);
    const m = await admin(s, '/metrics');
    expect(m.status).toBe(200);
    expect(m.headers['content-type']).toMatch(/text\/plain/);
    expect(m.text).toMatch(/^# (HELP|TYPE) /m);
  });

  it('no CORS for other origins on the admin API', async () => {
    const pre = await http(`${s.url}/api/v1/status`, {
      method: 'OPTIONS',
      headers: { origin: 'http://evil.example', 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' },
    });
    expect(pre.headers['access-control-allow-origin']).toBeUndefined();
    const get = await admin(s, '/api/v1/status', { headers: { origin: 'http://evil.example' } });
    expect(get.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('Host header that is not a loopback name → 403 (DNS rebinding); loopback names pass', async () => {
    const body = JSON.stringify({ model: 'claude-x', max_tokens: 5, messages: [{ role: 'user', content: 'host check' }] });
    const evil = await rawRequest(s.port, '/anthropic/v1/messages', { host: 'evil.example.com', 'x-api-key': token, 'content-type': 'application/json', 'user-agent': 'spec-host-evil' }, 'POST', body);
    expect(evil.status).toBe(403);
    const evilAdmin = await rawRequest(s.port, '/api/v1/status', { host: `attacker.example:${s.port}`, authorization: `Bearer ${s.adminToken}` });
    expect(evilAdmin.status).toBe(403);
    for (const h of [`localhost:${s.port}`, `127.0.0.1:${s.port}`, `[::1]:${s.port}`, 'localhost']) {
      const ok = await rawRequest(s.port, '/api/v1/status', { host: h, authorization: `Bearer ${s.adminToken}` });
      expect(ok.status, h).toBe(200);
    }
  });

  it('missing / unknown / revoked bridge token → 401 in the provider error shape', async () => {
    const body = { model: 'm', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] };
    expectAnthropicError(await gw(s, '/anthropic/v1/messages', body), 401);
    expectAnthropicError(await gw(s, '/anthropic/v1/messages', body, { token: 'abr_not_a_real_token_123' }), 401);
    expectAnthropicError(await gw(s, '/anthropic/v1/messages', body, { token: 'abr_not_a_real_token_123', bearer: true }), 401);
    expectOpenAIError(await gw(s, '/openai/v1/chat/completions', { model: 'g', messages: [] }), 401);
    expectOpenAIError(await gw(s, '/openai/v1/responses', { model: 'g', input: 'x' }, { token: 'nope', bearer: true }), 401);
    // revoked via the admin API
    const c = await admin(s, '/api/v1/tokens', { method: 'POST', json: { name: 'short-lived' } });
    expect(c.status, c.text).toBe(201);
    expect(typeof c.json.token).toBe('string');
    expect(typeof c.json.id).toBe('string');
    const ok = await gw(s, '/openai/v1/chat/completions', { model: 'gpt-4o', messages: [{ role: 'user', content: 'before revoke' }] }, { token: c.json.token, bearer: true, headers: { 'user-agent': 'spec-before-revoke' } });
    expect(ok.status, ok.text).toBe(200);
    const list = await admin(s, '/api/v1/tokens');
    expect(list.status).toBe(200);
    expect(list.text).toContain('short-lived');
    expect(list.text).not.toContain(c.json.token);
    const d = await admin(s, `/api/v1/tokens/${c.json.id}`, { method: 'DELETE' });
    expect(d.status).toBeLessThan(300);
    expectOpenAIError(await gw(s, '/openai/v1/chat/completions', { model: 'g', messages: [] }, { token: c.json.token, bearer: true }), 401);
  });

  it('unknown route under a provider prefix → 404 in its shape, checked before auth, JSON and body size', async () => {
    // no token, not JSON
    expectAnthropicError(await gw(s, '/anthropic/v1/nope', 'not json'), 404);
    expectAnthropicError(await gw(s, '/anthropic/v2/messages', '{}'), 404);
    expectAnthropicError(await gw(s, '/anthropic/v1/messages', undefined, { method: 'GET' }), 404);
    expectOpenAIError(await gw(s, '/openai/v1/nope', 'not json'), 404);
    expectOpenAIError(await gw(s, '/openai/v1/completions', '{}', { token }), 404);
    expectOpenAIError(await gw(s, '/openai/v1/chat/completions', undefined, { method: 'GET', token }), 404);
    expect((await gw(s, '/bedrock/nope', '{}')).status).toBe(404);
    expect((await gw(s, '/bedrock/model/x/converse', '{}')).status).toBe(404);
  });

  it('body not JSON → 400; larger than the default 32MiB --max-body-size → 413 (provider shapes)', async () => {
    expectAnthropicError(await gw(s, '/anthropic/v1/messages', '{"model": nope', { token, headers: { 'user-agent': 'spec-400a' } }), 400);
    expectOpenAIError(await gw(s, '/openai/v1/chat/completions', 'garbage', { token, headers: { 'user-agent': 'spec-400o' } }), 400);
    const big = JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x'.repeat(32 * 1024 * 1024 + 10) }] });
    expectOpenAIError(await gw(s, '/openai/v1/chat/completions', big, { token, headers: { 'user-agent': 'spec-413' } }), 413);
    // §6: every intercepted call that passed authentication leaves a record, failed ones included
    for (const [ua, status] of [['spec-400a', 400], ['spec-400o', 400], ['spec-413', 413]] as const) {
      const rec = await findRecord(s, byUA(ua), `record of the ${status} call (${ua})`);
      expect(rec).toMatchObject({ status: 'failed', http_status: status });
    }
  });

  it('Bedrock not configured → 503 naming the setting to fill', async () => {
    const r = await gw(s, '/bedrock/model/anthropic.claude-3-haiku/invoke', { messages: [{ role: 'user', content: 'x' }], max_tokens: 5, anthropic_version: 'bedrock-2023-05-31' }, { token });
    expect(r.status, r.text).toBe(503);
    expect(r.text).toMatch(/bedrock/i);
    expect(r.text).toMatch(/region|access.?key|--bedrock|BEDROCK_/i);
  });

  it('@anthropic-ai/sdk: blocking with x-api-key, streaming with Bearer, ?beta=true kept, provider key swapped in', async () => {
    const before = up.requests.length;
    const a = new Anthropic({ baseURL: `${s.url}/anthropic`, apiKey: token, maxRetries: 0 });
    const msg = await a.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 10, messages: [{ role: 'user', content: 'sdk blocking hello' }] });
    expect(msg.id).toBe('msg_01BlockText');
    const upA = up.requests[before]!;
    expect(upA.path).toBe('/v1/messages');
    expect(upA.headers['x-api-key']).toBe(ANTHROPIC_KEY);
    expect(JSON.stringify(upA.headers)).not.toContain(token);

    const b = new Anthropic({ baseURL: `${s.url}/anthropic`, authToken: token, apiKey: null, maxRetries: 0 });
    // Claude Code calls /v1/messages?beta=true; this SDK version does not add the query itself
    const stream = b.messages.stream({ model: 'claude-sonnet-4-5', max_tokens: 10, messages: [{ role: 'user', content: 'sdk beta stream' }] }, { query: { beta: 'true' } });
    const final = await stream.finalMessage();
    expect(final.content.length).toBeGreaterThan(0);
    const upB = up.requests[up.requests.length - 1]!;
    expect(upB.search).toBe('?beta=true');
    expect(upB.headers['x-api-key']).toBe(ANTHROPIC_KEY);
    expect(upB.headers['authorization']).toBeUndefined();
    expect(JSON.stringify(upB.headers)).not.toContain(token);

    const r1 = await findRecord(s, byPrompt('sdk blocking hello'), 'anthropic blocking record');
    expectRecordShape(r1);
    expect(r1).toMatchObject({ provider: 'anthropic', api: 'messages', streaming: false, status: 'completed', http_status: 200, error: null });
    expect(r1.initiator).toEqual({ id: tokenId, name: 'alice' });
    const r2 = await findRecord(s, byPrompt('sdk beta stream'), 'anthropic streaming record');
    expectRecordShape(r2);
    expect(r2).toMatchObject({ provider: 'anthropic', api: 'messages', streaming: true, status: 'completed', http_status: 200 });
  });

  it('openai SDK: chat + responses, blocking and streaming; upstream gets Authorization: Bearer <provider key>', async () => {
    const before = up.requests.length;
    const o = new OpenAI({ baseURL: `${s.url}/openai/v1`, apiKey: token, maxRetries: 0 });
    const c = await o.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'oai chat blocking' }] });
    expect(c.choices[0]?.message.content).toBeTruthy();
    const cs = await o.chat.completions.create({ model: 'gpt-4o', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'oai chat stream' }] });
    let n = 0;
    for await (const _ of cs) n++;
    expect(n).toBeGreaterThan(0);
    const r = await o.responses.create({ model: 'gpt-5', input: 'oai responses blocking' });
    expect(r.id).toBeTruthy();
    const rs = await o.responses.create({ model: 'gpt-5', input: 'oai responses stream', stream: true });
    let completed = false;
    for await (const ev of rs) if (ev.type === 'response.completed') completed = true;
    expect(completed).toBe(true);
    for (const req of up.requests.slice(before)) {
      expect(req.headers['authorization']).toBe(`Bearer ${OPENAI_KEY}`);
      expect(req.headers['x-api-key']).toBeUndefined();
      expect(JSON.stringify(req.headers)).not.toContain(token);
    }
    const want: Array<[string, string, boolean]> = [
      ['oai chat blocking', 'chat_completions', false],
      ['oai chat stream', 'chat_completions', true],
      ['oai responses blocking', 'responses', false],
      ['oai responses stream', 'responses', true],
    ];
    for (const [p, api, streaming] of want) {
      const rec = await findRecord(s, byPrompt(p), p);
      expectRecordShape(rec);
      expect(rec).toMatchObject({ provider: 'openai', api, streaming, status: 'completed', http_status: 200 });
      expect(rec.token_usages).toHaveLength(1);
    }
  });

  it('request bodies and unknown fields pass through byte-for-byte', async () => {
    const body = '{"model":"claude-x",  "max_tokens":5,"messages":[{"role":"user","content":"bytes é 👋"}],"x_unknown_field":{"a":[1,2.50,"z"]}}';
    const r = await gw(s, '/anthropic/v1/messages?beta=true&x=1', body, { token, headers: { 'user-agent': 'spec-bytes' } });
    expect(r.status, r.text).toBe(200);
    const last = up.requests[up.requests.length - 1]!;
    expect(last.body).toBe(body);
    expect(last.search).toBe('?beta=true&x=1');
  });

  it('upstream status, request-id, retry-after, rate-limit headers and error bodies reach the client as sent', async () => {
    const a = await gw(s, '/anthropic/v1/messages', { model: 'claude-x', max_tokens: 5, messages: [{ role: 'user', content: 'rate limited a' }] }, { token, headers: { 'x-mock-fixture': 'anthropic/error-429.json', 'user-agent': 'spec-429a' } });
    expect(a.status).toBe(429);
    expect(a.headers['request-id']).toMatch(/^req_mock_/);
    expect(a.headers['retry-after']).toBe('1');
    expect(a.headers['anthropic-ratelimit-requests-remaining']).toBe('0');
    expect(a.text).toBe(readFileSync(join(ROOT, 'test/fixtures/anthropic/error-429.json'), 'utf8'));
    const o = await gw(s, '/openai/v1/chat/completions', { model: 'gpt-4o', messages: [{ role: 'user', content: 'rate limited o' }] }, { token, headers: { 'x-mock-fixture': 'openai-chat/error-429.json', 'user-agent': 'spec-429o' } });
    expect(o.status).toBe(429);
    expect(o.headers['x-request-id']).toMatch(/^req_mock_/);
    expect(o.headers['retry-after']).toBe('1');
    expect(o.headers['x-ratelimit-remaining-requests']).toBe('0');
    expect(o.text).toBe(readFileSync(join(ROOT, 'test/fixtures/openai-chat/error-429.json'), 'utf8'));
    // the failed calls are recorded with their prompt and the error text (§6)
    const rec = await findRecord(s, byUA('spec-429a'), '429 record');
    expectRecordShape(rec);
    expect(rec.status).toBe('failed');
    expect(rec.http_status).toBe(429);
    expect(typeof rec.error).toBe('string');
    expect(rec.user_prompts.map((p: any) => p.prompt)).toEqual(['rate limited a']);
  });

  it('passthrough routes: count_tokens, models (+ /id), stored responses GET/DELETE', async () => {
    const cases: Array<{ method: string; path: string; upPath: string; auth: 'a' | 'o' }> = [
      { method: 'POST', path: '/anthropic/v1/messages/count_tokens', upPath: '/v1/messages/count_tokens', auth: 'a' },
      { method: 'GET', path: '/anthropic/v1/models', upPath: '/v1/models', auth: 'a' },
      { method: 'GET', path: '/anthropic/v1/models/claude-sonnet-4-5', upPath: '/v1/models/claude-sonnet-4-5', auth: 'a' },
      { method: 'GET', path: '/openai/v1/models', upPath: '/v1/models', auth: 'o' },
      { method: 'GET', path: '/openai/v1/models/gpt-4o', upPath: '/v1/models/gpt-4o', auth: 'o' },
      { method: 'GET', path: '/openai/v1/responses/resp_abc123', upPath: '/v1/responses/resp_abc123', auth: 'o' },
      { method: 'DELETE', path: '/openai/v1/responses/resp_abc123', upPath: '/v1/responses/resp_abc123', auth: 'o' },
    ];
    for (const c of cases) {
      const before = up.requests.length;
      const headers: Record<string, string> = c.auth === 'a' ? { 'x-api-key': token, 'anthropic-version': '2023-06-01' } : { authorization: `Bearer ${token}` };
      const r = await http(s.url + c.path, {
        method: c.method,
        headers: { ...headers, 'content-type': 'application/json' },
        body: c.method === 'POST' ? JSON.stringify({ model: 'claude-x', messages: [{ role: 'user', content: 'count me' }] }) : undefined,
      });
      expect(r.status, `${c.method} ${c.path}: ${r.text}`).toBe(200);
      const req = up.requests[before];
      expect(req, `${c.method} ${c.path} reached upstream`).toBeDefined();
      expect(req!.method).toBe(c.method);
      expect(req!.path).toBe(c.upPath);
      if (c.auth === 'a') expect(req!.headers['x-api-key']).toBe(ANTHROPIC_KEY);
      else expect(req!.headers['authorization']).toBe(`Bearer ${OPENAI_KEY}`);
      expect(JSON.stringify(req!.headers)).not.toContain(token);
      expect(r.text).not.toContain(ANTHROPIC_KEY);
      expect(r.text).not.toContain(OPENAI_KEY);
    }
    const ct = await http(`${s.url}/anthropic/v1/messages/count_tokens`, { method: 'POST', headers: { 'x-api-key': token, 'content-type': 'application/json' }, body: '{"model":"m","messages":[]}' });
    expect(ct.json).toEqual({ input_tokens: 42 });
  });

  it('user_prompts: trailing system message skipped; content arrays joined with "\\n"; tool-result-only turn → none', async () => {
    const msgs = [
      { role: 'user', content: 'first question' },
      { role: 'assistant', content: 'an answer' },
      { role: 'user', content: [{ type: 'text', text: 'line one' }, { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } }, { type: 'text', text: 'line two' }] },
      { role: 'system', content: 'appended by Claude Code' },
    ];
    const r = await gw(s, '/anthropic/v1/messages', { model: 'claude-x', max_tokens: 5, messages: msgs }, { token, headers: { 'user-agent': 'spec-prompt-array' } });
    expect(r.status, r.text).toBe(200);
    const rec = await findRecord(s, byUA('spec-prompt-array'), 'prompt-array record');
    expect(rec.user_prompts.map((p: any) => p.prompt)).toEqual(['line one\nline two']);

    const tr = [
      { role: 'user', content: 'run the tool' },
      { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'Bash', input: { command: 'ls' } }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'file-a\nfile-b' }] },
    ];
    const r2 = await gw(s, '/anthropic/v1/messages', { model: 'claude-x', max_tokens: 5, stream: true, messages: tr }, { token, headers: { 'user-agent': 'spec-tool-result-only' } });
    expect(r2.status).toBe(200);
    const rec2 = await findRecord(s, byUA('spec-tool-result-only'), 'tool-result-only record');
    expect(rec2.user_prompts).toEqual([]);

    const c = await gw(s, '/openai/v1/chat/completions', { model: 'gpt-4o', messages: [{ role: 'system', content: 'sys' }, { role: 'user', content: 'chat prompt' }, { role: 'system', content: 'trailing system' }] }, { token, headers: { 'user-agent': 'spec-chat-trailing-system' } });
    expect(c.status, c.text).toBe(200);
    const rec3 = await findRecord(s, byUA('spec-chat-trailing-system'), 'chat trailing system record');
    expect(rec3.user_prompts.map((p: any) => p.prompt)).toEqual(['chat prompt']);

    const c2 = await gw(s, '/openai/v1/chat/completions', { model: 'gpt-4o', messages: [{ role: 'user', content: [{ type: 'text', text: 'part A' }, { type: 'text', text: 'part B' }] }] }, { token, headers: { 'user-agent': 'spec-chat-parts' } });
    expect(c2.status, c2.text).toBe(200);
    const rec4 = await findRecord(s, byUA('spec-chat-parts'), 'chat parts record');
    expect(rec4.user_prompts.map((p: any) => p.prompt)).toEqual(['part A\npart B']);

    const input = 'responses input\n  kept whole  ';
    const rr = await gw(s, '/openai/v1/responses', { model: 'gpt-5', input }, { token, headers: { 'user-agent': 'spec-responses-string' } });
    expect(rr.status, rr.text).toBe(200);
    const rec5 = await findRecord(s, byUA('spec-responses-string'), 'responses string record');
    expect(rec5.user_prompts.map((p: any) => p.prompt)).toEqual([input]);
  });

  it('token_usages: Anthropic cache fields; OpenAI input = prompt − cached, reasoning in metadata.reasoning_tokens', async () => {
    const a = await gw(s, '/anthropic/v1/messages', { model: 'claude-x', max_tokens: 5, stream: true, messages: [{ role: 'user', content: 'cache please' }] }, { token, headers: { 'x-mock-fixture': 'anthropic/cache-tokens.sse', 'x-mock-chunk-size': '13', 'user-agent': 'spec-cache-a' } });
    expect(a.status).toBe(200);
    const ra = await findRecord(s, byUA('spec-cache-a'), 'anthropic cache record');
    expect(ra.token_usages).toHaveLength(1);
    expect(ra.token_usages[0]).toMatchObject({ provider_response_id: 'msg_01CacheTokens', input_tokens: 4, output_tokens: 87, cache_read_input_tokens: 20480, cache_write_input_tokens: 1532 });

    const o = await gw(s, '/openai/v1/chat/completions', { model: 'o4-mini', stream: true, messages: [{ role: 'user', content: 'reason please' }] }, { token, headers: { 'x-mock-fixture': 'openai-chat/cache-reasoning.sse', 'user-agent': 'spec-cache-o' } });
    expect(o.status).toBe(200);
    const ro = await findRecord(s, byUA('spec-cache-o'), 'openai cache record');
    expect(ro.token_usages).toHaveLength(1);
    expect(ro.token_usages[0]).toMatchObject({ provider_response_id: 'chatcmpl-CReasoning01', input_tokens: 2006 - 1920, output_tokens: 300, cache_read_input_tokens: 1920, cache_write_input_tokens: 0 });
    expect(ro.token_usages[0].metadata.reasoning_tokens).toBe(256);

    const r = await gw(s, '/openai/v1/responses', { model: 'gpt-5-codex', stream: true, input: [{ role: 'user', content: [{ type: 'input_text', text: 'think' }] }] }, { token, headers: { 'x-mock-fixture': 'openai-responses/reasoning.sse', 'user-agent': 'spec-reasoning-r' } });
    expect(r.status).toBe(200);
    const rr = await findRecord(s, byUA('spec-reasoning-r'), 'responses reasoning record');
    expectRecordShape(rr);
    expect(rr.token_usages).toHaveLength(1);
    expect(rr.token_usages[0]).toMatchObject({ provider_response_id: 'resp_Reasoning01', input_tokens: 476, output_tokens: 420, cache_read_input_tokens: 1024 });
    expect(rr.token_usages[0].metadata.reasoning_tokens).toBe(320);
    expect(rr.model_thoughts.map((t: any) => t.content)).toEqual(['**Inspecting the repo**\n\nI will list the files first.', '**Planning the change**']);
    expect(rr.user_prompts.map((p: any) => p.prompt)).toEqual(['think']);
  });

  it('tool_usages: parallel calls, many stream fragments, parsed JSON input or the raw string; Anthropic thinking → model_thoughts', async () => {
    const o = await gw(s, '/openai/v1/chat/completions', { model: 'gpt-4o', stream: true, messages: [{ role: 'user', content: 'weather?' }] }, { token, headers: { 'x-mock-fixture': 'openai-chat/tool-parallel.sse', 'x-mock-chunk-size': '7', 'user-agent': 'spec-tools-o' } });
    expect(o.status).toBe(200);
    const ro = await findRecord(s, byUA('spec-tools-o'), 'openai tools record');
    expectRecordShape(ro);
    expect(ro.tool_usages.map((t: any) => ({ id: t.tool_call_id, tool: t.tool, input: t.input }))).toEqual([
      { id: 'call_ParA1', tool: 'get_weather', input: { location: 'Paris, France' } },
      { id: 'call_ParB2', tool: 'get_weather', input: { location: 'Tōkyō, Japan' } },
      { id: 'call_ParC3', tool: 'get_time', input: { tz: 'Asia/Tokyo', format: ['hh', 'mm'] } },
    ]);

    const a = await gw(s, '/anthropic/v1/messages', { model: 'claude-x', max_tokens: 5, stream: true, messages: [{ role: 'user', content: 'hosts?' }] }, { token, headers: { 'x-mock-fixture': 'anthropic/thinking.sse', 'x-mock-chunk-size': '11', 'user-agent': 'spec-thinking-a' } });
    expect(a.status).toBe(200);
    const ra = await findRecord(s, byUA('spec-thinking-a'), 'anthropic thinking record');
    expectRecordShape(ra);
    expect(ra.model_thoughts.map((t: any) => t.content)).toEqual(['Let me think about this. The user wants the hosts file.', 'Now I should read /etc/hosts.']);
    expect(ra.tool_usages.map((t: any) => ({ id: t.tool_call_id, tool: t.tool, input: t.input }))).toEqual([{ id: 'toolu_01ThinkRead', tool: 'Read', input: { file_path: '/etc/hosts' } }]);

    const badArgs = {
      id: 'chatcmpl-BadArgs', object: 'chat.completion', created: 1764150000, model: 'gpt-4o',
      choices: [{ index: 0, finish_reason: 'tool_calls', message: { role: 'assistant', content: null, tool_calls: [{ id: 'call_raw1', type: 'function', function: { name: 'run', arguments: '{not json' } }] } }],
      usage: { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 },
    };
    const b = await gw(s, '/openai/v1/chat/completions', { model: 'gpt-4o', messages: [{ role: 'user', content: 'raw args' }] }, { token, headers: { 'x-mock-reply': JSON.stringify({ kind: 'json', body: badArgs }), 'user-agent': 'spec-raw-args' } });
    expect(b.status, b.text).toBe(200);
    const rb = await findRecord(s, byUA('spec-raw-args'), 'raw args record');
    expect(rb.tool_usages.map((t: any) => ({ id: t.tool_call_id, tool: t.tool, input: t.input }))).toEqual([{ id: 'call_raw1', tool: 'run', input: '{not json' }]);
  });

  it('client and client_session_id from headers (Claude Code, Codex, Unknown)', async () => {
    const cc = await gw(s, '/anthropic/v1/messages?beta=true', { model: 'claude-x', max_tokens: 5, stream: true, messages: [{ role: 'user', content: 'cc' }] }, {
      token,
      headers: { 'user-agent': 'claude-cli/2.0.14 (external, cli)', 'x-claude-code-session-id': 'cc-session-1', 'x-app': 'cli', 'anthropic-version': '2023-06-01' },
    });
    expect(cc.status).toBe(200);
    const rcc = await findRecord(s, (r) => r.client_session_id === 'cc-session-1', 'claude code record');
    expect(rcc.client).toBe('Claude Code');
    const cx = await gw(s, '/openai/v1/responses', { model: 'gpt-5', stream: true, input: 'codex hi' }, {
      token,
      bearer: true,
      headers: { 'user-agent': 'codex_cli_rs/0.50.0 (Debian 12.0.0; x86_64) xterm', originator: 'codex_cli_rs', session_id: 'codex-session-9' },
    });
    expect(cx.status).toBe(200);
    const rcx = await findRecord(s, (r) => r.client_session_id === 'codex-session-9', 'codex record');
    expect(rcx.client).toBe('Codex');
    const un = await findRecord(s, byUA('spec-bytes'), 'unknown client record');
    expect(un.client).toBe('Unknown');
    expect(un.client_session_id).toBeNull();
  });

  it('status failed: upstream 200 in a non-API format; upstream closed without answering → 502', async () => {
    const g = await gw(s, '/openai/v1/chat/completions', { model: 'gpt-4o', messages: [{ role: 'user', content: 'garbage please' }] }, { token, headers: { 'x-mock-mode': 'garbage', 'user-agent': 'spec-garbage' } });
    expect(g.status).toBeGreaterThanOrEqual(200);
    const rg = await findRecord(s, byUA('spec-garbage'), 'garbage record');
    expect(rg.status).toBe('failed');
    expect(typeof rg.error).toBe('string');
    expect(rg.user_prompts.map((p: any) => p.prompt)).toEqual(['garbage please']);

    const d = await gw(s, '/anthropic/v1/messages', { model: 'claude-x', max_tokens: 5, messages: [{ role: 'user', content: 'die please' }] }, { token, headers: { 'x-mock-mode': 'die', 'user-agent': 'spec-die' } });
    expectAnthropicError(d, 502);
    const rd = await findRecord(s, byUA('spec-die'), 'die record');
    expect(rd).toMatchObject({ status: 'failed', http_status: 502 });
    expect(typeof rd.error).toBe('string');
  });

  it('in-flight calls are hidden unless include_in_flight=true; a client leaving mid-stream → cancelled, upstream aborted', async () => {
    const before = up.requests.length;
    const ac = new AbortController();
    const res = await fetch(`${s.url}/anthropic/v1/messages`, {
      method: 'POST',
      signal: ac.signal,
      headers: { 'x-api-key': token, 'content-type': 'application/json', 'user-agent': 'spec-inflight', 'x-mock-reply': JSON.stringify({ kind: 'stall', fixture: 'anthropic/text.sse', afterEvents: 2 }) },
      body: JSON.stringify({ model: 'claude-x', max_tokens: 5, stream: true, messages: [{ role: 'user', content: 'in flight' }] }),
    });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    await reader.read();
    await up.waitForRequests(before + 1);
    const without = await listAll(s);
    expect(without.results.find(byUA('spec-inflight'))).toBeUndefined();
    const withIt = await waitFor(async () => (await listAll(s, 'include_in_flight=true')).results.find(byUA('spec-inflight')), 'in-flight record');
    expect(withIt.status).not.toBe('completed');
    const cli = JSON.parse((await runCli(['interceptions', 'list', '--data-dir', dir, '--limit', '1000'])).stdout);
    expect(cli.find(byUA('spec-inflight'))).toBeUndefined();
    ac.abort();
    await reader.cancel().catch(() => undefined);
    await up.requests[before]!.closed;
    expect(up.requests[before]!.aborted).toBe(true);
    const rec = await findRecord(s, (r) => r.user_agent === 'spec-inflight' && r.status !== 'in_flight', 'cancelled record');
    expect(rec.status).toBe('cancelled');
    expect(rec.user_prompts.map((p: any) => p.prompt)).toEqual(['in flight']);
  });

  it('a token created or revoked by the CLI is honoured by the running server within 1 second', async () => {
    const c = await runCli(['tokens', 'create', '--name', 'carol', '--data-dir', dir]);
    expect(c.code, c.stderr).toBe(0);
    const carol = c.stdout.trimEnd().split('\n').pop()!;
    const body = { model: 'gpt-4o', messages: [{ role: 'user', content: 'carol here' }] };
    // Polled, not slept: the server picks the change up (file watch, 250 ms); the bound is generous
    // so a loaded machine does not fail it, and a server that never notices still does.
    const statusOf = async (ua: string) => (await gw(s, '/openai/v1/chat/completions', body, { token: carol, bearer: true, headers: { 'user-agent': ua } })).status;
    await expect.poll(() => statusOf('spec-carol-wait'), { timeout: 10_000, interval: 50 }).toBe(200);
    const ok = await gw(s, '/openai/v1/chat/completions', body, { token: carol, bearer: true, headers: { 'user-agent': 'spec-carol' } });
    expect(ok.status, ok.text).toBe(200);
    const rec = await findRecord(s, byUA('spec-carol'), 'carol record');
    expect(rec.initiator.name).toBe('carol');
    const r = await runCli(['tokens', 'revoke', 'carol', '--data-dir', dir]);
    expect(r.code, r.stderr).toBe(0);
    await expect.poll(() => statusOf('spec-carol-revoked'), { timeout: 10_000, interval: 50 }).toBe(401);
    expectOpenAIError(await gw(s, '/openai/v1/chat/completions', body, { token: carol, bearer: true }), 401);
  });

  it('settings: secrets read back masked (sk-a…wxyz), never whole', async () => {
    const r = await admin(s, '/api/v1/settings');
    expect(r.status).toBe(200);
    expect(r.text).toContain(OPENAI_KEY_MASK);
    expect(r.text).not.toContain(OPENAI_KEY);
    expect(r.text).not.toContain(ANTHROPIC_KEY);
    expect(r.text).toContain('sk-a…wxyz'.replace('sk-a', ANTHROPIC_KEY.slice(0, 4)));
  });

  it('GET /api/v1/interceptions: {count, results}, newest first by (started_at, id), limit bounds, after_id paging', async () => {
    const all = await listAll(s);
    expect(Object.keys(all).sort()).toEqual(['count', 'results']);
    expect(all.count).toBe(all.results.length);
    expect(all.count).toBeGreaterThanOrEqual(20);
    for (const rec of all.results) expectRecordShape(rec);
    for (let i = 1; i < all.results.length; i++) {
      const [p, c] = [all.results[i - 1], all.results[i]];
      const order = Date.parse(p.started_at) - Date.parse(c.started_at) || (p.id > c.id ? 1 : p.id < c.id ? -1 : 0);
      expect(order, `results[${i - 1}] before results[${i}]`).toBeGreaterThan(0);
    }
    // default limit 100 and bounds
    const def = await admin(s, '/api/v1/interceptions');
    expect(def.json.results.length).toBe(Math.min(100, all.count));
    expect((await admin(s, '/api/v1/interceptions?limit=0')).status).toBe(400);
    expect((await admin(s, '/api/v1/interceptions?limit=1001')).status).toBe(400);
    expect((await admin(s, '/api/v1/interceptions?limit=abc')).status).toBe(400);
    const one = await admin(s, '/api/v1/interceptions?limit=1');
    expect(one.json.count).toBe(all.count);
    expect(one.json.results.map((r: any) => r.id)).toEqual([all.results[0].id]);
    // paging with after_id walks the same order
    const seen: string[] = [];
    let after = '';
    for (let guard = 0; guard < 100; guard++) {
      const page = await admin(s, `/api/v1/interceptions?limit=7${after ? `&after_id=${after}` : ''}`);
      expect(page.status, page.text).toBe(200);
      expect(page.json.count).toBe(all.count);
      if (!page.json.results.length) break;
      seen.push(...page.json.results.map((r: any) => r.id));
      after = page.json.results[page.json.results.length - 1].id;
    }
    expect(seen).toEqual(all.results.map((r: any) => r.id));
    // one interception by id
    const byId = await admin(s, `/api/v1/interceptions/${all.results[3].id}`);
    expect(byId.status).toBe(200);
    expect(byId.json).toEqual(all.results[3]);
    expect((await admin(s, '/api/v1/interceptions/00000000-0000-4000-8000-000000000000')).status).toBe(404);
  });

  it('GET /api/v1/interceptions filters: provider, model, initiator, client, status, started_after/before (RFC 3339)', async () => {
    const all = (await listAll(s)).results;
    const check = async (q: string, pred: (r: any) => boolean) => {
      const r = await listAll(s, q);
      const want = all.filter(pred).map((x: any) => x.id);
      expect(r.results.map((x: any) => x.id), q).toEqual(want);
      expect(r.count, q).toBe(want.length);
      expect(want.length, `${q} matches something`).toBeGreaterThan(0);
    };
    await check('provider=openai', (r) => r.provider === 'openai');
    await check('model=o4-mini', (r) => r.model === 'o4-mini');
    await check('initiator=carol', (r) => r.initiator.name === 'carol');
    await check('client=Claude%20Code', (r) => r.client === 'Claude Code');
    await check('status=failed', (r) => r.status === 'failed');
    await check('status=cancelled', (r) => r.status === 'cancelled');
    // a time strictly between two records' started_at, so inclusive/exclusive bounds do not matter
    const times = all.map((r: any) => Date.parse(r.started_at));
    const k = times.findIndex((t: number, i: number) => i >= Math.floor(all.length / 3) && i + 1 < times.length && t - times[i + 1]! >= 2);
    expect(k, 'two records at least 2 ms apart').toBeGreaterThanOrEqual(0);
    const cut = Math.floor((times[k]! + times[k + 1]!) / 2);
    // an RFC 3339 time with an offset, not only Z
    const off = new Date(cut + 2 * 3600_000).toISOString().replace('Z', '+02:00');
    await check(`started_after=${encodeURIComponent(off)}`, (r) => Date.parse(r.started_at) > cut);
    await check(`started_before=${encodeURIComponent(new Date(cut).toISOString())}`, (r) => Date.parse(r.started_at) < cut);
    expect((await admin(s, '/api/v1/interceptions?started_after=yesterday')).status).toBe(400);
    expect((await admin(s, '/api/v1/interceptions?started_before=2026-13-45')).status).toBe(400);
  });

  it('aibridge interceptions list: every flag, JSON array newest first, while the server runs', async () => {
    const all = (await listAll(s)).results;
    const r = await runCli([
      'interceptions', 'list', '--data-dir', dir,
      '--provider', 'openai', '--model', 'gpt-4o', '--initiator', 'alice', '--client', 'Unknown',
      '--started-after', t0, '--started-before', new Date(Date.now() + 60_000).toISOString(), '--limit', '3',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const arr = JSON.parse(r.stdout);
    expect(Array.isArray(arr)).toBe(true);
    const want = all.filter((x: any) => x.provider === 'openai' && x.model === 'gpt-4o' && x.initiator.name === 'alice' && x.client === 'Unknown').slice(0, 3);
    expect(want.length).toBe(3);
    expect(arr.map((x: any) => x.id)).toEqual(want.map((x: any) => x.id));
    for (const rec of arr) expectRecordShape(rec);
    const plain = JSON.parse((await runCli(['interceptions', 'list', '--data-dir', dir])).stdout);
    expect(plain.map((x: any) => x.id)).toEqual(all.slice(0, 100).map((x: any) => x.id));
  });

  it('GET /api/v1/usage?group_by=… sums tokens', async () => {
    const all = (await listAll(s)).results;
    const sumIn = all.reduce((n: number, r: any) => n + r.token_usages.reduce((m: number, u: any) => m + u.input_tokens, 0), 0);
    const sumOut = all.reduce((n: number, r: any) => n + r.token_usages.reduce((m: number, u: any) => m + u.output_tokens, 0), 0);
    for (const g of ['model', 'provider', 'initiator', 'client', 'day']) {
      const r = await admin(s, `/api/v1/usage?group_by=${g}`);
      expect(r.status, `${g}: ${r.text}`).toBe(200);
      const rows: any[] = Array.isArray(r.json) ? r.json : r.json.results;
      expect(Array.isArray(rows), g).toBe(true);
      expect(rows.reduce((n, x) => n + x.input_tokens, 0), g).toBe(sumIn);
      expect(rows.reduce((n, x) => n + x.output_tokens, 0), g).toBe(sumOut);
    }
    const prov = await admin(s, '/api/v1/usage?group_by=provider');
    expect(JSON.stringify(prov.json)).toContain('anthropic');
    expect((await admin(s, '/api/v1/usage?group_by=colour')).status).toBe(400);
    const since = await admin(s, `/api/v1/usage?group_by=model&since=${encodeURIComponent(new Date(Date.now() + 3600_000).toISOString())}`);
    expect(since.status).toBe(200);
    const rows: any[] = Array.isArray(since.json) ? since.json : since.json.results;
    expect(rows.reduce((n, x) => n + x.input_tokens, 0)).toBe(0);
  });

  it('§7 log lines: every line of the --log-json file is JSON; interception lines have msg, time (ISO UTC), record_type and the fields per type, start first and end last', async () => {
    const all = (await listAll(s)).results;
    const text = await waitFor(async () => {
      const t = existsSync(logFile) ? readFileSync(logFile, 'utf8') : '';
      return all.every((r: any) => t.includes(r.id)) && t;
    }, 'log lines for every record');
    const lines = text.split('\n').filter((l) => l !== '');
    const objs = lines.map((l, i) => {
      try {
        return JSON.parse(l);
      } catch {
        throw new Error(`log line ${i + 1} is not JSON: ${l.slice(0, 200)}`);
      }
    });
    for (const o of objs) expect(isObj(o)).toBe(true);
    const fields: Record<string, string[]> = {
      interception_start: ['interception_id', 'initiator_id', 'initiator_name', 'provider', 'provider_name', 'model', 'api', 'streaming', 'client', 'client_session_id', 'user_agent', 'started_at', 'metadata'],
      interception_end: ['interception_id', 'ended_at', 'status', 'http_status', 'error'],
      token_usage: ['interception_id', 'msg_id', 'input_tokens', 'output_tokens', 'cache_read_input_tokens', 'cache_write_input_tokens', 'created_at', 'metadata'],
      prompt_usage: ['interception_id', 'msg_id', 'prompt', 'created_at', 'metadata'],
      tool_usage: ['interception_id', 'msg_id', 'tool_call_id', 'tool', 'input', 'server_url', 'injected', 'invocation_error', 'created_at', 'metadata'],
      model_thought: ['interception_id', 'content', 'created_at', 'metadata'],
    };
    const il = objs.filter((o) => o.msg === 'interception log');
    expect(il.length).toBeGreaterThan(0);
    const seenTypes = new Set<string>();
    for (const o of il) {
      expect(Object.keys(fields)).toContain(o.record_type);
      seenTypes.add(o.record_type);
      expect(o.time, JSON.stringify(o)).toMatch(ISO_UTC);
      expectKeys(o, fields[o.record_type]!, `log ${o.record_type}`);
    }
    expect([...seenTypes].sort()).toEqual(Object.keys(fields).sort());
    for (const rec of all) {
      const mine = il.filter((o) => o.interception_id === rec.id);
      expect(mine.length, rec.id).toBeGreaterThanOrEqual(2);
      expect(mine[0].record_type).toBe('interception_start');
      expect(mine[mine.length - 1].record_type).toBe('interception_end');
      expect(mine.filter((o) => o.record_type === 'interception_start')).toHaveLength(1);
      expect(mine.filter((o) => o.record_type === 'interception_end')).toHaveLength(1);
      const start = mine[0];
      expect(start.initiator_id).toBe(rec.initiator.id);
      expect(start.initiator_name).toBe(rec.initiator.name);
      expect(mine[mine.length - 1].status).toBe(rec.status);
      expect(mine.filter((o) => o.record_type === 'token_usage')).toHaveLength(rec.token_usages.length);
      expect(mine.filter((o) => o.record_type === 'prompt_usage')).toHaveLength(rec.user_prompts.length);
      expect(mine.filter((o) => o.record_type === 'tool_usage')).toHaveLength(rec.tool_usages.length);
      expect(mine.filter((o) => o.record_type === 'model_thought')).toHaveLength(rec.model_thoughts.length);
    }
    const tu = il.find((o) => o.record_type === 'token_usage' && o.msg_id === 'chatcmpl-CReasoning01');
    expect(tu).toMatchObject({ input_tokens: 86, cache_read_input_tokens: 1920, metadata: { reasoning_tokens: 256 } });
    // no line ever holds a provider key or a bridge token
    expect(text).not.toContain(ANTHROPIC_KEY);
    expect(text).not.toContain(OPENAI_KEY);
    expect(text).not.toContain(token);
  });

  it('aibridge export --format jsonl writes exactly the live log lines; the admin export gives the same lines; --format ecs maps to ECS', async () => {
    const all = (await listAll(s)).results;
    const out = join(dir, 'export.jsonl');
    const e = await runCli(['export', '--out', out, '--since', '1h', '--format', 'jsonl', '--data-dir', dir]);
    expect(e.code, e.stderr).toBe(0);
    // SPEC §13: the export is a chain of its own, ending in a signed checkpoint; the live file's
    // lines carry the log's chain. Without `chain`, the export's lines are the live lines.
    const exportedLines = readFileSync(out, 'utf8').split('\n').filter((l) => l !== '');
    expect(JSON.parse(exportedLines.at(-1)!)).toMatchObject({ record_type: 'chain_checkpoint' });
    expect(exportedLines.map((l) => JSON.parse(l).chain.seq)).toEqual(exportedLines.map((_, i) => i + 1));
    const exported = exportedLines.slice(0, -1).map(stripChain);
    const live = readFileSync(logFile, 'utf8').split('\n').filter((l) => l !== '' && JSON.parse(l).msg === 'interception log').map(stripChain);
    const ids = new Set(all.map((r: any) => r.id));
    const liveMine = live.filter((l) => ids.has(JSON.parse(l).interception_id));
    expect(exported.length).toBe(liveMine.length);
    expect([...exported].sort()).toEqual([...liveMine].sort());
    expect(new Set(exported.map((l) => JSON.parse(l).interception_id))).toEqual(ids);

    const api = await admin(s, '/api/v1/export?format=jsonl&since=1h');
    expect(api.status).toBe(200);
    expect(api.text.split('\n').filter((l) => l !== '').slice(0, -1).map(stripChain).sort()).toEqual([...exported].sort());

    // --since in the future or --until in the past → nothing
    const none = join(dir, 'none.jsonl');
    const e2 = await runCli(['export', '--out', none, '--since', new Date(Date.now() + 3600_000).toISOString(), '--data-dir', dir]);
    expect(e2.code, e2.stderr).toBe(0);
    expect(readFileSync(none, 'utf8').trim()).toBe('');
    const e3 = await runCli(['export', '--out', none, '--until', t0, '--format', 'jsonl', '--data-dir', dir]);
    expect(e3.code, e3.stderr).toBe(0);
    expect(readFileSync(none, 'utf8').trim()).toBe('');

    const ecsFile = join(dir, 'export.ecs.jsonl');
    const ecs = await runCli(['export', '--out', ecsFile, '--since', '1h', '--format', 'ecs', '--data-dir', dir]);
    expect(ecs.code, ecs.stderr).toBe(0);
    const ecsLines = readFileSync(ecsFile, 'utf8').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l));
    expect(ecsLines.length).toBe(exported.length + 1);
    const has = (o: any, prefix: string) => Object.keys(o).some((k) => k === prefix || k.startsWith(prefix + '.'));
    for (const o of ecsLines) {
      expect(o['@timestamp']).toMatch(ISO_UTC);
      if (o.record_type !== 'chain_checkpoint') expect(has(o, 'event'), JSON.stringify(o)).toBe(true);
    }
    expect(ecsLines.some((o) => has(o, 'user'))).toBe(true);
    expect(ecsLines.some((o) => has(o, 'gen_ai'))).toBe(true);
    const apiEcs = await admin(s, '/api/v1/export?format=ecs&since=1h');
    expect(apiEcs.text.split('\n').filter((l) => l !== '').length).toBe(ecsLines.length);
    for (const t of [readFileSync(out, 'utf8'), readFileSync(ecsFile, 'utf8')]) {
      expect(t).not.toContain(token);
      expect(t).not.toContain(ANTHROPIC_KEY);
      expect(t).not.toContain(OPENAI_KEY);
    }
    const bad = await runCli(['export', '--out', join(dir, 'x'), '--format', 'xml', '--data-dir', dir]);
    expect(bad.code).not.toBe(0);
  });

  it('the provider keys never come back in any response', async () => {
    const r = await admin(s, '/api/v1/interceptions?limit=1000');
    expect(r.text).not.toContain(ANTHROPIC_KEY);
    expect(r.text).not.toContain(OPENAI_KEY);
    const st = await admin(s, '/api/v1/status');
    expect(st.text).not.toContain(OPENAI_KEY);
  });
});

// =============================================================================================
