/**
 * The hand-made GenAI metric aggregation (src/gateway/telemetry/otlp-metrics.ts) against the SDK's
 * own MeterProvider fed the same calls: the same ResourceMetrics (times aside), in both
 * temporalities, and the same bytes from the OTLP serializers the exporters use.
 */
import { describe, expect, it } from 'vitest';
import type { Attributes, HrTime } from '@opentelemetry/api';
import { millisToHrTime } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AggregationTemporality,
  InstrumentType,
  MeterProvider,
  MetricReader,
  type DataPoint,
  type MetricData,
  type MetricReaderOptions,
  type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import { JsonMetricsSerializer, ProtobufMetricsSerializer } from '@opentelemetry/otlp-transformer';
import { createGenAiMetrics, DURATION_BUCKETS, TOKEN_BUCKETS, type GenAiMetrics } from '../../../../src/gateway/telemetry/otlp-metrics.js';
import { ATTR_ERROR_TYPE, ATTR_GEN_AI_TOKEN_TYPE, TOKEN_TYPE, type MetricPlan } from '../../../../src/gateway/telemetry/genai.js';

const resource = resourceFromAttributes({ 'service.name': 'aibridge', 'service.version': '1.2.3' });
const { CUMULATIVE, DELTA } = AggregationTemporality;

/** A reader whose collect() the test calls. */
class TestReader extends MetricReader {
  constructor(options: MetricReaderOptions) {
    super(options);
  }
  protected override onShutdown(): Promise<void> {
    return Promise.resolve();
  }
  protected override onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
}

/** The SDK path as otlp.ts had it before its per-call work was written by hand: same instruments, same record calls. */
function sdkMetrics(histogramTemporality: AggregationTemporality, counterTemporality: AggregationTemporality, cardinalityLimit?: number) {
  const reader = new TestReader({
    aggregationTemporalitySelector: (t) => (t === InstrumentType.COUNTER ? counterTemporality : histogramTemporality),
    ...(cardinalityLimit === undefined ? {} : { cardinalitySelector: () => cardinalityLimit }),
  });
  const provider = new MeterProvider({ resource, readers: [reader] });
  const meter = provider.getMeter('aibridge', '1.2.3');
  const tokenUsage = meter.createHistogram('gen_ai.client.token.usage', {
    description: 'Number of input and output tokens used (input includes cache reads and writes).',
    unit: '{token}',
    advice: { explicitBucketBoundaries: TOKEN_BUCKETS },
  });
  const duration = meter.createHistogram('gen_ai.client.operation.duration', {
    description: 'GenAI operation duration.',
    unit: 's',
    advice: { explicitBucketBoundaries: DURATION_BUCKETS },
  });
  const cost = meter.createCounter('aibridge.cost', {
    description: 'Price of the calls at the current price table (SPEC §11).',
    unit: '[USD]',
  });
  const withAttribute = (attributes: Attributes, key: string, value: string): Attributes => Object.assign({}, attributes, { [key]: value });
  return {
    record(plan: MetricPlan) {
      if (plan.durationS !== null) {
        duration.record(plan.durationS, plan.errorType === null ? plan.attributes : withAttribute(plan.attributes, ATTR_ERROR_TYPE, plan.errorType));
      }
      if (plan.hasTokens) {
        tokenUsage.record(plan.inputTokens, withAttribute(plan.attributes, ATTR_GEN_AI_TOKEN_TYPE, TOKEN_TYPE.input));
        tokenUsage.record(plan.outputTokens, withAttribute(plan.attributes, ATTR_GEN_AI_TOKEN_TYPE, TOKEN_TYPE.output));
      }
      if (plan.costUsd !== null && plan.costUsd > 0) cost.add(plan.costUsd, plan.attributes);
    },
    async collect(): Promise<ResourceMetrics | null> {
      const { resourceMetrics, errors } = await reader.collect();
      expect(errors).toEqual([]);
      return resourceMetrics.scopeMetrics.length === 0 ? null : resourceMetrics;
    },
    shutdown: () => provider.shutdown(),
  };
}

function ours(histogramTemporality: AggregationTemporality, counterTemporality: AggregationTemporality, extra: { now?: () => number; cardinalityLimit?: number } = {}): GenAiMetrics {
  return createGenAiMetrics({ resource, scope: { name: 'aibridge', version: '1.2.3' }, histogramTemporality, counterTemporality, ...extra });
}

