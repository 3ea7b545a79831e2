/**
 * The record fan-out: the one way a begun or finished interception reaches everything that keeps,
 * counts, shows or ships it (ARCHITECTURE.md, "The record fan-out").
 *
 * Three kinds of participants, in this order:
 * 1. **Transforms** (ordered, synchronous) may return a replaced record before anyone sees it
 *    (secret redaction and the field cap go here, SPEC §12): every consumer gets the transformed
 *    record, the store and the log included.
 * 2. **Immediate consumers** get a finished record in the turn the pipeline hands it in, which is
 *    the turn that sent the client its last bytes: the store, so a client that lists interceptions
 *    right after its call finds it.
 * 3. **Batched consumers** get finished records a moment later, on a 1 ms timer: that work then
 *    overlaps the next call's wait for its upstream instead of delaying it (issue #8). Admin
 *    requests call {@link RecordFanout.settle} first, so nothing they read lags behind.
 *
 * `begin` hooks of every consumer run at once (they must be cheap: a set add, a listener check).
 * Each participant's fault is caught and logged with its name: one broken consumer never stops the
 * others, nor the client's stream.
 */
import type { EndStatus, Interception } from './types.js';

/** A finished record (any status but `in_flight`). */
export type FinishedRecord = Interception & { status: EndStatus };

/** What the request pipeline hands records to (implemented by {@link RecordFanout}). */
export interface RecordSink {
  /** A call started: its `in_flight` record (with the prompt, without a response). */
  begin(rec: Interception): void;
  /** A call ended: its whole record. */
  finish(rec: FinishedRecord): void;
}

/**
 * Replaces a record before any consumer sees it. Returns the record to pass on: the same object
 * when nothing changes, a new one otherwise (records are never mutated: the pipeline may still
 * hold the one handed in). Should not throw; if it does, the fault is logged and the record goes
 * on unchanged, so a transform whose failure must not leak content (redaction) catches its own
 * faults and returns a safe record.
 */
export interface RecordTransform {
  readonly name: string;
  begin?(rec: Interception): Interception;
  finish?(rec: FinishedRecord): FinishedRecord;
}

/** Something that keeps, counts, shows or ships records. Must not mutate what it is given. */
export interface RecordConsumer {
  readonly name: string;
  /**
   * `immediate`: `finish` runs in the turn the record is handed in (the store). `batched`: `finish`
   * runs on the fan-out's next drain (1 ms timer, or any {@link RecordFanout.settle}).
   */
  readonly mode: 'immediate' | 'batched';
  /** Runs at once for every begun call; keep it cheap (it is on every call's path). */
  begin?(rec: Interception): void;
  finish?(rec: FinishedRecord): void;
  /** Awaited by {@link RecordFanout.close} after the last drain (exporters flush here). */
  close?(): Promise<void>;
}

/** Where participant faults are reported. */
export interface FanoutLogger {
  error(obj: object, msg: string): void;
}

/** Options for {@link createRecordFanout}. */
export interface FanoutOptions {
  transforms?: readonly RecordTransform[];
  consumers: readonly RecordConsumer[];
  logger: FanoutLogger;
  /** Delay of the batched drain; default 1 ms (long enough to leave the current call's path). */
  batchDelayMs?: number;
}

/** The fan-out: a {@link RecordSink} for the pipeline, plus settle/close for the app. */
export interface RecordFanout extends RecordSink {
  /** Hands every pending finished record to the batched consumers now. */
  settle(): void;
  /**
   * Settles, then closes the consumers that need it (in list order). A record handed in later (a
   * call cut off by the shutdown) still reaches every consumer, at once.
   */
  close(): Promise<void>;
}

/** Builds the fan-out over an ordered list of transforms and consumers. */
export function createRecordFanout(opts: FanoutOptions): RecordFanout {
  const transforms = opts.transforms ?? [];
  const beginTransforms = transforms.filter((t) => t.begin);
  const finishTransforms = transforms.filter((t) => t.finish);
  const beginners = opts.consumers.filter((c) => c.begin);
  const immediate = opts.consumers.filter((c) => c.mode === 'immediate' && c.finish);
  const batched = opts.consumers.filter((c) => c.mode === 'batched' && c.finish);
  const log = opts.logger;
  const delay = opts.batchDelayMs ?? 1;

  const fault = (who: { name: string }, stage: string, rec: Interception, err: unknown): void => {
    try {
      log.error({ err, consumer: who.name, interception_id: rec.id }, `record ${stage} failed in ${who.name}`);
    } catch {
      // a logger that throws must not break a call either
    }
  };

  const pending: FinishedRecord[] = [];
  let timer: NodeJS.Timeout | undefined;
  let closed = false;

  const drain = (): void => {
    if (timer !== undefined) {
      clearTimeout(timer);
      timer = undefined;
    }
    if (pending.length === 0) return;
    // Records handed in while a consumer runs (none today) wait for the next drain.
    const recs = pending.splice(0);
    for (const rec of recs) {
      for (let i = 0; i < batched.length; i++) {
        const c = batched[i]!;
        try {
          c.finish!(rec);
        } catch (err) {
          fault(c, 'finish', rec, err);
        }
      }
    }
  };

  return {
    begin(input) {
      let rec = input;
      for (let i = 0; i < beginTransforms.length; i++) {
        const t = beginTransforms[i]!;
        try {
          rec = t.begin!(rec);
        } catch (err) {
          fault(t, 'begin transform', rec, err);
        }
      }
      for (let i = 0; i < beginners.length; i++) {
        const c = beginners[i]!;
        try {
          c.begin!(rec);
        } catch (err) {
          fault(c, 'begin', rec, err);
        }
      }
    },
    finish(input) {
      let rec = input;
      for (let i = 0; i < finishTransforms.length; i++) {
        const t = finishTransforms[i]!;
        try {
          rec = t.finish!(rec);
        } catch (err) {
          fault(t, 'finish transform', rec, err);
        }
      }
      for (let i = 0; i < immediate.length; i++) {
        const c = immediate[i]!;
        try {
          c.finish!(rec);
        } catch (err) {
          fault(c, 'finish', rec, err);
        }
      }
      if (batched.length === 0) return;
      pending.push(rec);
      // Once closing, no timer is left behind: a call that ends during shutdown is handed on now.
      if (closed) drain();
      else timer ??= setTimeout(drain, delay);
    },
    settle: drain,
    async close() {
      drain();
      closed = true;
      for (const c of opts.consumers) {
        if (!c.close) continue;
        try {
          await c.close();
        } catch (err) {
          try {
            log.error({ err, consumer: c.name }, `record consumer ${c.name} failed to close`);
          } catch {
            // nothing left to tell
          }
        }
      }
    },
  };
}
