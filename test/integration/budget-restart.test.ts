/**
 * SPEC §11 "spend per token survives restarts": a real `aibridge serve` child (the built CLI) on a
 * data dir whose tokens carry budgets set with `aibridge tokens create --budget-…`; calls spend;
 * the gateway is stopped with SIGTERM (and, separately, killed with SIGKILL) and started again on
 * the same data dir. `GET /api/v1/tokens` shows the same day and month spend as before, and each
 * budget refuses at the same point it would have without the restart: a token already at its
 * limit is still refused, one just under it gets exactly one more call. The spend after a restart
 * comes from the store's index (src/gateway/budgets.ts seed), not from a file of its own.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clearOfMidnight, MIDNIGHT_MARGIN_MS } from '../helpers/clear-of-midnight.js';
import { BUILT_CLI } from '../helpers/built-cli.js';
import { startMockUpstream, type MockUpstream } from '../helpers/mock-upstream.js';
import { cleanEnv, startGatewayProcess, type GatewayProcess } from '../reliability/gateway-process.js';

let up: MockUpstream;
let dir = '';
let gw: GatewayProcess | undefined;
const tokens: Record<string, string> = {};

/** `aibridge tokens create --name NAME ...flags` on the data dir; the token is the last line. */
function create(name: string, ...flags: string[]): void {
  const r = spawnSync(process.execPath, [BUILT_CLI, 'tokens', 'create', '--name', name, '--data-dir', dir, ...flags], { encoding: 'utf8', env: cleanEnv() });
  expect(r.status, r.stderr).toBe(0);
  tokens[name] = r.stdout.trim().split('\n').at(-1)!.trim();
}

const serve = () => startGatewayProcess({
  dataDir: dir,
  args: ['--enabled', '--anthropic-key', 'sk-ant-restart-000000000000', '--anthropic-base-url', up.url + '/', '--openai-key', 'sk-oai-restart-000000000000', '--openai-base-url', up.url + '/v1/'],
});