/** A fresh attribute object per call, as genai.ts metricPlan makes one. */
const attrs = (provider: string, model: string, responseModel = model): Attributes => ({
  'gen_ai.operation.name': 'chat',
  'gen_ai.provider.name': provider,
  'gen_ai.request.model': model,
  'gen_ai.response.model': responseModel,
});
const A = () => attrs('anthropic', 'claude-sonnet-4-5');
const B = () => attrs('openai', 'gpt-4o', 'gpt-4o-2024-08-06');
const C = () => attrs('aws.bedrock', 'anthropic.claude-3-haiku');
const D = () => attrs('anthropic', 'claude-sonnet-4-5', 'claude-sonnet-4-5-20250929');
const E = () => attrs('openai', 'o3');

const plan = (attributes: Attributes, over: Partial<MetricPlan> = {}): MetricPlan => ({
  attributes,
  durationS: 1.5,
  inputTokens: 100,
  outputTokens: 20,
  hasTokens: true,
  errorType: null,
  costUsd: 0.01,
  ...over,
});

/** Before the first collect: edges, values past the last bucket, failures, skips, float sums. */
const FIRST: MetricPlan[] = [
  plan(A(), { durationS: 0.01, inputTokens: 1, outputTokens: 0, costUsd: 0.1 }),
  plan(A(), { durationS: 0.1, inputTokens: 4, outputTokens: 16, costUsd: 0.2 }),
  plan(A(), { durationS: 0.2, inputTokens: 67108864, outputTokens: 1e8, costUsd: 0.3 }),
  plan(A(), { durationS: 81.92, inputTokens: 5, outputTokens: 1024 }),
  plan(B(), { durationS: 0.5, hasTokens: false, inputTokens: 0, outputTokens: 0, errorType: '429', costUsd: null }),
  plan(B(), { durationS: null, hasTokens: false, inputTokens: 0, outputTokens: 0, errorType: '_OTHER', costUsd: 0 }),
  plan(B(), { durationS: 0.0100001, errorType: '_OTHER', costUsd: null }),
  plan(C(), { durationS: 120, inputTokens: 3, outputTokens: 17, costUsd: 0 }),
  plan(C(), { durationS: 0, inputTokens: 0, outputTokens: 0, costUsd: 1e-7 }),
  plan(A(), { durationS: 3, errorType: '503', inputTokens: 2000, outputTokens: 7 }),
  plan(D(), { durationS: 0.1, inputTokens: 65536, outputTokens: 65537, costUsd: 0.7 }),
  plan(B(), { durationS: null, inputTokens: 50, outputTokens: 60, costUsd: null }),
];
/**
 * Between the first and second collect: known sets again and one new one. D's sums tell a running
 * total from the SDK's per-interval fold: 0.1 + (0.2 + 0.3) is 0.6, (0.1 + 0.2) + 0.3 is not.
 */
const SECOND: MetricPlan[] = [
  plan(D(), { durationS: 0.2, inputTokens: 1, outputTokens: 2, costUsd: 0.1 }),
  plan(D(), { durationS: 0.3, inputTokens: 3, outputTokens: 4, costUsd: 0.2 }),
  plan(A(), { durationS: 0.7, inputTokens: 16, outputTokens: 17, costUsd: 0.3 }),
  plan(A(), { durationS: 0.1, inputTokens: 262144, outputTokens: 262145, costUsd: 0.1 }),
  plan(E(), { durationS: 40.96, inputTokens: 4194304, outputTokens: 1, costUsd: 2.5 }),
  plan(B(), { durationS: 0.02, hasTokens: false, errorType: '429', costUsd: null }),
];

/** Times dropped, data points in one order (the SDK's follows its hash map's). */
function normalize(rm: ResourceMetrics | null) {
  if (rm === null) return null;
  return {
    resource: rm.resource,
    scopeMetrics: rm.scopeMetrics.map((sm) => ({
      scope: sm.scope,
      metrics: sm.metrics.map((m) => ({
        ...m,
        dataPoints: sortPoints(m.dataPoints as DataPoint<unknown>[]).map(({ attributes, value }) => ({ attributes, value })),
      })),
    })),
  };
}

const attributeKey = (a: Attributes) => JSON.stringify(Object.entries(a).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)));
const sortPoints = <T>(points: DataPoint<T>[]) => [...points].sort((p, q) => (attributeKey(p.attributes) < attributeKey(q.attributes) ? -1 : 1));

