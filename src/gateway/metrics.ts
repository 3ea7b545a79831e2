/**
 * Prometheus metrics for `GET /metrics` (SPEC §5), on a registry of our own (never prom-client's
 * global one, so several gateways in one test process do not collide).
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Interception } from '../record/types.js';
import type { RecordConsumer } from '../record/fanout.js';
import { isoMs } from '../record/iso-time.js';

/** What a purge removed: whole records, or content only (content retention). */
export type PurgeKind = 'records' | 'content';

/** The gateway's metrics; every method is cheap and never throws. */
export interface Metrics {
  readonly registry: Registry;
  /** The fan-out consumer: {@link started} at begin, {@link finished} in the batch. */
  readonly records: RecordConsumer;
  /** A call passed authentication and started (in-flight gauge up). */
  started(rec: Interception): void;
  /** A record finished (any end status): counters, tokens, tools, duration. */
  finished(rec: Interception): void;
  /** Retention removed `n` records or stripped content from `n` records. */
  purged(kind: PurgeKind, n: number): void;
  /** Upstream circuit state per provider key (0 closed, 1 half-open, 2 open). */
  setCircuitState(key: string, state: 'closed' | 'half_open' | 'open'): void;
  /** A request the gateway refused before it became an interception (401, 503, 413, …). */
  rejected(reason: string): void;
  /** OpenTelemetry export (SPEC §14): `n` spans reached the collector. */
  telemetryExported(n: number): void;
  /** OpenTelemetry export: `n` spans were given up (`queue_full` or `export_failed` after retries). */
  telemetryDropped(reason: 'queue_full' | 'export_failed', n: number): void;
  /** Prometheus text exposition. */
  render(): Promise<string>;
  /** Content-Type for {@link render}'s output. */
  readonly contentType: string;
}

const CIRCUIT_VALUE = { closed: 0, half_open: 1, open: 2 } as const;
const TOKEN_TYPES = ['input', 'output', 'cache_read', 'cache_write'] as const;
/** Durations held before they are observed anyway (bounds memory when nobody scrapes). */
const MAX_PENDING_DURATIONS = 1024;

/** Longest label value exported; longer ones (a client may send any model name) are cut, ending in `…`. */
export const MAX_LABEL_CHARS = 128;
/** Label value that stands for every model (or tool, circuit) past the limits below. */
export const OTHER_LABEL = 'other';
/**
 * Limits on distinct label values (issue #13: 1,000 calls with distinct 10 KB model names made a
 * 212 MB scrape and 1.4 GB of RSS, for good). The first models, tools and circuits seen keep their
 * names; later new ones are counted under {@link OTHER_LABEL}. Counts survive until restart.
 */
export interface LabelLimits {
  /** Distinct provider + model pairs (default 100). */
  models?: number;
  /** Distinct model + tool pairs for `aibridge_tool_calls_total` (default 500). */
  toolSeries?: number;
  /** Distinct circuit keys for `aibridge_upstream_circuit_state` (default 100). */
  circuits?: number;
}

/** Cuts a label value to {@link MAX_LABEL_CHARS}. */
const cutLabel = (v: string): string => (v.length > MAX_LABEL_CHARS ? v.slice(0, MAX_LABEL_CHARS - 1) + '…' : v);

/** Admits at most `limit` distinct keys; the rest map to `null` (the caller folds them). */
class Admitted {
  private readonly seen = new Set<string>();
  constructor(private readonly limit: number) {}
  has(key: string): boolean {
    if (this.seen.has(key)) return true;
    if (this.seen.size >= this.limit) return false;
    this.seen.add(key);
    return true;
  }
}

/** A token count a counter can take (prom-client throws on negative or non-finite values). */
const count = (v: unknown): number => (typeof v === 'number' && v > 0 && Number.isFinite(v) ? v : 0);

interface ModelTally {
  provider: string;
  model: string;
  /** client + status → count. */
  calls: Map<string, { client: string; status: string; n: number }>;
  durations: number[];
  /** input, output, cache_read, cache_write, reasoning. */
  tokens: [number, number, number, number, number];
  tokensSeen: boolean;
  reasoningSeen: boolean;
  tools: Map<string, number>;
}

