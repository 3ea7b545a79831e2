/**
 * SPEC §11 enforcement through the real gateway (startApp, loopback mock upstream, fake clock):
 * `usd_per_month` (refused until the 1st, not at midnight, `retry-after` in seconds until then), and
 * `tokens_per_day` on the Anthropic route and on OpenAI Chat and Responses: the first call after the
 * limit is reached gets 429 in the provider's shape (Anthropic `rate_limit_error`, OpenAI
 * `insufficient_quota`, also through the official OpenAI SDK), `retry-after`, is recorded `failed` /
 * 429, and never reaches the upstream. Tokens counted are input + output, cache reads and writes
 * included.
 */
import OpenAI, { RateLimitError } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Budget } from '../../src/record/budgets.js';
import { startGatewayHarness, type GatewayHarness, type RawReply } from '../helpers/gateway-harness.js';

// The budgets' calendar is the machine's local one; pin it (one process per test file).
process.env.TZ = 'UTC';

const clock = { now: Date.parse('2026-11-20T15:00:00Z') };
let h: GatewayHarness;
beforeAll(async () => {
  h = await startGatewayHarness({ now: () => clock.now });
});
afterAll(async () => {
  await h?.close();
});

/** A bridge token with `budget`, made through the admin API. */
async function tokenWith(name: string, budget: Partial<Budget>): Promise<{ id: string; token: string }> {
  const res = await fetch(`${h.url}/api/v1/tokens`, {
    method: 'POST',
    headers: { authorization: `Bearer ${h.app.adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name, budget }),
  });
  expect(res.status).toBe(201);
  return (await res.json()) as { id: string; token: string };
}
const spendOf = async (id: string) => (await h.admin<{ results: { id: string; spend: { usd_today: number; usd_month: number; tokens_today: number } }[] }>('/tokens')).results.find((t) => t.id === id)!.spend;
const json = (body: unknown) => JSON.stringify({ kind: 'json', body });

const anthropic = (token: string, usage: Record<string, number>) =>
  h.post('/anthropic/v1/messages', { model: 'claude-sonnet-4-5', max_tokens: 5, messages: [{ role: 'user', content: 'spend' }] }, {
    'x-api-key': token,
    'x-mock-reply': json({ id: 'msg_r', type: 'message', role: 'assistant', model: 'claude-sonnet-4-5', content: [{ type: 'text', text: 'ok' }], stop_reason: 'end_turn', usage: { input_tokens: 0, output_tokens: 0, ...usage } }),
  });
/** An OpenAI-shaped call: the bridge token as `Authorization: Bearer` (what the SDK sends). */
const openai = (path: string, token: string, body: unknown, reply: unknown) =>
  h.request('POST', path, { headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'x-mock-reply': json(reply) }, body: JSON.stringify(body) });
const chat = (token: string, prompt: number, completion: number, stream = false) =>
  openai('/openai/v1/chat/completions', token, { model: 'gpt-4o', stream, messages: [{ role: 'user', content: 'spend' }] }, {
      id: 'chatcmpl_r', object: 'chat.completion', created: 1, model: 'gpt-4o',
      choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }],
      usage: { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion },
    });
const responses = (token: string, input: number, output: number, stream = false) =>
  openai('/openai/v1/responses', token, { model: 'gpt-4o', stream, input: 'spend' }, {
      id: 'resp_r', object: 'response', created_at: 1, status: 'completed', model: 'gpt-4o',
      output: [{ type: 'message', id: 'msg_r', status: 'completed', role: 'assistant', content: [{ type: 'output_text', text: 'ok', annotations: [] }] }],
      usage: { input_tokens: input, input_tokens_details: { cached_tokens: 0 }, output_tokens: output, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: input + output },
    });

async function ok(r: Promise<RawReply>): Promise<void> {
  const res = await r;
  expect(res.status, res.text).toBe(200);
  expect((await h.nextRecords(1))[0]!.status).toBe('completed');
}

/**
 * `r` is a budget refusal: 429 in `shape`, the message naming `kind`, `retry-after` = seconds to
 * `resetIso`, recorded failed / 429, the upstream untouched.
 */
async function refusedBy(r: () => Promise<RawReply>, shape: 'anthropic' | 'openai', kind: string, resetIso: string): Promise<void> {
  const before = h.up.requests.length;
  const res = await r();
  expect(res.status).toBe(429);
  const body = JSON.parse(res.text) as { type?: string; error: { type: string; code?: string; message: string } };
  if (shape === 'anthropic') expect(body).toMatchObject({ type: 'error', error: { type: 'rate_limit_error' } });
  else expect(body).toMatchObject({ error: { type: 'insufficient_quota', code: 'insufficient_quota' } });
  expect(body.error.message).toContain(`(budget ${kind})`);
  expect(body.error.message).toContain(kind === 'usd_per_month' ? 'resets at the first of next month' : 'resets at midnight');
  expect(res.headers['retry-after']).toBe(String((Date.parse(resetIso) - clock.now) / 1000));
  expect(h.up.requests.length).toBe(before);
  const [rec] = await h.nextRecords(1);
  expect(rec).toMatchObject({ status: 'failed', http_status: 429 });
}

describe('usd_per_month', () => {
  it('refuses the first call after the month\'s spend reaches it, on every route, until the 1st — not at midnight', async () => {
    const mona = await tokenWith('mona', { usd_per_month: 0.005 });
    await ok(anthropic(mona.token, { input_tokens: 1000 })); // $0.003
    await ok(anthropic(mona.token, { input_tokens: 1000 })); // $0.006 (spent 0.003 < 0.005 when it started)
    expect((await spendOf(mona.id)).usd_month).toBeCloseTo(0.006, 12);
    await refusedBy(() => anthropic(mona.token, { input_tokens: 1 }), 'anthropic', 'usd_per_month', '2026-12-01T00:00:00Z');
    await refusedBy(() => chat(mona.token, 1, 1), 'openai', 'usd_per_month', '2026-12-01T00:00:00Z');
    await refusedBy(() => responses(mona.token, 1, 1), 'openai', 'usd_per_month', '2026-12-01T00:00:00Z');

    clock.now = Date.parse('2026-11-21T09:30:00Z'); // a new day, the same month
    expect(await spendOf(mona.id)).toMatchObject({ usd_today: 0, tokens_today: 0 });
    await refusedBy(() => anthropic(mona.token, { input_tokens: 1 }), 'anthropic', 'usd_per_month', '2026-12-01T00:00:00Z');

    clock.now = Date.parse('2026-12-01T00:00:05Z');
    await ok(anthropic(mona.token, { input_tokens: 1 }));
    expect((await spendOf(mona.id)).usd_month).toBeCloseTo(0.000003, 12);
  });
});

describe('tokens_per_day', () => {
  it('Anthropic: input + output + cache reads and writes count; the call that reaches the limit goes through, the next is refused', async () => {
    const tara = await tokenWith('tara', { tokens_per_day: 1500 });
    await ok(anthropic(tara.token, { input_tokens: 1000 }));
    await ok(anthropic(tara.token, { input_tokens: 0, output_tokens: 99, cache_read_input_tokens: 300, cache_creation_input_tokens: 100 })); // 1499
    expect((await spendOf(tara.id)).tokens_today).toBe(1499);
    await ok(anthropic(tara.token, { input_tokens: 1 })); // 1499 < 1500 when it started
    expect((await spendOf(tara.id)).tokens_today).toBe(1500);
    await refusedBy(() => anthropic(tara.token, { input_tokens: 1 }), 'anthropic', 'tokens_per_day', '2026-12-02T00:00:00Z');
    await refusedBy(() => h.post('/anthropic/v1/messages', { model: 'claude-sonnet-4-5', max_tokens: 5, stream: true, messages: [{ role: 'user', content: 'x' }] }, { 'x-api-key': tara.token }), 'anthropic', 'tokens_per_day', '2026-12-02T00:00:00Z');
  });

  it('OpenAI Chat: spend counts, then Chat and Responses (blocking and streamed) answer insufficient_quota without the upstream', async () => {
    const olga = await tokenWith('olga', { tokens_per_day: 1200 });
    await ok(chat(olga.token, 1000, 200));
    expect((await spendOf(olga.id)).tokens_today).toBe(1200);
    await refusedBy(() => chat(olga.token, 1, 1), 'openai', 'tokens_per_day', '2026-12-02T00:00:00Z');
    await refusedBy(() => chat(olga.token, 1, 1, true), 'openai', 'tokens_per_day', '2026-12-02T00:00:00Z');
    await refusedBy(() => responses(olga.token, 1, 1), 'openai', 'tokens_per_day', '2026-12-02T00:00:00Z');
  });

  it('OpenAI Responses: spend counts, then Responses (blocking and streamed) and Chat are refused; the official SDK sees insufficient_quota', async () => {
    const rita = await tokenWith('rita', { tokens_per_day: 1000 });
    await ok(responses(rita.token, 700, 299));
    expect((await spendOf(rita.id)).tokens_today).toBe(999);
    await ok(responses(rita.token, 1, 0));
    await refusedBy(() => responses(rita.token, 1, 1), 'openai', 'tokens_per_day', '2026-12-02T00:00:00Z');
    await refusedBy(() => responses(rita.token, 1, 1, true), 'openai', 'tokens_per_day', '2026-12-02T00:00:00Z');
    await refusedBy(() => chat(rita.token, 1, 1), 'openai', 'tokens_per_day', '2026-12-02T00:00:00Z');

    const before = h.up.requests.length;
    const client = new OpenAI({ baseURL: h.openaiBase, apiKey: rita.token, maxRetries: 0 });
    const err = await client.responses.create({ model: 'gpt-4o', input: 'sdk over budget' }).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(RateLimitError);
    expect((err as RateLimitError).code).toBe('insufficient_quota');
    expect(Number((err as RateLimitError).headers?.get('retry-after'))).toBe((Date.parse('2026-12-02T00:00:00Z') - clock.now) / 1000);
    expect(h.up.requests.length).toBe(before);
    expect((await h.nextRecords(1))[0]).toMatchObject({ status: 'failed', http_status: 429, api: expect.stringMatching(/responses/) });

    // Midnight: the day's tokens restart and the token may call again.
    clock.now = Date.parse('2026-12-02T00:00:01Z');
    expect(await spendOf(rita.id)).toMatchObject({ tokens_today: 0 });
    await ok(responses(rita.token, 1, 1));
  });
});
