/**
 * Issue #3, failure behaviour over raw HTTP: upstream errors before streaming reach the client as
 * sent (status, body bytes, `request-id` / `retry-after` / rate-limit headers); a stream cut by
 * the upstream, a client that goes away (upstream aborted, record `cancelled` with the usage
 * seen), an upstream that hangs (504), is down (502), closes without answering (502) or answers
 * 200 with something that is not the API — every one leaves a `failed` (or `cancelled`) record.
 *
 * Each call uses its own model name: the circuit breaker (issue #8) counts failures per
 * provider+model, and these tests are about single calls, not about the breaker.
 */
import { request as httpRequest } from 'node:http';
import { createServer } from 'node:net';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURES_DIR } from '../helpers/mock-upstream-replies.js';
import { startGatewayHarness, ANTHROPIC_KEY, OPENAI_KEY, type GatewayHarness } from '../helpers/gateway-harness.js';

type Api = 'anthropic' | 'chat' | 'responses';
let modelSeq = 0;
const API: Record<Api, { path: string; body(stream: boolean, prompt?: string): Record<string, unknown>; idHeader: string }> = {
  anthropic: {
    path: '/anthropic/v1/messages',
    idHeader: 'request-id',
    body: (stream, prompt = 'hi') => ({ model: `claude-fail-${++modelSeq}`, max_tokens: 64, stream, messages: [{ role: 'user', content: prompt }] }),
  },
  chat: {
    path: '/openai/v1/chat/completions',
    idHeader: 'x-request-id',
    body: (stream, prompt = 'hi') => ({ model: `gpt-fail-${++modelSeq}`, stream, messages: [{ role: 'user', content: prompt }] }),
  },
  responses: {
    path: '/openai/v1/responses',
    idHeader: 'x-request-id',
    body: (stream, prompt = 'hi') => ({ model: `gpt-fail-${++modelSeq}`, stream, input: prompt }),
  },
};
const APIS: Api[] = ['anthropic', 'chat', 'responses'];
const fixtureDir: Record<Api, string> = { anthropic: 'anthropic', chat: 'openai-chat', responses: 'openai-responses' };

/** Checks a gateway-made error body has the provider's shape (SPEC §4). */
function expectErrorShape(api: Api, text: string): string {
  const body = JSON.parse(text) as { type?: string; error?: { type?: string; message?: string; code?: string } };
  if (api === 'anthropic') {
    expect(body.type).toBe('error');
    expect(typeof body.error?.type).toBe('string');
  } else {
    expect(typeof body.error?.type).toBe('string');
    expect(typeof body.error?.code).toBe('string');
  }
  expect(typeof body.error?.message).toBe('string');
  return body.error!.message!;
}

/**
 * Starts a streaming POST with node:http, waits for the first body bytes, then destroys the
 * socket (a client that goes away mid-stream). Resolves with what arrived.
 */
function streamThenHangUp(url: string, token: string, path: string, body: object, headers: Record<string, string>): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': token, ...headers } }, (res) => {
      res.once('data', (chunk: Buffer) => {
        req.destroy();
        resolve(chunk);
      });
    });
    req.on('error', (err) => {
      if (!req.destroyed) reject(err);
    });
    req.end(JSON.stringify(body));
  });
}

/** Sends a request and destroys it before any answer came (the upstream hangs). */
function sendThenHangUp(url: string, token: string, path: string, body: object, headers: Record<string, string>, afterUpstreamGotIt: () => Promise<void>): Promise<void> {
  return new Promise((resolve) => {
    const req = httpRequest(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': token, ...headers } });
    req.on('error', () => undefined);
    req.end(JSON.stringify(body));
    void afterUpstreamGotIt().then(() => {
      req.destroy();
      resolve();
    });
  });
}

async function closedPortUrl(): Promise<string> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return `http://127.0.0.1:${port}`;
}

let h: GatewayHarness;
beforeAll(async () => {
  h = await startGatewayHarness();
});
afterAll(async () => {
  await h?.close();
});

