/** Options, logger shape and small argument checks of the interception store. */

/** Where the store logs; pino's `(obj, msg)` shape. */
export interface StoreLogger {
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** Options of `openInterceptionStore()` (index.ts). */
export interface StoreOptions {
  /** The data dir; the store lives in `<dir>/interceptions/`. */
  dir: string;
  now?: () => number;
  logger?: StoreLogger;
  /** For the CLI next to a running server: never writes, never marks anything interrupted. */
  readOnly?: boolean;
  /**
   * Keep the full-text index (SPEC §15) in the background; default true in writer mode (read-only
   * opens never do: their searches check records). The store benchmark turns it off to measure the
   * store alone.
   */
  searchIndex?: boolean;
  /**
   * Index a finished record from memory as it is handed in (default true), instead of reading its
   * line back in the background. Tests turn it off to exercise the not-yet-indexed path.
   */
  searchIndexOnFinish?: boolean;
  /** How long after open, or after a record finished, the index looks for work (default 1,000 ms). */
  searchIndexDelayMs?: number;
  /**
   * How long after open segments older than two days load only as far as reads need, before they
   * all load (default 1,000 ms: start-up first).
   */
  loadOlderDelayMs?: number;
  /** Batching window for writes (default 150 ms; a finished record is on disk within 1 s). */
  flushIntervalMs?: number;
  /**
   * Test seam for crash tests: called at named points of purge/stripContent (`batch`,
   * `before-rename`, `after-data-rename`); a child process kills itself there. Also at the steps
   * of open's background part (loader.ts: `older-paused`, `older-load <day>`, `older-done`), so
   * tests know when it stopped without sleeping.
   */
  testHook?: (point: string) => void;
}

/** `CODE: message` for errno errors (what health() and the logs show). */
export function errText(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  return e?.code ? `${e.code}: ${e.message}` : String(e?.message ?? err);
}

/** limit: default 100, 1–1000; above 1000 is clamped, anything not a positive integer rejected. */
export function checkLimit(limit: number | undefined): number {
  if (limit === undefined) return 100;
  if (!Number.isInteger(limit) || limit < 1) throw new Error(`limit must be an integer from 1 to 1000, got ${String(limit)}`);
  return Math.min(limit, 1000);
}