/** Every point's times set to the same values, points sorted: what two serializations can be compared on. */
function fixTimes(rm: ResourceMetrics, start: HrTime, end: HrTime): ResourceMetrics {
  return {
    resource: rm.resource,
    scopeMetrics: rm.scopeMetrics.map((sm) => ({
      scope: sm.scope,
      metrics: sm.metrics.map((m) => ({ ...m, dataPoints: sortPoints(m.dataPoints as DataPoint<unknown>[]).map((p) => ({ ...p, startTime: start, endTime: end })) }) as MetricData),
    })),
  };
}

function points(rm: ResourceMetrics | null): DataPoint<unknown>[] {
  return (rm?.scopeMetrics ?? []).flatMap((sm) => sm.metrics.flatMap((m) => m.dataPoints as DataPoint<unknown>[]));
}

const hrMs = (t: HrTime) => t[0] * 1000 + t[1] / 1e6;

describe('createGenAiMetrics, against the SDK MeterProvider', () => {
  for (const [label, h, c] of [
    ['cumulative', CUMULATIVE, CUMULATIVE],
    ['delta', DELTA, DELTA],
    ['delta histograms, cumulative counter', DELTA, CUMULATIVE],
  ] as const) {
    it(`gives the same points over three collects (${label})`, async () => {
      const sdk = sdkMetrics(h, c);
      const mine = ours(h, c);
      expect(mine.collect()).toBeNull();
      expect(await sdk.collect()).toBeNull();

      for (const p of FIRST) {
        sdk.record(p);
        mine.record(p);
      }
      const first = mine.collect();
      expect(first).not.toBeNull();
      expect(normalize(first)).toEqual(normalize(await sdk.collect()));

      for (const p of SECOND) {
        sdk.record(p);
        mine.record(p);
      }
      const second = mine.collect();
      expect(normalize(second)).toEqual(normalize(await sdk.collect()));
      // Nothing between the second and third collect: delta has nothing to send, cumulative repeats.
      const third = mine.collect();
      expect(normalize(third)).toEqual(normalize(await sdk.collect()));
      if (h === DELTA && c === DELTA) expect(third).toBeNull();
      else expect(third).not.toBeNull();
      for (const p of points(first).concat(points(second), points(third))) expect(hrMs(p.startTime)).toBeLessThanOrEqual(hrMs(p.endTime));
      await sdk.shutdown();
    });

    it(`overflows past the cardinality limit as the SDK reader does (${label})`, async () => {
      const limit = 4;
      const sdk = sdkMetrics(h, c, limit);
      const mine = ours(h, c, { cardinalityLimit: limit });
      const models = ['m1', 'm2', 'm3', 'm4', 'm5', 'm6'];
      const run = (names: string[]) => {
        for (const m of names) {
          const p = plan(attrs('openai', m), { durationS: m.length / 10, inputTokens: 10, outputTokens: 3, costUsd: 0.5 });
          sdk.record(p);
          mine.record(p);
        }
      };
      run(models);
      expect(normalize(mine.collect())).toEqual(normalize(await sdk.collect()));
      // m5 was in overflow before, m1 comes back after a quiet interval, m7 is new.
      run(['m5', 'm6', 'm1', 'm7', 'm5', 'm2']);
      const second = mine.collect();
      expect(JSON.stringify(second)).toContain('otel.metric.overflow');
      expect(normalize(second)).toEqual(normalize(await sdk.collect()));
      run(['m3']);
      expect(normalize(mine.collect())).toEqual(normalize(await sdk.collect()));
      await sdk.shutdown();
    });
  }

  it('returns null before any point, and after calls that record nothing', () => {
    for (const t of [CUMULATIVE, DELTA]) {
      const mine = ours(t, t);
      expect(mine.collect()).toBeNull();
      mine.record(plan(A(), { durationS: null, hasTokens: false, costUsd: null }));
      mine.record(plan(B(), { durationS: null, hasTokens: false, costUsd: 0 }));
      expect(mine.collect()).toBeNull();
      mine.record(plan(A(), { durationS: null, hasTokens: false, costUsd: 0.5 }));
      expect(mine.collect()?.scopeMetrics[0]?.metrics.map((m) => m.descriptor.name)).toEqual(['aibridge.cost']);
    }
  });

  it('cumulative: a set starts at its first point and keeps that start; the end is the collect', () => {
    let now = 1_700_000_000_000;
    const mine = ours(CUMULATIVE, CUMULATIVE, { now: () => now });
    now += 100;
    mine.record(plan(A()));
    now += 900;
    const first = mine.collect();
    now += 500;
    mine.record(plan(E()));
    mine.record(plan(A()));
    now += 500;
    const second = mine.collect();

    const byModel = (rm: ResourceMetrics | null, model: string) => points(rm).filter((p) => p.attributes['gen_ai.request.model'] === model);
    expect(points(first)).toHaveLength(4); // input, output, duration, cost
    for (const p of points(first)) {
      expect(p.startTime).toEqual(millisToHrTime(1_700_000_000_100));
      expect(p.endTime).toEqual(millisToHrTime(1_700_000_001_000));
    }
    for (const p of byModel(second, 'claude-sonnet-4-5')) expect(p.startTime).toEqual(millisToHrTime(1_700_000_000_100));
    for (const p of byModel(second, 'o3')) expect(p.startTime).toEqual(millisToHrTime(1_700_000_001_500));
    for (const p of points(second)) expect(p.endTime).toEqual(millisToHrTime(1_700_000_002_000));
    expect(byModel(second, 'claude-sonnet-4-5').find((p) => p.attributes[ATTR_GEN_AI_TOKEN_TYPE] === 'input')?.value).toMatchObject({ count: 2, sum: 200 });
  });

  it('delta: points start at the previous collect (or creation) and only sets with points are sent', () => {
    let now = 1_700_000_000_000;
    const mine = ours(DELTA, DELTA, { now: () => now });
    now += 100;
    mine.record(plan(A()));
    now += 900;
    const first = mine.collect();
    now += 500;
    mine.record(plan(E()));
    now += 500;
    const second = mine.collect();

    for (const p of points(first)) {
      expect(p.startTime).toEqual(millisToHrTime(1_700_000_000_000));
      expect(p.endTime).toEqual(millisToHrTime(1_700_000_001_000));
    }
    expect(points(second)).toHaveLength(4);
    for (const p of points(second)) {
      expect(p.attributes['gen_ai.request.model']).toBe('o3');
      expect(p.startTime).toEqual(millisToHrTime(1_700_000_001_000));
      expect(p.endTime).toEqual(millisToHrTime(1_700_000_002_000));
    }
  });

  it('hands out snapshots: later points change neither an earlier collect nor the caller attributes', () => {
    const mine = ours(CUMULATIVE, CUMULATIVE);
    const a = A();
    mine.record(plan(a, { durationS: 0.5 }));
    const first = mine.collect();
    const before = JSON.stringify(normalize(first));
    mine.record(plan(A(), { durationS: 0.5 }));
    mine.collect();
    expect(JSON.stringify(normalize(first))).toBe(before);
    expect(Object.keys(a)).toHaveLength(4);
    for (const p of points(first)) expect(p.attributes).not.toBe(a);
  });
});

