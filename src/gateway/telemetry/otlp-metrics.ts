/**
 * The GenAI metric points (SPEC §14) aggregated by hand into the SDK's own `ResourceMetrics`, so
 * the SDK's OTLP metric exporters serialize and send them as they would a MeterProvider's.
 *
 * Why not the SDK's MeterProvider: each `histogram.record` finds its cell by hashing the attribute
 * object (`hashAttributes`: sort the keys, JSON.stringify), three to four times a call, which was
 * ~19 % of the export thread's CPU. Here one map lookup a call, keyed by a join of its four
 * attribute values, finds the cells of all three instruments, and each set's attribute object is
 * built once, when the set is first seen.
 *
 * Kept as the SDK does it (test/unit/gateway/telemetry/otlp-metrics.test.ts compares the two
 * point for point): the descriptors and scope; explicit-bucket histograms with min and max (a
 * value equal to a boundary counts in that boundary's bucket); sums added up per interval and then
 * folded into the running total at collect, so a float sum matches the SDK's to the last bit; the
 * reader's cardinality limit (2000 attribute sets per instrument between two collects, the rest
 * under `otel.metric.overflow`); a cumulative point starts at its set's first point.
 * One difference: a delta point always starts at the previous collect (or creation), where the
 * SDK starts a set first seen in an interval at that first point; both are valid OTLP.
 */
import { ValueType, type Attributes, type HrTime } from '@opentelemetry/api';
import { millisToHrTime } from '@opentelemetry/core';
import type { Resource } from '@opentelemetry/resources';
import {
  AggregationTemporality,
  DataPointType,
  InstrumentType,
  type HistogramMetricData,
  type MetricData,
  type MetricDescriptor,
  type ResourceMetrics,
  type SumMetricData,
} from '@opentelemetry/sdk-metrics';
import {
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_RESPONSE_MODEL,
  METRIC_GEN_AI_CLIENT_OPERATION_DURATION,
  METRIC_GEN_AI_CLIENT_TOKEN_USAGE,
} from './semconv.js';
import { ATTR_ERROR_TYPE, ATTR_GEN_AI_TOKEN_TYPE, TOKEN_TYPE, type MetricPlan } from './genai.js';

/** Semantic-convention bucket advice for the two GenAI client histograms. */
export const TOKEN_BUCKETS = [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864];
export const DURATION_BUCKETS = [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92];

export interface GenAiMetricsOptions {
  resource: Resource;
  scope: { name: string; version: string };
  /** From the exporter's selectAggregationTemporality(InstrumentType.HISTOGRAM / COUNTER). */
  histogramTemporality: AggregationTemporality;
  counterTemporality: AggregationTemporality;
  /** Clock in ms since epoch (tests pass a fake); default Date.now. */
  now?: () => number;
  /** Attribute sets per instrument between two collects, overflow included; default 2000 (the SDK reader's). */
  cardinalityLimit?: number;
}

export interface GenAiMetrics {
  /** Records one call's points as the SDK's instruments did (the same attribute sets, the same skips). */
  record(plan: MetricPlan): void;
  /**
   * The points to export now, as the SDK's ResourceMetrics; null when there is nothing to send.
   * Cumulative: every attribute set seen since start, start time fixed at the set's first point.
   * Delta: only sets with points since the last collect, start = previous collect (or creation).
   */
  collect(): ResourceMetrics | null;
}

/** The SDK's descriptor object (MetricDescriptor plus the instrument's type and advice). */
type Descriptor = MetricDescriptor & { type: InstrumentType; advice: { explicitBucketBoundaries?: number[] } };

/** The SDK's overflow attribute (DeltaMetricProcessor). */
const OVERFLOW_KEY = 'otel.metric.overflow';
/**
 * Joins the call attributes into a key. The key reads only the four that genai.ts metricPlan puts
 * there; a new one must be added to it. Model names are the client's: a NUL in one can only merge
 * two sets' points.
 */
const SEP = '\u0000';

