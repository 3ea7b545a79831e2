/**
 * "Today" for the overview and the tray (SPEC §5 status `today`, `in_flight`): the finished calls
 * of the machine's local calendar day and the calls running now, kept up to date by the record
 * fan-out. The desktop user's day is their own; a headless server's is its local day. (The usage
 * page picks its days in the browser's zone instead: `/usage?tz=`.)
 */
import type { RecordConsumer } from './fanout.js';
import { addUsage, emptyUsage, type UsageTotals } from './usage.js';

/** Today's totals and the calls in flight. */
export interface TodayTotals {
  /** The fan-out consumer: `begin` counts a running call, a batched `finish` moves it into today. */
  readonly records: RecordConsumer;
  /** Sums of the calls finished since local midnight (rolls over by itself). */
  usage(): UsageTotals;
  /** Calls begun and not yet finished (as far as the fan-out has drained). */
  inFlight(): number;
}

/** Options for {@link createTodayTotals}. */
export interface TodayOptions {
  now: () => number;
  /** Today's sums so far (from the store's index), so the figures survive a restart. */
  seed(since: number): Promise<UsageTotals | undefined>;
}

/** Starts today's totals, seeded from what is already stored since local midnight. */
export async function createTodayTotals(opts: TodayOptions): Promise<TodayTotals> {
  let start = localMidnight(opts.now());
  let usage = (await opts.seed(start)) ?? emptyUsage();
  let running = 0;
  const roll = (): void => {
    const s = localMidnight(opts.now());
    if (s !== start) {
      start = s;
      usage = emptyUsage();
    }
  };
  return {
    records: {
      name: 'today',
      mode: 'batched',
      begin() {
        running++;
      },
      finish(rec) {
        running--;
        roll();
        addUsage(usage, rec);
      },
    },
    usage() {
      roll();
      return usage;
    },
    inFlight: () => running,
  };
}

/** Start (ms) of the local calendar day that `ms` falls in. */
function localMidnight(ms: number): number {
  const d = new Date(ms);
  d.setHours(0, 0, 0, 0);
  return d.getTime();
}
