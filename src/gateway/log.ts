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
 *   (start first, end last) by the same serializer export uses (src/record/log-texts.ts, with
 *   src/record/log-lines.ts for values only the general path writes), to the JSON sink when there
 *   is one, else to stderr as JSON lines.
 *
 * - Chain (SPEC §13): every line of the `--log-json` destination carries `chain` (src/record/chain.ts),
 *   pino's lines and interception lines alike, so it is added here, in the one place all of them
 *   pass. A regular file's chain resumes from its last line (or its newest rotated sibling's) at
 *   start, so it runs on across restarts and rotation; `/dev/…` streams start a new chain each run.
 *   With a signer, a signed checkpoint follows every 1,000 lines, every 60 s with unsigned lines,
 *   and at close.
 *
 * Secrets: interception lines are built from records, which are redacted (src/record/redaction.ts).
 * Ordinary lines pass pino `redact` for header and key fields, and then, once `startApp` has set
 * it ({@link Logging.setScrub}), the same redaction over every string of the line: an upstream or
 * collector error that echoes a key into a warn line is written with `[REDACTED:RULE]` instead,
 * in the JSON file and on stderr alike. A line the scrub fails on is withheld (a notice instead).
 */
import pino, { type DestinationStream, type Logger } from 'pino';
import type { Interception } from '../record/types.js';
import type { RecordConsumer } from '../record/fanout.js';
import { formatInterceptionLines } from '../record/log-lines.js';
import { chainedInterceptionLines } from '../record/log-texts.js';
import { isoTime } from '../record/iso-time.js';
import { CHAIN_GENESIS, ChainedLines, type ChainHead, type ChainSigner } from '../record/chain.js';
import { readLastLine, RotatingFile } from './log-file.js';
import type { PriceLookup } from '../record/cost.js';

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
  /** The rotating JSON log file, when `logJson` is a regular path (tests, diagnostics). */
  file?: RotatingFile;
  /** The chain head of the JSON log (undefined without `logJson`). */
  chainHead(): ChainHead | undefined;
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

interface Sink { write(s: string): unknown; flush?(): Promise<void>; close?(): Promise<void> }

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

function jsonSink(target: string, opts: LoggerOptions): { sink: Sink; file?: RotatingFile; replacesStderr: boolean } {
  if (target === '/dev/stderr' || target === '/dev/stdout' || target === '-') {
    const fd = target === '/dev/stderr' ? 2 : 1; // `-` is stdout, as for `aibridge export --out -`
    const dest = pino.destination({ dest: fd, sync: true });
    return { sink: { write: (s) => dest.write(s) }, replacesStderr: fd === 2 };
  }
  if (target.startsWith('/dev/')) {
    const dest = pino.destination({ dest: target, append: true, sync: false });
    return {
      sink: {
        write: (s) => dest.write(s),
        flush: () => new Promise<void>((resolve) => { dest.flush(() => resolve()); }),
        close: () => new Promise<void>((resolve) => { dest.once('close', () => resolve()); dest.end(); }),
      },
      replacesStderr: false,
    };
  }
  const file = new RotatingFile({
    path: target,
    ...opts.rotation,
    now: opts.now,
    onError: (err) => { (opts.stderr ?? process.stderr).write(`aibridge: cannot write ${target}: ${err.message}\n`); },
  });
  return { sink: { write: (s) => file.write(s), flush: () => file.flush(), close: () => file.close() }, file, replacesStderr: false };
}

/**
 * Where the chain of a log file stands: the `chain` of its last line, or of its newest rotated
 * sibling's when the live file is empty. `note` says why a new chain starts or what was found.
 */
