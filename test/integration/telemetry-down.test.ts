/**
 * SPEC §14: a collector that is down or hung never fails a client call nor loses a record; spans
 * it cannot take are dropped and counted (export_failed after retries; queue_full at the bound),
 * and status, /metrics and the log say so. No timing is asserted (the bench measures latency).
 */
import { afterEach, expect, it } from 'vitest';
import { startGatewayHarness, type GatewayHarness } from '../helpers/gateway-harness.js';
import { startOtlpReceiver, type OtlpReceiver } from '../helpers/otlp-receiver.js';

interface TelemetryStatus { enabled: boolean; ok: boolean; error: string | null; exported: number; dropped: number; queued: number }

let h: GatewayHarness | undefined;
let recv: OtlpReceiver | undefined;
afterEach(async () => {
  await recv?.close(); // first: a hung collector's sockets go, so the app's last export ends
  await h?.close();
  h = undefined;
  recv = undefined;
});

const call = (g: GatewayHarness, i: number) =>
  g.post('/anthropic/v1/messages', { model: 'claude-sonnet-4-5', max_tokens: 8, stream: i % 2 === 0, messages: [{ role: 'user', content: `call ${i}` }] });

async function until<T>(read: () => Promise<T>, ok: (v: T) => boolean, what: string): Promise<T> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const v = await read();
    if (ok(v)) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const metricValue = (text: string, series: string): number => {
  const line = text.split('\n').find((l) => l.startsWith(series + ' '));
  return line ? Number(line.slice(series.length + 1)) : NaN;
};

it('collector down: every call answers, every record is kept, drops are counted and reported', async () => {
  const gone = await startOtlpReceiver();
  const endpoint = gone.url;
  await gone.close(); // nothing listens there now
  h = await startGatewayHarness({
    argv: ['--otlp-endpoint', endpoint],
    env: { OTEL_BSP_SCHEDULE_DELAY: '20', OTEL_EXPORTER_OTLP_TIMEOUT: '300', OTEL_METRIC_EXPORT_INTERVAL: '100' },
  });
  const n = 40;
  for (let i = 0; i < n; i += 10) {
    const replies = await Promise.all(Array.from({ length: 10 }, (_, j) => call(h!, i + j)));
    expect(replies.map((r) => r.status)).toEqual(Array(10).fill(200));
  }
  expect((await h.nextRecords(n)).every((r) => r.status === 'completed')).toBe(true);
  const status = await until(
    () => h!.admin<{ telemetry: TelemetryStatus }>('/status').then((s) => s.telemetry),
    (t) => t.dropped === n,
    'all spans dropped',
  );
  expect(status).toMatchObject({ enabled: true, ok: false, exported: 0, queued: 0 });
  expect(status.error).toMatch(/ECONNREFUSED/);
  const metrics = await fetch(`${h.url}/metrics`, { headers: { authorization: `Bearer ${h.app.adminToken}` } }).then((x) => x.text());
  expect(metricValue(metrics, 'aibridge_telemetry_spans_dropped_total{reason="export_failed"}')).toBe(n);
  expect(metricValue(metrics, 'aibridge_telemetry_spans_exported_total')).toBe(0);
  expect(h.logText()).toContain('telemetry export failing');
});

it('collector hung: the queue stays at its bound, the rest is dropped as queue_full, calls go on', async () => {
  recv = await startOtlpReceiver();
  recv.mode = 'hang';
  h = await startGatewayHarness({
    argv: ['--otlp-endpoint', recv.url, '--otlp-protocol', 'http/json'],
    env: { OTEL_BSP_SCHEDULE_DELAY: '10', OTEL_BSP_MAX_QUEUE_SIZE: '5', OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '5', OTEL_EXPORTER_OTLP_TIMEOUT: '60000' },
  });
  const n = 30;
  for (let i = 0; i < n; i++) expect((await call(h, i)).status).toBe(200);
  expect((await h.nextRecords(n)).length).toBe(n);
  const t = await until(
    () => h!.admin<{ telemetry: TelemetryStatus }>('/status').then((s) => s.telemetry),
    (v) => v.queued + v.dropped === n,
    'every span queued or dropped',
  );
  expect(t.queued).toBeLessThanOrEqual(5);
  expect(t.dropped).toBeGreaterThanOrEqual(n - 5);
  // It did try the collector (the export runs on its own thread, which may still be loading the SDK).
  await until(async () => recv!.requests.length, (k) => k > 0, 'an export attempt');
  const metrics = await fetch(`${h.url}/metrics`, { headers: { authorization: `Bearer ${h.app.adminToken}` } }).then((x) => x.text());
  expect(metricValue(metrics, 'aibridge_telemetry_spans_dropped_total{reason="queue_full"}')).toBe(t.dropped);
});

it('long content is cut to the attribute length limit (what bounds the queue in bytes)', async () => {
  recv = await startOtlpReceiver();
  h = await startGatewayHarness({
    argv: ['--otlp-endpoint', recv.url, '--otlp-content'],
    env: { OTEL_BSP_SCHEDULE_DELAY: '10', OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT: '1000' },
  });
  const prompt = 'x'.repeat(50_000);
  expect((await h.post('/anthropic/v1/messages', { model: 'claude-sonnet-4-5', max_tokens: 8, messages: [{ role: 'user', content: prompt }] })).status).toBe(200);
  const [rec] = await h.nextRecords(1);
  expect(rec!.user_prompts[0]!.prompt).toBe(prompt); // the record keeps it whole
  const [span] = await recv.waitForSpans(1);
  expect(String(span!.attributes['gen_ai.input.messages'])).toHaveLength(1000);
  expect(span!.attributes['aibridge.interception_id']).toBe(rec!.id); // short values are untouched
});
