import { createParser } from 'eventsource-parser';
import { createStore } from '../lib/store';
import { apiFetch } from './client';
import type { BudgetAlert, Interception } from './types';

/**
 * The live feed: `GET /api/v1/events` read with fetch (EventSource cannot send the Authorization
 * header) and parsed with eventsource-parser. One connection for the whole app; pages subscribe.
 */
export type LiveState = 'off' | 'connecting' | 'live' | 'retrying';

export const liveState = createStore<LiveState>('off');
/** Bridge on/off as last reported by the server (null until known). */
export const bridgeEnabled = createStore<boolean | null>(null);

/**
 * Calls announced as begun (`event: interception_start`) and not finished yet, newest first.
 * Emptied whenever the feed drops or reconnects: a finish may have been missed meanwhile, and a
 * call that never finishes (gateway killed) must not stay "running" forever.
 */
export const runningCalls = createStore<readonly Interception[]>([]);
/** More than a page of the largest size; the gateway's default concurrency limit is 512. */
const MAX_RUNNING = 600;
const clearRunning = () => {
  if (runningCalls.get().length) runningCalls.set([]);
};

/**
 * Budget alerts of the current periods (SPEC §11): seeded from `/status` `budget_alerts`, then
 * each `event: budget_alert` added as it fires. Shown as the banner above every page.
 */
export const budgetAlerts = createStore<readonly BudgetAlert[]>([]);
const alertKey = (a: BudgetAlert) => `${a.initiator_id}|${a.budget}|${a.threshold}|${a.at}`;
/** Adds alerts not seen yet (the same alert may come from the status and from the feed). */
export function addBudgetAlerts(list: readonly BudgetAlert[]): void {
  const seen = new Set(budgetAlerts.get().map(alertKey));
  const fresh = list.filter((a) => !seen.has(alertKey(a)));
  if (fresh.length) budgetAlerts.set([...budgetAlerts.get(), ...fresh]);
}

type Listener = (rec: Interception) => void;
const interceptionListeners = new Set<Listener>();

/** Called for every finished interception the server announces. Returns unsubscribe. */
export function onInterception(listener: Listener): () => void {
  interceptionListeners.add(listener);
  return () => interceptionListeners.delete(listener);
}

let controller: AbortController | null = null;

function dispatch(event: string | undefined, data: string): void {
  try {
    if (event === 'interception') {
      const rec = JSON.parse(data) as Interception;
      for (const l of [...interceptionListeners]) l(rec);
      // After the listeners, in the same turn: the finished row replaces the running one in one render.
      const running = runningCalls.get();
      if (running.some((r) => r.id === rec.id)) runningCalls.set(running.filter((r) => r.id !== rec.id));
    } else if (event === 'interception_start') {
      const rec = JSON.parse(data) as Interception;
      const running = runningCalls.get();
      if (rec.status === 'in_flight' && !running.some((r) => r.id === rec.id)) runningCalls.set([rec, ...running].slice(0, MAX_RUNNING));
    } else if (event === 'budget_alert') {
      addBudgetAlerts([JSON.parse(data) as BudgetAlert]);
    } else if (event === 'bridge') {
      const body = JSON.parse(data) as { enabled?: unknown };
      if (typeof body.enabled === 'boolean') bridgeEnabled.set(body.enabled);
    }
  } catch {
    // A malformed event must not end the feed.
  }
}

async function readOnce(signal: AbortSignal): Promise<void> {
  const res = await apiFetch('/events', { signal, headers: { Accept: 'text/event-stream' } });
  if (!res.body) throw new Error('no body');
  clearRunning();
  liveState.set('live');
  const parser = createParser({ onEvent: (ev) => dispatch(ev.event, ev.data) });
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    parser.feed(value);
  }
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = window.setTimeout(resolve, ms);
    signal.addEventListener('abort', () => { window.clearTimeout(t); resolve(); }, { once: true });
  });

/** Opens the feed and keeps it open (with backoff) until `stopLive()`. */
export function startLive(): void {
  if (controller) return;
  const c = new AbortController();
  controller = c;
  void (async () => {
    let delay = 1000;
    while (!c.signal.aborted) {
      liveState.set('connecting');
      const opened = Date.now();
      try {
        await readOnce(c.signal);
      } catch (err) {
        if (err instanceof Error && 'status' in err && err.status === 401) break;
      }
      clearRunning();
      if (c.signal.aborted) break;
      liveState.set('retrying');
      if (Date.now() - opened > 30_000) delay = 1000;
      await sleep(delay, c.signal);
      delay = Math.min(delay * 2, 15_000);
    }
    if (controller === c) controller = null;
    liveState.set('off');
  })();
}

export function stopLive(): void {
  controller?.abort();
  controller = null;
  clearRunning();
  liveState.set('off');
}
