/**
 * SPEC §11 budgets from the command line (child processes of the built CLI): `tokens create
 * --budget-usd-day/--budget-usd-month/--budget-tokens-day`, `tokens budget ID_OR_NAME [flags]
 * [--clear]`, bad values refused with exit 2 and a reason, and a running server on the same data
 * dir honouring a budget the CLI set (the next call over it gets 429 without reaching the
 * upstream) and its removal.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clearOfMidnight, MIDNIGHT_MARGIN_MS } from '../helpers/clear-of-midnight.js';
import { startGatewayHarness, type GatewayHarness } from '../helpers/gateway-harness.js';
import { CLI } from '../acceptance/harness.js';

const run = promisify(execFile);

interface Result { code: number; stdout: string; stderr: string }
async function cli(dir: string, ...args: string[]): Promise<Result> {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, '--data-dir', dir, ...args], { env: { PATH: process.env['PATH'] ?? '' } });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}
interface Listed { id: string; name: string; budget: { usd_per_day: number | null; usd_per_month: number | null; tokens_per_day: number | null } | null }
const listed = async (dir: string, name: string) => ((JSON.parse((await cli(dir, 'tokens', 'list', '--json')).stdout) as Listed[]).find((t) => t.name === name));

// Each CLI call is a fresh Node process (seconds on a loaded 2-core machine): generous per-test limits.
describe('budget flags of the CLI (no server)', { timeout: 180_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'abr-cli-budget-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('tokens create takes the three budget flags; the token is still alone on the last line', async () => {
    const r = await cli(dir, 'tokens', 'create', '--name', 'alice', '--budget-usd-day', '5', '--budget-usd-month', '100.5', '--budget-tokens-day', '2000000');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trimEnd().split('\n').pop()).toMatch(/^abr_\S+$/);
    expect(r.stdout).toContain('with budget USD 5/day, USD 100.5/month, 2000000 tokens/day');
    expect((await listed(dir, 'alice'))?.budget).toEqual({ usd_per_day: 5, usd_per_month: 100.5, tokens_per_day: 2_000_000 });
    const plain = await cli(dir, 'tokens', 'create', '--name', 'bob');
    expect(plain.code, plain.stderr).toBe(0);
    expect((await listed(dir, 'bob'))?.budget).toBeNull();
    expect((await cli(dir, 'tokens', 'list')).stdout.split('\n').find((l) => l.includes('alice'))).toContain('budget USD 5/day, USD 100.5/month, 2000000 tokens/day');
  });

  it('refuses bad values with exit 2, naming the flag, and creates nothing', async () => {
    for (const [flag, value, why] of [['--budget-usd-day', 'five', /--budget-usd-day: .*number of USD/], ['--budget-usd-month', '-3', /--budget-usd-month: .*0 or more/], ['--budget-tokens-day', '1.5', /--budget-tokens-day: .*whole number/]] as const) {
      const r = await cli(dir, 'tokens', 'create', '--name', 'bad', flag, value);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(why);
    }
    expect(await listed(dir, 'bad')).toBeUndefined();
  });

  it('tokens budget sets the limits it names and keeps the others; "none" removes one; --clear removes all; by name or id', async () => {
    const setDay = await cli(dir, 'tokens', 'budget', 'bob', '--budget-usd-day', '2');
    expect(setDay.code, setDay.stderr).toBe(0);
    expect(setDay.stdout).toContain('budget: USD 2/day');
    const bob = (await listed(dir, 'bob'))!;
    const addTokens = await cli(dir, 'tokens', 'budget', bob.id, '--budget-tokens-day', '500');
    expect(addTokens.code, addTokens.stderr).toBe(0);
    expect((await listed(dir, 'bob'))?.budget).toEqual({ usd_per_day: 2, usd_per_month: null, tokens_per_day: 500 });
    const dropDay = await cli(dir, 'tokens', 'budget', 'bob', '--budget-usd-day', 'none');
    expect(dropDay.code, dropDay.stderr).toBe(0);
    expect((await listed(dir, 'bob'))?.budget).toEqual({ usd_per_day: null, usd_per_month: null, tokens_per_day: 500 });
    const show = await cli(dir, 'tokens', 'budget', 'bob');
    expect(show.stdout).toContain('budget: 500 tokens/day');
    const cleared = await cli(dir, 'tokens', 'budget', 'bob', '--clear');
    expect(cleared.code, cleared.stderr).toBe(0);
    expect(cleared.stdout).toContain('budget: none');
    expect((await listed(dir, 'bob'))?.budget).toBeNull();
    // The last limit removed with "none" leaves no budget either.
    await cli(dir, 'tokens', 'budget', 'bob', '--budget-usd-day', '1');
    await cli(dir, 'tokens', 'budget', 'bob', '--budget-usd-day', 'none');
    expect((await listed(dir, 'bob'))?.budget).toBeNull();
  });

  it('tokens budget: unknown token, --clear with limits, and a revoked token are refused with exit 2', async () => {
    const unknown = await cli(dir, 'tokens', 'budget', 'nobody', '--budget-usd-day', '1');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('no token with id or name "nobody"');
    const both = await cli(dir, 'tokens', 'budget', 'alice', '--clear', '--budget-usd-day', '1');
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('--clear');
    expect((await listed(dir, 'alice'))?.budget?.usd_per_day).toBe(5);
    const alice = (await listed(dir, 'alice'))!;
    expect((await cli(dir, 'tokens', 'revoke', 'alice')).code).toBe(0);
    const revoked = await cli(dir, 'tokens', 'budget', alice.id, '--budget-usd-day', '1');
    expect(revoked.code).toBe(2);
    expect(revoked.stderr).toContain('revoked');
  });
});

describe('a running server honours a budget set by the CLI', { timeout: 120_000 }, () => {
  let h: GatewayHarness;
  // The budgets/totals here are per local day: the whole file runs inside one.
  beforeAll(() => clearOfMidnight(), MIDNIGHT_MARGIN_MS + 5_000);
  beforeAll(async () => {
    h = await startGatewayHarness({ tokenName: 'carol' });
  });
  afterAll(async () => {
    await h?.close();
  });
  const call = () => h.post('/anthropic/v1/messages', { model: 'claude-sonnet-4-5', max_tokens: 5, messages: [{ role: 'user', content: 'spend' }] });

  it('the call after the CLI sets a reached limit gets 429 without reaching the upstream; --clear lets calls through again', async () => {
    expect((await call()).status).toBe(200);
    const r = await cli(h.dataDir, 'tokens', 'budget', 'carol', '--budget-tokens-day', '1');
    expect(r.code, r.stderr).toBe(0);
    // The server re-reads tokens.json within a second (SPEC §2).
    await expect.poll(async () => (await h.admin<{ results: Listed[] }>('/tokens')).results.find((t) => t.name === 'carol')?.budget?.tokens_per_day, { timeout: 5000 }).toBe(1);
    const before = h.up.requests.length;
    const refused = await call();
    expect(refused.status).toBe(429);
    expect(JSON.parse(refused.text)).toMatchObject({ type: 'error', error: { type: 'rate_limit_error' } });
    expect(refused.text).toContain('tokens_per_day');
    expect(h.up.requests.length).toBe(before);

    expect((await cli(h.dataDir, 'tokens', 'budget', 'carol', '--clear')).code).toBe(0);
    await expect.poll(async () => (await h.admin<{ results: Listed[] }>('/tokens')).results.find((t) => t.name === 'carol')?.budget, { timeout: 5000 }).toBeNull();
    expect((await call()).status).toBe(200);
  });
});
