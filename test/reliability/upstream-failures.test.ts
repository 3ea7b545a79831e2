/**
 * The upstream misbehaves: dies mid-stream, never answers, goes silent mid-stream. The client gets
 * a clear signal (502/504 in the provider's shape, or a broken connection once bytes are out), the
 * record says `failed` with the reason, the upstream call is closed, and the gateway lives on.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { startMockUpstream, type MockUpstream } from '../helpers/mock-upstream.js';
import { anthropicBody, bridgeHeaders, client, healthz, providerArgs, startGatewayProcess, tempDataDir, newestRecord, type GatewayProcess, type Rec } from './harness.js';

let up: MockUpstream;
let data: ReturnType<typeof tempDataDir>;
let gw: GatewayProcess;

beforeAll(async () => {
  up = await startMockUpstream();
  data = tempDataDir('upstream');
  gw = await startGatewayProcess({
    dataDir: data.dir,
    // Short timeouts so hangs resolve quickly; the breaker off so repeated failures stay visible.
    args: [...providerArgs(up.url), '--upstream-timeout', '1s', '--stream-idle-timeout', '1s', '--circuit-failure-threshold', '0'],
  });
});
afterAll(async () => {
  await gw?.stop();
  await up?.close();
  data?.cleanup();
});

async function call(headers: Record<string, string>, stream: boolean, path = '/anthropic/v1/messages') {
  const t0 = performance.now();
  calls++;
  const r = await request(gw.url + path, { method: 'POST', headers: bridgeHeaders(data.token, headers), body: anthropicBody({ stream }), dispatcher: client });
  let text = '';
  let broken = false;
  try {
    text = await r.body.text();
  } catch {
    broken = true;
  }
  return { status: r.statusCode, headers: r.headers, text, broken, ms: performance.now() - t0 };
}

let calls = 0;
/** The record of the call just made (every call here leaves one). */
function lastRecord(): Promise<Rec> {
  return newestRecord(gw, calls);
}

describe('upstream failures (gateway in a child process)', () => {
  it('upstream dies mid-stream: client connection broken after the bytes so far, record failed', async () => {
    up.reset();
    const r = await call({ 'x-mock-fixture': 'anthropic/text.sse', 'x-mock-die-after-bytes': '300' }, true);
    expect(r.status).toBe(200);
    expect(r.broken).toBe(true);
    const rec = await lastRecord();
    expect(rec.status).toBe('failed');
    expect(rec.error).toMatch(/broke off/);
  });

  it('upstream dies before answering: 502 in the provider shape, record failed', async () => {
    const r = await call({ 'x-mock-mode': 'die' }, false);
    expect(r.status).toBe(502);
    expect(JSON.parse(r.text)).toMatchObject({ type: 'error', error: { type: 'api_error' } });
    expect(await lastRecord()).toMatchObject({ status: 'failed', http_status: 502 });
  });

  it('upstream hangs: 504 after --upstream-timeout (blocking and streaming), upstream call closed', async () => {
    for (const stream of [false, true]) {
      up.reset();
      const r = await call({ 'x-mock-mode': 'hang' }, stream);
      expect(r.status).toBe(504);
      expect(r.ms).toBeGreaterThan(900);
      expect(JSON.parse(r.text)).toMatchObject({ type: 'error', error: { type: 'timeout_error' } });
      await up.requests[0]!.closed;
      expect(up.requests[0]!.aborted).toBe(true);
      expect(await lastRecord()).toMatchObject({ status: 'failed', http_status: 504 });
    }
  });

  it('OpenAI shape for the same failures', async () => {
    const r = await request(gw.url + '/openai/v1/chat/completions', {
      method: 'POST',
      headers: { authorization: `Bearer ${data.token}`, 'content-type': 'application/json', 'x-mock-mode': 'hang' },
      body: JSON.stringify({ model: 'gpt-rel', messages: [{ role: 'user', content: 'hi' }] }),
      dispatcher: client,
    });
    calls++;
    expect(r.statusCode).toBe(504);
    expect(((await r.body.json()) as { error: { type: string } }).error.type).toBe('timeout');
  });

  it('stream goes silent mid-way: cut after --stream-idle-timeout, record failed, upstream closed', async () => {
    up.reset();
    const r = await call({ 'x-mock-fixture': 'anthropic/text.sse', 'x-mock-stall-after-bytes': '300' }, true);
    expect(r.status).toBe(200);
    expect(r.broken).toBe(true);
    await up.requests[0]!.closed;
    expect(up.requests[0]!.aborted).toBe(true);
    const rec = await lastRecord();
    expect(rec.status).toBe('failed');
    expect(rec.error).toMatch(/broke off/);
  });

  it('upstream unreachable (nothing listening): 502; the gateways stay healthy', async () => {
    const other = tempDataDir('dead');
    const dead = await startGatewayProcess({
      dataDir: other.dir,
      args: ['--enabled', '--anthropic-key', 'sk-ant-x-000000000000', '--anthropic-base-url', 'http://127.0.0.1:9/'],
    });
    try {
      const r = await request(dead.url + '/anthropic/v1/messages', { method: 'POST', headers: bridgeHeaders(other.token), body: anthropicBody(), dispatcher: client });
      const body = (await r.body.json()) as { error: { message: string } };
      expect(r.statusCode).toBe(502);
      expect(body.error.message).toMatch(/ECONNREFUSED/);
      expect((await healthz(dead)).ok).toBe(true);
    } finally {
      await dead.stop();
      other.cleanup();
    }
    expect((await healthz(gw)).ok).toBe(true);
    expect(gw.child.exitCode).toBeNull();
  });
});
