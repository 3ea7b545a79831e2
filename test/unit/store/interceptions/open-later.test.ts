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

async function open(opts: { now?: number } = {}): Promise<FileInterceptionStore> {
  const s = await openInterceptionStore({ dir, now: () => opts.now ?? NOW, searchIndexDelayMs: 3_600_000 });
  opened.push(s);
  return s as FileInterceptionStore;
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

describe('older segments loaded after open', () => {
  it('answers list, search, get, usage, sessions and paging exactly right after open', async () => {
    const { old, recent } = await seed();
    const all = [...old, ...recent];
    const s = await open();
    // Open resolved with only the recent segment in memory: the rest is still loading.
    expect(s.index.size).toBe(recent.length);
    // Every read issued at once, before the older segments are in.
    const [listed, searched, oneOld, usage, sessions, recentOnly, olderPage, recentAfterOld] = await Promise.all([
      s.list({ limit: 1000 }),
      s.list({ q: 'item3x7' }),
      s.get(old[5]!.id),
      s.usage({}, () => 'all'),
      s.sessions({}),
      s.list({ startedAfter: NOW - DAY }),
      s.list({ limit: 5, afterId: old[40]!.id }),
      // A recent range with a cursor from an old segment: an empty page, not "unknown after_id".
      s.list({ startedAfter: NOW - DAY, afterId: old[40]!.id }),
    ]);
    expect(listed.count).toBe(all.length);
    expect(listed.results.map((r) => r.id)).toEqual(newestFirst(all));
    expect(searched.results.map((r) => r.id)).toEqual([old[3 * PER_DAY + 7]!.id]);
    expect(oneOld?.id).toBe(old[5]!.id);
    expect(usage.get('all')?.requests).toBe(all.length);
    expect(sessions.map((x) => x.client_session_id).sort()).toEqual(['S0', 'S1', 'S2']);
    expect(sessions.reduce((n, x) => n + x.interceptions, 0)).toBe(old.length);
    expect(recentOnly.count).toBe(recent.length);
    const order = newestFirst(all);
    const at = order.indexOf(old[40]!.id);
    expect(olderPage.results.map((r) => r.id)).toEqual(order.slice(at + 1, at + 6));
    expect(recentAfterOld).toEqual({ count: recent.length, results: [] });
    await s.loaded();
    expect(s.index.size).toBe(all.length);
  });

  it('loads older segments only as far as reads need until the delay passes', async () => {
    const { old, recent } = await seed();
    const s = (await openInterceptionStore({ dir, now: () => NOW, searchIndexDelayMs: 3_600_000, loadOlderDelayMs: 3_600_000 })) as FileInterceptionStore;
    opened.push(s);
    // Start-up's kind of read (a month's usage): days 8 and 9 are loaded for it, nothing older.
    const usage = await s.usage({ since: DAY0 + 8 * DAY }, () => 'all');
    const fromDay8 = old.filter((r) => Date.parse(r.started_at) >= DAY0 + 8 * DAY).length + recent.length;
    expect(usage.get('all')?.requests).toBe(fromDay8);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(s.index.size).toBe(fromDay8);
    // A read of everything loads the rest.
    expect((await s.list({})).count).toBe(old.length + recent.length);
    expect(s.index.size).toBe(old.length + recent.length);
  });

  it('a search before the full-text index is built, and after, over old segments', async () => {
    const { old } = await seed();
    const s = await open();
    const want = old.filter((r) => r.user_prompts[0]!.prompt.startsWith('day7 ')).map((r) => r.id).reverse();
    expect((await s.list({ q: 'day7 shared' })).results.map((r) => r.id)).toEqual(want);
    await s.indexer!.idle();
    expect(s.indexer!.progress()).toMatchObject({ indexed: old.length + 3, waiting: 0 });
    expect((await s.list({ q: 'day7 shared' })).results.map((r) => r.id)).toEqual(want);
  });

  it('marks a call left in flight in an old segment interrupted before any read sees it', async () => {
    await seed();
    const w = await openInterceptionStore({ dir, now: () => DAY0 });
    w.begin(startedRecord({ id: 'crashed', startedMs: DAY0 + 2 * DAY + 30 * 60_000 }));
    await w.flush();
    // Closed mid-call: on disk as a crash leaves it, a begin line and no end.
    await w.close();
    const s = await open();
    const [inFlight, got] = await Promise.all([
      s.list({ includeInFlight: true, status: 'in_flight', startedAfter: DAY0 + 2 * DAY }),
      s.get('crashed'),
    ]);
    expect(inFlight.count).toBe(0);
    expect(got?.status).toBe('interrupted');
    expect(got?.ended_at).toBe(new Date(NOW).toISOString());
    await s.close();
    // Durable: the next open finds the interrupted line.
    const again = await open({ now: NOW + DAY });
    expect((await again.get('crashed'))?.ended_at).toBe(new Date(NOW).toISOString());
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
    const s = await open();
    const [moved, back, twice, listed] = await Promise.all([s.get('moved'), s.get('back'), s.get('twice'), s.list({ includeInFlight: true })]);
    expect(moved).toMatchObject({ status: 'completed', started_at: new Date(DAY0 + 3 * DAY).toISOString() });
    expect(back).toMatchObject({ status: 'completed', started_at: new Date(DAY0 + 6 * DAY).toISOString() });
    expect(twice).toMatchObject({ status: 'completed', started_at: new Date(DAY0 + 7 * DAY).toISOString() });
    expect(listed.results.map((r) => [r.id, r.status])).toEqual([['twice', 'completed'], ['back', 'completed'], ['moved', 'completed']]);
  });

  it('records written while older segments load land where they belong', async () => {
    const { old, recent } = await seed();
    const s = await open();
    const now = finishedRecord({ id: 'fresh', startedMs: NOW });
    s.finish(now);
    // A late record for an old day (its segment may not be loaded yet): written after it is.
    s.finish(finishedRecord({ id: 'late', startedMs: DAY0 + 4 * DAY + 30 * 60_000 }));
    await s.flush();
    await s.close();
    opened.splice(0);
    const again = await open();
    const listed = await again.list({ limit: 1000 });
    expect(listed.count).toBe(old.length + recent.length + 2);
    expect((await again.get('late'))?.status).toBe('completed');
    expect((await again.get(old[4 * PER_DAY]!.id))?.id).toBe(old[4 * PER_DAY]!.id);
  });

  it('close while older segments still load returns after the segment summaries their load writes', async () => {
    await seed();
    const s = await open();
    // Closed before any read: close loads the rest, and maintenance (summaries) follows that load.
    await s.close();
    const names = await readdir(join(dir, 'interceptions'));
    // Every segment was parsed (none had a summary): each has one now, none half written.
    expect(names.filter((n) => n.endsWith('.sum'))).toHaveLength(OLD_DAYS + 1);
    expect(names.filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });
});
