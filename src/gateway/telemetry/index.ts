/**
 * OpenTelemetry export of finished records (SPEC §14): a batched consumer of the record fan-out.
 * Each ended interception becomes one `chat {model}` span and its GenAI metric points
 * (./genai.ts), shipped by an OTLP pipeline (./otlp.ts) built from the settings `otlp_endpoint`,
 * `otlp_headers`, `otlp_protocol`; `otlp_content` is read per record. A settings change rebuilds
 * the pipeline (the old one flushes in the background). No endpoint: nothing is built, nothing runs.
 *
 * The consumer runs on the fan-out's batched drain, after the client's last bytes, and only posts
 * the record to the export thread (./otlp-thread.ts: the SDK runs there, off the event loop, and
 * loads only once an endpoint is set): a collector that is down or slow never adds latency to a
 * call; drops are counted on /metrics and the health shows in `GET /api/v1/status` (`telemetry`)
 * and in the log (once per change).
 */
import type { Worker } from 'node:worker_threads';
import type { Settings } from '../../config/schema.js';
import { parseOtlpHeaders } from '../../config/schema.js';
import type { FinishedRecord, RecordConsumer } from '../../record/fanout.js';
import type { Interception } from '../../record/types.js';
import { startOtlpThread, type OtlpThread } from './otlp-thread.js';
import { envNumber } from './env.js';

/** `telemetry` in `GET /api/v1/status`. */
export interface TelemetryStatus {
  /** An endpoint is set. */
  enabled: boolean;
  /** The last export (spans or metrics) reached the collector, or none has been tried yet. */
  ok: boolean;
  /** Why the last export failed; null when healthy. */
  error: string | null;
  endpoint: string | null;
  protocol: string;
  content: boolean;
  /** Spans accepted by the collector / given up, since start. */
  exported: number;
  dropped: number;
  /** Spans made and not yet answered by the collector (bounded by OTEL_BSP_MAX_QUEUE_SIZE). */
  queued: number;
}

/** Where the telemetry consumer reports. */
export interface TelemetryOptions {
  settings(): Settings;
  onSettingsChange(fn: (s: Settings) => void): void;
  env: NodeJS.ProcessEnv;
  version: string;
  logger: { warn(obj: object, msg: string): void; info(obj: object, msg: string): void };
  /** /metrics counters. */
  metrics: { telemetryExported(n: number): void; telemetryDropped(reason: 'queue_full' | 'export_failed', n: number): void };
  /** The record's price (SPEC §11), when cost is known; absent = not priced. */
  costOf?(rec: Interception): number | null;
  /** Test seam: each export thread, once started (a test ends one to see it replaced). */
  onThread?(worker: Worker): void;
}

/** The telemetry consumer plus its status. */
export interface Telemetry {
  readonly records: RecordConsumer;
  status(): TelemetryStatus;
}

/** The part of the settings that needs a new pipeline when it changes. */
function pipelineKey(s: Settings): string | null {
  if (!s.otlp_endpoint) return null;
  return JSON.stringify([s.otlp_endpoint, s.otlp_headers ?? '', s.otlp_protocol]);
}

/** Error text for the status and the log: the message only (never headers, which may hold a key). */
function describe(err: Error): string {
  const code = (err as { code?: unknown }).code;
  const msg = err.message || err.name || 'export failed';
  return typeof code === 'string' && !msg.includes(code) ? `${code}: ${msg}` : msg;
}

