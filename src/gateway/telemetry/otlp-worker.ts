/**
 * The OTLP export's worker thread (issue #20): runs the OpenTelemetry SDK (./otlp.ts) and the
 * GenAI mapping (./genai.ts) off the gateway's event loop. The main thread (./otlp-thread.ts)
 * posts finished records in batches; this thread turns each into its span and metric points and
 * reports span outcomes and export health back. It holds no keys: the collector's headers come
 * in `workerData`, as they would to the SDK in the main thread.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { createOtlpPipeline } from './otlp.js';
import { metricPlan, spanPlan } from './genai.js';
import type { FromWorker, RecordItem, ToWorker, WorkerSetup } from './otlp-thread.js';

const port = parentPort;
if (!port) throw new Error('otlp-worker.ts runs as a worker thread (src/gateway/telemetry/otlp-thread.ts)');
const setup = workerData as WorkerSetup;
const post = (m: FromWorker): void => port.postMessage(m);

const pipeline = createOtlpPipeline({
  ...setup,
  onExported: (n) => post({ type: 'exported', n }),
  onDropped: (reason, n) => post({ type: 'dropped', reason, n }),
  onResult: (signal, err) =>
    post({ type: 'result', signal, error: err === null ? null : { message: err.message, name: err.name, code: (err as { code?: unknown }).code } }),
});

port.on('message', (m: ToWorker) => {
  if (m.type === 'records') {
    for (const item of JSON.parse(m.json) as RecordItem[]) {
      let plans;
      try {
        plans = [spanPlan(item.rec, { content: item.content, costUsd: item.costUsd }), metricPlan(item.rec, item.costUsd)] as const;
      } catch (err) {
        // A record the mapping fails on (a fault of ours): its span is counted dropped, never lost silently.
        post({ type: 'fault', message: `telemetry: could not map interception ${item.rec.id} (${(err as Error).message})` });
        post({ type: 'dropped', reason: 'export_failed', n: 1 });
        continue;
      }
      pipeline.span(plans[0]);
      pipeline.metrics(plans[1]);
    }
    return;
  }
  void pipeline.shutdown().then(() => {
    post({ type: 'closed' });
    port.close();
  });
});
