/**
 * One OTLP export pipeline (SPEC §14) built from the official OpenTelemetry JS SDK: a tracer
 * provider with a BatchSpanProcessor, a meter provider with a periodic reader, and the OTLP/HTTP
 * exporters for the chosen protocol (`http/protobuf` or `http/json`).
 *
 * Bounded and never in a client's way:
 * - spans are made on the fan-out's batched drain (after the client's last bytes) and queued; the
 *   SDK exports them in batches on its own timer, retrying 429/502/503/504 and network errors with
 *   exponential backoff (the exporter's RetryingTransport, bounded by the export timeout);
 * - at most `OTEL_BSP_MAX_QUEUE_SIZE` spans (default 2048) are held between "made" and "answered
 *   by the collector"; past that a span is dropped and counted (`queue_full`), so a collector that
 *   is down or slow costs a bounded amount of memory and nothing else;
 * - a batch the exporter gives up on is counted (`export_failed`) and makes the health say so.
 *
 * Version line: the SDK's 2.x / 0.22x line, the newest that runs on Node 20 (3.x and 0.300+ need
 * Node ≥ 22.15). Kept in lockstep (2.12.0 / 0.223.0, exact pins) so one copy of each package loads.
 */
import { SpanKind, SpanStatusCode, type Attributes, type Tracer, type Histogram, type Counter } from '@opentelemetry/api';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AlwaysOnSampler,
  BasicTracerProvider,
  BatchSpanProcessor,
  type ReadableSpan,
  type SpanExporter,
} from '@opentelemetry/sdk-trace-base';
import {
  MeterProvider,
  PeriodicExportingMetricReader,
  type PushMetricExporter,
  type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import { OTLPTraceExporter as ProtoTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { OTLPTraceExporter as JsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPMetricExporter as ProtoMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { OTLPMetricExporter as JsonMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import { METRIC_GEN_AI_CLIENT_OPERATION_DURATION, METRIC_GEN_AI_CLIENT_TOKEN_USAGE } from './semconv.js';
import type { OtlpProtocol } from '../../config/schema.js';
import { envNumber } from './env.js';
import { ATTR_ERROR_TYPE, ATTR_GEN_AI_TOKEN_TYPE, TOKEN_TYPE, type MetricPlan, type SpanPlan } from './genai.js';

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
 * SDK's 512: a batch is serialized in one go on the event loop (a 512-span protobuf blocks it for
 * ~10-20 ms on the bench machine, which calls in flight feel); 128 spreads that over smaller bites.
 */
const DEFAULT_BATCH = 128;

/**
 * Longest attribute value kept on a span unless OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT (or
 * OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT) says otherwise: content attributes can be 1 MiB per field
 * (max_stored_field), and the queue holds up to OTEL_BSP_MAX_QUEUE_SIZE spans, so the cap is what
 * bounds the queue's memory (2048 × a few × 32 KiB) when the collector is down.
 */
const DEFAULT_VALUE_LENGTH = 32 * 1024;

/** Semantic-convention bucket advice for the two GenAI client histograms. */
const TOKEN_BUCKETS = [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864];
const DURATION_BUCKETS = [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92];

/** `http://host:4318` or `http://host:4318/` (or one already ending in /v1/traces) → base + path. */
export function signalUrl(endpoint: string, signal: 'traces' | 'metrics'): string {
  const base = endpoint.replace(/\/+$/, '').replace(/\/v1\/(traces|metrics|logs)$/, '');
  return `${base}/v1/${signal}`;
}

/** Builds and starts a pipeline. */
export function createOtlpPipeline(opts: OtlpPipelineOptions): OtlpPipeline {
  const env = opts.env;
  const timeoutMillis = envNumber(env, 'OTEL_EXPORTER_OTLP_TIMEOUT', 10_000);
  const maxQueueSize = envNumber(env, 'OTEL_BSP_MAX_QUEUE_SIZE', 2048);
  const resource = resourceFromAttributes({ [ATTR_SERVICE_NAME]: 'aibridge', [ATTR_SERVICE_VERSION]: opts.serviceVersion });

  const exporterConfig = (signal: 'traces' | 'metrics') => ({
    url: signalUrl(opts.endpoint, signal),
    headers: opts.headers,
    timeoutMillis,
  });
  const inner: SpanExporter =
    opts.protocol === 'http/json' ? new JsonTraceExporter(exporterConfig('traces')) : new ProtoTraceExporter(exporterConfig('traces'));

  // Spans between span() and the exporter's answer. The BatchSpanProcessor's own queue is a part
  // of this, so bounding it here means the SDK never drops a span silently.
  let inSdk = 0;
  const counting: SpanExporter = {
    export(spans: ReadableSpan[], done: (r: ExportResult) => void) {
      inner.export(spans, (result) => {
        inSdk -= spans.length;
        if (result.code === ExportResultCode.SUCCESS) {
          opts.onExported(spans.length);
          opts.onResult('traces', null);
        } else {
          opts.onDropped('export_failed', spans.length);
          opts.onResult('traces', result.error ?? new Error('span export failed'));
        }
        done(result);
      });
    },
    shutdown: () => inner.shutdown(),
    forceFlush: () => inner.forceFlush?.() ?? Promise.resolve(),
  };

  const tracerProvider = new BasicTracerProvider({
    resource,
    sampler: new AlwaysOnSampler(),
    spanLimits: {
      attributeValueLengthLimit: envNumber(env, 'OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT', envNumber(env, 'OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT', DEFAULT_VALUE_LENGTH)),
    },
    spanProcessors: [
      new BatchSpanProcessor(counting, {
        maxQueueSize,
        maxExportBatchSize: Math.min(maxQueueSize, envNumber(env, 'OTEL_BSP_MAX_EXPORT_BATCH_SIZE', DEFAULT_BATCH)),
        scheduledDelayMillis: envNumber(env, 'OTEL_BSP_SCHEDULE_DELAY', 5000),
        exportTimeoutMillis: envNumber(env, 'OTEL_BSP_EXPORT_TIMEOUT', 30_000),
      }),
    ],
  });
  const tracer: Tracer = tracerProvider.getTracer('aibridge', opts.serviceVersion);

  const metricInner: PushMetricExporter =
    opts.protocol === 'http/json' ? new JsonMetricExporter(exporterConfig('metrics')) : new ProtoMetricExporter(exporterConfig('metrics'));
  const metricExporter: PushMetricExporter = {
    export(metrics: ResourceMetrics, done: (r: ExportResult) => void) {
      metricInner.export(metrics, (result) => {
        opts.onResult('metrics', result.code === ExportResultCode.SUCCESS ? null : (result.error ?? new Error('metric export failed')));
        done(result);
      });
    },
    forceFlush: () => metricInner.forceFlush(),
    shutdown: () => metricInner.shutdown(),
    selectAggregationTemporality: metricInner.selectAggregationTemporality?.bind(metricInner),
    selectAggregation: metricInner.selectAggregation?.bind(metricInner),
  };
  const exportIntervalMillis = envNumber(env, 'OTEL_METRIC_EXPORT_INTERVAL', 60_000);
  const meterProvider = new MeterProvider({
    resource,
    readers: [
      new PeriodicExportingMetricReader({
        exporter: metricExporter,
        exportIntervalMillis,
        exportTimeoutMillis: Math.min(exportIntervalMillis, envNumber(env, 'OTEL_METRIC_EXPORT_TIMEOUT', 30_000)),
      }),
    ],
  });
  const meter = meterProvider.getMeter('aibridge', opts.serviceVersion);
  const tokenUsage: Histogram = meter.createHistogram(METRIC_GEN_AI_CLIENT_TOKEN_USAGE, {
    description: 'Number of input and output tokens used (input includes cache reads and writes).',
    unit: '{token}',
    advice: { explicitBucketBoundaries: TOKEN_BUCKETS },
  });
  const duration: Histogram = meter.createHistogram(METRIC_GEN_AI_CLIENT_OPERATION_DURATION, {
    description: 'GenAI operation duration.',
    unit: 's',
    advice: { explicitBucketBoundaries: DURATION_BUCKETS },
  });
  const cost: Counter = meter.createCounter('aibridge.cost', {
    description: 'Price of the calls at the current price table (SPEC §11).',
    unit: '[USD]',
  });

  let stopped: Promise<void> | undefined;
  return {
    span(plan) {
      if (stopped || inSdk >= maxQueueSize) {
        opts.onDropped('queue_full', 1);
        return false;
      }
      inSdk++;
      const span = tracer.startSpan(plan.name, { kind: SpanKind.CLIENT, startTime: plan.startMs, attributes: plan.attributes });
      for (const e of plan.events) span.addEvent(e.name, e.attributes, e.timeMs);
      if (plan.errorMessage !== null) span.setStatus({ code: SpanStatusCode.ERROR, message: plan.errorMessage });
      span.end(plan.endMs);
      return true;
    },
    metrics(plan) {
      if (stopped) return;
      if (plan.durationS !== null) {
        duration.record(plan.durationS, plan.errorType === null ? plan.attributes : withAttribute(plan.attributes, ATTR_ERROR_TYPE, plan.errorType));
      }
      if (plan.hasTokens) {
        tokenUsage.record(plan.inputTokens, withAttribute(plan.attributes, ATTR_GEN_AI_TOKEN_TYPE, TOKEN_TYPE.input));
        tokenUsage.record(plan.outputTokens, withAttribute(plan.attributes, ATTR_GEN_AI_TOKEN_TYPE, TOKEN_TYPE.output));
      }
      if (plan.costUsd !== null && plan.costUsd > 0) cost.add(plan.costUsd, plan.attributes);
    },
    pending: () => inSdk,
    shutdown() {
      stopped ??= Promise.allSettled([tracerProvider.shutdown(), meterProvider.shutdown()]).then(() => undefined);
      return stopped;
    },
  };
}

/**
 * `attributes` plus one more, as a new object. Object.assign rather than `{ ...a, [key]: v }`: a
 * spread followed by a new key takes V8's slow path (~1 µs each on Node 20, three per record).
 */
function withAttribute(attributes: Attributes, key: string, value: string): Attributes {
  const out: Attributes = Object.assign({}, attributes);
  out[key] = value;
  return out;
}
