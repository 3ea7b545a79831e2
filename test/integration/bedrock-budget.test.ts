/**
 * SPEC §11 on the Bedrock routes: a bridge token at its budget is refused before the upstream on
 * `POST /bedrock/model/{id}/invoke`, `…/invoke-with-response-stream` (Bedrock's shape: 429,
 * `x-amzn-errortype: ServiceQuotaExceededException`, `{"message"}`, `retry-after`) and on
 * `/anthropic/v1/messages` served by Bedrock (Anthropic's shape, the client speaks Anthropic); the
 * mock Bedrock runtime sees none of them, and each refusal is recorded `failed` / 429. Bedrock
 * spend is priced as its Anthropic model.
 */
import { AnthropicBedrock } from '@anthropic-ai/bedrock-sdk';
import { APIError } from '@anthropic-ai/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clearOfMidnight, MIDNIGHT_MARGIN_MS } from '../helpers/clear-of-midnight.js';
import { startBedrockHarness, type BedrockHarness } from './bedrock-harness.js';

const MODEL = 'us.anthropic.claude-sonnet-4-5-20250929-v1:0';
let h: BedrockHarness;
let tokenId = '';

const admin = async (method: string, path: string, body?: unknown) => {
  const res = await fetch(`${h.app.url}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${h.app.adminToken}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return (await res.json()) as Record<string, unknown>;
};
const invoke = (op: 'invoke' | 'invoke-with-response-stream') =>
  fetch(`${h.app.url}/bedrock/model/${encodeURIComponent(MODEL)}/${op}`, {
    method: 'POST',
    headers: { 'x-api-key': h.token, 'content-type': 'application/json' },
    body: JSON.stringify({ anthropic_version: 'bedrock-2023-05-31', max_tokens: 64, messages: [{ role: 'user', content: `budget ${op}` }] }),
  });

// The budgets/totals here are per local day: the whole file runs inside one.
beforeAll(() => clearOfMidnight(), MIDNIGHT_MARGIN_MS + 5_000);
beforeAll(async () => {
  h = await startBedrockHarness();
  const list = (await admin('GET', '/tokens'))['results'] as { id: string; name: string }[];
  tokenId = list.find((t) => t.name === 'alice')!.id;
});
afterAll(async () => {
  await h?.close();
});

describe('budgets on the Bedrock routes', () => {
  it('spend from a Bedrock call counts at its Anthropic price', async () => {
    const res = await invoke('invoke');
    expect(res.status).toBe(200);
    await res.arrayBuffer();
    const rec = await h.next();
    expect(rec.status).toBe('completed');
    const u = rec.token_usages[0]!;
    const tokens = u.input_tokens + u.output_tokens + u.cache_read_input_tokens + u.cache_write_input_tokens;
    expect(tokens).toBeGreaterThan(0);
    const priced = await admin('GET', `/interceptions/${rec.id}`);
    expect(priced['cost']).toMatchObject({ priced_model: expect.stringContaining('claude-sonnet-4-5'), source: 'catalog' });
    const mine = ((await admin('GET', '/tokens'))['results'] as { id: string; spend: { usd_today: number; tokens_today: number } }[]).find((t) => t.id === tokenId)!;
    expect(mine.spend.tokens_today).toBe(tokens);
    expect(mine.spend.usd_today).toBeCloseTo((priced['cost'] as { usd: number }).usd, 12);
  });

  it('a token at its budget gets Bedrock\'s 429 on invoke and invoke-with-response-stream, and the upstream is untouched', async () => {
    const set = await admin('PUT', `/tokens/${tokenId}/budget`, { tokens_per_day: 1 });
    expect(set['budget']).toEqual({ usd_per_day: null, usd_per_month: null, tokens_per_day: 1 });
    const before = h.mock.requests.length;
    for (const op of ['invoke', 'invoke-with-response-stream'] as const) {
      const res = await invoke(op);
      expect(res.status).toBe(429);
      expect(res.headers.get('x-amzn-errortype')).toMatch(/^ServiceQuotaExceededException/);
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
      const body = (await res.json()) as Record<string, unknown>;
      expect(Object.keys(body)).toEqual(['message']);
      expect(String(body['message'])).toContain('tokens_per_day');
      const rec = await h.next();
      expect(rec).toMatchObject({ provider: 'bedrock', status: 'failed', http_status: 429 });
    }
    expect(h.mock.requests.length).toBe(before);
  });

  it('the official Bedrock SDK sees a 429 APIError; the Anthropic route served by Bedrock answers in Anthropic\'s shape', async () => {
    const before = h.mock.requests.length;
    const client = new AnthropicBedrock({ baseURL: `${h.app.url}/bedrock`, awsRegion: 'us-east-1', apiKey: h.token, maxRetries: 0 });
    const err = await client.messages.create({ model: MODEL, max_tokens: 16, messages: [{ role: 'user', content: 'sdk over budget' }] }).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(APIError);
    expect((err as APIError).status).toBe(429);
    await h.next();

    const res = await fetch(`${h.app.url}/anthropic/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': h.token, 'anthropic-version': '2023-06-01', 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'claude-sonnet-4-5', max_tokens: 16, messages: [{ role: 'user', content: 'anthropic route over budget' }] }),
    });
    expect(res.status).toBe(429);
    expect(await res.json()).toMatchObject({ type: 'error', error: { type: 'rate_limit_error' } });
    const rec = await h.next();
    expect(rec).toMatchObject({ status: 'failed', http_status: 429 });
    expect(h.mock.requests.length).toBe(before);
  });

  it('clearing the budget lets Bedrock calls through again', async () => {
    await admin('PUT', `/tokens/${tokenId}/budget`, null);
    const res = await invoke('invoke');
    expect(res.status).toBe(200);
    await res.arrayBuffer();
    expect((await h.next()).status).toBe('completed');
  });
});
