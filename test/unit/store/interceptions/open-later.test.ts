/**
 * Open loads the last two days' segments before it resolves and older segments in the background
 * (start-up of a large store, issue #18). Every read right after open must still be exact: a read
 * whose range reaches a segment not loaded yet waits for it, a call left in flight in an old
 * segment is interrupted before anyone sees it, and a record whose lines sit in two segments ends
 * up as a day-ordered load would have it.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openInterceptionStore, type InterceptionStore } from '../../../../src/store/interceptions/index.js';
import type { FileInterceptionStore } from '../../../../src/store/interceptions/store.js';
import type { Interception } from '../../../../src/record/types.js';
import type { SessionSums } from '../../../../src/store/interceptions/types.js';
import { finishedRecord, startedRecord } from '../../../helpers/store-records.js';
import { DAY, DAY0, HOUR, tempDir } from '../../../helpers/store-temp.js';

let dir: string;
let cleanup: () => Promise<void>;
const opened: InterceptionStore[] = [];

beforeEach(async () => {
  ({ dir, cleanup } = await tempDir('aibridge-open-later-'));
});
afterEach(async () => {
  for (const s of opened.splice(0)) await s.close();
  await cleanup();
});

/** "Now" for the reopened store: 12 days after DAY0, so DAY0..DAY0+9d are old segments. */
const NOW = DAY0 + 12 * DAY + 6 * HOUR;
const OLD_DAYS = 10;
const PER_DAY = 12;

/** The segment (UTC day) `d` days after DAY0. */
const dayOf = (d: number): string => new Date(DAY0 + d * DAY).toISOString().slice(0, 10);
/** Every old segment, in the order the loader takes them (newest first). */
const OLD_SEGMENTS = Array.from({ length: OLD_DAYS }, (_, i) => dayOf(OLD_DAYS - 1 - i));

interface Opened {
  s: FileInterceptionStore;
  /** The older segments the loader has loaded so far, in order. */
  loadedDays: string[];
  /** Resolves once the loader has stopped: paused until a reader needs more, or done. */
  quiet(): Promise<'paused' | 'done'>;
  /** Resolves once open's background part is done. */
  done(): Promise<void>;
}

/**
 * Opens the store over `dir` as the gateway does, except that older segments load only when a
 * read needs them (the delay after which they all load is an hour unless `loadOlderDelayMs`): what
 * is in memory after each read is then exactly what that read loaded. The loader's test hook
 * says which segments it loaded and when it stopped, so no test sleeps.
 */
async function open(opts: { now?: number; loadOlderDelayMs?: number } = {}): Promise<Opened> {
  const loadedDays: string[] = [];
  let last = '';
  let wake: (() => void) | null = null;
  const s = (await openInterceptionStore({
    dir,
    now: () => opts.now ?? NOW,
    searchIndexDelayMs: 3_600_000,
    loadOlderDelayMs: opts.loadOlderDelayMs ?? 3_600_000,
    testHook: (point) => {
      if (!point.startsWith('older-')) return;
      last = point;
      if (point.startsWith('older-load ')) loadedDays.push(point.slice('older-load '.length));
      wake?.();
    },
  })) as FileInterceptionStore;
  opened.push(s);
  const until = async (stop: (point: string) => boolean): Promise<void> => {
    while (!stop(last)) await new Promise<void>((resolve) => (wake = resolve));
  };
  const quiet = async (): Promise<'paused' | 'done'> => {
    await until((p) => p === 'older-paused' || p === 'older-done');
    return last === 'older-done' ? 'done' : 'paused';
  };
  return { s, loadedDays, quiet, done: () => until((p) => p === 'older-done') };
}

/** Writes old days (each record with a word of its own and its day's word) and a few recent records. */
async function seed(): Promise<{ old: Interception[]; recent: Interception[] }> {
  const s = await openInterceptionStore({ dir, now: () => DAY0 });
  const old: Interception[] = [];
  const recent: Interception[] = [];
  for (let d = 0; d < OLD_DAYS; d++) {
    for (let i = 0; i < PER_DAY; i++) {
      const r = finishedRecord({ startedMs: DAY0 + d * DAY + i * HOUR, model: i % 2 ? 'gpt-5' : 'claude-sonnet-4' });
      r.user_prompts = [{ ...r.user_prompts[0]!, prompt: `day${d} item${d}x${i} shared words` }];
      r.client_session_id = `S${i % 3}`;
      s.finish(r);
      old.push(r);
    }
  }
  for (let i = 0; i < 3; i++) {
    const r = finishedRecord({ startedMs: NOW - (i + 1) * HOUR });
    r.user_prompts = [{ ...r.user_prompts[0]!, prompt: `recent shared words ${i}` }];
    s.finish(r);
    recent.push(r);
  }
  await s.close();
  return { old, recent };
}

