/**
 * Logging (issue #5, SPEC §3 / §7): one pino logger for ordinary lines, plus the structured
 * interception lines, written to the same sinks in order.
 *
 * - Default: ordinary lines human-readable on stderr.
 * - `--log-json PATH`: every line in PATH is a JSON object (ordinary ones too); PATH rotates daily
 *   and by size (src/gateway/log-file.ts). `/dev/stderr` / `/dev/stdout` (or `-`) give JSON on that stream
 *   instead of the human form; other `/dev/…` paths are appended to without rotation. With a file
 *   PATH, stderr keeps the human form of ordinary lines.
 * - Structured logging on: each finished record becomes its SPEC §7 lines, written in one chunk
 *   (start first, end last) by the same serializer export uses (src/record/log-lines.ts),
 *   to the JSON sink when there is one, else to stderr as JSON lines.
 *
 * - Chain (SPEC §13): every line of the `--log-json` destination carries `chain` (src/record/chain.ts),
 *   pino's lines and interception lines alike. A regular file's chain resumes from its last line
 *   (or its newest rotated sibling's) at start, so it runs on across restarts and rotation;
 *   `/dev/…` streams start a new chain each run. With a signer, a signed checkpoint follows every
 *   1,000 lines, every 60 s with unsigned lines, and at close.
 * - The `--log-json` destination is written by a worker thread (./log-thread.ts, issue #20): this
 *   side formats and scrubs pino's lines and picks the records to log, in order, into one queue;
 *   the thread builds the records' lines, chains every line and writes them (./log-writer.ts).
 *
 * Secrets: interception lines are built from records, which are redacted (src/record/redaction.ts).
 * Ordinary lines pass pino `redact` for header and key fields, and then, once `startApp` has set
 * it ({@link Logging.setScrub}), the same redaction over every string of the line: an upstream or
 * collector error that echoes a key into a warn line is written with `[REDACTED:RULE]` instead,
 * in the JSON file and on stderr alike. A line the scrub fails on is withheld (a notice instead).
 */
import type { Worker } from 'node:worker_threads';
import pino, { type DestinationStream, type Logger } from 'pino';
import type { RecordConsumer } from '../record/fanout.js';
import { formatInterceptionLines } from '../record/log-lines.js';
import { signingKeyOf, type ChainSigner } from '../record/chain.js';
import { recordCost, type PriceLookup } from '../record/cost.js';
import { storableLine } from '../record/field-cap.js';
import type { Interception } from '../record/types.js';
import { checkTarget, resumeChain } from './log-writer.js';
import { startLogThread, type LogThread } from './log-thread.js';

export type { Logger } from 'pino';

/** Options for {@link createLogger}. */
export interface LoggerOptions {
  /** `--log-json`: a file path, `/dev/stderr`, `/dev/stdout` or `-` (stdout); undefined = human stderr only. */
  logJson?: string;
  /** `--structured-logging`; a function is read at every record, so a settings change applies live. */
  structured: boolean | (() => boolean);
  /** pino level for ordinary lines; default `info`. */
  level?: string;
  /** Rotation of the JSON log file. */
  rotation?: { maxBytes?: number; daily?: boolean; maxFiles?: number };
  /** Clock for ordinary line timestamps and daily rotation; defaults to Date.now. */
  now?: () => number;
  /** Prices `cost_usd` on `interception_end` lines (SPEC §11); without it the field is null. */
  prices?: PriceLookup;
  /** Where human lines go; defaults to process.stderr (tests pass a collector). */
  stderr?: { write(s: string): unknown };
  /** Signs the chain's checkpoints (SPEC §13); without it lines are chained but never signed. */
  signer?: ChainSigner;
  /** Time between checkpoints when lines wait unsigned; default 60 s (SPEC §13). */
  checkpointIntervalMs?: number;
  /** Test seam: gets the log thread when it starts (a test ends it to see the gateway take over). */
  onLogThread?: (worker: Worker) => void;
}

/**
 * Test-only (docs/logging.md): `AIBRIDGE_TEST_CHECKPOINT_INTERVAL_MS` shortens the 60 s checkpoint
 * timer so a whole-process test sees it fire without waiting a minute. Only shorter: SPEC §13 asks
 * for a checkpoint at least every 60 s, so anything else (unset, not a number, ≥ 60 s) is 60 s.
 */
