/**
 * Issue #3, raw HTTP: every recorded-shape fixture of the three intercepted APIs goes through the
 * real gateway (mock upstream → startApp → fetch), in several chunkings. Asserts the client got
 * exactly the fixture's bytes (keep-alive comments and framing included) and that the record holds
 * exactly what the fixture's `.expected.json` says (token numbers, tool calls, thoughts, error),
 * plus the request facts (prompt, provider, api, streaming, status, http_status).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURES_DIR } from '../helpers/mock-upstream-replies.js';
import { recordParts, startGatewayHarness, type GatewayHarness, type Interception } from '../helpers/gateway-harness.js';

interface ExpectedResponse {
  provider_response_id: string;
  model?: string;
  usage: null | {
    input_tokens: number;
    output_tokens: number;
    cache_read_input_tokens: number;
    cache_write_input_tokens: number;
    metadata: Record<string, unknown>;
  };
  tool_calls: Array<{ tool_call_id: string; tool: string; input: unknown }>;
  thoughts: Array<{ content: string; source: string }>;
}
interface Expected {
  responses: ExpectedResponse[];
  error: string | null;
  complete?: boolean;
}

type ApiDir = 'anthropic' | 'openai-chat' | 'openai-responses';
const API: Record<ApiDir, { path: string; api: string; provider: string; body(stream: boolean, prompt: string): object }> = {
  anthropic: {
    path: '/anthropic/v1/messages',
    api: 'messages',
    provider: 'anthropic',
    body: (stream, prompt) => ({ model: 'claude-sonnet-4-5', max_tokens: 1024, stream, messages: [{ role: 'user', content: prompt }] }),
  },
  'openai-chat': {
    path: '/openai/v1/chat/completions',
    api: 'chat_completions',
    provider: 'openai',
    body: (stream, prompt) => ({
      model: 'gpt-4o',
      stream,
      ...(stream ? { stream_options: { include_usage: true } } : {}),
      messages: [{ role: 'system', content: 'be brief' }, { role: 'user', content: prompt }],
    }),
  },
  'openai-responses': {
    path: '/openai/v1/responses',
    api: 'responses',
    provider: 'openai',
    body: (stream, prompt) => ({ model: 'gpt-5', stream, input: prompt }),
  },
};

/** The mock's write plans, as request headers the gateway passes through to it. */
const CHUNKINGS: Array<{ name: string; headers: Record<string, string> }> = [
  { name: 'one write per event', headers: {} },
  { name: '13-byte writes (cuts UTF-8 sequences and lines)', headers: { 'x-mock-chunk-size': '13' } },
  { name: '50-byte writes 2 ms apart', headers: { 'x-mock-chunk-size': '50', 'x-mock-delay-ms': '2' } },
];

const cases = (Object.keys(API) as ApiDir[]).flatMap((dir) =>
  readdirSync(join(FIXTURES_DIR, dir))
    .filter((f) => !f.endsWith('.expected.json') && readdirSync(join(FIXTURES_DIR, dir)).includes(`${f}.expected.json`))
    .sort()
    .map((f) => ({ dir, fixture: `${dir}/${f}` })),
);

/** What the record must say, derived from the fixture's expected outcome. */
function expectRecordMatches(rec: Interception, fixture: string, exp: Expected, status: number): void {
  const errorFixture = /\/error-\d{3}/.test(fixture);
  expect(rec.http_status).toBe(status);
  if (errorFixture) {
    expect(rec.status).toBe('failed');
    expect(rec.error).toContain(exp.error ?? '');
  } else if (exp.error) {
    expect(rec.status).toBe('failed');
    expect(rec.error).toContain(exp.error);
  } else if (exp.complete === false) {
    expect(rec.status).toBe('failed');
    expect(rec.error).toMatch(/ended before/);
  } else {
    expect(rec.status).toBe('completed');
    expect(rec.error).toBeNull();
  }
  const usages = exp.responses.filter((r) => r.usage).map((r) => ({ provider_response_id: r.provider_response_id, ...r.usage }));
  const parts = recordParts(rec);
  expect(parts.token_usages).toEqual(usages);
  expect(parts.tool_calls).toEqual(
    exp.responses.flatMap((r) => r.tool_calls.map((t) => ({ provider_response_id: r.provider_response_id, ...t }))),
  );
  // The model the upstream answered with, when it is not the one asked for (SPEC §10 2026-12-04).
  const answered = exp.responses.find((r) => r.model)?.model;
  expect(rec.metadata['response_model']).toBe(answered !== undefined && answered !== rec.model ? answered : undefined);
  // Every thought says where it came from (SPEC §10 2026-12-04: metadata.source).
  expect(rec.model_thoughts.map((t) => ({ content: t.content, source: t.metadata['source'] }))).toEqual(exp.responses.flatMap((r) => r.thoughts));
}

let h: GatewayHarness;
beforeAll(async () => {
  h = await startGatewayHarness();
});
afterAll(async () => {
  await h?.close();
});

describe.each(cases)('$fixture through the gateway', ({ dir, fixture }) => {
  const bytes = readFileSync(join(FIXTURES_DIR, fixture));
  const expected = JSON.parse(readFileSync(join(FIXTURES_DIR, `${fixture}.expected.json`), 'utf8')) as Expected;
  const streaming = fixture.endsWith('.sse');
  const fixtureStatus = Number(/\/error-(\d{3})/.exec(fixture)?.[1] ?? 200);
  const api = API[dir];
  const chunkings = streaming ? CHUNKINGS : CHUNKINGS.slice(0, 1);

  it.each(chunkings)('client gets the exact bytes and the record is exact ($name)', async ({ name, headers }) => {
    const prompt = `prompt for ${fixture} (${name}) — ünïcode ✓`;
    const reply = await h.post(api.path, api.body(streaming, prompt), { 'x-mock-fixture': fixture, ...headers });

    expect(reply.status).toBe(fixtureStatus);
    expect(reply.bytes.equals(bytes)).toBe(true);
    expect(reply.headers['content-type']).toBe(streaming ? 'text/event-stream; charset=utf-8' : 'application/json');
    expect(reply.headers[dir === 'anthropic' ? 'request-id' : 'x-request-id']).toMatch(/^req_mock_\d+$/);

    const [rec] = await h.nextRecords();
    expect(rec).toMatchObject({
      provider: api.provider,
      provider_name: api.provider,
      api: api.api,
      streaming,
      model: (api.body(streaming, '') as { model: string }).model,
      client: 'Unknown',
      initiator: { id: h.tokenId, name: 'alice' },
    });
    expect(rec!.user_prompts.map((p) => p.prompt)).toEqual([prompt]);
    expectRecordMatches(rec!, fixture, expected, fixtureStatus);
  });
});

describe('keep-alive comments', () => {
  it.each(['anthropic/ping-comments.sse', 'openai-chat/ping-comments.sse', 'openai-responses/ping-comments.sse'])(
    '%s: every comment line reaches the client, in place',
    async (fixture) => {
      const dir = fixture.split('/')[0] as ApiDir;
      const reply = await h.post(API[dir].path, API[dir].body(true, 'ping?'), { 'x-mock-fixture': fixture, 'x-mock-chunk-size': '3' });
      const comments = (t: string) => t.split('\n').filter((l) => l.startsWith(':'));
      const want = comments(readFileSync(join(FIXTURES_DIR, fixture), 'utf8'));
      expect(want.length).toBeGreaterThan(0);
      expect(comments(reply.text)).toEqual(want);
      expect(reply.text).toBe(readFileSync(join(FIXTURES_DIR, fixture), 'utf8'));
      await h.nextRecords();
    },
  );
});
