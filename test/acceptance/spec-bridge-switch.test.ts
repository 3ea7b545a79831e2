/** SPEC acceptance, §3 the bridge switch and §6 unreachable/interrupted (black-box: the built CLI as child processes; harness in ./harness.ts). */
import { startMockUpstream, type MockUpstream } from '../helpers/mock-upstream.js';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ANTHROPIC_KEY, OPENAI_KEY, admin, byUA, expectAnthropicError, expectOpenAIError, findRecord, freePort, group, gw, http, listAll, runCli, serve, tmp, up, waitFor, setupAcceptance } from './harness.js';

setupAcceptance();

group('§3 the bridge switch: --enabled / ENABLED at start-up vs PUT /api/v1/bridge; §6 unreachable and interrupted', () => {
  const dir = tmp();
  let deadPort: number;
  const args = () => ['--data-dir', dir, '--port', '0', '--anthropic-key', ANTHROPIC_KEY, '--anthropic-base-url', up.url, '--openai-key', OPENAI_KEY, '--openai-base-url', `http://127.0.0.1:${deadPort}/v1/`];
  let token: string;
  let up: MockUpstream;

  beforeAll(async () => {
    up = await startMockUpstream();
    deadPort = await freePort();
    const c = await runCli(['tokens', 'create', '--name', 'dora', '--data-dir', dir]);
    token = c.stdout.trimEnd().split('\n').pop()!;
  });

  it('default off → 503; PUT /api/v1/bridge takes effect at once; persists across a restart; ENABLED/--enabled set it at start', async () => {
    let s = await serve(args());
    expect((await admin(s, '/api/v1/status')).json.enabled).toBe(false);
    const body = { model: 'claude-x', max_tokens: 5, messages: [{ role: 'user', content: 'disabled?' }] };
    expectAnthropicError(await gw(s, '/anthropic/v1/messages', body, { token }), 503);
    expectOpenAIError(await gw(s, '/openai/v1/chat/completions', { model: 'g', messages: [{ role: 'user', content: 'x' }] }, { token, bearer: true }), 503);
    // 404 still comes before "disabled"
    expectAnthropicError(await gw(s, '/anthropic/v1/unknown', body), 404);

    const put = await admin(s, '/api/v1/bridge', { method: 'PUT', json: { enabled: true } });
    expect(put.status, put.text).toBe(200);
    expect((await admin(s, '/api/v1/status')).json.enabled).toBe(true);
    expect((await gw(s, '/anthropic/v1/messages', body, { token })).status).toBe(200);

    // upstream unreachable → 502, recorded as failed (§4, §6)
    const dead = await gw(s, '/openai/v1/chat/completions', { model: 'gpt-4o', messages: [{ role: 'user', content: 'nobody home' }] }, { token, bearer: true, headers: { 'user-agent': 'spec-unreachable' } });
    expectOpenAIError(dead, 502);
    const rd = await findRecord(s, byUA('spec-unreachable'), 'unreachable record');
    expect(rd).toMatchObject({ status: 'failed', http_status: 502 });
    expect(typeof rd.error).toBe('string');
    expect(rd.user_prompts.map((p: any) => p.prompt)).toEqual(['nobody home']);

    // a call in flight when the gateway dies is "interrupted" at the next start
    const before = up.requests.length;
    const res = await fetch(`${s.url}/anthropic/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': token, 'content-type': 'application/json', 'user-agent': 'spec-interrupted', 'x-mock-reply': JSON.stringify({ kind: 'stall', fixture: 'anthropic/text.sse', afterEvents: 2 }) },
      body: JSON.stringify({ model: 'claude-x', max_tokens: 5, stream: true, messages: [{ role: 'user', content: 'about to die' }] }),
    });
    const reader = res.body!.getReader();
    await reader.read();
    await up.waitForRequests(before + 1);
    await waitFor(async () => (await listAll(s, 'include_in_flight=true')).results.find(byUA('spec-interrupted')), 'in-flight record stored');
    // Issue #2: a kill -9 loses at most the last second; a call already on disk must survive. The
    // CLI reads the data dir only (no server memory): once it lists the call, the kill comes.
    await waitFor(async () => {
      const c = await runCli(['interceptions', 'list', '--include-in-flight', '--data-dir', dir]);
      return c.code === 0 && (JSON.parse(c.stdout) as { user_agent: string }[]).find(byUA('spec-interrupted'));
    }, 'in-flight record on disk (CLI)');
    await s.stop('SIGKILL');
    await reader.cancel().catch(() => undefined);

    // restart without --enabled: the runtime switch persisted
    s = await serve(args());
    expect((await admin(s, '/api/v1/status')).json.enabled).toBe(true);
    const ir = await findRecord(s, byUA('spec-interrupted'), 'interrupted record');
    expect(ir.status).toBe('interrupted');
    await s.stop();

    // a start that sets it wins over the saved state
    s = await serve(args(), { AIBRIDGE_ENABLED: 'false' });
    expect((await admin(s, '/api/v1/status')).json.enabled).toBe(false);
    expectAnthropicError(await gw(s, '/anthropic/v1/messages', body, { token }), 503);
    // …and it is still not read-only at runtime
    expect((await admin(s, '/api/v1/bridge', { method: 'PUT', json: { enabled: true } })).status).toBe(200);
    expect((await admin(s, '/api/v1/status')).json.enabled).toBe(true);
    expect((await admin(s, '/api/v1/bridge', { method: 'PUT', json: { enabled: false } })).status).toBe(200);
    expect((await admin(s, '/api/v1/status')).json.enabled).toBe(false);
    await s.stop();

    s = await serve([...args(), '--enabled']);
    expect((await admin(s, '/api/v1/status')).json.enabled).toBe(true);
    expect((await admin(s, '/api/v1/bridge', { method: 'PUT', json: { enabled: false } })).status).toBe(200);
    await s.stop();
    s = await serve(args());
    expect((await admin(s, '/api/v1/status')).json.enabled).toBe(false);
    await s.stop();
  });

  afterAll(async () => {
    await up?.close();
  });

  it('PATCH /api/v1/settings: a secret is write-only and reads back masked', async () => {
    const s = await serve(['--data-dir', tmp(), '--port', '0']);
    const key = 'sk-abcdefghijklmnopqrstuvwxyz';
    const p = await admin(s, '/api/v1/settings', { method: 'PATCH', json: { openai_key: key } });
    expect(p.status, p.text).toBe(200);
    expect(p.text).not.toContain(key);
    const g = await admin(s, '/api/v1/settings');
    expect(g.text).toContain('sk-a…wxyz');
    expect(g.text).not.toContain(key);
    await s.stop();
  });

  it('provider not configured → 503 naming the setting to fill', async () => {
    const d = tmp();
    const c = await runCli(['tokens', 'create', '--name', 'eve', '--data-dir', d]);
    const tok = c.stdout.trimEnd().split('\n').pop()!;
    const s = await serve(['--data-dir', d, '--port', '0', '--enabled']);
    const o = await gw(s, '/openai/v1/chat/completions', { model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] }, { token: tok, bearer: true });
    expectOpenAIError(o, 503);
    expect(o.json.error.message).toMatch(/openai.?key|OPENAI_KEY/i);
    const a = await gw(s, '/anthropic/v1/messages', { model: 'c', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] }, { token: tok });
    expectAnthropicError(a, 503);
    expect(a.json.error.message).toMatch(/anthropic.?key|ANTHROPIC_KEY|bedrock/i);
    await s.stop();
  });
});

// =============================================================================================
