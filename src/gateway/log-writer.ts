/**
 * The `--log-json` destination with its chain (SPEC §7, §13): what the log thread runs
 * (./log-worker.ts), and what the gateway runs in its own thread if the log thread fails.
 *
 * It gets items in the order the gateway logged them: pino's lines as JSON text, finished
 * records as their stored JSON text with their cost, and checkpoint requests. It builds each
 * record's SPEC §7 lines (src/record/log-lines.ts), chains every line (src/record/chain.ts) and
 * writes them to the file (./log-file.ts: rotated by day and size) or the `/dev/…` stream.
 *
 * It has no clock of its own: every batch brings the gateway's time, so a checkpoint's `time` and
 * the daily rotation follow the clock the gateway runs on (tests give it a fixed one).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { KeyObject } from 'node:crypto';
import pino from 'pino';
import type { Interception } from '../record/types.js';
import { interceptionLogLines } from '../record/log-lines.js';
import { CHAIN_GENESIS, ChainedLines, ed25519Signer, type ChainHead } from '../record/chain.js';
import { readLastLine, RotatingFile, type RotatingFileOptions } from './log-file.js';

/** One thing to write, in order. */
export type LogItem =
  /** A pino line: JSON text (a trailing `\n` or not). */
  | string
  /** A finished record: its stored JSON text (`r`) and its cost in USD (`c`, null when unpriced). */
  | { r: string; c: number | null }
  /** A signed checkpoint over the head now (the 60 s timer). */
  | 0;

/** Everything the writer needs; all of it can cross to a worker thread. */
export interface JsonLogSetup {
  /** `--log-json`: a file path, `/dev/stderr`, `/dev/stdout`, `-` (stdout) or another `/dev/…` path. */
  target: string;
  rotation?: Pick<RotatingFileOptions, 'maxBytes' | 'daily' | 'maxFiles'>;
  /** Where the chain goes on from ({@link resumeChain}); genesis for a stream. */
  head: ChainHead;
  /** The file ended in a partial line: the first write starts a line of its own. */
  torn: boolean;
  /** The gateway's clock when the writer starts. */
  now: number;
  /** Signs the checkpoints; without it lines are chained but never signed. */
  signingKey?: KeyObject;
}

interface Sink { write(s: string): void; flush(): Promise<void>; flushSync(): void; close(): Promise<void> }

/** True when `target` is a stream (`-`, `/dev/…`), not a regular file that rotates. */
export function isStreamTarget(target: string): boolean {
  return target === '-' || target.startsWith('/dev/');
}

/**
 * Checks in the gateway's own thread, at start, that the destination can be opened, so a bad
 * `--log-json` is a startup error naming the path (the writer itself may run on another thread).
 */
export function checkTarget(target: string): void {
  if (target === '-' || target === '/dev/stdout' || target === '/dev/stderr') return;
  if (!target.startsWith('/dev/')) fs.mkdirSync(path.dirname(path.resolve(target)), { recursive: true });
  fs.closeSync(fs.openSync(target, 'a', 0o600));
}

/**
 * Where the chain of a log file stands: the `chain` of its last line, or of its newest rotated
 * sibling's when the live file is empty. `note` says why a new chain starts or what was found.
 * A stream starts a new chain each run.
 */
export function resumeChain(target: string): { head: ChainHead; torn: boolean; note?: string } {
  const genesis = { seq: 0, hash: CHAIN_GENESIS };
  if (isStreamTarget(target)) return { head: genesis, torn: false };
  const file = path.resolve(target);
  const live = readLastLine(file);
  let found = live;
  let from = file;
  if (found.line === undefined && !found.torn) {
    const last = RotatingFile.rotatedFilesOf(file).at(-1);
    if (last) { found = readLastLine(last); from = last; }
  }
  if (found.line === undefined) {
    return { head: genesis, torn: live.torn, note: live.torn ? `${from} held only a partial line; a new chain starts` : undefined };
  }
  try {
    const chain = (JSON.parse(found.line) as { chain?: { seq?: unknown; hash?: unknown } }).chain;
    if (chain && typeof chain.seq === 'number' && Number.isSafeInteger(chain.seq) && chain.seq > 0 && typeof chain.hash === 'string' && /^[0-9a-f]{64}$/.test(chain.hash)) {
      return { head: { seq: chain.seq, hash: chain.hash }, torn: live.torn, note: live.torn ? `${from} ended in a partial line (cut-off write); the chain goes on from the last whole line, seq ${chain.seq}` : undefined };
    }
  } catch { /* not JSON: below */ }
  return { head: genesis, torn: live.torn, note: `the last line of ${from} carries no chain; a new chain starts at seq 1` };
}

