/**
 * The fan-out in the running app: consumers that throw (in the turn the record is handed in, and in
 * the batch) break neither the client's stream nor the built-in consumers (store, log, metrics)
 * nor a consumer after them; the faults land in the log, named.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { RecordConsumer } from '../../src/record/fanout.js';
import type { Interception } from '../../src/record/types.js';
import { FIXTURES_DIR } from '../helpers/mock-upstream-replies.js';
import { startGatewayHarness, type GatewayHarness } from '../helpers/gateway-harness.js';

const witnessed: Interception[] = [];
const consumers: RecordConsumer[] = [
  { name: 'broken-now', mode: 'immediate', begin: () => { throw new Error('broken begin'); }, finish: () => { throw new Error('broken finish'); } },
  { name: 'broken-later', mode: 'batched', finish: () => { throw new Error('broken batch'); } },
  { name: 'witness', mode: 'batched', finish: (r) => void witnessed.push(r) },
];

let h: GatewayHarness;
beforeAll(async () => {
  h = await startGatewayHarness({ recordConsumers: consumers });
});
afterAll(async () => {
  await h?.close();
});

it('faulty consumers break neither the client stream nor the other consumers', async () => {
  const fixture = 'anthropic/tool-parallel.sse';
  const r = await h.post(
    '/anthropic/v1/messages',
    { model: 'claude-sonnet-4-5', max_tokens: 64, stream: true, messages: [{ role: 'user', content: 'fan-out prompt' }] },
    { 'x-mock-fixture': fixture, 'x-mock-chunk-size': '13' },
  );
  expect(r.status).toBe(200);
  expect(r.bytes.equals(readFileSync(join(FIXTURES_DIR, fixture)))).toBe(true);

  // The store (immediate, before the broken one in the list) has it; listing settles the batch.
  const [rec] = await h.nextRecords(1);
  expect(rec?.status).toBe('completed');
  expect(rec?.user_prompts[0]?.prompt).toBe('fan-out prompt');
  // A consumer after the broken ones got the same record.
  expect(witnessed.map((w) => w.id)).toEqual([rec?.id]);
  // Metrics counted it.
  const metrics = await fetch(`${h.url}/metrics`, { headers: { authorization: `Bearer ${h.app.adminToken}` } }).then((x) => x.text());
  expect(metrics).toMatch(/aibridge_interceptions_total\{[^}]*status="completed"[^}]*\} 1/);
  // Its log lines were written, and so were the three faults, each named.
  await h.app.close();
  const lines = readFileSync(h.logFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  expect(lines.some((l) => l['record_type'] === 'interception_end' && l['interception_id'] === rec?.id)).toBe(true);
  const faults = lines.filter((l) => l['interception_id'] === rec?.id && typeof l['consumer'] === 'string').map((l) => `${String(l['consumer'])}: ${String(l['msg'])}`);
  expect(faults).toEqual([
    'broken-now: record begin failed in broken-now',
    'broken-now: record finish failed in broken-now',
    'broken-later: record finish failed in broken-later',
  ]);
});
