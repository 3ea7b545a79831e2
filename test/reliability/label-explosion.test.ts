/**
 * Label explosion (issue #13): a client that sends a new 10 KB model name on every call — with tool
 * calls in the answers (model × tool series) and upstream failures that open a circuit per model —
 * must not grow /metrics or the gateway's memory without bound. A real `aibridge serve`: the
 * scrape stays small, no label value passes 128 characters, the first 100 models / 100 circuits
 * keep their names and the rest count under "other", every call is recorded.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { startMockUpstream, type MockUpstream } from '../helpers/mock-upstream.js';
import { adminGet, client, healthz, providerArgs, startGatewayProcess, tempDataDir, type GatewayProcess } from './harness.js';

const TOOL_CALLS = 400;
const FAILURES = 250;
const CONCURRENCY = 16;
/** The index first (a circuit key keeps the first 200 characters of the model), then 10 KB of padding. */
const modelName = (kind: string, i: number) => `${kind}-${i}-${'m'.repeat(10_000)}`;

let up: MockUpstream;
let data: ReturnType<typeof tempDataDir>;
let gw: GatewayProcess;

beforeAll(async () => {
  up = await startMockUpstream();
  data = tempDataDir('labels');
  gw = await startGatewayProcess({ dataDir: data.dir, args: [...providerArgs(up.url), '--circuit-failure-threshold', '1'] });
});
afterAll(async () => {
  await gw?.stop();
  await up?.close();
  data?.cleanup();
});

async function scrape(): Promise<string> {
  const r = await request(`${gw.url}/metrics`, { headers: { authorization: `Bearer ${gw.adminToken}` }, dispatcher: client });
  expect(r.statusCode).toBe(200);
  return r.body.text();
}

/** Distinct values of `label` on the series of `metric`. */
function labelValues(text: string, metric: string, label: string): Set<string> {
  const out = new Set<string>();
  const re = new RegExp(`^${metric}\\{[^\\n]*?\\b${label}="([^"]*)"`, 'gm');
  for (const m of text.matchAll(re)) out.add(m[1]!);
  return out;
}

describe('a new 10 KB model name on every call', () => {
  it('/metrics and RSS stay bounded, names past the limits count as "other", every call is recorded', async () => {
    const rssBefore = gw.rssMb();
    const calls: { model: string; fixture: string; status: number }[] = [
      ...Array.from({ length: TOOL_CALLS }, (_, i) => ({ model: modelName('tools', i), fixture: 'anthropic/tool-parallel.sse', status: 200 })),
      ...Array.from({ length: FAILURES }, (_, i) => ({ model: modelName('down', i), fixture: 'anthropic/error-529.json', status: 529 })),
    ];
    let next = 0;
    const statuses = new Map<number, number>();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        for (let i = next++; i < calls.length; i = next++) {
          const c = calls[i]!;
          const r = await request(`${gw.url}/anthropic/v1/messages`, {
            method: 'POST',
            dispatcher: client,
            headers: { 'x-api-key': data.token, 'content-type': 'application/json', 'anthropic-version': '2023-06-01', 'x-mock-fixture': c.fixture },
            body: JSON.stringify({ model: c.model, max_tokens: 5, stream: c.status === 200, messages: [{ role: 'user', content: `call ${i}` }] }),
          });
          await r.body.text();
          expect(r.statusCode, c.model.slice(0, 20)).toBe(c.status);
          statuses.set(r.statusCode, (statuses.get(r.statusCode) ?? 0) + 1);
        }
      }),
    );

    const text = await scrape();
    const rssAfter = gw.rssMb();
    const models = labelValues(text, 'aibridge_interceptions_total', 'model');
    const toolModels = labelValues(text, 'aibridge_tool_calls_total', 'model');
    const circuits = labelValues(text, 'aibridge_upstream_circuit_state', 'key');
    console.log(
      `label explosion: ${calls.length} calls ${JSON.stringify(Object.fromEntries(statuses))}; scrape ${(text.length / 1024).toFixed(0)} KiB; ` +
        `${models.size} model labels, ${circuits.size} circuit keys; gateway RSS ${rssBefore.toFixed(0)} → ${rssAfter.toFixed(0)} MB`,
    );
    // Unbounded, the scrape would hold ~650 models × several series × 10 KB (tens of MB).
    expect(text.length).toBeLessThan(2 * 1024 * 1024);
    for (const m of text.matchAll(/="([^"]*)"/g)) expect(m[1]!.length).toBeLessThanOrEqual(128);
    expect(models.size).toBeLessThanOrEqual(101);
    expect(models.has('other')).toBe(true);
    expect([...models].filter((m) => m !== 'other').every((m) => m.startsWith('tools-') || m.startsWith('down-'))).toBe(true);
    expect(toolModels.has('other')).toBe(true);
    expect(circuits.size).toBeLessThanOrEqual(101);
    expect(circuits.has('other')).toBe(true);
    expect(rssAfter - rssBefore).toBeLessThan(200);

    expect((await healthz(gw)).ok).toBe(true);
    await expect.poll(async () => (await adminGet<{ count: number }>(gw, '/api/v1/interceptions?limit=1&include_in_flight=true')).count, { timeout: 20_000 }).toBe(calls.length);
  });
});