function resumeChain(file: RotatingFile): { head: ChainHead; torn: boolean; note?: string } {
  const live = readLastLine(file.path);
  let found = live;
  let from = file.path;
  if (found.line === undefined && !found.torn) {
    const last = file.rotatedFiles().at(-1);
    if (last) { found = readLastLine(last); from = last; }
  }
  if (found.line === undefined) {
    return { head: { seq: 0, hash: CHAIN_GENESIS }, torn: live.torn, note: live.torn ? `${from} held only a partial line; a new chain starts` : undefined };
  }
  try {
    const chain = (JSON.parse(found.line) as { chain?: { seq?: unknown; hash?: unknown } }).chain;
    if (chain && typeof chain.seq === 'number' && Number.isSafeInteger(chain.seq) && chain.seq > 0 && typeof chain.hash === 'string' && /^[0-9a-f]{64}$/.test(chain.hash)) {
      return { head: { seq: chain.seq, hash: chain.hash }, torn: live.torn, note: live.torn ? `${from} ended in a partial line (cut-off write); the chain goes on from the last whole line, seq ${chain.seq}` : undefined };
    }
  } catch { /* not JSON: below */ }
  return { head: { seq: 0, hash: CHAIN_GENESIS }, torn: live.torn, note: `the last line of ${from} carries no chain; a new chain starts at seq 1` };
}

/**
 * Sets up logging. Throws if the JSON log file cannot be opened (a startup error naming the path).
 */
export function createLogger(opts: LoggerOptions): Logging {
  const stderr = opts.stderr ?? process.stderr;
  const now = opts.now ?? Date.now;
  const structured = typeof opts.structured === 'function' ? opts.structured : () => opts.structured as boolean;

  let json: ReturnType<typeof jsonSink> | undefined;
  try {
    json = opts.logJson ? jsonSink(opts.logJson, opts) : undefined;
  } catch (err) {
    throw new Error(`log-json: cannot open "${opts.logJson}": ${(err as Error).message}`, { cause: err });
  }
  const human = json?.replacesStderr ? undefined : stderr;

  // Every line of the JSON destination goes through one chain, in the order it is written.
  const resumed = json?.file ? resumeChain(json.file) : undefined;
  if (resumed?.torn) json?.sink.write('\n'); // our lines start on a line of their own
  const chain = json ? new ChainedLines(resumed?.head, opts.signer, now) : undefined;
  const jsonOut = json?.sink;

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
      if (jsonOut && chain) jsonOut.write(chain.text(line));
      if (human) human.write(humanLine(line.endsWith('\n') ? line.slice(0, -1) : line));
    },
  };

  const logger = pino({
    level: opts.level ?? 'info',
    // ISO-8601 UTC like the interception lines, so a SIEM parses one time format.
    timestamp: () => `,"time":"${isoTime(now())}"`,
    formatters: { level: (label) => ({ level: label }) },
    redact: { paths: [...REDACT_PATHS], censor: '[REDACTED]' },
  }, destination);

  if (resumed?.note) logger.warn({ log_json: opts.logJson }, `log chain: ${resumed.note}`);

  // Interception lines: JSON file if any (chained), else stderr (as JSON: they are for machines).
  const recordLog: RecordLog = {
    name: 'log',
    mode: 'batched',
    finish(rec) {
      try {
        if (!structured()) return;
        if (!jsonOut || !chain) {
          stderr.write(formatInterceptionLines(rec, opts.prices));
          return;
        }
        // Each line built once (as text where it can be), hashed once, all of a record in one write.
        jsonOut.write(chainedInterceptionLines(rec, chain, opts.prices));
      } catch (err) {
        logger.warn({ err, interception_id: rec.id }, 'could not write interception log lines');
      }
    },
  };

  const checkpoint = (): void => {
    const cp = chain?.checkpoint();
    if (cp) jsonOut?.write(cp);
  };
  const checkpoints = opts.signer && chain ? setInterval(checkpoint, opts.checkpointIntervalMs ?? 60_000).unref() : undefined;

  const onExit = (): void => { json?.file?.flushSync(); };
  process.on('exit', onExit);
  let closed = false;

  return {
    logger,
    recordLog,
    file: json?.file,
    chainHead: () => chain?.head,
    setScrub(fn) {
      scrub = fn;
    },
    async flush() {
      logger.flush();
      await json?.sink.flush?.();
    },
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(checkpoints);
      logger.flush();
      checkpoint(); // clean shutdown: the head is signed (SPEC §13)
      await json?.sink.flush?.();
      await json?.sink.close?.();
      process.off('exit', onExit);
    },
  };
}