interface Cell {
  attributes: Attributes;
  startMs: number;
  /** The collect interval of the cell's last point. */
  interval: number;
}

interface HistogramCell extends Cell {
  counts: number[];
  count: number;
  min: number;
  max: number;
  /** Since the last collect; folded into `total` there (the SDK's merge order). */
  sum: number;
  total: number;
}

interface SumCell extends Cell {
  sum: number;
  total: number;
}

/**
 * The cells of one set of the call attributes, for all three instruments: one map lookup a call
 * instead of one a point. A slot is null until the set has a point on that instrument.
 */
interface Group {
  tokenInput: HistogramCell | null;
  tokenOutput: HistogramCell | null;
  duration: HistogramCell | null;
  /** Duration cells of failed calls, by `error.type`. */
  errors: Map<string, HistogramCell> | null;
  cost: SumCell | null;
}

/**
 * One instrument's cardinality limit. It counts the sets with a point in the current interval, as
 * the SDK's active storage does, so a set seen before but quiet since the last collect counts
 * again when it comes back.
 */
class Instrument<C extends Cell> {
  active = 0;
  overflow: C | null = null;

  constructor(
    private readonly limit: number,
    private readonly now: () => number,
    private readonly make: (attributes: Attributes, startMs: number) => C,
  ) {}

  /**
   * The cell for a point in `interval` when `cell` (the set's, or null) is not yet live in it: the
   * set's own, made or woken up, or past the limit the overflow. Its attributes are made here,
   * once: a copy of the call's plus the instrument's own one.
   */
  activate(cell: C | null, interval: number, attributes: Attributes, key: string | null, value: string): C {
    if (this.active >= this.limit - 1) {
      const o = (this.overflow ??= this.make({ [OVERFLOW_KEY]: true }, this.now()));
      o.interval = interval;
      return o;
    }
    this.active++;
    if (cell === null) {
      const copy: Attributes = Object.assign({}, attributes);
      if (key !== null) copy[key] = value;
      cell = this.make(copy, this.now());
    }
    cell.interval = interval;
    return cell;
  }
}