describe('upstream error before streaming: same status, body and headers', () => {
  const cases = [
    { api: 'anthropic' as const, fixture: 'anthropic/error-429.json', status: 429, headers: ['retry-after', 'anthropic-ratelimit-requests-remaining'] },
    { api: 'anthropic' as const, fixture: 'anthropic/error-529.json', status: 529, headers: ['retry-after'] },
    { api: 'anthropic' as const, fixture: 'anthropic/error-400.json', status: 400, headers: [] },
    { api: 'chat' as const, fixture: 'openai-chat/error-429.json', status: 429, headers: ['retry-after', 'x-ratelimit-remaining-requests', 'x-ratelimit-reset-requests'] },
    { api: 'chat' as const, fixture: 'openai-chat/error-401.json', status: 401, headers: [] },
    { api: 'responses' as const, fixture: 'openai-responses/error-429.json', status: 429, headers: ['retry-after', 'x-ratelimit-remaining-requests'] },
    { api: 'responses' as const, fixture: 'openai-responses/error-400.json', status: 400, headers: [] },
  ];
  it.each(cases.flatMap((c) => [true, false].map((stream) => ({ ...c, stream }))))('$fixture (stream: $stream)', async ({ api, fixture, status, headers, stream }) => {
    const reply = await h.post(API[api].path, API[api].body(stream, 'please fail'), { 'x-mock-fixture': fixture });
    expect(reply.status).toBe(status);
    expect(reply.bytes.equals(readFileSync(join(FIXTURES_DIR, fixture)))).toBe(true);
    expect(reply.headers[API[api].idHeader]).toMatch(/^req_mock_\d+$/);
    for (const name of headers) expect(reply.headers[name], name).toBeTruthy();
    expect(reply.headers['content-type']).toBe('application/json');
    const [rec] = await h.nextRecords();
    expect(rec).toMatchObject({ status: 'failed', http_status: status, streaming: stream });
    const message = (JSON.parse(reply.text) as { error: { message: string } }).error.message;
    expect(rec!.error).toContain(message);
    expect(rec!.user_prompts.map((p) => p.prompt)).toEqual(['please fail']);
    expect(rec!.token_usages).toEqual([]);
  });

  it('custom upstream error headers and a non-JSON error body pass as sent', async () => {
    const reply = await h.post(API.chat.path, API.chat.body(false), {
      'x-mock-reply': JSON.stringify({ kind: 'error', status: 503, body: 'upstream says: busy', headers: { 'retry-after': '7', 'x-ratelimit-limit-tokens': '30000', 'openai-processing-ms': '12' } }),
    });
    expect(reply).toMatchObject({ status: 503, text: 'upstream says: busy' });
    expect(reply.headers).toMatchObject({ 'retry-after': '7', 'x-ratelimit-limit-tokens': '30000', 'openai-processing-ms': '12' });
    const [rec] = await h.nextRecords();
    expect(rec).toMatchObject({ status: 'failed', http_status: 503 });
    expect(rec!.error).toContain('upstream says: busy');
  });
});

