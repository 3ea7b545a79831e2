/**
 * The JSON log on a worker thread (issue #20). Building a record's four-plus SPEC §7 lines,
 * hashing each into the chain and writing them cost ~10 % of the event loop's busy time in the
 * bench profile; on a thread that work runs on the machine's other core.
 *
 * The event loop keeps what must happen in order with the rest of the gateway: pino formats and
 * scrubs its lines, the fan-out decides which records are logged and prices them. Every line and
 * record goes into one queue in the order it was logged, and the queue is posted to the thread at
 * most every {@link POST_EVERY_MS} ms (a message has a fixed cost, as the telemetry thread found).
 * A record crosses as the JSON text the store already made of it (src/record/field-cap.ts
 * `storableLine`): a string is copied, not walked.
 *
 * Nothing is lost at exit: `process.on('exit')` calls {@link LogThread.flushSync}, which posts what
 * is queued and blocks (`Atomics.wait`, at most {@link EXIT_WAIT_MS}) until the thread says it
 * has handed every line to the OS. If the thread fails, the gateway writes the log itself from
 * then on (the chain goes on from the file's last line) and says so; lines the thread held when it
 * failed may be missing.
 */
import type { Worker } from 'node:worker_threads';
import { JsonLogWriter, resumeChain, type JsonLogSetup, type LogItem } from './log-writer.js';
import { spawnWorker } from './worker-thread.js';

/** How long a logged item may wait on this side before it is posted to the thread. */
const POST_EVERY_MS = 5;
/** Queued items that are posted at once. */
const POST_AT_ITEMS = 256;
/** How long an exiting gateway waits for the thread to write its last lines. */
const EXIT_WAIT_MS = 10_000;
/** How long {@link LogThread.close} waits for the thread's last checkpoint and close. */
const CLOSE_WAIT_MS = 5000;

/** Main → worker. */
export type ToLogWorker =
  | { type: 'items'; now: number; items: LogItem[] }
  | { type: 'flush'; id: number }
  | { type: 'sync'; flag: Int32Array }
  | { type: 'close'; now: number };

/** Worker → main. */
export type FromLogWorker =
  | { type: 'stderr'; text: string }
  | { type: 'fault'; id: string; message: string }
  | { type: 'flushed'; id: number }
  | { type: 'closed' };

export interface LogThreadOptions {
  now: () => number;
  /** Text for stderr: a write the thread could not make (disk full…). */
  stderr(text: string): void;
  /** A record whose lines could not be built. */
  onFault(id: string, message: string): void;
  /** The thread failed; the gateway writes the log itself from now on. */
  onThreadFailed(message: string): void;
  /** Test seam: the thread, once started. */
  onStart?: (worker: Worker) => void;
}

/** The JSON log destination, written by a worker thread. */
export interface LogThread {
  /** Queues one item, in order. */
  push(item: LogItem): void;
  /** Resolves when everything pushed so far has reached the destination. */
  flush(): Promise<void>;
  /** At process exit: blocks until everything pushed so far is with the OS (bounded). */
  flushSync(): void;
  /** A last checkpoint, then the destination closes and the thread ends. */
  close(): Promise<void>;
}

/**
 * The thread's V8 heap: a young generation sized for the short-lived line strings of one batch,
 * an old generation that is a ceiling only (the thread keeps nothing between batches).
 */
const RESOURCE_LIMITS = { maxYoungGenerationSizeMb: 4, maxOldGenerationSizeMb: 256 };

/** Starts the log thread over an opened-and-checked destination (src/gateway/log-writer.ts `checkTarget`). */
export function startLogThread(setup: JsonLogSetup, opts: LogThreadOptions): LogThread {
  const worker: Worker = spawnWorker(import.meta.url, 'log-worker', setup, RESOURCE_LIMITS);
  opts.onStart?.(worker);
  let queue: LogItem[] = [];
  let scheduled: NodeJS.Timeout | undefined;
  /** Set when the thread failed: the gateway's own writer from then on. */
  let local: JsonLogWriter | undefined;
  let dead = false;
  let closing = false;
  let nextFlush = 1;
  const flushes = new Map<number, () => void>();
  let closed: (() => void) | undefined;

  const post = (): void => {
    if (scheduled) { clearTimeout(scheduled); scheduled = undefined; }
    if (queue.length === 0) return;
    const items = queue;
    queue = [];
    if (local) local.write(items, opts.now(), opts.onFault);
    else if (!dead) worker.postMessage({ type: 'items', now: opts.now(), items } satisfies ToLogWorker);
  };

  const failed = (message: string): void => {
    if (dead) return;
    dead = true;
    for (const done of flushes.values()) done();
    flushes.clear();
    closed?.();
    if (closing) return;
    // The file's last line says where the chain stands now (the thread may have written more
    // than it confirmed).
    try {
      const resumed = resumeChain(setup.target);
      local = new JsonLogWriter({ ...setup, head: resumed.head, torn: resumed.torn, now: opts.now() }, opts.stderr);
      opts.onThreadFailed(`the log thread failed (${message}); the gateway writes the JSON log itself from now on, lines handed to the thread may be missing`);
    } catch (err) {
      opts.onThreadFailed(`the log thread failed (${message}) and the JSON log cannot be reopened (${(err as Error).message}); JSON log lines are no longer written`);
    }
    post();
  };

  worker.on('message', (m: FromLogWorker) => {
    switch (m.type) {
      case 'stderr':
        opts.stderr(m.text);
        break;
      case 'fault':
        opts.onFault(m.id, m.message);
        break;
      case 'flushed':
        flushes.get(m.id)?.();
        flushes.delete(m.id);
        break;
      case 'closed':
        closed?.();
        break;
    }
  });
  worker.on('error', (err) => failed(err.message));
  worker.on('exit', (code) => failed(`exited with code ${code}`));

  return {
    push(item) {
      if (dead && !local) return;
      if (queue.push(item) >= POST_AT_ITEMS) post();
      else scheduled ??= setTimeout(post, POST_EVERY_MS).unref();
    },
    flush() {
      post();
      if (local) {
        local.flushSync();
        return local.flush();
      }
      if (dead) return Promise.resolve();
      const id = nextFlush++;
      worker.ref();
      return new Promise<void>((resolve) => {
        flushes.set(id, () => {
          if (flushes.size <= 1 && !closing) worker.unref();
          resolve();
        });
        worker.postMessage({ type: 'flush', id } satisfies ToLogWorker);
      });
    },
    flushSync() {
      post();
      if (local) { local.flushSync(); return; }
      if (dead) return;
      const flag = new Int32Array(new SharedArrayBuffer(4));
      worker.postMessage({ type: 'sync', flag } satisfies ToLogWorker);
      Atomics.wait(flag, 0, 0, EXIT_WAIT_MS);
    },
    async close() {
      if (closing) return;
      post();
      closing = true;
      if (local) { await local.close(opts.now()); return; }
      if (dead) return;
      worker.ref();
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, CLOSE_WAIT_MS);
        closed = () => { clearTimeout(timer); closed = undefined; resolve(); };
        worker.postMessage({ type: 'close', now: opts.now() } satisfies ToLogWorker);
      });
      await worker.terminate();
    },
  };
}