const newestFirst = (recs: Interception[]): string[] =>
  [...recs].sort((a, b) => Date.parse(b.started_at) - Date.parse(a.started_at) || (a.id < b.id ? 1 : -1)).map((r) => r.id);

const startedMs = (r: Interception): number => Date.parse(r.started_at);
/** Inside day 8: a read from here needs the segments of days 8 and 9 (and the recent ones). */
const SINCE = DAY0 + 8 * DAY + 5 * HOUR + 30 * 60_000;
/** Inside day 9: a range ending here still needs day 8's segment. */
const UNTIL = DAY0 + 9 * DAY + 5 * HOUR + 30 * 60_000;
const inRange = (recs: Interception[], since: number, until = Infinity): Interception[] =>
  recs.filter((r) => startedMs(r) >= since && startedMs(r) < until);

async function collect(it: AsyncIterable<Interception>): Promise<string[]> {
  const ids: string[] = [];
  for await (const r of it) ids.push(r.id);
  return ids;
}
const sessionCalls = (rows: SessionSums[]): number => rows.reduce((n, x) => n + x.interceptions, 0);

/** Each reader path over a range starting at SINCE, and what it must answer given every record. */
const narrowReads: [string, (s: FileInterceptionStore) => Promise<unknown>, (all: Interception[]) => unknown][] = [
  ['list', async (s) => (await s.list({ startedAfter: SINCE, limit: 1000 })).results.map((r) => r.id), (all) => newestFirst(inRange(all, SINCE))],
  [
    'list with an end',
    async (s) => (await s.list({ startedAfter: SINCE, startedBefore: UNTIL, limit: 1000 })).results.map((r) => r.id),
    (all) => newestFirst(inRange(all, SINCE, UNTIL)),
  ],
  ['search', async (s) => (await s.list({ q: 'shared words', startedAfter: SINCE, limit: 1000 })).results.map((r) => r.id), (all) => newestFirst(inRange(all, SINCE))],
  ['usage', async (s) => (await s.usage({ since: SINCE }, () => 'all')).get('all')?.requests, (all) => inRange(all, SINCE).length],
  ['sessions', async (s) => sessionCalls(await s.sessions({ since: SINCE })), (all) => inRange(all, SINCE).filter((r) => r.client_session_id !== null).length],
  ['iterate', (s) => collect(s.iterate({ since: SINCE })), (all) => newestFirst(inRange(all, SINCE)).reverse()],
];

/** Each reader path that needs every segment (no start, or an id or cursor from an old segment). */
const wideReads: [string, (s: FileInterceptionStore, old: Interception[]) => Promise<unknown>, (all: Interception[], old: Interception[], recent: Interception[]) => unknown][] = [
  ['list', async (s) => (await s.list({ limit: 1000 })).results.map((r) => r.id), (all) => newestFirst(all)],
  ['search', async (s) => (await s.list({ q: 'item3x7' })).results.map((r) => r.id), (_, old) => [old[3 * PER_DAY + 7]!.id]],
  ['get', async (s, old) => (await s.get(old[5]!.id))?.id, (_, old) => old[5]!.id],
  [
    'a page after a cursor from an old segment',
    async (s, old) => (await s.list({ limit: 5, afterId: old[40]!.id })).results.map((r) => r.id),
    (all, old) => {
      const order = newestFirst(all);
      const at = order.indexOf(old[40]!.id);
      return order.slice(at + 1, at + 6);
    },
  ],
  // A recent range with a cursor from an old segment: an empty page, not "unknown after_id".
  ['a recent range after an old cursor', (s, old) => s.list({ startedAfter: NOW - DAY, afterId: old[40]!.id }), (_, __, recent) => ({ count: recent.length, results: [] })],
  ['usage', async (s) => (await s.usage({}, () => 'all')).get('all')?.requests, (all) => all.length],
  ['sessions', async (s) => sessionCalls(await s.sessions({})), (_, old) => old.length],
  ['iterate', (s) => collect(s.iterate({})), (all) => newestFirst(all).reverse()],
];

