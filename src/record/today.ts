/**
 * "Today" for the overview and the tray (SPEC §5 status `today`, `in_flight`): the finished calls
 * of the machine's local calendar day and the calls running now, kept up to date by the record
 * fan-out. The desktop user's day is their own; a headless server's is its local day. (The usage
 * page picks its days in the browser's zone instead: `/usage?tz=`.)
 */
import type { RecordConsumer } from './fanout.js';
import type { Interception } from './types.js';
import { addUsage, emptyUsage, type UsageTotals } from './usage.js';

/** Today's totals and the calls in flight. */
export interface TodayTotals {
  /** The fan-out consumer: `begin` counts a running call, a batched `finish` moves it into today. */
  readonly records: RecordConsumer;
  /** Sums of the calls finished since local midnight (rolls over by itself). */
  usage(): UsageTotals;
  /** Calls begun and not yet finished (as far as the fan-out has drained). */
  inFlight(): number;
  /** USD of today's finished calls at the current prices (SPEC §11); 0 without a `cost` option. */
  costUsd(): number;
  /** Reads today's figures from the store again (after a price change re-prices history). */
  reseed(): Promise<void>;
}

/** Options for {@link createTodayTotals}. */
export interface TodayOptions {
  now: () => number;
  /** Today's sums so far (from the store's index), so the figures survive a restart; with their cost. */
  seed(since: number): Promise<(UsageTotals & { cost_usd?: number | null }) | undefined>;
  /** USD of one finished record at the current prices, null when unpriced. */
  cost?(rec: Interception): number | null;
}

/** Starts today's totals, seeded from what is already stored since local midnight. */
export async function createTodayTotals(opts: TodayOptions): Promise<TodayTotals> {
  let start = localMidnight(opts.now());
  let usage = emptyUsage();
  let cost = 0;
  const seed = async (): Promise<void> => {
    const s = start;
    const seeded = await opts.seed(s);
    if (s !== start) return; // the day rolled while reading: today starts empty
    const { cost_usd, unpriced_requests: _u, ...sums } = (seeded ?? emptyUsage()) as UsageTotals & { cost_usd?: number | null; unpriced_requests?: number };
    usage = sums;
    cost = cost_usd ?? 0;
  };
  await seed();
  let running = 0;
  const roll = (): void => {
    const s = localMidnight(opts.now());
    if (s !== start) {
      start = s;
      usage = emptyUsage();
      cost = 0;
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
        if (opts.cost) cost += opts.cost(rec) ?? 0;
      },
    },
    usage() {
      roll();
      return usage;
    },
    inFlight: () => running,
    costUsd() {
      roll();
      return cost;
    },
    reseed: seed,
  };
}

/** Start (ms) of the local calendar day that `ms` falls in. */
function localMidnight(ms: number): number {
  const d = new Date(ms);
  d.setHours(0, 0, 0, 0);
  return d.getTime();
}
