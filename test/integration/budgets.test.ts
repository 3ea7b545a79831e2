/**
 * SPEC §11 budgets end to end: a token's budget set through the admin API; its spend shows in
 * `GET /api/v1/tokens`; crossing 80 % and 100 % writes one `budget_alert` line each; the first call
 * after the budget is reached is refused with 429 in the provider's shape, `retry-after` and a
 * message naming the budget, without touching the upstream, and is recorded `failed`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clearOfMidnight, MIDNIGHT_MARGIN_MS } from '../helpers/clear-of-midnight.js';
import { startGatewayHarness, type GatewayHarness } from '../helpers/gateway-harness.js';

let h: GatewayHarness;
// The budgets/totals here are per local day: the whole file runs inside one.
beforeAll(() => clearOfMidnight(), MIDNIGHT_MARGIN_MS + 5_000);
beforeAll(async () => {
  h = await startGatewayHarness();
});
afterAll(async () => {
  await h?.close();
});

const admin = async (method: string, path: string, body?: unknown) => {
  const res = await fetch(`${h.url}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${h.app.adminToken}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
};
/** An Anthropic answer of exactly `input` + `output` tokens on claude-sonnet-4-5 ($3 / $15 per million). */
const reply = (input: number, output: number) => JSON.stringify({
  kind: 'json', body: { id: 'msg_b', type: 'message', role: 'assistant', model: 'claude-sonnet-4-5', content: [{ type: 'text', text: 'ok' }], stop_reason: 'end_turn', usage: { input_tokens: input, output_tokens: output } },
});
const call = (input: number, output: number) =>
  h.post('/anthropic/v1/messages', { model: 'claude-sonnet-4-5', max_tokens: 5, messages: [{ role: 'user', content: 'spend' }] }, { 'x-mock-reply': reply(input, output) });
const alerts = () => h.logText().split('\n').filter((l) => l.includes('"record_type":"budget_alert"')).map((l) => JSON.parse(l) as Record<string, unknown>);

describe('budgets per bridge token', () => {
  it('bad budgets are 400; a budget shows with the spend in GET /tokens', async () => {
    expect((await admin('PUT', `/tokens/${h.tokenId}/budget`, { usd_per_day: -1 })).status).toBe(400);
    expect((await admin('PUT', `/tokens/${h.tokenId}/budget`, { usd_per_week: 1 })).status).toBe(400);
    expect((await admin('PUT', `/tokens/nope/budget`, { usd_per_day: 1 })).status).toBe(404);
    // $0.01 a day: 1,000 input + 400 output tokens = $0.009 = 90 %.
    const set = await admin('PUT', `/tokens/${h.tokenId}/budget`, { usd_per_day: 0.01, tokens_per_day: 100_000 });
    expect(set.status).toBe(200);
    expect(set.json['budget']).toEqual({ usd_per_day: 0.01, usd_per_month: null, tokens_per_day: 100_000 });
    expect(set.json['spend']).toEqual({ usd_today: 0, usd_month: 0, tokens_today: 0 });
  });

  it('spend counts, 80 % alerts once, 100 % alerts, then the next call is refused before the upstream', async () => {
    expect((await call(1000, 400)).status).toBe(200);
    await h.nextRecords(1);
    const list = (await admin('GET', '/tokens')).json['results'] as { id: string; spend: { usd_today: number; tokens_today: number } }[];
    const mine = list.find((t) => t.id === h.tokenId)!;
    expect(mine.spend.usd_today).toBeCloseTo(0.009, 12);
    expect(mine.spend.tokens_today).toBe(1400);
    await expect.poll(() => alerts().length).toBe(1);
    expect(alerts()[0]).toMatchObject({ msg: 'budget alert', record_type: 'budget_alert', initiator_id: h.tokenId, initiator_name: 'alice', budget: 'usd_per_day', limit: 0.01 });
    expect(alerts()[0]!['percent']).toBeCloseTo(90, 6);

    expect((await call(100, 100)).status).toBe(200); // 0.0003 + 0.0015 → $0.0108: 108 %
    await h.nextRecords(1);
    await expect.poll(() => alerts().length).toBe(2);
    expect(alerts()[1]).toMatchObject({ budget: 'usd_per_day' });
    expect(alerts()[1]!['percent']).toBeGreaterThanOrEqual(100);

    const before = h.up.requests.length;
    const refused = await call(1, 1);
    expect(refused.status).toBe(429);
    expect(JSON.parse(refused.text)).toMatchObject({ type: 'error', error: { type: 'rate_limit_error' } });
    expect(JSON.parse(refused.text).error.message).toMatch(/Budget reached: bridge token "alice" has used \$0\.0108 of its \$0\.01 per day \(budget usd_per_day\)\. It resets at midnight local time/);
    const retry = Number(refused.headers['retry-after']);
    expect(retry).toBeGreaterThan(0);
    expect(retry).toBeLessThanOrEqual(86_400 + 3600);
    expect(h.up.requests.length).toBe(before); // never reached the upstream
    const [rec] = await h.nextRecords(1);
    expect(rec).toMatchObject({ status: 'failed', http_status: 429 });

    // OpenAI's shape: insufficient_quota.
    const oai = await h.post('/openai/v1/chat/completions', { model: 'gpt-5', messages: [{ role: 'user', content: 'x' }] });
    expect(oai.status).toBe(429);
    expect(JSON.parse(oai.text)).toMatchObject({ error: { type: 'insufficient_quota' } });
    expect(h.up.requests.length).toBe(before);
    await h.nextRecords(1);
    // No new alert for the refused calls.
    expect(alerts()).toHaveLength(2);
  });

  it('clearing the budget lets calls through again', async () => {
    expect((await admin('PUT', `/tokens/${h.tokenId}/budget`, null)).json['budget']).toBeNull();
    expect((await call(1, 1)).status).toBe(200);
    await h.nextRecords(1);
  });

  it('the status carries today\'s cost and the alerts for the banner', async () => {
    const s = (await admin('GET', '/status')).json as { today: { cost_usd: number }; budget_alerts: unknown[] };
    expect(s.today.cost_usd).toBeCloseTo(0.0108 + (3 + 15) / 1e6, 10);
    expect(s.budget_alerts).toHaveLength(2);
    expect(h.app.stats().costToday).toBeCloseTo(s.today.cost_usd, 12);
  });
});
