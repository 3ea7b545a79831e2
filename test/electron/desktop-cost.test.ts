/**
 * Cost and budgets in the desktop shell (SPEC §11) under the fake Electron platform: the tray shows
 * today's cost (the gateway's own figure) and a budget alert becomes a desktop notification through
 * the platform adapter, once per threshold.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startDesktop, type Desktop } from '../../electron/desktop.js';
import { costLine } from '../../electron/tray.js';
import { startApp } from '../../src/app.js';
import { startMockUpstream, type MockUpstream } from '../helpers/mock-upstream.js';
import { FakePlatform } from './fake-platform.js';

let upstream: MockUpstream;
let root: string;
let platform: FakePlatform;
let desktop: Desktop;

beforeAll(async () => {
  upstream = await startMockUpstream();
  root = mkdtempSync(join(tmpdir(), 'aibridge-desktop-cost-'));
  platform = new FakePlatform(root);
  const d = await startDesktop({
    platform,
    startApp: (o) => startApp({ ...o, port: o.port ?? 0 }),
    preloadPath: '/app/dist/electron/preload/preload.js',
    env: { AIBRIDGE_ANTHROPIC_BASE_URL: upstream.url, AIBRIDGE_ANTHROPIC_KEY: 'sk-ant-desktop-cost-0123456789' },
  });
  if (!d) throw new Error('desktop did not start');
  desktop = d;
  await desktop.running.setEnabled(true);
});
afterAll(async () => {
  await desktop?.quit();
  await upstream?.close();
  rmSync(root, { recursive: true, force: true });
});

const admin = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
  const res = await fetch(`${desktop.running.url}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${desktop.running.adminToken}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return (await res.json()) as T;
};
/** An Anthropic answer of exactly `input` + `output` tokens on claude-sonnet-4-5 ($3 / $15 per million). */
const call = (token: string, input: number, output: number) =>
  fetch(`${desktop.running.url}/anthropic/v1/messages`, {
    method: 'POST',
    headers: {
      'x-api-key': token, 'anthropic-version': '2023-06-01', 'content-type': 'application/json',
      'x-mock-reply': JSON.stringify({ kind: 'json', body: { id: 'msg_d', type: 'message', role: 'assistant', model: 'claude-sonnet-4-5', content: [{ type: 'text', text: 'ok' }], stop_reason: 'end_turn', usage: { input_tokens: input, output_tokens: output } } }),
    },
    body: JSON.stringify({ model: 'claude-sonnet-4-5', max_tokens: 10, messages: [{ role: 'user', content: 'spend' }] }),
  }).then(async (r) => { await r.arrayBuffer(); return r.status; });

describe('desktop: cost and budgets', () => {
  it('the tray shows today\'s cost, the same figure as status.today.cost_usd', async () => {
    expect(platform.tray.item('cost-today').label).toBe('Cost today: $0.00');
    const { token } = await admin<{ token: string }>('POST', '/tokens', { name: 'spender' });
    // 100k input + 10k output on Sonnet 4.5: $0.30 + $0.15.
    expect(await call(token, 100_000, 10_000)).toBe(200);
    await vi.waitFor(() => expect(platform.tray.item('cost-today').label).toBe('Cost today: $0.45'), { timeout: 5000 });
    const status = await admin<{ today: { cost_usd: number } }>('GET', '/status');
    expect(platform.tray.item('cost-today').label).toBe(costLine(status.today.cost_usd));
  });

  it('notifies at 80 % and at 100 % of a budget, once each, and the next call is refused', async () => {
    const { token } = await admin<{ token: string }>('POST', '/tokens', { name: 'alice', budget: { usd_per_day: 1 } });
    const notices = () => platform.notifications.filter((n) => n.title.includes('alice'));
    expect(await call(token, 100_000, 10_000)).toBe(200); // $0.45: under 80 %
    expect(await call(token, 100_000, 10_000)).toBe(200); // $0.90: passes 80 %
    await vi.waitFor(() => expect(notices().map((n) => n.title)).toEqual(['80 % of budget: alice']), { timeout: 5000 });
    expect(notices()[0]!.body).toBe('$0.90 of $1.00 a day (90 %) spent.');
    expect(await call(token, 100_000, 10_000)).toBe(200); // $1.35: reaches 100 %
    await vi.waitFor(() => expect(notices().map((n) => n.title)).toEqual(['80 % of budget: alice', 'Budget reached: alice']), { timeout: 5000 });
    expect(notices()[1]!.body).toContain('get 429 until the budget resets at midnight');
    expect(await call(token, 10, 10)).toBe(429);
    // Refused calls spend nothing: no further notification once the refused call's record went
    // through the consumers (an admin request settles them first), waited for, not slept for.
    await vi.waitFor(async () => {
      const failed = await admin<{ results: { http_status: number | null }[] }>('GET', '/interceptions?initiator=alice&status=failed');
      expect(failed.results.map((r) => r.http_status)).toEqual([429]);
    }, { timeout: 5000 });
    expect(notices()).toHaveLength(2);
  });
});
