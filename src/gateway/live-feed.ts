/**
 * The dashboard's live feed (`GET /api/v1/events`) and the shells' change signal
 * (`RunningApp.onChange`: the tray redraws on it).
 *
 * A finished record is announced as `interception` from the fan-out's batch. A begun one is put on
 * the feed as `interception_start` at once, but only while a dashboard listens: otherwise `begin`
 * costs one `listenerCount` check.
 */
import { EventEmitter } from 'node:events';
import type { Interception } from '../record/types.js';
import type { RecordConsumer } from '../record/fanout.js';
import type { BudgetAlert } from '../record/budgets.js';

/** What the admin API's `/events` route listens to. */
export interface LiveEvents {
  /** `interception`: a finished record; `interception_start`: an in-flight one as begun. */
  on(event: 'interception' | 'interception_start', fn: (rec: Interception) => void): void;
  on(event: 'bridge', fn: (enabled: boolean) => void): void;
  on(event: 'budget_alert', fn: (a: BudgetAlert) => void): void;
  off(event: 'interception' | 'interception_start', fn: (rec: Interception) => void): void;
  off(event: 'bridge', fn: (enabled: boolean) => void): void;
  off(event: 'budget_alert', fn: (a: BudgetAlert) => void): void;
}

/** The feed: a fan-out consumer, the bridge switch's announcements and the change signal. */
export interface LiveFeed extends LiveEvents {
  readonly records: RecordConsumer;
  /** Announces the bridge switch (`event: bridge`) and a change. */
  bridge(enabled: boolean): void;
  /** Announces a budget alert (`event: budget_alert`: the dashboard's banner, the tray's notification). */
  budgetAlert(a: BudgetAlert): void;
  /** Calls `listener` after every finished interception and bridge switch. Returns unsubscribe. */
  onChange(listener: () => void): () => void;
}

export function createLiveFeed(): LiveFeed {
  const events = new EventEmitter();
  events.setMaxListeners(0);
  return {
    records: {
      name: 'live-feed',
      mode: 'batched',
      begin(rec) {
        if (events.listenerCount('interception_start') > 0) events.emit('interception_start', rec);
      },
      finish(rec) {
        events.emit('interception', rec);
        events.emit('change');
      },
    },
    budgetAlert(a) {
      events.emit('budget_alert', a);
      events.emit('change');
    },
    bridge(enabled) {
      events.emit('bridge', enabled);
      events.emit('change');
    },
    onChange(listener) {
      events.on('change', listener);
      return () => events.off('change', listener);
    },
    // One implementation for the overloads above: the event name decides the argument.
    on(event: string, fn: (arg: never) => void) {
      events.on(event, fn as (...args: unknown[]) => void);
    },
    off(event: string, fn: (arg: never) => void) {
      events.off(event, fn as (...args: unknown[]) => void);
    },
  };
}
