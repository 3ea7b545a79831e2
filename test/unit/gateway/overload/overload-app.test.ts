/**
 * The overload guard wired into the real gateway: circuit breaker per provider+model and the
 * concurrency limit, with an injected clock (no sleeping for the open duration).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startApp } from '../../../../src/app.js';
import type { RunningApp } from '../../../../src/app-types.js';
import { startMockUpstream, type MockUpstream } from '../../../helpers/mock-upstream.js';

let up: MockUpstream;
let app: RunningApp;
let dir: string;
let token: string;
let clock = Date.parse('2026-12-01T10:00:00Z');

const admin = (path: string) => fetch(app.url + path, { headers: { authorization: `Bearer ${app.adminToken}` } });
const messages = (model: string) =>
  fetch(app.url + '/anthropic/v1/messages', {
    method: 'POST',
    headers: { 'x-api-key': token, 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
    body: JSON.stringify({ model, max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] }),
  });
const chat = () =>
  fetch(app.url + '/openai/v1/chat/completions', {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'gpt-5', messages: [{ role: 'user', content: 'hi' }] }),
  });

async function records(filter = ''): Promise<{ status: string; http_status: number; model: string; error: string }[]> {
  const r = (await (await admin('/api/v1/interceptions?limit=1000' + filter)).json()) as { results: { status: string; http_status: number; model: string; error: string }[] };
  return r.results;
}

async function status(): Promise<{ overload: { in_flight: number; max_concurrency: number; circuits: { key: string; state: string; failures: number; retry_after_s: number }[] } }> {
  return (await (await admin('/api/v1/status')).json()) as never;
}

beforeAll(async () => {
  up = await startMockUpstream();
  dir = mkdtempSync(join(tmpdir(), 'aibridge-overload-'));
  app = await startApp({
    dataDir: dir,
    port: 0,
    env: {},
    now: () => clock,
    argv: [
      '--enabled',
      '--anthropic-key', 'sk-ant-test-000000000000',
      '--anthropic-base-url', up.url,
      '--openai-key', 'sk-oai-test-000000000000',
      '--openai-base-url', up.url + '/v1/',
      '--circuit-failure-threshold', '3',
      '--circuit-open-duration', '30s',
      '--max-concurrency', '2',
    ],
  });
  const res = await fetch(app.url + '/api/v1/tokens', {
    method: 'POST',
    headers: { authorization: `Bearer ${app.adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'alice' }),
  });
  token = ((await res.json()) as { token: string }).token;
});

afterAll(async () => {
  await app?.close();
  await up?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('circuit breaker in the gateway', () => {
  it('opens after 3 consecutive 529s, answers 503 + Retry-After in Anthropic shape without calling upstream', async () => {
    up.reset();
    for (let i = 0; i < 3; i++) up.enqueue({ kind: 'error', status: 529 });
    for (let i = 0; i < 3; i++) expect((await messages('claude-a')).status).toBe(529);
    expect(up.requests).toHaveLength(3);

    const refused = await messages('claude-a');
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('30');
    const body = (await refused.json()) as { type: string; error: { type: string; message: string } };
    expect(body.type).toBe('error');
    expect(body.error.type).toBe('overloaded_error');
    expect(body.error.message).toContain('anthropic/claude-a');
    expect(up.requests).toHaveLength(3);

    // Another model of the same provider is not affected.
    expect((await messages('claude-b')).status).toBe(200);

    const st = await status();
    expect(st.overload.circuits).toEqual([{ key: 'anthropic/claude-a', state: 'open', failures: 3, retry_after_s: 30 }]);
    const metrics = await (await admin('/metrics')).text();
    expect(metrics).toContain('aibridge_upstream_circuit_state{key="anthropic/claude-a"} 2');
    expect(metrics).toMatch(/aibridge_requests_rejected_total\{reason="circuit_open"\} 1/);

    // The refusal is recorded: failed, 503 (SPEC §6: it passed authentication). The clock is
    // frozen, so the order among equal start times is by id: compare sorted.
    await expect.poll(async () => (await records('&model=claude-a')).map((r) => r.http_status).sort()).toEqual([503, 529, 529, 529]);
    const refusal = (await records('&model=claude-a')).find((r) => r.http_status === 503);
    expect(refusal?.status).toBe('failed');
    expect(refusal?.error).toContain('paused');
  });

  it('after the open duration one probe goes upstream; its success closes the circuit', async () => {
    clock += 10_000;
    const r = await messages('claude-a');
    expect(r.status).toBe(503);
    expect(r.headers.get('retry-after')).toBe('20');
    clock += 20_000;
    up.reset();
    expect((await messages('claude-a')).status).toBe(200);
    expect(up.requests).toHaveLength(1);
    expect((await status()).overload.circuits).toEqual([]);
    expect(await (await admin('/metrics')).text()).toContain('aibridge_upstream_circuit_state{key="anthropic/claude-a"} 0');
  });

  it('a failing probe re-opens it; unreachable upstreams count as failures (OpenAI shape)', async () => {
    up.reset();
    for (let i = 0; i < 3; i++) up.enqueue({ kind: 'die' });
    for (let i = 0; i < 3; i++) expect((await chat()).status).toBe(502);
    const refused = await chat();
    expect(refused.status).toBe(503);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('circuit_open');
    clock += 30_000;
    up.enqueue({ kind: 'error', status: 503 });
    expect((await chat()).status).toBe(503);
    expect(up.requests).toHaveLength(4);
    const again = await chat();
    expect(again.headers.get('retry-after')).toBe('30');
    expect(up.requests).toHaveLength(4);
    clock += 30_000;
    expect((await chat()).status).toBe(200);
  });

  it('streams that break off after a 200 count as failures', async () => {
    up.reset();
    for (let i = 0; i < 3; i++) up.enqueue({ kind: 'die', fixture: 'anthropic/text.sse', afterEvents: 2 });
    for (let i = 0; i < 3; i++) {
      const r = await fetch(app.url + '/anthropic/v1/messages', {
        method: 'POST',
        headers: { 'x-api-key': token, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'claude-d', stream: true, max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] }),
      });
      expect(r.status).toBe(200);
      await r.text().catch(() => '');
    }
    await expect.poll(async () => (await status()).overload.circuits.find((c) => c.key === 'anthropic/claude-d')?.state).toBe('open');
    clock += 30_000;
    expect((await messages('claude-d')).status).toBe(200);
  });

  it('a stream read to its end is a success and resets the count', async () => {
    up.reset();
    const stream = async (reply?: Parameters<MockUpstream['enqueue']>[0]) => {
      if (reply) up.enqueue(reply);
      const r = await fetch(app.url + '/anthropic/v1/messages', {
        method: 'POST',
        headers: { 'x-api-key': token, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'claude-e', stream: true, max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] }),
      });
      await r.text().catch(() => '');
    };
    const die = { kind: 'die', fixture: 'anthropic/text.sse', afterEvents: 2 } as const;
    await stream(die);
    await stream(die);
    await expect.poll(async () => (await status()).overload.circuits.find((c) => c.key === 'anthropic/claude-e')?.failures).toBe(2);
    await stream();
    await expect.poll(async () => (await status()).overload.circuits.find((c) => c.key === 'anthropic/claude-e')).toBeUndefined();
    await stream(die);
    await stream(die);
    await expect.poll(async () => (await status()).overload.circuits.find((c) => c.key === 'anthropic/claude-e')?.failures).toBe(2);
    expect((await status()).overload.circuits.find((c) => c.key === 'anthropic/claude-e')?.state).toBe('closed');
  });

  it('4xx answers other than 429 are the client’s problem and do not count', async () => {
    up.reset();
    for (let i = 0; i < 5; i++) up.enqueue({ kind: 'error', status: 400 });
    for (let i = 0; i < 5; i++) expect((await messages('claude-c')).status).toBe(400);
    expect((await status()).overload.circuits.filter((c) => c.key === 'anthropic/claude-c')).toEqual([]);
  });
});

describe('concurrency limit', () => {
  it('over --max-concurrency → 429 with Retry-After in the provider shape, recorded; slots come back', async () => {
    up.reset();
    up.enqueue({ kind: 'hang' });
    up.enqueue({ kind: 'hang' });
    const ac = new AbortController();
    const hanging = [0, 1].map(() =>
      fetch(app.url + '/openai/v1/chat/completions', {
        method: 'POST',
        signal: ac.signal,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'gpt-hang', messages: [{ role: 'user', content: 'wait' }] }),
      }).catch(() => undefined),
    );
    await up.waitForRequests(2);
    expect((await status()).overload).toMatchObject({ in_flight: 2, max_concurrency: 2 });

    const refused = await chat();
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('1');
    const body = (await refused.json()) as { error: { type: string; code: string; message: string } };
    expect(body.error).toMatchObject({ type: 'rate_limit_exceeded', code: 'too_many_concurrent_requests' });
    const anth = await messages('claude-x');
    expect(anth.status).toBe(429);
    expect(((await anth.json()) as { error: { type: string } }).error.type).toBe('rate_limit_error');
    expect(up.requests).toHaveLength(2);

    ac.abort();
    await Promise.all(hanging);
    await expect.poll(async () => (await status()).overload.in_flight).toBe(0);
    expect((await chat()).status).toBe(200);

    await expect.poll(async () => (await records('&status=failed')).filter((r) => r.http_status === 429 && r.model === '').length).toBe(2);
    expect(await (await admin('/metrics')).text()).toMatch(/aibridge_requests_rejected_total\{reason="too_many_concurrent_requests"\} 2/);
  });
});