// The budgets/totals here are per local day: the whole file runs inside one.
beforeAll(() => clearOfMidnight(), MIDNIGHT_MARGIN_MS + 5_000);
beforeAll(async () => {
  up = await startMockUpstream();
  dir = mkdtempSync(join(tmpdir(), 'abr-budget-restart-'));
  create('full', '--budget-tokens-day', '1000', '--budget-usd-month', '5');
  create('under', '--budget-tokens-day', '1000');
  create('kilo', '--budget-tokens-day', '1000', '--budget-usd-day', '1');
  gw = await serve();
}, 120_000);
afterAll(async () => {
  await gw?.stop();
  await up?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** An Anthropic call (claude-sonnet-4-5, priced) answered with `input` + `output` tokens. */
async function call(name: string, input: number, output: number): Promise<number> {
  const res = await fetch(`${gw!.url}/anthropic/v1/messages`, {
    method: 'POST',
    headers: {
      'x-api-key': tokens[name]!, 'content-type': 'application/json', 'anthropic-version': '2023-06-01',
      'x-mock-reply': JSON.stringify({ kind: 'json', body: { id: 'msg_s', type: 'message', role: 'assistant', model: 'claude-sonnet-4-5', content: [{ type: 'text', text: 'ok' }], stop_reason: 'end_turn', usage: { input_tokens: input, output_tokens: output } } }),
    },
    body: JSON.stringify({ model: 'claude-sonnet-4-5', max_tokens: 5, messages: [{ role: 'user', content: `restart ${name}` }] }),
  });
  await res.arrayBuffer();
  return res.status;
}
/** The call is refused (429) and the upstream never sees it. */
async function refused(name: string): Promise<void> {
  const before = up.requests.length;
  expect(await call(name, 1, 1)).toBe(429);
  expect(up.requests.length).toBe(before);
}

type Spend = { usd_today: number; usd_month: number; tokens_today: number };
const admin = async <T>(path: string): Promise<T> => {
  const res = await fetch(`${gw!.url}/api/v1${path}`, { headers: { authorization: `Bearer ${gw!.adminToken}` } });
  expect(res.status).toBe(200);
  return (await res.json()) as T;
};
const spends = async (): Promise<Record<string, Spend>> =>
  Object.fromEntries((await admin<{ results: { name: string; spend: Spend }[] }>('/tokens')).results.map((t) => [t.name, t.spend]));
/** Waits until `n` records are listed. */
const records = (n: number) => expect.poll(async () => (await admin<{ count: number }>('/interceptions?limit=1')).count, { timeout: 15_000 }).toBe(n);
/** Records whose latest line in the data dir's segment files is a finished one. */
function finishedOnDisk(): number {
  const folder = join(dir, 'interceptions');
  const latest = new Map<string, string>();
  for (const f of readdirSync(folder).filter((n) => n.endsWith('.jsonl')).sort()) {
    for (const line of readFileSync(join(folder, f), 'utf8').split('\n')) {
      if (!line) continue;
      try {
        const r = JSON.parse(line) as { id: string; status: string };
        latest.set(r.id, r.status);
      } catch {
        // a line being written: read again at the next poll
      }
    }
  }
  return [...latest.values()].filter((st) => st !== 'in_flight').length;
}

function sameSpend(after: Record<string, Spend>, before: Record<string, Spend>): void {
  expect(Object.keys(after).sort()).toEqual(Object.keys(before).sort());
  for (const [name, s] of Object.entries(before)) {
    expect(after[name]!.tokens_today, name).toBe(s.tokens_today);
    expect(after[name]!.usd_today, name).toBeCloseTo(s.usd_today, 12);
    expect(after[name]!.usd_month, name).toBeCloseTo(s.usd_month, 12);
  }
}

describe('spend per bridge token survives a restart of `aibridge serve`', { timeout: 120_000 }, () => {
  it('SIGTERM: the same spend after the restart; the token at its limit is still refused, the one under it gets exactly one more call', async () => {
    expect(await call('full', 800, 200)).toBe(200); // 1000 tokens, $0.0054
    await refused('full');
    expect(await call('under', 600, 300)).toBe(200); // 900 tokens, $0.0063
    await records(3);
    const before = await spends();
    expect(before['full']).toMatchObject({ tokens_today: 1000 });
    expect(before['full']!.usd_month).toBeCloseTo(0.0054, 12);
    expect(before['under']).toMatchObject({ tokens_today: 900 });
    expect(before['under']!.usd_today).toBeCloseTo(0.0063, 12);

    await gw!.stop();
    expect((await gw!.exited).signal).not.toBe('SIGKILL'); // it stopped on SIGTERM, not after the grace
    gw = await serve();

    sameSpend(await spends(), before);
    await refused('full');
    expect(await call('under', 50, 50)).toBe(200); // 900 < 1000 when it starts: 1000
    await refused('under');
    await records(6); // refusals are records too
  });

  it('SIGKILL: what was stored before the kill counts after the restart', async () => {
    expect(await call('kilo', 400, 500)).toBe(200); // 900 tokens, $0.0087
    await records(7);
    // Killed once every finished record is in the store's files (read from the disk, not from a
    // clock: the store writes in batches, and how soon is the reliability suite's question).
    await expect.poll(finishedOnDisk, { timeout: 15_000 }).toBe(7);
    const before = await spends();
    expect(before['kilo']).toMatchObject({ tokens_today: 900 });
    expect(before['under']).toMatchObject({ tokens_today: 1000 });

    await gw!.kill9();
    gw = await serve();

    sameSpend(await spends(), before);
    await refused('full');
    await refused('under');
    expect(await call('kilo', 99, 0)).toBe(200); // 999
    expect(await call('kilo', 1, 0)).toBe(200); // 999 < 1000 when it starts: 1000
    await refused('kilo');
    const after = await spends();
    expect(after['kilo']!.tokens_today).toBe(1000);
    expect(after['kilo']!.usd_today).toBeCloseTo(0.0087 + 100 * 3e-6, 12);
  });
});