/** Creates the telemetry consumer for `startApp`'s fan-out list. */
export function createTelemetry(opts: TelemetryOptions): Telemetry {
  let key: string | null = null;
  let pipeline: OtlpThread | null = null;
  let exported = 0;
  let dropped = 0;
  const closing = new Set<Promise<void>>();
  // A close waits this long at most for the last batch (a hung collector must not hold a quit).
  const closeWaitMs = Math.min(envNumber(opts.env, 'OTEL_EXPORTER_OTLP_TIMEOUT', 10_000), 5000) + 500;

  // Health per signal, so a working metrics export does not hide failing spans (or the reverse).
  const errors = new Map<'traces' | 'metrics', string>();
  const lastError = (): string | null => [...errors.values()][0] ?? null;
  const onResult = (signal: 'traces' | 'metrics', err: Error | null): void => {
    const before = errors.get(signal);
    if (err === null) {
      if (before !== undefined) opts.logger.info({ signal }, `telemetry export recovered (${signal})`);
      errors.delete(signal);
      return;
    }
    const text = `${signal}: ${describe(err)}`;
    if (before === undefined) opts.logger.warn({ signal, error: text }, `telemetry export failing: ${text}`);
    errors.set(signal, text);
  };

  /** Stops a pipeline without waiting for it; bounded (the thread ends after closeWaitMs), so a
   *  dead collector cannot hold a close. */
  const retire = (p: OtlpThread): void => {
    const done = p.shutdown().finally(() => closing.delete(done));
    closing.add(done);
  };

  const maxQueueSize = envNumber(opts.env, 'OTEL_BSP_MAX_QUEUE_SIZE', 2048);

  // A thread that dies (a fault in the SDK, its heap limit) is replaced after a pause that doubles
  // with each death in a row, up to a minute; an export that reaches the collector resets it.
  let restarts = 0;
  let restartTimer: NodeJS.Timeout | undefined;
  const stopRestart = (): void => {
    clearTimeout(restartTimer);
    restartTimer = undefined;
  };

  const configure = (s: Settings): void => {
    const next = pipelineKey(s);
    if (next === key) return;
    if (pipeline) retire(pipeline);
    pipeline = null;
    stopRestart();
    restarts = 0;
    key = next;
    errors.clear();
    if (next !== null) start(s);
  };

  const start = (s: Settings): void => {
    const endpoint = s.otlp_endpoint;
    if (!endpoint) return;
    // The SDK loads and runs on its own thread (./otlp-thread.ts); records posted meanwhile wait there.
    const thread: OtlpThread = startOtlpThread({
      endpoint,
      headers: (s.otlp_headers && parseOtlpHeaders(s.otlp_headers)) || {},
      protocol: s.otlp_protocol,
      serviceVersion: opts.version,
      env: opts.env,
      maxQueueSize,
      closeWaitMs,
      onExported: (n) => {
        exported += n;
        restarts = 0;
        opts.metrics.telemetryExported(n);
      },
      onDropped: (reason, n) => {
        dropped += n;
        opts.metrics.telemetryDropped(reason, n);
      },
      onResult,
      onFault: (message) => opts.logger.warn({}, message),
      onDied: (message) => {
        if (pipeline !== thread) return; // replaced or closed meanwhile
        const delayMs = Math.min(1000 * 2 ** restarts, 60_000);
        restarts++;
        if (!errors.has('traces')) errors.set('traces', `traces: ${message}`); // the status says so until an export succeeds
        opts.logger.warn({ delay_ms: delayMs }, `telemetry thread stopped (${message}); a new one starts in ${delayMs / 1000} s, records meanwhile are counted dropped`);
        restartTimer = setTimeout(() => {
          restartTimer = undefined;
          if (pipeline === thread) start(opts.settings());
        }, delayMs).unref();
      },
      onStart: opts.onThread,
    });
    pipeline = thread;
    if (restarts === 0) opts.logger.info({ endpoint, protocol: s.otlp_protocol }, 'telemetry export to OTLP endpoint');
    else opts.logger.info({ endpoint, restarts }, 'telemetry thread restarted');
  };
  configure(opts.settings());
  opts.onSettingsChange(configure);

  return {
    records: {
      name: 'telemetry',
      mode: 'batched',
      finish(rec: FinishedRecord) {
        pipeline?.ship(rec, opts.costOf?.(rec) ?? null, opts.settings().otlp_content);
      },
      async close() {
        stopRestart();
        if (pipeline) retire(pipeline);
        pipeline = null;
        key = null;
        await Promise.all([...closing]);
      },
    },
    status() {
      const s = opts.settings();
      return {
        enabled: Boolean(s.otlp_endpoint),
        ok: errors.size === 0,
        error: lastError(),
        endpoint: s.otlp_endpoint ?? null,
        protocol: s.otlp_protocol,
        content: s.otlp_content,
        exported,
        dropped,
        queued: pipeline?.pending() ?? 0,
      };
    },
  };
}
