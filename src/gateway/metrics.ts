/**
 * Prometheus metrics for `GET /metrics` (SPEC §5), on a registry of our own (never prom-client's
 * global one, so several gateways in one test process do not collide).
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Interception } from './record/types.js';

/** What a purge removed: whole records, or content only (content retention). */
export type PurgeKind = 'records' | 'content';

/** The gateway's metrics; every method is cheap and never throws. */
export interface Metrics {
  readonly registry: Registry;
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
  /** Prometheus text exposition. */
  render(): Promise<string>;
  /** Content-Type for {@link render}'s output. */
  readonly contentType: string;
}

const CIRCUIT_VALUE = { closed: 0, half_open: 1, open: 2 } as const;

/** Creates the metric set on a fresh registry, with Node's default process metrics. */
export function createMetrics(opts: { defaultMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (opts.defaultMetrics !== false) collectDefaultMetrics({ register: registry });

  const interceptions = new Counter({
    name: 'aibridge_interceptions_total',
    help: 'Finished interceptions by provider, model, client and end status.',
    labelNames: ['provider', 'model', 'client', 'status'] as const,
    registers: [registry],
  });
  const inFlight = new Gauge({
    name: 'aibridge_interceptions_in_flight',
    help: 'Interceptions currently in flight.',
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'aibridge_interception_duration_seconds',
    help: 'Wall time of an interception, from start to end.',
    labelNames: ['provider', 'model'] as const,
    buckets: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 300, 600],
    registers: [registry],
  });
  const tokens = new Counter({
    name: 'aibridge_tokens_total',
    help: 'Tokens by provider, model and type (input excludes cache reads).',
    labelNames: ['provider', 'model', 'type'] as const,
    registers: [registry],
  });
  const toolCalls = new Counter({
    name: 'aibridge_tool_calls_total',
    help: 'Tool calls the model made, by provider, model and tool.',
    labelNames: ['provider', 'model', 'tool'] as const,
    registers: [registry],
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
  // Create the purge series up front so dashboards see 0 rather than nothing.
  purgedTotal.inc({ kind: 'records' }, 0);
  purgedTotal.inc({ kind: 'content' }, 0);

  // Only ids we saw start leave the gauge, so a record finished elsewhere (an `interrupted`
  // record closed at the next start) never drives it below zero.
  const open = new Set<string>();

  const guard = (fn: () => void): void => {
    try { fn(); } catch { /* metrics must never break a request */ }
  };

  return {
    registry,
    contentType: registry.contentType,
    started(rec) {
      guard(() => {
        if (open.has(rec.id)) return;
        open.add(rec.id);
        inFlight.inc();
      });
    },
    finished(rec) {
      guard(() => {
        if (open.delete(rec.id)) inFlight.dec();
        const base = { provider: rec.provider, model: rec.model };
        interceptions.inc({ ...base, client: rec.client, status: rec.status });
        const secs = (Date.parse(rec.ended_at ?? '') - Date.parse(rec.started_at)) / 1000;
        if (Number.isFinite(secs) && secs >= 0) duration.observe(base, secs);
        for (const u of rec.token_usages) {
          tokens.inc({ ...base, type: 'input' }, u.input_tokens || 0);
          tokens.inc({ ...base, type: 'output' }, u.output_tokens || 0);
          tokens.inc({ ...base, type: 'cache_read' }, u.cache_read_input_tokens || 0);
          tokens.inc({ ...base, type: 'cache_write' }, u.cache_write_input_tokens || 0);
          const r = u.metadata?.['reasoning_tokens'];
          if (typeof r === 'number' && r > 0) tokens.inc({ ...base, type: 'reasoning' }, r);
        }
        for (const t of rec.tool_usages) toolCalls.inc({ ...base, tool: t.tool });
      });
    },
    purged(kind, n) {
      guard(() => { if (n > 0) purgedTotal.inc({ kind }, n); });
    },
    setCircuitState(key, state) {
      guard(() => circuit.set({ key }, CIRCUIT_VALUE[state]));
    },
    rejected(reason) {
      guard(() => rejectedTotal.inc({ reason }));
    },
    render: () => registry.metrics(),
  };
}
