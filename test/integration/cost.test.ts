/**
 * SPEC §11 cost end to end: a call through the real gateway to the mock upstream leaves a record
 * whose `cost` (admin API), `cost_usd` (interception_end log line, export, usage rows) match the
 * price package's figure; an override through `PUT /api/v1/prices` re-prices that old record
 * everywhere; a model with no price says null, not 0; the config file's `prices:` are fixed.
 */
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { calcPrice } from '@pydantic/genai-prices';
import { startGatewayHarness, type GatewayHarness } from '../helpers/gateway-harness.js';
import type { PricedInterception } from '../../src/record/cost.js';
import type { UsageRow } from '../../src/gateway/routes/usage.js';
import type { PricesView } from '../../src/gateway/routes/prices.js';
import { startApp } from '../../src/app.js';
import { ConfigError } from '../../src/config/schema.js';

let h: GatewayHarness;
let yamlDir: string;
beforeAll(async () => {
  yamlDir = mkdtempSync(join(tmpdir(), 'abr-cost-yaml-'));
  const yaml = join(yamlDir, 'aibridge.yaml');
  writeFileSync(yaml, 'aibridge:\n  prices:\n    my-local-llama: {input: 0.5, output: 1}\n');
  h = await startGatewayHarness({ argv: ['--config', yaml] });
});
afterAll(async () => {
  await h?.close();
  rmSync(yamlDir, { recursive: true, force: true });
});

const USAGE = {
  input_tokens: 1200, output_tokens: 800, cache_read_input_tokens: 30_000, cache_creation_input_tokens: 9000,
  cache_creation: { ephemeral_5m_input_tokens: 4000, ephemeral_1h_input_tokens: 5000 },
};
const reply = (usage: object) => ({
  kind: 'json', body: { id: 'msg_cost', type: 'message', role: 'assistant', model: 'claude-sonnet-4-5-20250929', content: [{ type: 'text', text: 'ok' }], stop_reason: 'end_turn', usage },
});
/** What the package itself says this usage costs (its input counts cache reads and writes). */
const EXPECTED = calcPrice(
  { input_tokens: 1200 + 30_000 + 9000, output_tokens: 800, cache_read_tokens: 30_000, cache_write_tokens: 9000, cache_write_1h_tokens: 5000 },
  'claude-sonnet-4-5',
  { providerId: 'anthropic' },
)!.total_price;

