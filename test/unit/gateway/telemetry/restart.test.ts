/**
 * The telemetry consumer (src/gateway/telemetry/index.ts) replaces an export thread that dies:
 * records in the gap are counted dropped and the status says why, the next thread exports again.
 * Real threads, real SDK, real loopback receiver.
 */
import type { Worker } from 'node:worker_threads';
import { afterEach, expect, it } from 'vitest';
import { createTelemetry, type Telemetry } from '../../../../src/gateway/telemetry/index.js';
import type { Settings } from '../../../../src/config/schema.js';
import type { FinishedRecord } from '../../../../src/record/fanout.js';
import { makeRecord } from '../../../helpers/make-record.js';
import { startOtlpReceiver, type OtlpReceiver } from '../../../helpers/otlp-receiver.js';

let recv: OtlpReceiver | undefined;
let telemetry: Telemetry | undefined;
afterEach(async () => {
  await telemetry?.records.close?.();
  await recv?.close();
  telemetry = undefined;
  recv = undefined;
});

async function until(ok: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const finished = (n: number): FinishedRecord => ({ ...makeRecord(n), status: 'completed' }) as FinishedRecord;

it('a thread that dies is replaced after a pause; records in the gap are counted dropped, later ones exported', async () => {
  recv = await startOtlpReceiver();
  const settings = { otlp_endpoint: recv.url, otlp_protocol: 'http/json', otlp_content: false } as unknown as Settings;
  const threads: Worker[] = [];
  const warnings: string[] = [];
  const dropped = { queue_full: 0, export_failed: 0 };
  telemetry = createTelemetry({
    settings: () => settings,
    onSettingsChange: () => undefined,
    env: { OTEL_BSP_SCHEDULE_DELAY: '10' },
    version: 'test',
    logger: { warn: (_o, m) => warnings.push(m), info: () => undefined },
    metrics: { telemetryExported: () => undefined, telemetryDropped: (reason, n) => { dropped[reason] += n; } },
    onThread: (w) => threads.push(w),
  });
  const idOf = (n: number): string => makeRecord(n).id;
  const exportedIds = (): unknown[] => recv!.spans.map((s) => s.attributes['aibridge.interception_id']);

  telemetry.records.finish!(finished(1));
  await until(() => exportedIds().includes(idOf(1)) && telemetry!.status().exported === 1, 'the first span, answered');
  expect(threads).toHaveLength(1);

  await threads[0]!.terminate();
  await until(() => warnings.some((w) => w.includes('telemetry thread stopped')), 'the warning');
  expect(warnings.find((w) => w.includes('telemetry thread stopped'))).toMatch(/a new one starts in 1 s/);
  telemetry.records.finish!(finished(2)); // in the gap: counted, not lost silently
  expect(dropped.queue_full + dropped.export_failed).toBe(1);
  expect(telemetry.status()).toMatchObject({ ok: false, error: expect.stringContaining('exited') as string });

  await until(() => threads.length === 2, 'a new thread');
  telemetry.records.finish!(finished(3));
  await until(() => exportedIds().includes(idOf(3)), 'a span through the new thread');
  await until(() => telemetry!.status().ok, 'the status to recover');
  expect(exportedIds()).not.toContain(idOf(2));
  expect(telemetry.status()).toMatchObject({ enabled: true, exported: 2, dropped: 1 });
});
