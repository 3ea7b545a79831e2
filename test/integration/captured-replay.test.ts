/**
 * Issue #14: record fidelity on real captured traffic. Every exchange under test/fixtures/captured/
 * (real Claude Code and Codex calls saved by `AIBRIDGE_CAPTURE_DIR=… npm run test:clients`; format
 * in that folder's README.md) is replayed through the real gateway (startApp, port 0): the client's
 * captured request — method, path, headers with this run's bridge token, body bytes — goes to the
 * gateway, and a loopback upstream answers with the captured status, headers and bytes, one write
 * per SSE event as captured and again in 7-byte pieces.
 *
 * Asserted against the fixture, never against the gateway's own output:
 * - the client gets the captured answer byte for byte, with its status and headers;
 * - the upstream gets the client's path, headers and body bytes; the documented changes only: the
 *   provider key in place of the bridge token, `accept-encoding: identity`, and on Chat
 *   Completions streams the `inject_stream_usage` splice (docs/recording.md);
 * - the record holds the fixture's `expected`: client, session id, provider, api, model,
 *   streaming, status, prompt, exact token rows, tool calls, thoughts with their source.
 */
import { Buffer } from 'node:buffer';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BRIDGE_TOKEN_PLACEHOLDER, CAPTURED_DIR, leaks, loadCaptured, type LoadedExchange } from '../helpers/captured.js';
import { ANTHROPIC_KEY, OPENAI_KEY, recordParts, startGatewayHarness, type GatewayHarness } from '../helpers/gateway-harness.js';

const fixtures = loadCaptured();

/** How the loopback upstream writes the captured answer. */
const PLANS = [
  { name: 'one write per SSE event, as captured', split: (b: Buffer) => splitEvents(b) },
  { name: '7-byte writes (cuts lines and UTF-8 sequences)', split: (b: Buffer) => pieces(b, 7) },
];

function splitEvents(b: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let from = 0;
  for (let i = b.indexOf('\n\n'); i >= 0; i = b.indexOf('\n\n', from)) {
    out.push(b.subarray(from, i + 2));
    from = i + 2;
  }
  if (from < b.length) out.push(b.subarray(from));
  return out;
}

function pieces(b: Buffer, n: number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < b.length; i += n) out.push(b.subarray(i, i + n));
  return out;
}

/** Headers that carried the bridge token in the capture. */
function tokenHeaders(fx: LoadedExchange): string[] {
  return Object.entries(fx.exchange.request.headers)
    .filter(([, v]) => v.includes(BRIDGE_TOKEN_PLACEHOLDER))
    .map(([k]) => k);
}

/** The body the upstream must get: the client's bytes, or the documented stream-usage splice. */
function upstreamBodyFor(fx: LoadedExchange): Buffer {
  const body = fx.requestBody;
  if (fx.exchange.upstream_request.body === 'identical') return body;
  // docs/recording.md: no `stream_options` → spliced in after the opening brace, every other byte kept.
  const json = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
  if (json['stream_options'] === undefined) {
    const brace = body.indexOf('{');
    return Buffer.concat([body.subarray(0, brace + 1), Buffer.from('"stream_options":{"include_usage":true},'), body.subarray(brace + 1)]);
  }
  return Buffer.from(JSON.stringify({ ...json, stream_options: { ...(json['stream_options'] as object), include_usage: true } }));
}

let h: GatewayHarness;
beforeAll(async () => {
  h = await startGatewayHarness({ tokenName: 'replay' });
});
afterAll(async () => {
  await h?.close();
});

it('finds the captured fixtures, none holding anything shaped like a bridge token or provider key', () => {
  expect(fixtures.map((f) => f.name)).toEqual(expect.arrayContaining(['claude-code-text-1', 'claude-code-tool-1', 'claude-code-tool-2', 'codex-text-1', 'codex-tool-1', 'codex-tool-2']));
  expect(leaks(CAPTURED_DIR, [])).toEqual([]);
});