export function testCheckpointInterval(env: NodeJS.ProcessEnv): number | undefined {
  const ms = Number(env['AIBRIDGE_TEST_CHECKPOINT_INTERVAL_MS']);
  return Number.isInteger(ms) && ms >= 100 && ms < 60_000 ? ms : undefined;
}

/** Writes the SPEC §7 lines of finished records: a batched consumer of the record fan-out. */
export interface RecordLog extends RecordConsumer {
  /** Writes all lines of a finished record, in order, when structured logging is on. Never throws. */
  finish(rec: Interception): void;
}

/** What {@link createLogger} returns. */
export interface Logging {
  /** For ordinary log lines. */
  logger: Logger;
  recordLog: RecordLog;
  /**
   * Scrubs every ordinary (pino) line before it is written: gets the parsed line, returns it with
   * secrets replaced (the same object when none). Interception lines are redacted records already.
   */
  setScrub(scrub: (line: Record<string, unknown>) => Record<string, unknown>): void;
  /** Resolves when everything written so far has reached the sinks. */
  flush(): Promise<void>;
  /** Flushes and closes the JSON sink. */
  close(): Promise<void>;
}

/**
 * Field paths pino blanks in ordinary lines. Interception lines never carry these; this covers a
 * careless `logger.info({ headers })` or a config object logged whole.
 */
export const REDACT_PATHS: readonly string[] = [
  'headers.authorization', 'headers["x-api-key"]', 'headers["proxy-authorization"]', 'headers.cookie',
  '*.headers.authorization', '*.headers["x-api-key"]', '*.headers["proxy-authorization"]', '*.headers.cookie',
  'authorization', 'apiKey', 'api_key', 'key', 'token', 'secret', 'password', 'adminToken', 'accessKeySecret',
  '*.authorization', '*.apiKey', '*.api_key', '*.key', '*.token', '*.secret', '*.password', '*.adminToken',
  '*.accessKeySecret', 'openaiKey', 'anthropicKey', 'bedrockAccessKey', 'bedrockAccessKeySecret',
  '*.openaiKey', '*.anthropicKey', '*.bedrockAccessKey', '*.bedrockAccessKeySecret',
];

const LEVEL_TAG: Readonly<Record<string, string>> = {
  trace: 'TRACE', debug: 'DEBUG', info: 'INFO ', warn: 'WARN ', error: 'ERROR', fatal: 'FATAL',
};

/**
 * Control characters escaped (`\r`, `\n`, `\t`, `\xNN`, `\u2028`…): a value a client chose
 * (a model name with CR/LF) must not forge lines in the human log (issue #13).
 */
function safeText(s: string): string {
  return s.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => {
    if (c === '\n') return '\\n';
    if (c === '\r') return '\\r';
    if (c === '\t') return '\\t';
    const code = c.charCodeAt(0);
    return code > 0xff ? `\\u${code.toString(16).padStart(4, '0')}` : `\\x${code.toString(16).padStart(2, '0')}`;
  });
}

/** Renders one pino JSON line for a human: `TIME LEVEL msg key=value …`. */
export function humanLine(json: string): string {
  let obj: Record<string, unknown>;
  try {
    obj = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json.endsWith('\n') ? json : `${json}\n`;
  }
  const { time, level, msg, pid: _pid, hostname: _host, err, ...rest } = obj;
  let out = `${safeText(String(time ?? ''))} ${LEVEL_TAG[String(level)] ?? String(level)} ${safeText(String(msg ?? ''))}`;
  for (const [k, v] of Object.entries(rest)) out += ` ${safeText(k)}=${typeof v === 'string' ? safeText(v) : JSON.stringify(v)}`;
  if (err && typeof err === 'object') {
    const e = err as { message?: unknown; stack?: unknown };
    out += ` err=${JSON.stringify(e.message ?? '')}`;
    if (typeof e.stack === 'string') out += `\n    ${e.stack.split('\n').slice(1).join('\n    ').trim()}`;
  }
  return `${out}\n`;
}

/**
 * Sets up logging. Throws if the JSON log file cannot be opened (a startup error naming the path).
 */