/** Creates the metric set on a fresh registry, with Node's default process metrics. */
export function createMetrics(opts: { defaultMetrics?: boolean; limits?: LabelLimits } = {}): Metrics {
  const registry = new Registry();
  const models = new Admitted(opts.limits?.models ?? 100);
  const toolSeries = new Admitted(opts.limits?.toolSeries ?? 500);
  const circuits = new Admitted(opts.limits?.circuits ?? 100);
  if (opts.defaultMetrics !== false) collectDefaultMetrics({ register: registry });

  // Finished records are tallied in plain maps (one lookup per record instead of a label hash and
  // validation per prom-client call, ~9 µs a record) and handed to prom-client when the registry
  // is read: each metric's `collect` runs first, so a scrape always sees every record handed in.
  const interceptions = new Counter({
    name: 'aibridge_interceptions_total',
    help: 'Finished interceptions by provider, model, client and end status.',
    labelNames: ['provider', 'model', 'client', 'status'] as const,
    registers: [registry],
    collect: () => flush(),
  });
  const inFlight = new Gauge({
    name: 'aibridge_interceptions_in_flight',
    help: 'Interceptions currently in flight.',
    registers: [registry],
    collect() {
      this.set(open.size);
    },
  });
  const duration = new Histogram({
    name: 'aibridge_interception_duration_seconds',
    help: 'Wall time of an interception, from start to end.',
    labelNames: ['provider', 'model'] as const,
    buckets: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 300, 600],
    registers: [registry],
    collect: () => flush(),
  });
  const tokens = new Counter({
    name: 'aibridge_tokens_total',
    help: 'Tokens by provider, model and type (input excludes cache reads).',
    labelNames: ['provider', 'model', 'type'] as const,
    registers: [registry],
    collect: () => flush(),
  });
  const toolCalls = new Counter({
    name: 'aibridge_tool_calls_total',
    help: 'Tool calls the model made, by provider, model and tool.',
    labelNames: ['provider', 'model', 'tool'] as const,
    registers: [registry],
    collect: () => flush(),
  });
  const purgedTotal = new Counter({
    name: 'aibridge_retention_purged_total',
    help: 'Records deleted (kind=records) or stripped of content (kind=content) by retention.',
    labelNames: ['kind'] as const,
    registers: [registry],
  });
  const circuit = new Gauge({
    name: 'aibridge_upstream_circuit_state',
    help: 'Upstream circuit breaker state (0 closed, 1 half-open, 2 open).',
    labelNames: ['key'] as const,
    registers: [registry],
  });
  const rejectedTotal = new Counter({
    name: 'aibridge_requests_rejected_total',
    help: 'Requests refused before they became an interception, by reason.',
    labelNames: ['reason'] as const,
    registers: [registry],
  });
  const telemetryExportedTotal = new Counter({
    name: 'aibridge_telemetry_spans_exported_total',
    help: 'Spans the OTLP collector accepted (SPEC §14).',
    registers: [registry],
  });
  const telemetryDroppedTotal = new Counter({
    name: 'aibridge_telemetry_spans_dropped_total',
    help: 'Spans given up: queue_full (collector too slow or down, queue at its bound) or export_failed (after retries).',
    labelNames: ['reason'] as const,
    registers: [registry],
  });
  telemetryDroppedTotal.inc({ reason: 'queue_full' }, 0);
  telemetryDroppedTotal.inc({ reason: 'export_failed' }, 0);
  // Create the purge series up front so dashboards see 0 rather than nothing.
  purgedTotal.inc({ kind: 'records' }, 0);
  purgedTotal.inc({ kind: 'content' }, 0);

  // Only ids we saw start leave the gauge, so a record finished elsewhere (an `interrupted`
  // record closed at the next start) never drives it below zero. The gauge is read from its size.
  const open = new Set<string>();

  /** Not yet handed to prom-client, per provider + model. */
  const pending = new Map<string, ModelTally>();
  const tally = (provider: string, rawModel: string): ModelTally => {
    let model = cutLabel(rawModel);
    let key = provider + '\u0000' + model;
    if (!models.has(key)) {
      model = OTHER_LABEL;
      key = provider + '\u0000' + model;
    }
    let t = pending.get(key);
    if (!t) {
      t = { provider, model, calls: new Map(), durations: [], tokens: [0, 0, 0, 0, 0], tokensSeen: false, reasoningSeen: false, tools: new Map() };
      pending.set(key, t);
    }
    return t;
  };
  const flushDurations = (t: ModelTally) => {
    const labels = { provider: t.provider, model: t.model };
    for (const secs of t.durations) guard(() => duration.observe(labels, secs));
    t.durations.length = 0;
  };
  // Runs inside a scrape: one bad series must neither fail the scrape nor stay pending.
  const flush = () => {
    if (pending.size === 0) return;
    for (const t of pending.values()) {
      const base = { provider: t.provider, model: t.model };
      for (const c of t.calls.values()) guard(() => interceptions.inc({ ...base, client: c.client, status: c.status }, c.n));
      flushDurations(t);
      if (t.tokensSeen) {
        for (let i = 0; i < 4; i++) guard(() => tokens.inc({ ...base, type: TOKEN_TYPES[i]! }, t.tokens[i]!));
      }
      if (t.reasoningSeen) guard(() => tokens.inc({ ...base, type: 'reasoning' }, t.tokens[4]!));
      for (const [tool, n] of t.tools) guard(() => toolCalls.inc({ ...base, tool }, n));
    }
    pending.clear();
  };

  const guard = (fn: () => void): void => {
    try { fn(); } catch { /* metrics must never break a request */ }
  };

  const started = (rec: Interception): void => {
    guard(() => {
      open.add(rec.id);
    });
  };
  const finished = (rec: Interception): void => {
    guard(() => {
      open.delete(rec.id);
      const t = tally(rec.provider, rec.model);
      const callKey = rec.client + '\u0000' + rec.status;
      const c = t.calls.get(callKey);
      if (c) c.n++;
      else t.calls.set(callKey, { client: rec.client, status: rec.status, n: 1 });
      const secs = (isoMs(rec.ended_at ?? '') - isoMs(rec.started_at)) / 1000;
      if (Number.isFinite(secs) && secs >= 0) {
        t.durations.push(secs);
        if (t.durations.length >= MAX_PENDING_DURATIONS) flushDurations(t);
      }
      for (const u of rec.token_usages) {
        t.tokensSeen = true;
        t.tokens[0] += count(u.input_tokens);
        t.tokens[1] += count(u.output_tokens);
        t.tokens[2] += count(u.cache_read_input_tokens);
        t.tokens[3] += count(u.cache_write_input_tokens);
        const r = u.metadata?.['reasoning_tokens'];
        if (count(r) > 0) {
          t.reasoningSeen = true;
          t.tokens[4] += count(r);
        }
      }
      for (const u of rec.tool_usages) {
        let tool = cutLabel(String(u.tool));
        if (!toolSeries.has(t.provider + '\u0000' + t.model + '\u0000' + tool)) tool = OTHER_LABEL;
        t.tools.set(tool, (t.tools.get(tool) ?? 0) + 1);
      }
    });
  };

  return {
    registry,
    contentType: registry.contentType,
    records: { name: 'metrics', mode: 'batched', begin: started, finish: finished },
    started,
    finished,
    purged(kind, n) {
      guard(() => { if (n > 0) purgedTotal.inc({ kind }, n); });
    },
    setCircuitState(key, state) {
      guard(() => {
        const k = cutLabel(key);
        circuit.set({ key: circuits.has(k) ? k : OTHER_LABEL }, CIRCUIT_VALUE[state]);
      });
    },
    rejected(reason) {
      guard(() => rejectedTotal.inc({ reason }));
    },
    telemetryExported(n) {
      guard(() => { if (n > 0) telemetryExportedTotal.inc(n); });
    },
    telemetryDropped(reason, n) {
      guard(() => { if (n > 0) telemetryDroppedTotal.inc({ reason }, n); });
    },
    render: () => registry.metrics(),
  };
}
