/**
 * Issue #2 end to end: the real gateway (startApp) on port 0 over a temp data dir, a loopback mock
 * upstream, the official Anthropic SDK and the real CLI in child processes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Anthropic from '@anthropic-ai/sdk';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { statSync, readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { startApp } from '../../src/app.js';
import type { RunningApp } from '../../src/app-types.js';
import type { Interception } from '../../src/record/types.js';
import { startMockUpstream } from '../helpers/mock-upstream.js';
import { BUILT_CLI } from '../helpers/built-cli.js';
import { tempDirs } from '../helpers/temp-dirs.js';

const run = promisify(execFile);
const ANTHROPIC_KEY = 'sk-ant-test-key-0123456789';
const cli = (dataDir: string, ...args: string[]) =>
  run(process.execPath, [BUILT_CLI, '--data-dir', dataDir, ...args], { env: { ...process.env, AIBRIDGE_ADMIN_TOKEN: '' } });

let up: Awaited<ReturnType<typeof startMockUpstream>>;
let app: RunningApp;
let dataDir: string;
let token: string;
const temps = tempDirs();

const admin = async (path: string, init: RequestInit = {}) =>
  fetch(app.url + '/api/v1' + path, {
    ...init,
    headers: { authorization: `Bearer ${app.adminToken}`, 'content-type': 'application/json', ...(init.headers as Record<string, string>) },
  });
const post = (path: string, headers: Record<string, string>, body = JSON.stringify({ model: 'claude-sonnet-4-5', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] })) =>
  fetch(app.url + path, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });

beforeAll(async () => {
  up = await startMockUpstream();
  dataDir = temps.make('abr-gw-');
  app = await startApp({
    dataDir,
    port: 0,
    env: {},
    argv: ['--enabled', '--anthropic-key', ANTHROPIC_KEY, '--anthropic-base-url', up.url, '--max-body-size', '64KiB'],
  });
  const res = await admin('/tokens', { method: 'POST', body: JSON.stringify({ name: 'alice' }) });
  expect(res.status).toBe(201);
  token = ((await res.json()) as { token: string }).token;
});

afterAll(async () => {
  await app?.close();
  await up?.close();
  temps.removeAll();
});

describe('the Anthropic SDK through the bridge', () => {
  it('gets the answer and leaves a whole record', async () => {
    const client = new Anthropic({ baseURL: app.url + '/anthropic', apiKey: token });
    const msg = await client.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 16, messages: [{ role: 'user', content: 'hello bridge' }] });
    expect(msg.type).toBe('message');
    const list = (await (await admin('/interceptions?limit=1')).json()) as { count: number; results: Interception[] };
    const rec = list.results[0]!;
    expect(rec).toMatchObject({
      provider: 'anthropic',
      provider_name: 'anthropic',
      api: 'messages',
      model: 'claude-sonnet-4-5',
      streaming: false,
      status: 'completed',
      http_status: 200,
      initiator: { name: 'alice' },
    });
    expect(rec.user_prompts.map((p) => p.prompt)).toEqual(['hello bridge']);
    expect(rec.token_usages).toHaveLength(1);
    expect(rec.token_usages[0]).toMatchObject({ provider_response_id: msg.id, input_tokens: msg.usage.input_tokens, output_tokens: msg.usage.output_tokens });
    // upstream saw the provider key, never the bridge token
    const seen = up.requests.at(-1)!;
    expect(seen.headers['x-api-key']).toBe(ANTHROPIC_KEY);
    expect(JSON.stringify(seen.headers)).not.toContain(token);
    // a single record by id
    const one = (await (await admin('/interceptions/' + rec.id)).json()) as Interception;
    expect(one.id).toBe(rec.id);
  });

  it('a call is listed as soon as the client has its answer (no window where it is missing)', async () => {
    const { Agent, request } = await import('undici');
    const agent = new Agent({ keepAliveTimeout: 10_000 });
    try {
      const base = (await (await admin('/interceptions?limit=1')).json()) as { count: number };
      const completedCount = async () => {
        const m = await request(app.url + '/metrics', { dispatcher: agent, headers: { authorization: `Bearer ${app.adminToken}` } });
        const text = await m.body.text();
        return [...text.matchAll(/^aibridge_interceptions_total\{[^}]*status="completed"[^}]*\} (\d+)/gm)].reduce((n, x) => n + Number(x[1]), 0);
      };
      const baseMetric = await completedCount();
      for (let i = 1; i <= 25; i++) {
        const call = await request(app.url + '/anthropic/v1/messages', {
          method: 'POST',
          dispatcher: agent,
          headers: { 'x-api-key': token, 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'claude-sonnet-4-5', max_tokens: 5, messages: [{ role: 'user', content: `race ${i}` }] }),
        });
        await call.body.arrayBuffer();
        // /metrics settles deferred bookkeeping first: the call is counted already.
        expect(await completedCount()).toBe(baseMetric + i);
        const list = await request(app.url + '/api/v1/interceptions?limit=1', { dispatcher: agent, headers: { authorization: `Bearer ${app.adminToken}` } });
        const page = (await list.body.json()) as { count: number; results: Interception[] };
        expect(page.count).toBe(base.count + i);
        expect(page.results[0]!.user_prompts[0]!.prompt).toBe(`race ${i}`);
      }
    } finally {
      await agent.close();
    }
  });

  it('accepts the token as Authorization: Bearer too', async () => {
    expect((await post('/anthropic/v1/messages', { authorization: `Bearer ${token}` })).status).toBe(200);
  });
});

describe('errors the gateway makes itself (SPEC §4), in the provider shape', () => {
  it('401 without, with an unknown, and with a revoked token', async () => {
    const none = await post('/anthropic/v1/messages', {});
    expect(none.status).toBe(401);
    expect(await none.json()).toMatchObject({ type: 'error', error: { type: 'authentication_error' } });
    expect((await post('/anthropic/v1/messages', { 'x-api-key': 'abr_nope' })).status).toBe(401);
    const made = (await (await admin('/tokens', { method: 'POST', body: JSON.stringify({ name: 'temp' }) })).json()) as { id: string; token: string };
    expect((await post('/anthropic/v1/messages', { 'x-api-key': made.token })).status).toBe(200);
    expect((await admin('/tokens/' + made.id, { method: 'DELETE' })).status).toBe(204);
    expect((await post('/anthropic/v1/messages', { 'x-api-key': made.token })).status).toBe(401);
    const oa = await fetch(app.url + '/openai/v1/chat/completions', { method: 'POST', body: '{}' });
    expect(oa.status).toBe(401);
    expect(await oa.json()).toMatchObject({ error: { type: 'invalid_request_error', code: 'invalid_api_key' } });
  });

  it('404 for unknown routes, before auth, in each shape', async () => {
    const a = await post('/anthropic/v1/nothing', {});
    expect(a.status).toBe(404);
    expect(await a.json()).toMatchObject({ type: 'error', error: { type: 'not_found_error' } });
    const o = await fetch(app.url + '/openai/v1/embeddings', { method: 'POST', body: '{}' });
    expect(o.status).toBe(404);
    expect(await o.json()).toMatchObject({ error: { code: 'not_found' } });
    expect((await fetch(app.url + '/anthropic/v1/messages')).status).toBe(404); // GET is not a route
  });

  it('400 for a body that is not JSON, 413 over --max-body-size, both recorded as failed', async () => {
    const bad = await post('/anthropic/v1/messages', { 'x-api-key': token }, '{not json');
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
    const big = await post('/anthropic/v1/messages', { 'x-api-key': token }, JSON.stringify({ pad: 'x'.repeat(70 * 1024) }));
    expect(big.status).toBe(413);
    expect(await big.json()).toMatchObject({ type: 'error', error: { type: 'request_too_large' } });
    const failed = (await (await admin('/interceptions?status=failed')).json()) as { results: Interception[] };
    expect(failed.results.map((r) => r.http_status)).toEqual(expect.arrayContaining([400, 413]));
  });

  it('403 for a Host that is not loopback (DNS rebinding)', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(app.url + '/anthropic/v1/messages', { method: 'POST', headers: { host: 'evil.example:8642', 'x-api-key': token } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end('{}');
    });
    expect(status).toBe(403);
    const adminStatus = await new Promise<number>((resolve) => {
      httpRequest(app.url + '/api/v1/status', { headers: { host: 'evil.example', authorization: `Bearer ${app.adminToken}` } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      }).end();
    });
    expect(adminStatus).toBe(403);
  });

  it('503 for a provider that is not configured, naming the setting, and recorded', async () => {
    const res = await fetch(app.url + '/openai/v1/chat/completions', {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] }),
    });
    expect(res.status).toBe(503);
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/--openai-key/);
    const recs = (await (await admin('/interceptions?provider=openai')).json()) as { results: Interception[] };
    expect(recs.results[0]).toMatchObject({ status: 'failed', http_status: 503, model: 'gpt-4o' });
  });

  it('503 while the bridge is switched off; the switch persists', async () => {
    expect((await admin('/bridge', { method: 'PUT', body: JSON.stringify({ enabled: false }) })).status).toBe(200);
    const off = await post('/anthropic/v1/messages', { 'x-api-key': token });
    expect(off.status).toBe(503);
    expect(await off.json()).toMatchObject({ type: 'error', error: { type: 'overloaded_error' } });
    expect(JSON.parse(readFileSync(join(dataDir, 'settings.json'), 'utf8'))).toMatchObject({ enabled: false });
    expect(((await (await admin('/status')).json()) as { enabled: boolean }).enabled).toBe(false);
    await admin('/bridge', { method: 'PUT', body: JSON.stringify({ enabled: true }) });
    expect((await post('/anthropic/v1/messages', { 'x-api-key': token })).status).toBe(200);
  });
});

describe('upstream down', () => {
  it('502 in the provider shape, and a failed record', async () => {
    const dir = temps.make('abr-down-');
    const down = await startApp({ dataDir: dir, port: 0, env: {}, argv: ['--enabled', '--anthropic-key', ANTHROPIC_KEY, '--anthropic-base-url', 'http://127.0.0.1:1/'] });
    try {
      const tok = (await (await fetch(down.url + '/api/v1/tokens', { method: 'POST', headers: { authorization: `Bearer ${down.adminToken}`, 'content-type': 'application/json' }, body: '{"name":"bob"}' })).json()) as { token: string };
      const res = await fetch(down.url + '/anthropic/v1/messages', { method: 'POST', headers: { 'x-api-key': tok.token, 'content-type': 'application/json' }, body: JSON.stringify({ model: 'claude-x', messages: [{ role: 'user', content: 'are you there' }] }) });
      expect(res.status).toBe(502);
      expect(await res.json()).toMatchObject({ type: 'error', error: { type: 'api_error' } });
      const list = (await (await fetch(down.url + '/api/v1/interceptions', { headers: { authorization: `Bearer ${down.adminToken}` } })).json()) as { results: Interception[] };
      expect(list.results[0]).toMatchObject({ status: 'failed', http_status: 502, initiator: { name: 'bob' } });
      expect(list.results[0]!.user_prompts[0]!.prompt).toBe('are you there');
      expect(list.results[0]!.error).toMatch(/ECONNREFUSED/);
    } finally {
      await down.close();
    }
  });
});

describe('admin API', () => {
  it('needs the admin token; the generated one is kept 0600', async () => {
    expect((await fetch(app.url + '/api/v1/status')).status).toBe(401);
    expect((await fetch(app.url + '/api/v1/status', { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
    expect((await fetch(app.url + '/metrics')).status).toBe(401);
    expect(statSync(join(dataDir, 'admin-token')).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(dataDir, 'admin-token'), 'utf8').trim()).toBe(app.adminToken);
  });

  it('settings come back masked; tokens are never listed in clear', async () => {
    const s = (await (await admin('/settings')).json()) as { settings: Record<string, unknown>; read_only: Record<string, string> };
    expect(s.settings['anthropic_key']).toBe('sk-a…6789');
    expect(s.read_only['anthropic_key']).toMatch(/--anthropic-key/);
    const all = JSON.stringify(await (await admin('/tokens')).json());
    expect(all).not.toContain(token);
    expect(readFileSync(join(dataDir, 'tokens.json'), 'utf8')).not.toContain(token);
  });

  it('healthz needs no auth', async () => {
    const res = await fetch(app.url + '/healthz');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true });
  });

  it('lists with filters and after_id paging', async () => {
    const client = new Anthropic({ baseURL: app.url + '/anthropic', apiKey: token });
    for (let i = 0; i < 5; i++) {
      await client.messages.create({ model: i % 2 ? 'claude-haiku-4-5' : 'claude-opus-4-1', max_tokens: 5, messages: [{ role: 'user', content: `page ${i}` }] });
    }
    const haiku = (await (await admin('/interceptions?model=claude-haiku-4-5')).json()) as { count: number; results: Interception[] };
    expect(haiku.count).toBe(2);
    expect(haiku.results.every((r) => r.model === 'claude-haiku-4-5')).toBe(true);
    const all = (await (await admin('/interceptions?initiator=alice&provider=anthropic&status=completed')).json()) as { count: number; results: Interception[] };
    const seen: string[] = [];
    let after = '';
    for (;;) {
      const page = (await (await admin(`/interceptions?initiator=alice&provider=anthropic&status=completed&limit=2${after ? `&after_id=${after}` : ''}`)).json()) as { count: number; results: Interception[] };
      expect(page.count).toBe(all.count);
      if (!page.results.length) break;
      seen.push(...page.results.map((r) => r.id));
      after = page.results.at(-1)!.id;
    }
    expect(seen).toEqual(all.results.map((r) => r.id));
    const times = all.results.map((r) => r.started_at);
    expect([...times].sort().reverse()).toEqual(times);
    const later = (await (await admin(`/interceptions?started_after=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`)).json()) as { count: number };
    expect(later.count).toBe(0);
    expect((await admin('/interceptions?limit=0')).status).toBe(400);
    expect((await admin('/interceptions?started_after=yesterday')).status).toBe(400);
  });

  it('usage per day takes the caller\'s zone as tz; a bad tz is a 400 naming it', async () => {
    const utc = (await (await admin('/usage?group_by=day')).json()) as { results: { key: string; requests: number }[] };
    const east = (await (await admin('/usage?group_by=day&tz=840')).json()) as { results: { key: string; requests: number }[] };
    const total = (rows: { requests: number }[]) => rows.reduce((n, r) => n + r.requests, 0);
    expect(total(east.results)).toBe(total(utc.results));
    expect(total(utc.results)).toBeGreaterThan(0);
    for (const bad of ['841', 'abc', '1.5']) {
      const res = await admin(`/usage?group_by=day&tz=${bad}`);
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/^tz must be/);
    }
  });

  it('/events announces a call as it begins (interception_start, in flight) and again when it finished, same id', async () => {
    const ctl = new AbortController();
    const res = await admin('/events', { signal: ctl.signal });
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    let buf = '';
    const events: { event: string; rec: Interception }[] = [];
    const next = async (event: string) => {
      for (;;) {
        const hit = events.find((e) => e.event === event);
        if (hit) return hit.rec;
        const { value, done } = await reader.read();
        if (done) throw new Error('event stream ended');
        buf += value;
        let end: number;
        while ((end = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, end);
          buf = buf.slice(end + 2);
          const ev = /^event: (.+)$/m.exec(block)?.[1];
          const data = /^data: (.+)$/m.exec(block)?.[1];
          if (ev && data) events.push({ event: ev, rec: JSON.parse(data) as Interception });
        }
      }
    };
    try {
      const call = post(
        '/anthropic/v1/messages',
        { authorization: `Bearer ${token}`, 'anthropic-version': '2023-06-01', 'x-mock-fixture': 'anthropic/text.sse', 'x-mock-delay-ms': '50' },
        JSON.stringify({ model: 'claude-sonnet-4-5', max_tokens: 5, stream: true, messages: [{ role: 'user', content: 'slow one' }] }),
      );
      const started = await next('interception_start');
      expect(started.status).toBe('in_flight');
      expect(started.ended_at).toBeNull();
      expect(started.initiator.name).toBe('alice');
      expect(started.model).toBe('claude-sonnet-4-5');
      // The prompt is known when the call starts; its response id only at the end.
      expect(started.user_prompts).toMatchObject([{ prompt: 'slow one', provider_response_id: '', interception_id: started.id }]);
      await (await call).text();
      const finished = await next('interception');
      expect(finished.id).toBe(started.id);
      expect(finished.status).toBe('completed');
      expect(finished.user_prompts).toHaveLength(1);
      expect(finished.user_prompts[0]).toMatchObject({ id: started.user_prompts[0]!.id, prompt: 'slow one' });
      expect(finished.user_prompts[0]!.provider_response_id).not.toBe('');
      expect(events.findIndex((e) => e.event === 'interception_start')).toBeLessThan(events.findIndex((e) => e.event === 'interception'));
    } finally {
      ctl.abort();
      await reader.cancel().catch(() => {});
    }
  });
});

describe('the CLI next to a running server', () => {
  it('a token created by the CLI works within a second; revoked by the CLI it stops', async () => {
    const { stdout } = await cli(dataDir, 'tokens', 'create', '--name', 'cli-user');
    const cliToken = stdout.trim().split('\n').at(-1)!;
    expect(cliToken).toMatch(/^abr_/);
    const deadline = Date.now() + 5000;
    let status = 0;
    while (Date.now() < deadline) {
      status = (await post('/anthropic/v1/messages', { 'x-api-key': cliToken })).status;
      if (status === 200) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(status).toBe(200);
    await cli(dataDir, 'tokens', 'revoke', 'cli-user');
    let after = 200;
    while (Date.now() < deadline + 5000) {
      after = (await post('/anthropic/v1/messages', { 'x-api-key': cliToken })).status;
      if (after === 401) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(after).toBe(401);
  });

  it('interceptions list prints the same records as the API', async () => {
    await app.close().then(() => undefined).catch(() => undefined);
    const { stdout } = await cli(dataDir, 'interceptions', 'list', '--initiator', 'cli-user', '--limit', '5');
    const list = JSON.parse(stdout) as Interception[];
    expect(list.length).toBeGreaterThan(0);
    expect(list.every((r) => r.initiator.name === 'cli-user')).toBe(true);
    const { stdout: tokenOut } = await cli(dataDir, 'admin-token');
    expect(tokenOut.trim()).toBe(app.adminToken);
  });
});

describe('dashboard files', () => {
  it('serves /ui/ (the printed login URL) without a redirect loop', async () => {
    const dir = temps.make('abr-ui-');
    const a = await startApp({ dataDir: dir, port: 0, env: {} });
    try {
      const bare = await fetch(a.url + '/ui', { redirect: 'manual' });
      expect(bare.status).toBe(301);
      expect(bare.headers.get('location')).toBe('/ui/');
      const page = await fetch(a.loginUrl, { redirect: 'manual' });
      // 200 with the built dashboard; 503 with a hint when `npm run build` has not run
      expect([200, 503]).toContain(page.status);
      if (page.status === 200) expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    } finally {
      await a.close();
    }
  });
});

describe('requests Node cannot parse', () => {
  it('oversized headers → 431 and garbage → 400, both with a JSON error', async () => {
    const { connect } = await import('node:net');
    const dir = temps.make('abr-raw-');
    const a = await startApp({ dataDir: dir, port: 0, env: {} });
    const send = (raw: string) =>
      new Promise<string>((resolve) => {
        const s = connect(a.port, '127.0.0.1');
        let d = '';
        s.on('data', (c) => (d += c));
        s.on('close', () => resolve(d));
        s.on('error', () => resolve(d));
        s.write(raw);
      });
    try {
      const big = await send(`POST /anthropic/v1/messages HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
      expect(big).toMatch(/^HTTP\/1\.1 431 /);
      expect(JSON.parse(big.slice(big.indexOf('\r\n\r\n') + 4))).toMatchObject({ error: { code: 'headers_too_large' } });
      const junk = await send('NOT HTTP AT ALL\r\n\r\n');
      expect(junk).toMatch(/^HTTP\/1\.1 400 /);
      expect(JSON.parse(junk.slice(junk.indexOf('\r\n\r\n') + 4))).toMatchObject({ error: { type: 'invalid_request_error' } });
    } finally {
      await a.close();
    }
  });
});