/** Builds the instruments; points are aggregated until collect() is called. */
export function createGenAiMetrics(opts: GenAiMetricsOptions): GenAiMetrics {
  const now = opts.now ?? Date.now;
  const limit = opts.cardinalityLimit ?? 2000;
  const histogramCumulative = opts.histogramTemporality === AggregationTemporality.CUMULATIVE;
  const counterCumulative = opts.counterTemporality === AggregationTemporality.CUMULATIVE;
  const scope = { name: opts.scope.name, version: opts.scope.version };
  let lastCollectMs = now();
  /** Collects so far: a cell whose `interval` is this has a point since the last one. */
  let interval = 0;

  const tokenDescriptor: Descriptor = {
    name: METRIC_GEN_AI_CLIENT_TOKEN_USAGE,
    type: InstrumentType.HISTOGRAM,
    description: 'Number of input and output tokens used (input includes cache reads and writes).',
    unit: '{token}',
    valueType: ValueType.DOUBLE,
    advice: { explicitBucketBoundaries: TOKEN_BUCKETS },
  };
  const durationDescriptor: Descriptor = {
    name: METRIC_GEN_AI_CLIENT_OPERATION_DURATION,
    type: InstrumentType.HISTOGRAM,
    description: 'GenAI operation duration.',
    unit: 's',
    valueType: ValueType.DOUBLE,
    advice: { explicitBucketBoundaries: DURATION_BUCKETS },
  };
  const costDescriptor: Descriptor = {
    name: 'aibridge.cost',
    type: InstrumentType.COUNTER,
    description: 'Price of the calls at the current price table (SPEC §11).',
    unit: '[USD]',
    valueType: ValueType.DOUBLE,
    advice: {},
  };

  const histogramCell = (bounds: number[]) => (attributes: Attributes, startMs: number): HistogramCell => ({
    attributes,
    startMs,
    interval: -1,
    counts: new Array<number>(bounds.length + 1).fill(0),
    count: 0,
    min: Infinity,
    max: -Infinity,
    sum: 0,
    total: 0,
  });
  const tokens = new Instrument(limit, now, histogramCell(TOKEN_BUCKETS));
  const durations = new Instrument(limit, now, histogramCell(DURATION_BUCKETS));
  const costs = new Instrument<SumCell>(limit, now, (attributes, startMs) => ({ attributes, startMs, interval: -1, sum: 0, total: 0 }));
  const groups = new Map<string, Group>();

  /** `cell` when it goes out in this collect (and into `out`); null when a delta drops it. */
  function gather<C extends Cell>(cell: C | null, cumulative: boolean, out: C[]): C | null {
    if (cell === null) return null;
    if (!cumulative && cell.interval !== interval) return null;
    out.push(cell);
    return cell;
  }

  function histogramData(descriptor: Descriptor, cells: HistogramCell[], cumulative: boolean, end: HrTime): HistogramMetricData | null {
    if (cells.length === 0) return null;
    const boundaries = descriptor.advice.explicitBucketBoundaries ?? [];
    const deltaStart = millisToHrTime(lastCollectMs);
    return {
      descriptor,
      aggregationTemporality: cumulative ? AggregationTemporality.CUMULATIVE : AggregationTemporality.DELTA,
      dataPointType: DataPointType.HISTOGRAM,
      dataPoints: cells.map((c) => {
        const sum = c.total + c.sum;
        const point = {
          attributes: c.attributes,
          startTime: cumulative ? millisToHrTime(c.startMs) : deltaStart,
          endTime: end,
          value: { min: c.min, max: c.max, sum, buckets: { boundaries, counts: c.counts.slice() }, count: c.count },
        };
        if (cumulative) {
          c.total = sum;
          c.sum = 0;
        } else {
          c.counts.fill(0);
          c.count = 0;
          c.min = Infinity;
          c.max = -Infinity;
          c.sum = 0;
        }
        return point;
      }),
    };
  }

  function sumData(descriptor: Descriptor, cells: SumCell[], cumulative: boolean, end: HrTime): SumMetricData | null {
    if (cells.length === 0) return null;
    const deltaStart = millisToHrTime(lastCollectMs);
    return {
      descriptor,
      aggregationTemporality: cumulative ? AggregationTemporality.CUMULATIVE : AggregationTemporality.DELTA,
      dataPointType: DataPointType.SUM,
      dataPoints: cells.map((c) => {
        const value = c.total + c.sum;
        c.sum = 0;
        if (cumulative) c.total = value;
        return { attributes: c.attributes, startTime: cumulative ? millisToHrTime(c.startMs) : deltaStart, endTime: end, value };
      }),
      isMonotonic: true,
    };
  }

  return {
    record(plan) {
      const a = plan.attributes;
      const base = `${a[ATTR_GEN_AI_OPERATION_NAME]}${SEP}${a[ATTR_GEN_AI_PROVIDER_NAME]}${SEP}${a[ATTR_GEN_AI_REQUEST_MODEL]}${SEP}${a[ATTR_GEN_AI_RESPONSE_MODEL]}`;
      let g = groups.get(base);
      if (g === undefined) {
        g = { tokenInput: null, tokenOutput: null, duration: null, errors: null, cost: null };
        groups.set(base, g);
      }
      // Each slot: the cell when live in this interval, else through the limit (the overflow cell
      // is never kept in a slot).
      const d = plan.durationS;
      if (d !== null && d >= 0) {
        const et = plan.errorType;
        if (et === null) {
          let c = g.duration;
          if (c === null || c.interval !== interval) {
            c = durations.activate(c, interval, a, null, '');
            if (c !== durations.overflow) g.duration = c;
          }
          histogram(c, d, DURATION_BUCKETS);
        } else {
          let c = g.errors?.get(et) ?? null;
          if (c === null || c.interval !== interval) {
            c = durations.activate(c, interval, a, ATTR_ERROR_TYPE, et);
            if (c !== durations.overflow) (g.errors ??= new Map()).set(et, c);
          }
          histogram(c, d, DURATION_BUCKETS);
        }
      }
      if (plan.hasTokens) {
        if (plan.inputTokens >= 0) {
          let c = g.tokenInput;
          if (c === null || c.interval !== interval) {
            c = tokens.activate(c, interval, a, ATTR_GEN_AI_TOKEN_TYPE, TOKEN_TYPE.input);
            if (c !== tokens.overflow) g.tokenInput = c;
          }
          histogram(c, plan.inputTokens, TOKEN_BUCKETS);
        }
        if (plan.outputTokens >= 0) {
          let c = g.tokenOutput;
          if (c === null || c.interval !== interval) {
            c = tokens.activate(c, interval, a, ATTR_GEN_AI_TOKEN_TYPE, TOKEN_TYPE.output);
            if (c !== tokens.overflow) g.tokenOutput = c;
          }
          histogram(c, plan.outputTokens, TOKEN_BUCKETS);
        }
      }
      const cost = plan.costUsd;
      if (cost !== null && cost > 0) {
        let c = g.cost;
        if (c === null || c.interval !== interval) {
          c = costs.activate(c, interval, a, null, '');
          if (c !== costs.overflow) g.cost = c;
        }
        c.sum += cost;
      }
    },
    collect() {
      const endMs = now();
      const end = millisToHrTime(endMs);
      const h = histogramCumulative;
      const tokenCells: HistogramCell[] = [];
      const durationCells: HistogramCell[] = [];
      const costCells: SumCell[] = [];
      for (const [key, g] of groups) {
        g.tokenInput = gather(g.tokenInput, h, tokenCells);
        g.tokenOutput = gather(g.tokenOutput, h, tokenCells);
        g.duration = gather(g.duration, h, durationCells);
        if (g.errors !== null) {
          for (const [et, c] of g.errors) if (gather(c, h, durationCells) === null) g.errors.delete(et);
          if (g.errors.size === 0) g.errors = null;
        }
        g.cost = gather(g.cost, counterCumulative, costCells);
        // A delta set quiet for a whole interval is forgotten (it comes back as new).
        if (g.tokenInput === null && g.tokenOutput === null && g.duration === null && g.errors === null && g.cost === null) groups.delete(key);
      }
      tokens.overflow = gather(tokens.overflow, h, tokenCells);
      durations.overflow = gather(durations.overflow, h, durationCells);
      costs.overflow = gather(costs.overflow, counterCumulative, costCells);

      // The SDK's order: instruments as created, those without points left out.
      const metrics: MetricData[] = [];
      const t = histogramData(tokenDescriptor, tokenCells, h, end);
      if (t !== null) metrics.push(t);
      const d = histogramData(durationDescriptor, durationCells, h, end);
      if (d !== null) metrics.push(d);
      const c = sumData(costDescriptor, costCells, counterCumulative, end);
      if (c !== null) metrics.push(c);
      tokens.active = durations.active = costs.active = 0;
      interval++;
      lastCollectMs = endMs;
      if (metrics.length === 0) return null;
      return { resource: opts.resource, scopeMetrics: [{ scope, metrics }] };
    },
  };
}

/**
 * One value into a histogram cell, as the SDK's HistogramAccumulation. NaN and negatives never get
 * here: the SDK's instrument drops negatives too, and turns a NaN into an empty point (count 0),
 * which metricPlan never asks for.
 */
function histogram(c: HistogramCell, value: number, bounds: number[]): void {
  c.count++;
  c.sum += value;
  if (value < c.min) c.min = value;
  if (value > c.max) c.max = value;
  // First boundary >= value (the SDK's binarySearchUB): a value on a boundary is in that bucket.
  let lo = 0;
  let hi = bounds.length - 1;
  let idx = bounds.length;
  while (hi >= lo) {
    const mid = (lo + hi) >>> 1;
    if (bounds[mid]! < value) lo = mid + 1;
    else {
      idx = mid;
      hi = mid - 1;
    }
  }
  c.counts[idx]!++;
}
