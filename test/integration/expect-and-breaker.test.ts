/**
 * Issue #13: `Expect: 100-continue` (curl sends it by itself for bodies over 1 MiB) is answered by
 * the gateway and never forwarded, and the circuit breaker counts only real upstream failures
 * (network errors, upstream 429/5xx): a request the gateway cannot forward, or a local fault, is a
 * 400/500 of its own and opens no circuit for everyone else. Same for a 6,000-deep JSON body on the
 * Bedrock route.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { startGatewayHarness, type GatewayHarness } from '../helpers/gateway-harness.js';
import { startBedrockHarness, type BedrockHarness } from './bedrock-harness.js';

let h: GatewayHarness;
beforeAll(async () => {
  h = await startGatewayHarness({ argv: ['--circuit-failure-threshold', '2'] });
});
afterAll(async () => {
  await h?.close();
});

type Status = { overload: { circuits: { key: string; state: string; failures: number }[] } };
const circuits = async () => (await h.admin<Status>('/status')).overload.circuits;

const messages = (model: string, padding = 0) =>
  JSON.stringify({ model, max_tokens: 5, messages: [{ role: 'user', content: 'hi' + ' '.repeat(padding) }] });

describe('Expect: 100-continue', () => {
  it('curl with a 1.5 MiB body (curl adds the Expect header) gets 200, five times, and no circuit opens', async () => {
    const body = messages('claude-expect', 1.5 * 2 ** 20);
    const before = h.up.requests.length;
    const codes: string[] = [];
    for (let i = 0; i < 5; i++) {
      codes.push(await curlPost(`${h.url}/anthropic/v1/messages`, body, { 'x-api-key': h.token, 'anthropic-version': '2023-06-01' }));
    }
    expect(codes).toEqual(['200', '200', '200', '200', '200']);
    const upstream = h.up.requests.slice(before).filter((r) => r.method === 'POST');
    expect(upstream.length).toBeGreaterThanOrEqual(5);
    for (const r of upstream) expect(r.headers['expect']).toBeUndefined();
    expect(await circuits()).toEqual([]);
    await h.nextRecords(upstream.length);
  });

  it('a raw client waits for 100 Continue, then sends its body and gets the answer', async () => {
    const port = Number(new URL(h.url).port);
    const body = messages('claude-expect-raw');
    const socket = connect(port, '127.0.0.1');
    let got = '';
    socket.setEncoding('utf8').on('data', (d: string) => (got += d));
    await new Promise<void>((r) => socket.once('connect', () => r()));
    socket.write(
      [
        'POST /anthropic/v1/messages HTTP/1.1',
        `Host: 127.0.0.1:${port}`,
        'Content-Type: application/json',
        `Content-Length: ${body.length}`,
        `x-api-key: ${h.token}`,
        'anthropic-version: 2023-06-01',
        'Expect: 100-continue',
        'Connection: close',
      ].join('\r\n') + '\r\n\r\n',
    );
    await waitFor(() => got.includes('100 Continue'));
    socket.write(body);
    await new Promise((r) => socket.once('close', r));
    expect(got).toMatch(/HTTP\/1\.1 200 OK/);
    expect(h.up.requests.at(-1)!.headers['expect']).toBeUndefined();
    const [rec] = await h.nextRecords(1);
    expect(rec).toMatchObject({ status: 'completed', model: 'claude-expect-raw' });
  });
});

describe('circuit breaker accounting', () => {
  const errorReply = (status: number) => JSON.stringify({ kind: 'error', status, body: { type: 'error', error: { type: 'api_error', message: `upstream ${status}` } } });

  it('upstream 4xx answers (not 429) never open a circuit', async () => {
    for (let i = 0; i < 4; i++) {
      const r = await h.post('/anthropic/v1/messages', messages('claude-4xx'), { 'x-mock-reply': errorReply(400) });
      expect(r.status).toBe(400);
    }
    expect((await circuits()).filter((c) => c.key.includes('claude-4xx'))).toEqual([]);
    await h.nextRecords(4);
  });

  it('upstream 500 answers are upstream failures: two open the circuit (threshold 2)', async () => {
    for (let i = 0; i < 2; i++) {
      const r = await h.post('/anthropic/v1/messages', messages('claude-5xx'), { 'x-mock-reply': errorReply(500) });
      expect(r.status).toBe(500);
    }
    const c = (await circuits()).find((x) => x.key === 'anthropic/claude-5xx');
    expect(c?.state).toBe('open');
    const refused = await h.post('/anthropic/v1/messages', messages('claude-5xx'));
    expect(refused.status).toBe(503);
    await h.nextRecords(3);
  });
});

describe('deep JSON on the Bedrock route', () => {
  let b: BedrockHarness;
  beforeAll(async () => {
    b = await startBedrockHarness({ AIBRIDGE_CIRCUIT_FAILURE_THRESHOLD: '2' });
  });
  afterAll(async () => {
    await b?.close();
  });

  const deep = (depth: number) => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
  const body = (depth: number) =>
    `{"model":"claude-sonnet-4-5","max_tokens":5,"messages":[{"role":"user","content":"deep"}],"metadata":{"x":${deep(depth)}}}`;
  const post = (text: string) =>
    fetch(`${b.app.url}/anthropic/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': b.token, 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
      body: text,
    });

  it('a 6,000-deep body is a 400 in the Anthropic shape, recorded, and opens no circuit', async () => {
    const before = b.mock.requests.length;
    for (let i = 0; i < 3; i++) {
      const r = await post(body(6000));
      expect(r.status).toBe(400);
      const json = (await r.json()) as { type: string; error: { type: string; message: string } };
      expect(json).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
      expect(json.error.message).toMatch(/nested too deeply/);
    }
    expect(b.mock.requests.length).toBe(before);
    const st = (await (await fetch(`${b.app.url}/api/v1/status`, { headers: { authorization: `Bearer ${b.app.adminToken}` } })).json()) as Status;
    expect(st.overload.circuits).toEqual([]);
    const recs = await b.ended(3);
    expect(recs.map((r) => [r.status, r.http_status])).toEqual([['failed', 400], ['failed', 400], ['failed', 400]]);
    // The bridge still serves that model.
    const ok = await post(body(10));
    expect(ok.status).toBe(200);
  });
});

async function waitFor(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** curl as a real client: POSTs `body` from stdin (curl adds `Expect: 100-continue` past 1 MiB). */
async function curlPost(url: string, body: string, headers: Record<string, string>): Promise<string> {
  const args = ['-sS', '-o', '/dev/null', '-w', '%{http_code}', '-H', 'content-type: application/json', '--data-binary', '@-', url];
  for (const [k, v] of Object.entries(headers)) args.unshift('-H', `${k}: ${v}`);
  const child = spawn('curl', args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
  child.stdin.end(body);
  const code = await new Promise<number | null>((r) => child.once('close', r));
  if (code !== 0 && !out) throw new Error(`curl exited ${code}: ${err}`);
  return out.trim();
}