describe('older segments loaded after open', () => {
  it('open resolves with the recent segments only, and a read of recent days loads nothing older', async () => {
    const { recent } = await seed();
    const { s, loadedDays, quiet } = await open();
    expect(await quiet()).toBe('paused');
    expect(s.index.size).toBe(recent.length);
    expect((await s.list({ startedAfter: NOW - DAY })).count).toBe(recent.length);
    expect((await s.usage({ since: NOW - DAY }, () => 'all')).get('all')?.requests).toBe(recent.length);
    expect(await s.get(recent[0]!.id)).toMatchObject({ id: recent[0]!.id });
    expect(await quiet()).toBe('paused');
    expect(loadedDays).toEqual([]);
    expect(s.index.size).toBe(recent.length);
  });

  it.each(narrowReads)('%s from day 8 loads the segments of days 8 and 9 and no older, and answers exactly', async (_, read, want) => {
    const { old, recent } = await seed();
    const all = [...old, ...recent];
    const { s, loadedDays, quiet } = await open();
    expect(s.index.size).toBe(recent.length);
    expect(await read(s)).toEqual(want(all));
    expect(await quiet()).toBe('paused');
    expect(loadedDays).toEqual([dayOf(9), dayOf(8)]);
    expect(s.index.size).toBe(inRange(all, DAY0 + 8 * DAY).length);
    // A read of everything then loads the rest.
    expect((await s.list({})).count).toBe(all.length);
    expect(loadedDays).toEqual(OLD_SEGMENTS);
    expect(s.index.size).toBe(all.length);
  });

  it.each(wideReads)('%s loads every older segment first, and answers exactly', async (_, read, want) => {
    const { old, recent } = await seed();
    const all = [...old, ...recent];
    const { s, loadedDays, quiet } = await open();
    expect(s.index.size).toBe(recent.length);
    expect(await read(s, old)).toEqual(want(all, old, recent));
    expect(await quiet()).toBe('done');
    expect(loadedDays).toEqual(OLD_SEGMENTS);
    expect(s.index.size).toBe(all.length);
  });

  it('answers reads issued all at once right after open exactly', async () => {
    const { old, recent } = await seed();
    const all = [...old, ...recent];
    const { s } = await open();
    // Every read issued at once, before any older segment is in.
    const results = await Promise.all([...narrowReads.map(([, read]) => read(s)), ...wideReads.map(([, read]) => read(s, old))]);
    expect(results).toEqual([...narrowReads.map(([, , want]) => want(all)), ...wideReads.map(([, , want]) => want(all, old, recent))]);
    expect(s.index.size).toBe(all.length);
  });

  it('loads every older segment once the delay passes, without a reader', async () => {
    const { old, recent } = await seed();
    const { s, loadedDays, quiet, done } = await open({ loadOlderDelayMs: 1 });
    // Paused at first (start-up goes first); the delay's timer then wakes it.
    expect(await quiet()).toBe('paused');
    await done();
    expect(loadedDays).toEqual(OLD_SEGMENTS);
    expect(s.index.size).toBe(old.length + recent.length);
  });

  it('a search before the full-text index is built, and after, over old segments', async () => {
    const { old } = await seed();
    const { s } = await open();
    const want = old.filter((r) => r.user_prompts[0]!.prompt.startsWith('day7 ')).map((r) => r.id).reverse();
    expect((await s.list({ q: 'day7 shared' })).results.map((r) => r.id)).toEqual(want);
    await s.indexer!.idle();
    expect(s.indexer!.progress()).toMatchObject({ indexed: old.length + 3, waiting: 0 });
    expect((await s.list({ q: 'day7 shared' })).results.map((r) => r.id)).toEqual(want);
  });

  it('the search index says it is building while older segments load or records wait for it, and not after', async () => {
    const { old, recent } = await seed();
    const { s, quiet } = await open();
    expect(await quiet()).toBe('paused');
    // Read from disk at open, the recent records wait for the build too; the older days are not in yet.
    expect(s.searchIndex()).toEqual({ building: true, indexed: 0, waiting: recent.length });
    await s.loaded();
    expect(s.searchIndex()).toEqual({ building: true, indexed: 0, waiting: old.length + recent.length });
    await s.indexer!.idle();
    expect(s.searchIndex()).toEqual({ building: false, indexed: old.length + recent.length, waiting: 0 });
  });

  it('the search index is building while older segments are still to load, even with nothing in memory waiting', async () => {
    const w = await openInterceptionStore({ dir, now: () => DAY0 });
    w.finish(finishedRecord({ startedMs: DAY0 + 5 * DAY }));
    await w.close();
    const { s, quiet } = await open();
    expect(await quiet()).toBe('paused');
    expect(s.searchIndex()).toEqual({ building: true, indexed: 0, waiting: 0 });
    await s.indexer!.idle();
    expect(s.searchIndex()).toEqual({ building: false, indexed: 1, waiting: 0 });
  });

  it('a read from a day without a segment of its own loads no segment older than that day', async () => {
    // Days 6, 8 and 9 have records, day 7 none (a day off).
    const w = await openInterceptionStore({ dir, now: () => DAY0 });
    const byDay = new Map<number, ReturnType<typeof finishedRecord>[]>();
    for (const d of [6, 8, 9]) {
      byDay.set(d, [0, 1, 2].map((i) => finishedRecord({ startedMs: DAY0 + d * DAY + i * HOUR })));
      for (const r of byDay.get(d)!) w.finish(r);
    }
    await w.close();
    const { s, loadedDays, quiet } = await open();
    const since = DAY0 + 7 * DAY + 5 * HOUR;
    expect((await s.list({ startedAfter: since, limit: 1000 })).results.map((r) => r.id)).toEqual(newestFirst([...byDay.get(8)!, ...byDay.get(9)!]));
    expect(await quiet()).toBe('paused');
    expect(loadedDays).toEqual([dayOf(9), dayOf(8)]);
    // Before any segment is in, a day between the newest old segment and the recent ones needs none.
    await s.close();
    opened.splice(0);
    const again = await open({ now: NOW });
    expect((await again.s.list({ startedAfter: DAY0 + 10 * DAY })).count).toBe(0);
    expect(await again.quiet()).toBe('paused');
    expect(again.loadedDays).toEqual([]);
  });

  it('a call that moved to an older day leaves a stale begin line: a read of the newer days does not wait for every segment', async () => {
    const { old, recent } = await seed();
    const w = await openInterceptionStore({ dir, now: () => DAY0 });
    // Begun on day 9 (an in-flight line there), ended with started_at on day 8 (its line in day 8's file).
    w.begin(startedRecord({ id: 'moved', startedMs: DAY0 + 9 * DAY + 30 * 60_000 }));
    await w.flush();
    w.finish(finishedRecord({ id: 'moved', startedMs: DAY0 + 8 * DAY + 30 * 60_000 }));
    await w.close();
    const { s, loadedDays, quiet } = await open();
    const listed = await s.list({ includeInFlight: true, startedAfter: DAY0 + 8 * DAY, limit: 1000 });
    expect(listed.results.find((r) => r.id === 'moved')).toMatchObject({ status: 'completed', started_at: new Date(DAY0 + 8 * DAY + 30 * 60_000).toISOString() });
    expect(listed.count).toBe(inRange([...old, ...recent], DAY0 + 8 * DAY).length + 1);
    expect(await quiet()).toBe('paused');
    expect(loadedDays).toEqual([dayOf(9), dayOf(8)]);
  });

  it('marks a call left in flight in an old segment interrupted before a read of that segment sees it', async () => {
    const { old, recent } = await seed();
    const w = await openInterceptionStore({ dir, now: () => DAY0 });
    // In day 8's segment: a read from day 8 loads it while days 0-7 are still on disk only.
    w.begin(startedRecord({ id: 'crashed', startedMs: DAY0 + 8 * DAY + 30 * 60_000 }));
    await w.flush();
    // Closed mid-call: on disk as a crash leaves it, a begin line and no end.
    await w.close();
    const { s, loadedDays } = await open();
    expect(s.index.size).toBe(recent.length);
    const [inFlight, listed] = await Promise.all([
      s.list({ includeInFlight: true, status: 'in_flight', startedAfter: DAY0 + 8 * DAY }),
      s.list({ includeInFlight: true, startedAfter: DAY0 + 8 * DAY, limit: 1000 }),
    ]);
    expect(inFlight.count).toBe(0);
    expect(listed.results.find((r) => r.id === 'crashed')).toMatchObject({ status: 'interrupted', ended_at: new Date(NOW).toISOString() });
    // Only once every segment is loaded can no older one hold the call's end: the read waited for all.
    expect(loadedDays).toEqual(OLD_SEGMENTS);
    expect(s.index.size).toBe(old.length + recent.length + 1);
    expect((await s.get('crashed'))?.status).toBe('interrupted');
    await s.close();
    // Durable: the next open finds the interrupted line.
    const again = await open({ now: NOW + DAY });
    expect((await again.s.get('crashed'))?.ended_at).toBe(new Date(NOW).toISOString());
  });

  it('a record whose lines are in two old segments ends up as a day-ordered load has it', async () => {
    const w = await openInterceptionStore({ dir, now: () => DAY0 });
    // Begin on day 5, end recorded with started_at on day 3 (the store keeps it in day 3's file).
    w.begin(startedRecord({ id: 'moved', startedMs: DAY0 + 5 * DAY }));
    await w.flush();
    w.finish(finishedRecord({ id: 'moved', startedMs: DAY0 + 3 * DAY }));
    // And the other way: ended on day 6, a stale begin line on day 2.
    w.begin(startedRecord({ id: 'back', startedMs: DAY0 + 2 * DAY }));
    await w.flush();
    w.finish(finishedRecord({ id: 'back', startedMs: DAY0 + 6 * DAY }));
    // Ended twice, the later end on a later day: the later line wins.
    w.finish(finishedRecord({ id: 'twice', startedMs: DAY0 + 1 * DAY, status: 'failed' }));
    await w.flush();
    w.finish(finishedRecord({ id: 'twice', startedMs: DAY0 + 7 * DAY }));
    await w.close();
    const { s } = await open();
    expect(s.index.size).toBe(0);
    const [moved, back, twice, listed] = await Promise.all([s.get('moved'), s.get('back'), s.get('twice'), s.list({ includeInFlight: true })]);
    expect(moved).toMatchObject({ status: 'completed', started_at: new Date(DAY0 + 3 * DAY).toISOString() });
    expect(back).toMatchObject({ status: 'completed', started_at: new Date(DAY0 + 6 * DAY).toISOString() });
    expect(twice).toMatchObject({ status: 'completed', started_at: new Date(DAY0 + 7 * DAY).toISOString() });
    expect(listed.results.map((r) => [r.id, r.status])).toEqual([['twice', 'completed'], ['back', 'completed'], ['moved', 'completed']]);
  });

  it('a record for an old day written before its segment is loaded waits for it, and lands where it belongs', async () => {
    const { old, recent } = await seed();
    const { s, loadedDays } = await open();
    s.finish(finishedRecord({ id: 'fresh', startedMs: NOW }));
    // A late record for day 4, whose segment is not loaded (its size unknown): written after it is.
    s.finish(finishedRecord({ id: 'late', startedMs: DAY0 + 4 * DAY + 30 * 60_000 }));
    expect(loadedDays).toEqual([]);
    await s.flush();
    expect(loadedDays).toEqual(OLD_SEGMENTS);
    expect((await s.get('late'))?.status).toBe('completed');
    expect((await s.get(old[4 * PER_DAY]!.id))?.id).toBe(old[4 * PER_DAY]!.id);
    await s.close();
    opened.splice(0);
    const { s: again } = await open();
    const listed = await again.list({ limit: 1000 });
    expect(listed.count).toBe(old.length + recent.length + 2);
    expect((await again.get('late'))?.status).toBe('completed');
    expect((await again.get(old[4 * PER_DAY]!.id))?.id).toBe(old[4 * PER_DAY]!.id);
  });

  it('close while older segments still load returns after the segment summaries their load writes', async () => {
    await seed();
    const { s, loadedDays } = await open();
    // Closed before any read: close loads the rest, and maintenance (summaries) follows that load.
    await s.close();
    expect(loadedDays).toEqual(OLD_SEGMENTS);
    const names = await readdir(join(dir, 'interceptions'));
    // Every segment was parsed (none had a summary): each has one now, none half written.
    expect(names.filter((n) => n.endsWith('.sum'))).toHaveLength(OLD_DAYS + 1);
    expect(names.filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });
});