export function createLogger(opts: LoggerOptions): Logging {
  const stderr = opts.stderr ?? process.stderr;
  const now = opts.now ?? Date.now;
  const structured = typeof opts.structured === 'function' ? opts.structured : () => opts.structured as boolean;

  const target = opts.logJson;
  try {
    if (target) checkTarget(target);
  } catch (err) {
    throw new Error(`log-json: cannot open "${target}": ${(err as Error).message}`, { cause: err });
  }
  const human = target === '/dev/stderr' ? undefined : stderr;

  // Every line of the JSON destination goes through one chain, in the order it is logged, on the
  // log thread. Where the chain stands is read here, so a note about it is the first line.
  const resumed = target ? resumeChain(target) : undefined;
  const signingKey = opts.signer ? signingKeyOf(opts.signer) : undefined;
  if (opts.signer && !signingKey) throw new Error('log chain: the checkpoint signer must be an Ed25519 key (ed25519Signer)');
  let thread: LogThread | undefined; // set below, once the logger exists

  let scrub: ((line: Record<string, unknown>) => Record<string, unknown>) | undefined;
  const scrubbed = (line: string): string => {
    if (!scrub) return line;
    try {
      const obj = JSON.parse(line) as Record<string, unknown>;
      const out = scrub(obj);
      return out === obj ? line : `${JSON.stringify(out)}\n`;
    } catch {
      // Never let an unscrubbed line through: say that one was withheld, with its level and time.
      let level: unknown = 'warn';
      try { level = (JSON.parse(line) as { level?: unknown }).level ?? level; } catch { /* not JSON */ }
      return `${JSON.stringify({ level, time: new Date(now()).toISOString(), msg: 'log line withheld: secret scrubbing failed on it' })}\n`;
    }
  };

  const destination: DestinationStream = {
    write(raw: string): void {
      const line = scrubbed(raw);
      thread?.push(line);
      if (human) human.write(humanLine(line.endsWith('\n') ? line.slice(0, -1) : line));
    },
  };

  const logger = pino({
    level: opts.level ?? 'info',
    // ISO-8601 UTC like the interception lines, so a SIEM parses one time format.
    timestamp: () => `,"time":"${new Date(now()).toISOString()}"`,
    formatters: { level: (label) => ({ level: label }) },
    redact: { paths: [...REDACT_PATHS], censor: '[REDACTED]' },
  }, destination);

  thread = target && resumed
    ? startLogThread(
      { target, rotation: opts.rotation, head: resumed.head, torn: resumed.torn, now: now(), signingKey },
      {
        now,
        stderr: (text) => stderr.write(text),
        onFault: (id, message) => logger.warn({ interception_id: id, err: message }, 'could not write interception log lines'),
        onThreadFailed: (message) => logger.error(message),
        onStart: opts.onLogThread,
      },
    )
    : undefined;

  if (resumed?.note) logger.warn({ log_json: opts.logJson }, `log chain: ${resumed.note}`);

  // Interception lines: JSON file if any (chained), else stderr (as JSON: they are for machines).
  const recordLog: RecordLog = {
    name: 'log',
    mode: 'batched',
    finish(rec) {
      try {
        if (!structured()) return;
        if (!thread) {
          stderr.write(formatInterceptionLines(rec, opts.prices));
          return;
        }
        // The store's text of the record (made once), priced here where the prices live.
        thread.push({ r: storableLine(rec), c: opts.prices ? recordCost(rec, opts.prices).usd : null });
      } catch (err) {
        logger.warn({ err, interception_id: rec.id }, 'could not write interception log lines');
      }
    },
  };

  const checkpoints = opts.signer && thread ? setInterval(() => thread.push(0), opts.checkpointIntervalMs ?? 60_000).unref() : undefined;

  const onExit = (): void => { thread?.flushSync(); };
  process.on('exit', onExit);
  let closed = false;

  return {
    logger,
    recordLog,
    setScrub(fn) {
      scrub = fn;
    },
    async flush() {
      logger.flush();
      await thread?.flush();
    },
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(checkpoints);
      logger.flush();
      await thread?.close(); // clean shutdown: the head is signed (SPEC §13)
      process.off('exit', onExit);
    },
  };
}
