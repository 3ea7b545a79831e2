/**
 * One OTLP export pipeline (SPEC §14): spans and GenAI metric points for finished records, sent
 * over OTLP/HTTP in the chosen protocol (`http/protobuf` or `http/json`).
 *
 * The per-call work is ours, the rest the official SDK's (issue #20: the SDK's per-span objects,
 * attribute hashing and two-pass serializer were ~64 µs a call on the export thread, which
 * shares 2 cores with the gateway):
 * - spans are encoded straight into their export batch (./otlp-spans.ts) and metric points
 *   aggregated in plain maps (./otlp-metrics.ts), with the data the SDK would produce (tests
 *   compare the two);
 * - the HTTP transport is the SDK's export delegate (otlp-exporter-base): its retries of
 *   429/502/503/504 and network errors with exponential backoff, bounded by the export timeout,
 *   its headers and agent settings; metric requests are serialized by the SDK's metric exporters.
 *
 * Bounded and never in a client's way:
 * - spans are made on the fan-out's batched drain (after the client's last bytes) and queued; a
 *   batch goes when it holds `OTEL_BSP_MAX_EXPORT_BATCH_SIZE` spans or `OTEL_BSP_SCHEDULE_DELAY`
 *   after its first span, one export at a time, as the SDK's BatchSpanProcessor does;
 * - at most `OTEL_BSP_MAX_QUEUE_SIZE` spans (default 2048) are held between "made" and "answered
 *   by the collector"; past that a span is dropped and counted (`queue_full`), so a collector that
 *   is down or slow costs a bounded amount of memory and nothing else;
 * - a batch the exporter gives up on (or that outlives `OTEL_BSP_EXPORT_TIMEOUT`) is counted
 *   (`export_failed`) and makes the health say so.
 *
 * Version line: the SDK's 2.x / 0.22x line, the newest that runs on Node 20 (3.x and 0.300+ need
 * Node ≥ 22.15). Kept in lockstep (2.12.0 / 0.223.0, exact pins) so one copy of each package loads.
 */
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { InstrumentType, type PushMetricExporter } from '@opentelemetry/sdk-metrics';
import { createOtlpHttpExportDelegate, convertLegacyHttpOptions } from '@opentelemetry/otlp-exporter-base/node-http';
import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { OTLPMetricExporter as ProtoMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { OTLPMetricExporter as JsonMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import type { OtlpProtocol } from '../../config/schema.js';
import { envNumber } from './env.js';
import type { MetricPlan, SpanPlan } from './genai.js';
import { createGenAiMetrics } from './otlp-metrics.js';
import { jsonRequest, jsonSpan, ProtoWriter, requestPrefixer, spanLimitsFromEnv, writeSpan, type ExportHeader, type JsonSpan } from './otlp-spans.js';

/** What the pipeline needs to know. */
export interface OtlpPipelineOptions {
  /** Base URL; `/v1/traces` and `/v1/metrics` are added (as OTEL_EXPORTER_OTLP_ENDPOINT). */
  endpoint: string;
  headers: Record<string, string>;
  protocol: OtlpProtocol;
  serviceVersion: string;
  /** Where `OTEL_BSP_*`, `OTEL_METRIC_EXPORT_*` and `OTEL_EXPORTER_OTLP_TIMEOUT` are read. */
  env: NodeJS.ProcessEnv;
  /** Span outcomes, for /metrics and the health. */
  onExported(n: number): void;
  onDropped(reason: 'queue_full' | 'export_failed', n: number): void;
  /** An export (spans or metrics) succeeded or failed (after the exporter's retries). */
  onResult(signal: 'traces' | 'metrics', error: Error | null): void;
}

/** A running pipeline. */
export interface OtlpPipeline {
  /** Queues one span; false when the queue is at its bound (the span is dropped and counted). */
  span(plan: SpanPlan): boolean;
  /** Records the metric points of one call. */
  metrics(plan: MetricPlan): void;
  /** Spans made but not yet answered by the collector. */
  pending(): number;
  /** Flushes and stops; resolves within the export timeout even when the collector is gone. */
  shutdown(): Promise<void>;
}

/**
 * Spans per export request unless OTEL_BSP_MAX_EXPORT_BATCH_SIZE says otherwise. Smaller than the
 * SDK's 512 (chosen when the SDK serialized a whole batch in one go on the event loop; spans are
 * now encoded one at a time as they come): a request of ~100 KB, and a collector that refuses one
 * loses 128 spans, not 512.
 */
const DEFAULT_BATCH = 128;

/**
 * Longest attribute value kept on a span unless OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT (or
 * OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT) says otherwise: content attributes can be 1 MiB per field
 * (max_stored_field), and the queue holds up to OTEL_BSP_MAX_QUEUE_SIZE spans, so the cap is what
 * bounds the queue's memory (2048 × a few × 32 KiB) when the collector is down.
 */
const DEFAULT_VALUE_LENGTH = 32 * 1024;

/** `http://host:4318` or `http://host:4318/` (or one already ending in /v1/traces) → base + path. */
export function signalUrl(endpoint: string, signal: 'traces' | 'metrics'): string {
  const base = endpoint.replace(/\/+$/, '').replace(/\/v1\/(traces|metrics|logs)$/, '');
  return `${base}/v1/${signal}`;
}

/** One export batch: its spans, encoded (protobuf) or as objects (JSON), and how many. */
interface SpanBatch {
  proto: ProtoWriter | null;
  json: JsonSpan[] | null;
  count: number;
}

/** What the export delegate carries: a finished request body and its span count (for the SDK's self-metrics helper). */
interface TraceRequest {
  body: Uint8Array;
  count: number;
}

/**
 * Runs one export and hands its result to `then` exactly once: the exporter's answer, or a failure
 * after `ms` (a later answer is ignored), as the SDK's processor and reader bound theirs.
 */
function exportWithin(ms: number, what: string, send: (done: (r: ExportResult) => void) => void, then: (r: ExportResult) => void): void {
  let answered = false;
  const answer = (result: ExportResult): void => {
    if (answered) return;
    answered = true;
    clearTimeout(deadline);
    then(result);
  };
  const deadline = setTimeout(() => answer({ code: ExportResultCode.FAILED, error: new Error(`${what} timed out`) }), ms);
  deadline.unref();
  send(answer);
}

/** Builds and starts a pipeline. */
export function createOtlpPipeline(opts: OtlpPipelineOptions): OtlpPipeline {
  const env = opts.env;
  const timeoutMillis = envNumber(env, 'OTEL_EXPORTER_OTLP_TIMEOUT', 10_000);
  const maxQueueSize = envNumber(env, 'OTEL_BSP_MAX_QUEUE_SIZE', 2048);
  const batchSize = Math.min(maxQueueSize, envNumber(env, 'OTEL_BSP_MAX_EXPORT_BATCH_SIZE', DEFAULT_BATCH));
  const scheduledDelayMillis = envNumber(env, 'OTEL_BSP_SCHEDULE_DELAY', 5000);
  const exportTimeoutMillis = envNumber(env, 'OTEL_BSP_EXPORT_TIMEOUT', 30_000);
  const limits = spanLimitsFromEnv(env, DEFAULT_VALUE_LENGTH);
  const json = opts.protocol === 'http/json';
  const resourceAttributes = { [ATTR_SERVICE_NAME]: 'aibridge', [ATTR_SERVICE_VERSION]: opts.serviceVersion };
  const header: ExportHeader = { resource: resourceAttributes, scope: { name: 'aibridge', version: opts.serviceVersion } };
  const exporterConfig = (signal: 'traces' | 'metrics') => ({ url: signalUrl(opts.endpoint, signal), headers: opts.headers, timeoutMillis });

  // ---- spans ----
  const responses = json ? JsonTraceSerializer : ProtobufTraceSerializer;
  const delegate = createOtlpHttpExportDelegate<TraceRequest, unknown>(
    convertLegacyHttpOptions(exporterConfig('traces'), 'TRACES', 'v1/traces', { 'Content-Type': json ? 'application/json' : 'application/x-protobuf' }),
    { serializeRequest: (r) => r.body, deserializeResponse: (data) => responses.deserializeResponse(data) },
    'otlp_http_span_exporter',
    { name: 'span', countItems: (r) => r.count },
    undefined,
  );

  let open: SpanBatch | null = null; // taking spans
  const ready: SpanBatch[] = []; // full (or timed out), waiting for the export in flight
  let queued = 0; // spans in `open` and `ready`
  let exporting = 0; // spans in the export in flight
  let timer: NodeJS.Timeout | undefined;
  let idle: (() => void)[] = [];

  const seal = (): void => {
    clearTimeout(timer);
    timer = undefined;
    if (open === null) return;
    ready.push(open);
    open = null;
  };

  const prefixer = json ? undefined : requestPrefixer(header);
  const body = (b: SpanBatch): Uint8Array => {
    if (b.json !== null) return jsonRequest(header, b.json);
    const spans = b.proto!.written();
    const prefix = prefixer!(spans.length);
    return Buffer.concat([prefix, spans], prefix.length + spans.length);
  };

  /** Starts the next export when none is in flight (one at a time, as the BatchSpanProcessor). */
  const next = (): void => {
    if (exporting > 0) return;
    const b = ready.shift();
    if (b === undefined) {
      const waiting = idle;
      idle = [];
      for (const fn of waiting) fn();
      return;
    }
    queued -= b.count;
    exporting = b.count;
    let request: TraceRequest;
    try {
      request = { body: body(b), count: b.count };
    } catch (err) {
      finish({ code: ExportResultCode.FAILED, error: err as Error });
      return;
    }
    exportWithin(exportTimeoutMillis, 'span export', (done) => delegate.export(request, done), finish);
  };

  const finish = (result: ExportResult): void => {
    const n = exporting;
    exporting = 0;
    // The health first, then the counts: on the worker thread each is its own message, and a status
    // read between them must not show the spans dropped with the export still reported healthy.
    if (result.code === ExportResultCode.SUCCESS) {
      opts.onResult('traces', null);
      opts.onExported(n);
    } else {
      opts.onResult('traces', result.error ?? new Error('span export failed'));
      opts.onDropped('export_failed', n);
    }
    next();
  };

  // ---- metrics ----
  const metricExporter: PushMetricExporter =
    json ? new JsonMetricExporter(exporterConfig('metrics')) : new ProtoMetricExporter(exporterConfig('metrics'));
  const metrics = createGenAiMetrics({
    resource: resourceFromAttributes(resourceAttributes),
    scope: { name: 'aibridge', version: opts.serviceVersion },
    histogramTemporality: metricExporter.selectAggregationTemporality!(InstrumentType.HISTOGRAM),
    counterTemporality: metricExporter.selectAggregationTemporality!(InstrumentType.COUNTER),
  });
  const exportIntervalMillis = envNumber(env, 'OTEL_METRIC_EXPORT_INTERVAL', 60_000);
  const metricTimeoutMillis = Math.min(exportIntervalMillis, envNumber(env, 'OTEL_METRIC_EXPORT_TIMEOUT', 30_000));
  const exportMetrics = (): Promise<void> => {
    const data = metrics.collect();
    if (data === null) return Promise.resolve();
    return new Promise<void>((resolve) => {
      exportWithin(metricTimeoutMillis, 'metric export', (done) => metricExporter.export(data, done), (result) => {
        opts.onResult('metrics', result.code === ExportResultCode.SUCCESS ? null : (result.error ?? new Error('metric export failed')));
        resolve();
      });
    });
  };
  const metricTimer = setInterval(() => void exportMetrics(), exportIntervalMillis);
  metricTimer.unref();

  let stopped: Promise<void> | undefined;
  return {
    span(plan) {
      if (stopped || queued + exporting >= maxQueueSize) {
        opts.onDropped('queue_full', 1);
        return false;
      }
      open ??= json ? { proto: null, json: [], count: 0 } : { proto: new ProtoWriter(32 * 1024), json: null, count: 0 };
      if (open.json !== null) open.json.push(jsonSpan(plan, limits));
      else writeSpan(open.proto!, plan, limits);
      open.count++;
      queued++;
      if (open.count >= batchSize) {
        seal();
        next();
      } else if (timer === undefined) {
        timer = setTimeout(() => {
          seal();
          next();
        }, scheduledDelayMillis);
        timer.unref();
      }
      return true;
    },
    metrics(plan) {
      if (!stopped) metrics.record(plan);
    },
    pending: () => queued + exporting,
    shutdown() {
      stopped ??= (async () => {
        clearInterval(metricTimer);
        seal();
        const spansSent = new Promise<void>((resolve) => idle.push(resolve));
        next();
        await Promise.allSettled([spansSent, exportMetrics()]);
        await Promise.allSettled([delegate.shutdown(), metricExporter.shutdown()]);
      })();
      return stopped;
    },
  };
}