describe.each(fixtures)('captured $name', (fx) => {
  const ex = fx.exchange;
  const want = ex.expected;

  it.each(PLANS)('replays through the gateway: $name', async (plan) => {
    await h.skipRecords(); // a failed case before this one may have left its record unread
    h.up.enqueue({
      kind: 'handler',
      async handle(res) {
        res.writeHead(ex.response.status, ex.response.headers);
        for (const chunk of plan.split(fx.responseBody)) {
          if (res.destroyed) return;
          res.write(chunk);
          await new Promise((r) => setImmediate(r));
        }
        res.end();
      },
    });
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(ex.request.headers)) headers[k] = v.split(BRIDGE_TOKEN_PLACEHOLDER).join(h.token);
    const before = h.up.requests.length;
    const res = await request(`${h.url}${ex.request.path}`, { method: ex.request.method as 'POST', headers, body: fx.requestBody });
    const got = Buffer.from(await res.body.arrayBuffer());

    // What the client got: the captured answer.
    expect(res.statusCode).toBe(ex.response.status);
    for (const [k, v] of Object.entries(ex.response.headers)) expect(res.headers[k], `response header ${k}`).toBe(v);
    if (!got.equals(fx.responseBody)) expect(got.toString('utf8')).toBe(fx.responseBody.toString('utf8'));
    expect(got.equals(fx.responseBody)).toBe(true);

    // What the upstream got: the client's request, with the documented changes only.
    expect(h.up.requests.length).toBe(before + 1);
    const up = h.up.last();
    expect(up.method).toBe(ex.request.method);
    expect(`${up.path}${up.search}`).toBe(ex.upstream_request.path);
    const wantBody = upstreamBodyFor(fx);
    if (!up.rawBody.equals(wantBody)) expect(up.body).toBe(wantBody.toString('utf8'));
    expect(up.rawBody.equals(wantBody)).toBe(true);
    const secretHeaders = tokenHeaders(fx);
    expect(secretHeaders.length).toBe(1);
    for (const [k, v] of Object.entries(ex.request.headers)) {
      if (secretHeaders.includes(k) || k === 'accept-encoding') continue;
      expect(up.headers[k], `upstream header ${k}`).toBe(v);
    }
    expect(up.headers['accept-encoding']).toBe('identity');
    if (want.provider === 'anthropic') {
      expect(up.headers['x-api-key']).toBe(ANTHROPIC_KEY);
      expect(up.headers['authorization']).toBeUndefined();
    } else {
      expect(up.headers['authorization']).toBe(`Bearer ${OPENAI_KEY}`);
      expect(up.headers['x-api-key']).toBeUndefined();
    }
    expect(JSON.stringify(up.headers)).not.toContain(h.token);

    // The record: what the fixture says it must hold.
    const [rec] = await h.nextRecords(1);
    expect({
      client: rec!.client,
      client_session_id: rec!.client_session_id,
      provider: rec!.provider,
      api: rec!.api,
      model: rec!.model,
      streaming: rec!.streaming,
      status: rec!.status,
      http_status: rec!.http_status,
      error: rec!.error,
    }).toEqual({
      client: want.client,
      client_session_id: want.client_session_id,
      provider: want.provider,
      api: want.api,
      model: want.model,
      streaming: want.streaming,
      status: want.status,
      http_status: want.http_status,
      error: want.error,
    });
    expect(rec!.initiator.name).toBe('replay');
    expect(rec!.user_agent).toBe(ex.request.headers['user-agent'] ?? null);
    expect(rec!.user_prompts.map((p) => p.prompt)).toEqual(want.prompt === null ? [] : [want.prompt]);
    const parts = recordParts(rec!);
    expect(parts.token_usages).toEqual(want.token_usages);
    expect(parts.tool_calls).toEqual(want.tool_calls);
    expect(rec!.model_thoughts.map((t) => ({ content: t.content, source: t.metadata['source'] }))).toEqual(want.thoughts);
  });
});