function openSink(setup: JsonLogSetup, now: () => number, onError: (message: string) => void): Sink {
  const { target } = setup;
  if (target === '/dev/stderr' || target === '/dev/stdout' || target === '-') {
    const dest = pino.destination({ dest: target === '/dev/stderr' ? 2 : 1, sync: true });
    return { write: (s) => { dest.write(s); }, flush: async () => undefined, flushSync: () => undefined, close: async () => undefined };
  }
  if (target.startsWith('/dev/')) {
    const dest = pino.destination({ dest: target, append: true, sync: false });
    return {
      write: (s) => { dest.write(s); },
      flush: () => new Promise<void>((resolve) => { dest.flush(() => resolve()); }),
      flushSync: () => { try { dest.flushSync(); } catch { /* nothing queued, or not ready: the OS has the rest */ } },
      close: () => new Promise<void>((resolve) => { dest.once('close', () => resolve()); dest.end(); }),
    };
  }
  const file = new RotatingFile({
    path: target,
    ...setup.rotation,
    now,
    onError: (err) => onError(`aibridge: cannot write ${target}: ${err.message}\n`),
  });
  return { write: (s) => file.write(s), flush: () => file.flush(), flushSync: () => file.flushSync(), close: () => file.close() };
}

/** The chained JSON log: items in, chained lines out to the destination. */
export class JsonLogWriter {
  private clock: number;
  private readonly sink: Sink;
  private readonly chain: ChainedLines;

  /**
   * Opens the destination (throws if it cannot). `onError` gets the text to put on stderr when a
   * write fails (the line is dropped, the gateway goes on).
   */
  constructor(setup: JsonLogSetup, onError: (message: string) => void) {
    this.clock = setup.now;
    const now = (): number => this.clock;
    this.sink = openSink(setup, now, onError);
    if (setup.torn) this.sink.write('\n'); // our lines start on a line of their own
    this.chain = new ChainedLines(setup.head, setup.signingKey ? ed25519Signer(setup.signingKey) : undefined, now);
  }

  /** Where the chain stands. */
  get head(): ChainHead {
    return this.chain.head;
  }

  /**
   * Writes items, in order, at the gateway's time `now`. A record whose lines cannot be built is
   * skipped and `onFault` told (its id and why); the lines around it are written.
   */
  write(items: readonly LogItem[], now: number, onFault: (id: string, message: string) => void): void {
    this.clock = now;
    for (const item of items) {
      if (typeof item === 'string') this.sink.write(this.chain.text(item));
      else if (item === 0) this.sink.write(this.chain.checkpoint());
      else {
        let rec: Interception;
        let out = '';
        try {
          rec = JSON.parse(item.r) as Interception;
          // Each line built once, hashed once, all of a record in one write.
          for (const l of interceptionLogLines(rec, { usd: item.c })) out += this.chain.line(l);
        } catch (err) {
          onFault(idOf(item.r), (err as Error).message);
          continue;
        }
        this.sink.write(out);
      }
    }
  }

  /** Writes what is queued now (a regular file queues for a few milliseconds). */
  flushSync(): void {
    this.sink.flushSync();
  }

  /** Resolves when everything written so far has reached the destination. */
  flush(): Promise<void> {
    return this.sink.flush();
  }

  /** A last checkpoint (a clean shutdown signs the head, SPEC §13), then the destination closes. */
  async close(now: number): Promise<void> {
    this.clock = now;
    this.sink.write(this.chain.checkpoint());
    await this.sink.flush();
    await this.sink.close();
  }
}

/** The `id` of a record's JSON text, for a fault message (no parse: the text may be what failed). */
function idOf(text: string): string {
  return /"id":"([^"\\]{1,100})"/.exec(text)?.[1] ?? '(unknown)';
}
