/**
 * Retention (SPEC §8, issue #5): records older than the retention, by `started_at`, are deleted
 * with all their parts at start and every 10 minutes; a separate, usually shorter content retention
 * strips prompt text, tool inputs and thoughts while keeping metadata and token usage.
 *
 * The store does the work in bounded batches and yields between them, so the gateway keeps
 * serving (an in-flight stream keeps flowing). Until a purge has run, {@link visibleCutoff} hides
 * expired records from the admin API and export.
 */
import type { InterceptionStore } from './interceptions/types.js';

/** The part of the logger retention needs (a pino Logger fits). */
export interface RetentionLogger {
  info(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** The part of the metrics retention needs (src/gateway/metrics.ts fits). */
export interface RetentionMetrics {
  purged(kind: 'records' | 'content', n: number): void;
}

/** Options for {@link startRetention}. */
export interface RetentionOptions {
  store: Pick<InterceptionStore, 'purge' | 'stripContent'>;
  /** Current retention in ms; 0 keeps everything. Read at every run, so settings apply live. */
  retentionMs: () => number;
  /** Current content retention in ms; 0 = off. */
  contentRetentionMs: () => number;
  now: () => number;
  logger: RetentionLogger;
  metrics?: RetentionMetrics;
  /** Time between runs; default 10 minutes (SPEC §8). */
  intervalMs?: number;
  /** Records per store batch; the store's default when omitted. */
  batchSize?: number;
  /** Run once immediately (default true). */
  runAtStart?: boolean;
}

/** What one retention run removed. */
export interface RetentionResult {
  /** Records deleted with all their parts. */
  purged: number;
  /** Records whose content was stripped. */
  stripped: number;
}

/** A running retention schedule. */
export interface Retention {
  /**
   * Runs a purge now; a call while one is running joins it rather than starting a second.
   * Never rejects: a store error is logged and counted as nothing removed.
   */
  runOnce(): Promise<RetentionResult>;
  /** Stops the timer; resolves when a running purge has finished. */
  stop(): Promise<void>;
}

/**
 * The oldest `started_at` (ms) still visible under `retentionMs`, or undefined when everything is
 * kept (`0`). Records with started_at < cutoff are expired: the admin API and export must not
 * return them even before the purge removes them (SPEC §8).
 */
export function visibleCutoff(now: number, retentionMs: number): number | undefined {
  return retentionMs > 0 ? now - retentionMs : undefined;
}

/** Starts periodic retention; see {@link RetentionOptions}. */
export function startRetention(opts: RetentionOptions): Retention {
  const intervalMs = opts.intervalMs ?? 600_000;
  const batch = opts.batchSize === undefined ? undefined : { batchSize: opts.batchSize };
  let running: Promise<RetentionResult> | undefined;
  let stopped = false;

  const run = async (): Promise<RetentionResult> => {
    const result: RetentionResult = { purged: 0, stripped: 0 };
    const now = opts.now();
    try {
      const cutoff = visibleCutoff(now, opts.retentionMs());
      if (cutoff !== undefined) {
        result.purged = await opts.store.purge(cutoff, batch);
        opts.metrics?.purged('records', result.purged);
      }
      const contentCutoff = visibleCutoff(now, opts.contentRetentionMs());
      // Content older than the record retention is already gone with its record.
      if (contentCutoff !== undefined && !stopped) {
        result.stripped = await opts.store.stripContent(contentCutoff, batch);
        opts.metrics?.purged('content', result.stripped);
      }
      if (result.purged > 0 || result.stripped > 0) {
        opts.logger.info({ purged: result.purged, stripped: result.stripped }, 'retention purge');
      }
    } catch (err) {
      opts.logger.error({ err, purged: result.purged, stripped: result.stripped }, 'retention purge failed');
    }
    return result;
  };

  const runOnce = (): Promise<RetentionResult> => {
    running ??= run().finally(() => { running = undefined; });
    return running;
  };

  const timer = setInterval(() => { void runOnce(); }, intervalMs);
  timer.unref();
  if (opts.runAtStart !== false) void runOnce();

  return {
    runOnce,
    async stop() {
      stopped = true;
      clearInterval(timer);
      if (running) await running;
    },
  };
}