const put = async (path: string, body: unknown) => {
  const res = await fetch(`${h.url}/api/v1${path}`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${h.app.adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as unknown };
};
/** The record's interception_end line in the JSON log (written a moment after the call: polled). */
async function endLine(id: string): Promise<Record<string, unknown> | undefined> {
  for (let i = 0; i < 200; i++) {
    const hit = h.logText().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((l) => l['record_type'] === 'interception_end' && l['interception_id'] === id);
    if (hit) return hit;
    await new Promise((r) => setTimeout(r, 25));
  }
  return undefined;
}
const usageBy = async (group: string) => (await h.admin<{ results: UsageRow[] }>(`/usage?group_by=${group}`)).results;

describe('cost of a call', () => {
  let rec: PricedInterception;

  it('the record, its end log line and the usage rows carry the package\'s price', async () => {
    const r = await h.post('/anthropic/v1/messages', { model: 'claude-sonnet-4-5', max_tokens: 10, messages: [{ role: 'user', content: 'price me' }] }, { 'x-mock-reply': JSON.stringify(reply(USAGE)) });
    expect(r.status).toBe(200);
    rec = (await h.nextRecords(1))[0] as PricedInterception;
    expect(rec!.token_usages[0]!.metadata).toMatchObject({ cache_write_1h_input_tokens: 5000 });
    expect(rec!.cost).toEqual({ usd: expect.closeTo(EXPECTED, 12) as number, priced_model: 'claude-sonnet-4-5', source: 'catalog' });
    const one = await h.admin<PricedInterception>(`/interceptions/${rec!.id}`);
    expect(one.cost.usd).toBeCloseTo(EXPECTED, 12);
    expect((await endLine(rec!.id))?.['cost_usd']).toBeCloseTo(EXPECTED, 12);
    const [row] = (await usageBy('model')).filter((x) => x.key === 'claude-sonnet-4-5');
    expect(row).toMatchObject({ requests: 1, unpriced_requests: 0 });
    expect(row!.cost_usd).toBeCloseTo(EXPECTED, 12);
  });

  it('a model without a price: null, not 0, and counted as unpriced', async () => {
    await h.post('/openai/v1/chat/completions', { model: 'some-unknown-model', messages: [{ role: 'user', content: 'x' }] });
    const [unk] = (await h.nextRecords(1)) as PricedInterception[];
    expect(unk!.cost).toEqual({ usd: null, priced_model: 'some-unknown-model', source: 'catalog' });
    expect((await endLine(unk!.id))?.['cost_usd']).toBeNull();
    const row = (await usageBy('model')).find((x) => x.key === 'some-unknown-model');
    expect(row).toMatchObject({ requests: 1, cost_usd: null, unpriced_requests: 1 });
  });

  it('the config file prices a self-hosted model', async () => {
    await h.post('/openai/v1/chat/completions', { model: 'my-local-llama', messages: [{ role: 'user', content: 'x' }] }, { 'x-mock-reply': JSON.stringify({ kind: 'json', body: { id: 'c1', object: 'chat.completion', model: 'my-local-llama', choices: [], usage: { prompt_tokens: 2_000_000, completion_tokens: 1_000_000 } } }) });
    const [own] = (await h.nextRecords(1)) as PricedInterception[];
    expect(own!.cost).toEqual({ usd: 2, priced_model: 'my-local-llama', source: 'override' });
  });

  it('PUT /api/v1/prices re-prices the old record, its usage rows and its export line; GET shows models and overrides', async () => {
    const res = await put('/prices', { overrides: { 'claude-sonnet-4-5': { input: 1, output: 2, cache_read: 0, cache_write: 0, cache_write_1h: 0 }, 'my-local-llama': { input: 0.5, output: 1 } } });
    expect(res.status).toBe(200);
    const view = res.json as PricesView;
    expect(view.overrides['claude-sonnet-4-5']).toEqual({ input: 1, output: 2, cache_read: 0, cache_write: 0, cache_write_1h: 0 });
    expect(view.fixed).toEqual(['my-local-llama']);
    const seen = view.models.find((m) => m.model === 'claude-sonnet-4-5');
    expect(seen).toMatchObject({ provider: 'anthropic', source: 'override', usd_per_mtok: { input: 1, output: 2 } });
    expect(view.models.find((m) => m.model === 'some-unknown-model')).toMatchObject({ usd_per_mtok: null });
    // Saved in the data dir, private.
    expect(statSync(join(h.dataDir, 'prices.json')).mode & 0o777).toBe(0o600);

    const repriced = (1200 * 1 + 800 * 2) / 1e6;
    const again = await h.admin<PricedInterception>(`/interceptions/${rec.id}`);
    expect(again.cost).toEqual({ usd: expect.closeTo(repriced, 12) as number, priced_model: 'claude-sonnet-4-5', source: 'override' });
    const row = (await usageBy('model')).find((x) => x.key === 'claude-sonnet-4-5');
    expect(row!.cost_usd).toBeCloseTo(repriced, 12);
    const exported = (await (await fetch(`${h.url}/api/v1/export?since=1h`, { headers: { authorization: `Bearer ${h.app.adminToken}` } })).text())
      .split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((l) => l['record_type'] === 'interception_end' && l['interception_id'] === rec.id);
    expect(exported?.['cost_usd']).toBeCloseTo(repriced, 12);
    // Per person: the initiator row adds up every priced call (the unknown model counts as unpriced).
    const person = (await usageBy('initiator')).find((x) => x.key === 'alice');
    expect(person).toMatchObject({ requests: 3, unpriced_requests: 1 });
    expect(person!.cost_usd).toBeCloseTo(repriced + 2, 12);
  });

  it('a price fixed by the config file cannot be changed from the API; bad bodies are 400', async () => {
    const res = await put('/prices', { overrides: { 'my-local-llama': { input: 9, output: 9 } } });
    expect(res.status).toBe(409);
    expect(JSON.stringify(res.json)).toMatch(/my-local-llama.*is set in .*aibridge\.yaml/);
    expect((await put('/prices', { overrides: { m: { input: -1 } } })).status).toBe(400);
    expect((await put('/prices', { nope: 1 })).status).toBe(400);
    // Clearing the saved ones brings the catalog back.
    expect((await put('/prices', { overrides: {} })).status).toBe(200);
    expect((await h.admin<PricedInterception>(`/interceptions/${rec.id}`)).cost.usd).toBeCloseTo(EXPECTED, 12);
  });

  it('a bad `prices:` in the config file stops the start with a message naming it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'abr-cost-bad-'));
    const yaml = join(dir, 'bad.yaml');
    writeFileSync(yaml, 'aibridge:\n  prices:\n    gpt-5: {input: lots}\n');
    try {
      await expect(startApp({ dataDir: dir, port: 0, env: {}, argv: ['--config', yaml] })).rejects.toThrow(ConfigError);
      await expect(startApp({ dataDir: dir, port: 0, env: {}, argv: ['--config', yaml] })).rejects.toThrow(/price "input" for "gpt-5" must be a number/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
