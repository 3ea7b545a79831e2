/**
 * The OTLP export's worker thread (src/gateway/telemetry/otlp-thread.ts): the counts the status
 * and /metrics show stay exact across the thread boundary, a record the mapping fails on is
 * counted, and a shutdown with a hung collector ends within its bound. Real thread, real SDK,
 * real loopback receiver (test/helpers/otlp-receiver.ts).
 */
import { afterEach, expect, it } from 'vitest';
import { startOtlpThread, type OtlpThread } from '../../../../src/gateway/telemetry/otlp-thread.js';
import type { FinishedRecord } from '../../../../src/record/fanout.js';
import { startOtlpReceiver, type OtlpReceiver } from '../../../helpers/otlp-receiver.js';

let recv: OtlpReceiver | undefined;
let thread: OtlpThread | undefined;
afterEach(async () => {
  await thread?.shutdown();
  await recv?.close();
  recv = undefined;
  thread = undefined;
});

const record = (id: string): FinishedRecord =>
  ({
    id,
    initiator: { id: 'u1', name: 'alice' },
    provider: 'anthropic',
    provider_name: 'anthropic',
    api: 'anthropic-messages',
    model: 'claude-sonnet-4-5',
    client: 'claude-code',
    client_session_id: null,
    user_agent: null,
    streaming: false,
    started_at: '2026-12-06T10:00:00.000Z',
    ended_at: '2026-12-06T10:00:01.000Z',
    status: 'completed',
    http_status: 200,
    error: null,
    metadata: {},
    token_usages: [{ input_tokens: 10, output_tokens: 5, cache_read_input_tokens: 0, cache_write_input_tokens: 0 }],
    tool_usages: [],
    user_prompts: [],
    model_thoughts: [],
  }) as unknown as FinishedRecord;

function start(url: string, opts: { maxQueueSize?: number; closeWaitMs?: number; env?: Record<string, string> } = {}) {
  const seen = { exported: 0, dropped: { queue_full: 0, export_failed: 0 }, faults: [] as string[], errors: [] as string[] };
  thread = startOtlpThread({
    endpoint: url,
    headers: {},
    protocol: 'http/json',
    serviceVersion: 'test',
    env: { OTEL_BSP_SCHEDULE_DELAY: '10', ...opts.env },
    maxQueueSize: opts.maxQueueSize ?? 100,
    closeWaitMs: opts.closeWaitMs ?? 5000,
    onExported: (n) => (seen.exported += n),
    onDropped: (reason, n) => (seen.dropped[reason] += n),
    onResult: (_signal, err) => err && seen.errors.push(err.message),
    onFault: (m) => seen.faults.push(m),
  });
  return { thread, seen };
}

async function until(ok: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

it('spans posted to the thread reach the collector and are counted exported; pending goes back to 0', async () => {
  recv = await startOtlpReceiver();
  const { thread: t, seen } = start(recv.url);
  for (let i = 0; i < 5; i++) expect(t.ship(record(`r${i}`), 0.001, false)).toBe(true);
  expect(t.pending()).toBe(5);
  await until(() => seen.exported === 5, 'five spans exported');
  expect(t.pending()).toBe(0);
  expect(recv.spans.map((s) => s.attributes['aibridge.interception_id']).sort()).toEqual(['r0', 'r1', 'r2', 'r3', 'r4']);
  expect(recv.spans[0]!.attributes['aibridge.cost_usd']).toBe(0.001);
});

it('a record the mapping fails on is a fault, counted dropped (export_failed), and the next one still goes', async () => {
  recv = await startOtlpReceiver();
  const { thread: t, seen } = start(recv.url);
  const broken = { ...record('bad'), token_usages: null } as unknown as FinishedRecord;
  t.ship(broken, null, false);
  t.ship(record('good'), null, false);
  await until(() => seen.exported === 1 && seen.dropped.export_failed === 1, 'one exported, one dropped');
  expect(seen.faults.join('\n')).toContain('could not map interception bad');
  expect(t.pending()).toBe(0);
});

it('collector hung: the bound holds on this side (queue_full), and shutdown ends the thread within closeWaitMs', async () => {
  recv = await startOtlpReceiver();
  recv.mode = 'hang';
  const { thread: t, seen } = start(recv.url, { maxQueueSize: 3, closeWaitMs: 800, env: { OTEL_EXPORTER_OTLP_TIMEOUT: '60000' } });
  const shipped = Array.from({ length: 10 }, (_, i) => t.ship(record(`h${i}`), null, false));
  expect(shipped.filter(Boolean).length).toBe(3);
  expect(seen.dropped.queue_full).toBe(7);
  await until(() => recv!.requests.length > 0, 'an export attempt');
  const t0 = Date.now();
  await t.shutdown();
  // Bounded: the thread is ended after closeWaitMs; what it still held is counted, not lost.
  expect(Date.now() - t0).toBeLessThan(5000);
  await until(() => seen.dropped.export_failed === 3, 'the held spans counted');
  expect(t.pending()).toBe(0);
  thread = undefined;
});

it('collector down: the export failure is reported before its spans are counted dropped, so no status read sees drops with the export healthy', async () => {
  const gone = await startOtlpReceiver();
  const url = gone.url;
  await gone.close(); // nothing listens there now
  const events: string[] = [];
  thread = startOtlpThread({
    endpoint: url,
    headers: {},
    protocol: 'http/json',
    serviceVersion: 'test',
    env: { OTEL_BSP_SCHEDULE_DELAY: '10', OTEL_EXPORTER_OTLP_TIMEOUT: '300' },
    maxQueueSize: 100,
    closeWaitMs: 5000,
    onExported: (n) => events.push(`exported ${n}`),
    onDropped: (reason, n) => events.push(`dropped ${reason} ${n}`),
    onResult: (signal, err) => signal === 'traces' && events.push(err ? 'traces failing' : 'traces ok'),
    onFault: (m) => events.push(`fault ${m}`),
  });
  for (let i = 0; i < 3; i++) thread.ship(record(`d${i}`), null, false);
  await until(() => events.some((e) => e.startsWith('dropped export_failed')), 'the spans dropped');
  const firstDrop = events.findIndex((e) => e.startsWith('dropped'));
  expect(events.slice(0, firstDrop)).toContain('traces failing');
  expect(events.filter((e) => e.startsWith('exported'))).toEqual([]);
});