describe('errors mid-stream', () => {
  it.each([
    ['anthropic', 'anthropic/error-mid-stream.sse', 'Overloaded'],
    ['chat', 'openai-chat/error-mid-stream.sse', 'The server had an error'],
    ['responses', 'openai-responses/failed.sse', 'An error occurred while processing'],
    ['responses', 'openai-responses/error-event.sse', 'Rate limit reached for gpt-5-codex'],
  ] as const)('%s %s: forwarded byte for byte, record failed', async (api, fixture, error) => {
    const reply = await h.post(API[api].path, API[api].body(true), { 'x-mock-fixture': fixture, 'x-mock-chunk-size': '13' });
    expect(reply.status).toBe(200);
    expect(reply.bytes.equals(readFileSync(join(FIXTURES_DIR, fixture)))).toBe(true);
    const [rec] = await h.nextRecords();
    expect(rec).toMatchObject({ status: 'failed', http_status: 200 });
    expect(rec!.error).toContain(error);
  });

  it.each(APIS)('%s: upstream connection cut mid-stream → client connection broken, record failed with the usage seen', async (api) => {
    const fixture = `${fixtureDir[api]}/text.sse`;
    const bytes = readFileSync(join(FIXTURES_DIR, fixture));
    const cut = Math.floor(bytes.length / 2);
    const err = await h.post(API[api].path, API[api].body(true), { 'x-mock-fixture': fixture, 'x-mock-die-after-bytes': String(cut) }).catch((e: unknown) => e);
    // Headers were out: the client must see a broken body, never a clean end.
    expect(err).toBeInstanceOf(Error);
    const [rec] = await h.nextRecords();
    expect(rec).toMatchObject({ status: 'failed', http_status: 200 });
    expect(rec!.error).toMatch(/broke off|ended before/);
    if (api === 'anthropic') expect(rec!.token_usages.map((u) => u.input_tokens)).toEqual([21]);
  });
});

