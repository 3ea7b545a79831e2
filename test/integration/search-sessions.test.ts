/**
 * SPEC §15 end to end: calls through the real gateway (mock upstream, real HTTP), then
 * `GET /api/v1/interceptions?q=` / `?session=`, `GET /api/v1/sessions` and the CLI's
 * `interceptions list --search` (a child process reading the running server's store).
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGatewayHarness, type GatewayHarness, type Interception } from '../helpers/gateway-harness.js';
import type { PricedInterception } from '../../src/record/cost.js';
import type { SessionRow } from '../../src/gateway/routes/usage.js';
import { BUILT_CLI } from '../helpers/built-cli.js';

const run = promisify(execFile);
let h: GatewayHarness;
const recs: Interception[] = [];

const call = async (prompt: string, session?: string) => {
  const r = await h.post(
    '/anthropic/v1/messages',
    { model: 'claude-sonnet-4-5', max_tokens: 10, messages: [{ role: 'user', content: prompt }] },
    session ? { 'x-claude-code-session-id': session, 'user-agent': 'claude-cli/2.0.1 (external, cli)', 'x-app': 'cli' } : {},
  );
  expect(r.status).toBe(200);
  recs.push(...(await h.nextRecords(1)));
};

beforeAll(async () => {
  h = await startGatewayHarness();
  await call('deploy the Ferret service to staging', 'sess-A');
  await call('now check the ferret logs', 'sess-A');
  await call('something unrelated', 'sess-A');
  await call('ferret in another session', 'sess-B');
  await call('ferret without a session');
});
afterAll(async () => {
  await h?.close();
});

type Page = { count: number; results: PricedInterception[] };
const page = (qs: string) => h.admin<Page>(`/interceptions?${qs}`);
const status = async (path: string) => (await h.request('GET', `/api/v1${path}`, { headers: { authorization: `Bearer ${h.app.adminToken}` } })).status;

describe('q= on GET /api/v1/interceptions', () => {
  it('lists the records holding every word, newest first, with an exact count and paging', async () => {
    const all = await page('q=FERRET');
    expect(all.count).toBe(4);
    expect(all.results.map((r) => r.id)).toEqual([recs[4]!.id, recs[3]!.id, recs[1]!.id, recs[0]!.id]);
    const two = await page(`q=ferret&limit=2&after_id=${recs[3]!.id}`);
    expect(two.count).toBe(4);
    expect(two.results.map((r) => r.id)).toEqual([recs[1]!.id, recs[0]!.id]);
    expect((await page('q=ferret%20staging')).results.map((r) => r.id)).toEqual([recs[0]!.id]);
    expect((await page('q=weasel')).count).toBe(0);
  });

  it('combines with session= and the other filters', async () => {
    const a = await page('q=ferret&session=sess-A');
    expect(a.count).toBe(2);
    expect(a.results.map((r) => r.id)).toEqual([recs[1]!.id, recs[0]!.id]);
    expect((await page('q=ferret&session=sess-B')).results.map((r) => r.id)).toEqual([recs[3]!.id]);
    expect((await page('q=ferret&status=failed')).count).toBe(0);
    expect((await page('q=ferret&initiator=alice')).count).toBe(4);
  });

  it('refuses a search of more than 32 words with a 400 naming q', async () => {
    const words = Array.from({ length: 33 }, (_, i) => `w${i}`).join('+');
    expect(await status(`/interceptions?q=${words}`)).toBe(400);
  });
});

describe('sessions', () => {
  it('?session= lists one session\'s calls, newest first', async () => {
    const a = await page('session=sess-A');
    expect(a.count).toBe(3);
    expect(a.results.map((r) => r.id)).toEqual([recs[2]!.id, recs[1]!.id, recs[0]!.id]);
    expect((await page('session=nope')).count).toBe(0);
  });

  it('GET /api/v1/sessions groups by client_session_id with sums, first/last time and cost, newest first', async () => {
    const { results } = await h.admin<{ results: SessionRow[] }>('/sessions');
    expect(results.map((r) => r.client_session_id)).toEqual(['sess-B', 'sess-A']);
    const a = results[1]!;
    const mine = await Promise.all(recs.slice(0, 3).map((r) => h.admin<PricedInterception>(`/interceptions/${r.id}`)));
    const sum = (f: (r: PricedInterception) => number) => mine.reduce((n, r) => n + f(r), 0);
    expect(a).toEqual({
      client_session_id: 'sess-A',
      client: mine[2]!.client,
      initiator: 'alice',
      first_at: mine[0]!.started_at,
      last_at: mine[2]!.started_at,
      interceptions: 3,
      input_tokens: sum((r) => r.token_usages.reduce((n, t) => n + t.input_tokens, 0)),
      output_tokens: sum((r) => r.token_usages.reduce((n, t) => n + t.output_tokens, 0)),
      cost_usd: expect.closeTo(sum((r) => r.cost.usd ?? 0), 12) as number,
    });
    expect(a.input_tokens).toBeGreaterThan(0);
    expect(a.client).toBe('Claude Code');
    // since= keeps the sessions with a call in the window, summing only those calls.
    const since = encodeURIComponent(recs[2]!.started_at);
    const later = (await h.admin<{ results: SessionRow[] }>(`/sessions?since=${since}&limit=1`)).results;
    expect(later.map((r) => [r.client_session_id])).toEqual([['sess-B']]);
    const both = (await h.admin<{ results: SessionRow[] }>(`/sessions?since=${since}`)).results;
    expect(both.find((r) => r.client_session_id === 'sess-A')?.interceptions).toBe(1);
    expect(await status('/sessions?limit=0')).toBe(400);
    expect(await status('/sessions?since=yesterday-ish')).toBe(400);
  });
});

describe('aibridge interceptions list --search', () => {
  it('the CLI next to the running server finds the same records', async () => {
    const out = await run(process.execPath, [BUILT_CLI, '--data-dir', h.dataDir, 'interceptions', 'list', '--search', 'Ferret', '--session', 'sess-A'], { env: { ...process.env, AIBRIDGE_RETENTION: '' } });
    expect((JSON.parse(out.stdout) as Interception[]).map((r) => r.id)).toEqual([recs[1]!.id, recs[0]!.id]);
  });
});
