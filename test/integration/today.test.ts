/**
 * The overview's and the tray's "today" is the machine's calendar day, not the UTC day: a user in
 * Tokyo (UTC+9) starts a new day at 15:00 UTC. Checked with a controllable clock and TZ set for
 * this file's worker; a restart seeds today's figures from the store by the same day.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clearOfMidnight, MIDNIGHT_MARGIN_MS } from '../helpers/clear-of-midnight.js';
import { startApp } from '../../src/app.js';
import type { RunningApp } from '../../src/app-types.js';
import { startMockUpstream, type MockUpstream } from '../helpers/mock-upstream.js';
import { tempDirs } from '../helpers/temp-dirs.js';

const savedTz = process.env['TZ'];
let up: MockUpstream;
const temps = tempDirs();
// The budgets/totals here are per local day: the whole file runs inside one.
beforeAll(() => clearOfMidnight(), MIDNIGHT_MARGIN_MS + 5_000);
beforeAll(async () => {
  process.env['TZ'] = 'Asia/Tokyo';
  up = await startMockUpstream();
});
afterAll(async () => {
  if (savedTz === undefined) delete process.env['TZ'];
  else process.env['TZ'] = savedTz;
  await up?.close();
  temps.removeAll();
});

async function call(app: RunningApp, token: string): Promise<void> {
  const res = await fetch(app.url + '/anthropic/v1/messages', {
    method: 'POST',
    headers: { 'x-api-key': token, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'claude-x', max_tokens: 1, messages: [{ role: 'user', content: 'hi' }] }),
  });
  expect(res.status).toBe(200);
  await res.arrayBuffer();
}

const todayOf = async (app: RunningApp): Promise<number> => {
  const s = (await (await fetch(app.url + '/api/v1/status', { headers: { authorization: `Bearer ${app.adminToken}` } })).json()) as { today: { requests: number } };
  expect(app.stats().requestsToday).toBe(s.today.requests);
  return s.today.requests;
};

describe('"today" follows the local calendar day', () => {
  it('rolls over at local midnight, and a restart counts the same day', async () => {
    const dir = temps.make('abr-today-');
    let clock = Date.parse('2026-11-26T14:30:00Z'); // 23:30 in Tokyo
    const now = () => clock;
    const argv = ['--enabled', '--anthropic-key', 'sk-ant-k-0123456789', '--anthropic-base-url', up.url];
    let app = await startApp({ dataDir: dir, port: 0, env: {}, argv, now });
    const { token } = (await (await fetch(app.url + '/api/v1/tokens', { method: 'POST', headers: { authorization: `Bearer ${app.adminToken}`, 'content-type': 'application/json' }, body: '{"name":"t"}' })).json()) as { token: string };
    try {
      await call(app, token);
      expect(await todayOf(app)).toBe(1);
      clock = Date.parse('2026-11-26T15:10:00Z'); // 00:10 on the 27th in Tokyo, still the 26th in UTC
      expect(await todayOf(app)).toBe(0);
      await call(app, token);
      await call(app, token);
      expect(await todayOf(app)).toBe(2);
    } finally {
      await app.close();
    }
    clock = Date.parse('2026-11-26T23:00:00Z'); // 08:00 on the 27th in Tokyo
    app = await startApp({ dataDir: dir, port: 0, env: {}, argv, now });
    try {
      expect(await todayOf(app)).toBe(2);
    } finally {
      await app.close();
    }
  });
});