describe('client goes away', () => {
  it.each(APIS)('%s: mid-stream → upstream aborted, record cancelled with what was seen', async (api) => {
    const fixture = `${fixtureDir[api]}/tool-single.sse`;
    const n = h.up.requests.length;
    const bytes = readFileSync(join(FIXTURES_DIR, fixture));
    const first = await streamThenHangUp(h.url, h.token, API[api].path, API[api].body(true, 'bye'), {
      'x-mock-fixture': fixture,
      'x-mock-stall-after-bytes': String(Math.floor(bytes.length * 0.6)),
    });
    expect(bytes.subarray(0, first.length).equals(first)).toBe(true);
    const up = h.up.requests[n]!;
    await up.closed;
    expect(up.aborted).toBe(true);
    const [rec] = await h.nextRecords();
    expect(rec).toMatchObject({ status: 'cancelled', streaming: true, http_status: 200 });
    expect(rec!.user_prompts.map((p) => p.prompt)).toEqual(['bye']);
    if (api === 'anthropic') {
      // message_start carried the input tokens; the final message_delta never came.
      const start = JSON.parse(/data: (\{"type":"message_start".*)/.exec(bytes.toString('utf8'))![1]!) as { message: { id: string; usage: { input_tokens: number } } };
      expect(rec!.token_usages.map((u) => [u.provider_response_id, u.input_tokens])).toEqual([[start.message.id, start.message.usage.input_tokens]]);
    }
  });

  it('before the upstream answered (upstream hangs) → upstream aborted, record cancelled', async () => {
    const n = h.up.requests.length;
    await sendThenHangUp(h.url, h.token, API.anthropic.path, API.anthropic.body(true), { 'x-mock-mode': 'hang' }, async () => void (await h.up.waitForRequests(n + 1)));
    const up = h.up.requests[n]!;
    await up.closed;
    expect(up.aborted).toBe(true);
    const [rec] = await h.nextRecords();
    expect(rec!.status).toBe('cancelled');
  });
});

describe('upstream misbehaves', () => {
  it.each(APIS)('%s: closes the connection without answering → 502 in the provider shape, record failed', async (api) => {
    const reply = await h.post(API[api].path, API[api].body(true), { 'x-mock-mode': 'die' });
    expect(reply.status).toBe(502);
    expectErrorShape(api, reply.text);
    const [rec] = await h.nextRecords();
    expect(rec).toMatchObject({ status: 'failed', http_status: 502 });
    expect(rec!.error).toBeTruthy();
  });

  it.each(APIS.flatMap((api) => [true, false].map((stream) => ({ api, stream }))))('$api: 200 with a body that is not the API (stream: $stream) → record failed', async ({ api, stream }) => {
    const reply = await h.post(API[api].path, API[api].body(stream), { 'x-mock-mode': 'garbage' });
    expect(reply.status).toBe(200);
    const [rec] = await h.nextRecords();
    expect(rec).toMatchObject({ status: 'failed', http_status: 200 });
    expect(rec!.error).toBeTruthy();
  });
});

describe('timeouts (--upstream-timeout 1s, --stream-idle-timeout 1s)', () => {
  let ht: GatewayHarness;
  beforeAll(async () => {
    ht = await startGatewayHarness({ argv: ['--upstream-timeout', '1s', '--stream-idle-timeout', '1s'] });
  });
  afterAll(async () => {
    await ht?.close();
  });

  it.each(APIS)('%s: upstream hangs → 504 in the provider shape, record failed, upstream call closed', async (api) => {
    const n = ht.up.requests.length;
    const reply = await ht.post(API[api].path, API[api].body(true, 'anyone there?'), { 'x-mock-mode': 'hang' });
    expect(reply.status).toBe(504);
    expect(expectErrorShape(api, reply.text)).toMatch(/did not answer/);
    const [rec] = await ht.nextRecords();
    expect(rec).toMatchObject({ status: 'failed', http_status: 504 });
    expect(rec!.user_prompts.map((p) => p.prompt)).toEqual(['anyone there?']);
    await ht.up.requests[n]!.closed;
  });

  it('stream goes silent mid-way → client connection broken, record failed', async () => {
    const fixture = 'anthropic/text.sse';
    const err = await ht.post(API.anthropic.path, API.anthropic.body(true), { 'x-mock-fixture': fixture, 'x-mock-stall-after-bytes': '600' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    const [rec] = await ht.nextRecords();
    expect(rec).toMatchObject({ status: 'failed', http_status: 200 });
    expect(rec!.token_usages.map((u) => u.input_tokens)).toEqual([21]);
  });
});

describe('upstream down (closed port)', () => {
  let hd: GatewayHarness;
  beforeAll(async () => {
    hd = await startGatewayHarness({ upstreamUrl: await closedPortUrl() });
  });
  afterAll(async () => {
    await hd?.close();
  });

  it.each(APIS.flatMap((api) => [true, false].map((stream) => ({ api, stream }))))('$api (stream: $stream) → 502, record failed', async ({ api, stream }) => {
    const reply = await hd.post(API[api].path, API[api].body(stream, 'down?'));
    expect(reply.status).toBe(502);
    const message = expectErrorShape(api, reply.text);
    expect(message).toMatch(/Could not reach/);
    for (const secret of [ANTHROPIC_KEY, OPENAI_KEY, hd.token]) expect(reply.text).not.toContain(secret);
    const [rec] = await hd.nextRecords();
    expect(rec).toMatchObject({ status: 'failed', http_status: 502, streaming: stream });
    expect(rec!.user_prompts.map((p) => p.prompt)).toEqual(['down?']);
  });
});

describe('structured log of all the above', () => {
  it('every line is JSON; per interception start comes first and end last, with the record\'s status; no secrets', async () => {
    const records = await h.interceptions();
    const lines = h.logText().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
    const byId = new Map<string, Array<Record<string, unknown>>>();
    for (const l of lines) {
      if (l['msg'] !== 'interception log') continue;
      const id = String(l['interception_id']);
      byId.set(id, [...(byId.get(id) ?? []), l]);
    }
    expect(records.length).toBeGreaterThan(30);
    for (const rec of records) {
      const mine = byId.get(rec.id) ?? [];
      expect(mine[0]?.['record_type'], rec.id).toBe('interception_start');
      expect(mine.at(-1)?.['record_type'], rec.id).toBe('interception_end');
      expect(mine.at(-1)).toMatchObject({ status: rec.status, http_status: rec.http_status, error: rec.error });
      expect(mine.filter((l) => l['record_type'] === 'token_usage')).toHaveLength(rec.token_usages.length);
    }
    for (const secret of [ANTHROPIC_KEY, OPENAI_KEY, h.token]) expect(h.logText()).not.toContain(secret);
  });
});