describe('createGenAiMetrics output through the OTLP serializers', () => {
  for (const t of [CUMULATIVE, DELTA]) {
    it(`serializes to the same bytes as the SDK's points (${t === CUMULATIVE ? 'cumulative' : 'delta'})`, async () => {
      const sdk = sdkMetrics(t, t);
      const mine = ours(t, t);
      for (const p of FIRST) {
        sdk.record(p);
        mine.record(p);
      }
      await sdk.collect();
      mine.collect();
      for (const p of SECOND) {
        sdk.record(p);
        mine.record(p);
      }
      const ourRm = mine.collect();
      const sdkRm = await sdk.collect();
      expect(ourRm).not.toBeNull();
      expect(sdkRm).not.toBeNull();

      const proto = ProtobufMetricsSerializer.serializeRequest(ourRm!);
      expect(proto?.length ?? 0).toBeGreaterThan(0);
      const start = millisToHrTime(1_700_000_000_000);
      const end = millisToHrTime(1_700_000_060_000);
      const ourFixed = fixTimes(ourRm!, start, end);
      const sdkFixed = fixTimes(sdkRm!, start, end);
      expect(Buffer.from(ProtobufMetricsSerializer.serializeRequest(ourFixed)!)).toEqual(Buffer.from(ProtobufMetricsSerializer.serializeRequest(sdkFixed)!));
      expect(Buffer.from(JsonMetricsSerializer.serializeRequest(ourFixed)!).toString()).toBe(Buffer.from(JsonMetricsSerializer.serializeRequest(sdkFixed)!).toString());
      await sdk.shutdown();
    });
  }
});
