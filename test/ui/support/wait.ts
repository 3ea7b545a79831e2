/**
 * How long the browser tests wait for something to happen: a render after a fetch, a save, a
 * search, a span reaching the collector. A bound on a wait for an event, never a timing assertion:
 * on an idle machine these waits end in milliseconds, on a loaded 2-core CI machine (or with
 * several test runs at once) the same event can take seconds, and `expect.poll`'s default of 1 s
 * failed tests there that had nothing wrong with them. Never a fixed sleep.
 */
export const EVENT_WAIT_MS = 15_000;

/** `expect.poll(fn, EVENTUALLY)`: polls until the matcher passes or {@link EVENT_WAIT_MS} ran out. */
export const EVENTUALLY = { timeout: EVENT_WAIT_MS } as const;
