/**
 * SPEC §11 alerts across periods, through the real gateway (startApp) on a fake clock: crossing 80 %
 * and 100 % of a budget is announced once per threshold per period on every channel — the
 * `budget_alert` log line, `event: budget_alert` on `/api/v1/events`, `RunningApp.onBudgetAlert`
 * (the tray's desktop notification) and `GET /api/v1/status` `budget_alerts` (the banner) — and
 * re-armed at local midnight for the day's budgets and on the 1st for the month's. The calls are
 * real Anthropic calls to the loopback mock, priced from the catalog (claude-sonnet-4-5, $3 per
 * million input tokens).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BudgetAlert } from '../../src/record/budgets.js';
import { startGatewayHarness, type GatewayHarness } from '../helpers/gateway-harness.js';

// The budgets' calendar is the machine's local one; pin it (one process per test file).
process.env.TZ = 'UTC';

const clock = { now: Date.parse('2026-12-30T10:00:00Z') };
let h: GatewayHarness;
const live: string[] = [];
const tray: BudgetAlert[] = [];
const events = new AbortController();
let unsubscribe = () => {};

beforeAll(async () => {
  h = await startGatewayHarness({ now: () => clock.now });
  unsubscribe = h.app.onBudgetAlert((a) => tray.push(a));
  const res = await fetch(`${h.url}/api/v1/events`, { headers: { authorization: `Bearer ${h.app.adminToken}` }, signal: events.signal });
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buf = '';
  void (async () => {
    for (;;) {
      const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
      if (done) return;
      buf += value;
      let i;
      while ((i = buf.indexOf('\n\n')) >= 0) {
        const ev = buf.slice(0, i);
        buf = buf.slice(i + 2);
        if (ev.startsWith('event: budget_alert\n')) live.push(ev.slice(ev.indexOf('data: ') + 6));
      }
    }
  })();
  await fetch(`${h.url}/api/v1/tokens/${h.tokenId}/budget`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${h.app.adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ usd_per_day: 0.01, usd_per_month: 0.02 }),
  });
});
afterAll(async () => {
  unsubscribe();
  events.abort();
  await h?.close();
});

/** A call of `input` input tokens ($3 per million). */
const call = (input: number) =>
  h.post('/anthropic/v1/messages', { model: 'claude-sonnet-4-5', max_tokens: 5, messages: [{ role: 'user', content: 'spend' }] }, {
    'x-mock-reply': JSON.stringify({ kind: 'json', body: { id: 'msg_p', type: 'message', role: 'assistant', model: 'claude-sonnet-4-5', content: [{ type: 'text', text: 'ok' }], stop_reason: 'end_turn', usage: { input_tokens: input, output_tokens: 0 } } }),
  });
const spendCall = async (input: number) => {
  expect((await call(input)).status).toBe(200);
  await h.nextRecords(1);
};
/** The JSON log's lines, the files it rotated at each (fake) UTC midnight first. */
const logLines = () => [
  ...readdirSync(h.dataDir).filter((n) => n.startsWith('gateway.log.jsonl.')).sort().map((n) => readFileSync(join(h.dataDir, n), 'utf8')),
  h.logText(),
].join('\n');
const logged = () => logLines().split('\n').filter((l) => l.includes('"record_type":"budget_alert"')).map((l) => JSON.parse(l) as Record<string, unknown>);
const label = (a: Record<string, unknown>) => `${String(a['budget'])} ${Number(a['percent']) >= 100 ? 100 : 80}`;
const status = async () => (await h.admin<{ budget_alerts: BudgetAlert[] }>('/status')).budget_alerts.map((a) => `${a.budget} ${a.threshold}`);
const spend = async () => (await h.admin<{ results: { id: string; spend: Record<string, number> }[] }>('/tokens')).results.find((t) => t.id === h.tokenId)!.spend;

/** Every channel said exactly `want` so far, in order. */
async function announced(want: string[]): Promise<void> {
  await expect.poll(() => logged().map(label)).toEqual(want);
  await expect.poll(() => live.map((d) => label(JSON.parse(d) as Record<string, unknown>))).toEqual(want);
  expect(tray.map((a) => `${a.budget} ${a.threshold}`)).toEqual(want);
  for (const a of logged()) expect(a).toMatchObject({ msg: 'budget alert', initiator_id: h.tokenId, initiator_name: 'alice' });
}

async function refused(): Promise<void> {
  const before = h.up.requests.length;
  const r = await call(1);
  expect(r.status).toBe(429);
  expect(JSON.parse(r.text)).toMatchObject({ type: 'error', error: { type: 'rate_limit_error' } });
  expect(h.up.requests.length).toBe(before);
  await h.nextRecords(1);
}

describe('budget alerts once per threshold per period (fake clock)', () => {
  it('day 1: 80 % then 100 % of the day, once each; the refused call after them announces nothing', async () => {
    await spendCall(2700); // $0.0081: day 81 %, month 40.5 %
    await announced(['usd_per_day 80']);
    await spendCall(700); // $0.0102: day 102 %, month 51 %
    await announced(['usd_per_day 80', 'usd_per_day 100']);
    await refused();
    await refused();
    await announced(['usd_per_day 80', 'usd_per_day 100']);
    expect(await status()).toEqual(['usd_per_day 80', 'usd_per_day 100']);
  });

  it('day 2: the day\'s alerts re-arm at midnight, the month\'s fire once as the month fills', async () => {
    clock.now = Date.parse('2026-12-31T10:00:00Z');
    expect(await status()).toEqual([]);
    const s = await spend();
    expect(s['usd_today']).toBe(0);
    expect(s['usd_month']).toBeCloseTo(0.0102, 12);
    await spendCall(2700); // day 81 %, month 91.5 %
    await spendCall(700); // day 102 %, month 102 %
    await refused();
    const day1 = ['usd_per_day 80', 'usd_per_day 100'];
    await announced([...day1, 'usd_per_day 80', 'usd_per_month 80', 'usd_per_day 100', 'usd_per_month 100']);
    expect(await status()).toEqual(['usd_per_day 80', 'usd_per_month 80', 'usd_per_day 100', 'usd_per_month 100']);
  });

  it('the 1st of the month: both periods restart; only the day\'s 80 % fires for the same spend', async () => {
    clock.now = Date.parse('2027-01-01T10:00:00Z');
    expect(await status()).toEqual([]);
    expect(await spend()).toEqual({ usd_today: 0, usd_month: 0, tokens_today: 0 });
    await spendCall(2700); // day 81 %, month 40.5 %
    const before = ['usd_per_day 80', 'usd_per_day 100', 'usd_per_day 80', 'usd_per_month 80', 'usd_per_day 100', 'usd_per_month 100'];
    await announced([...before, 'usd_per_day 80']);
    expect(await status()).toEqual(['usd_per_day 80']);
    const s = await spend();
    expect(s['usd_month']).toBeCloseTo(0.0081, 12);
  });
});
