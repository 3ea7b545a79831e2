import { describe, expect, it } from 'vitest';
import { startRetention, visibleCutoff } from '../../../src/store/retention.js';
import { makeRecord } from '../../helpers/make-record.js';
import { FakeStore } from '../../helpers/fake-store.js';

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 10, 26, 12, 0, 0);

function logger() {
  const lines: Array<{ level: string; obj: object; msg: string }> = [];
  return {
    lines,
    info: (obj: object, msg: string) => { lines.push({ level: 'info', obj, msg }); },
    error: (obj: object, msg: string) => { lines.push({ level: 'error', obj, msg }); },
  };
}

function metrics() {
  const counts = { records: 0, content: 0 };
  return { counts, purged: (kind: 'records' | 'content', n: number) => { counts[kind] += n; } };
}

function storeWith(agesMs: number[]): FakeStore {
  const s = new FakeStore();
  agesMs.forEach((age, i) => { const r = makeRecord(i, NOW - age); s.records.set(r.id, r); });
  return s;
}

describe('visibleCutoff', () => {
  it('is undefined for 0 (keep forever) and now − retention otherwise', () => {
    expect(visibleCutoff(NOW, 0)).toBeUndefined();
    expect(visibleCutoff(NOW, 1000)).toBe(NOW - 1000);
  });
});

describe('startRetention', () => {
  it('purges exactly the records older than the retention (boundary: equal age is kept)', async () => {
    const store = storeWith([60 * DAY + 1, 60 * DAY, 60 * DAY - 1, 0]);
    const log = logger();
    const m = metrics();
    const r = startRetention({ store, retentionMs: () => 60 * DAY, contentRetentionMs: () => 0, now: () => NOW, logger: log, metrics: m, runAtStart: false });
    expect(await r.runOnce()).toEqual({ purged: 1, stripped: 0 });
    expect([...store.records.values()].map((x) => NOW - Date.parse(x.started_at))).toEqual([60 * DAY, 60 * DAY - 1, 0]);
    expect(m.counts.records).toBe(1);
    expect(log.lines).toEqual([{ level: 'info', obj: { purged: 1, stripped: 0 }, msg: 'retention purge' }]);
    await r.stop();
  });

  it('keeps everything with 0, and a 1s retention is valid', async () => {
    const store = storeWith([1000 * DAY, 2000, 999, 0]);
    let retention = 0;
    const r = startRetention({ store, retentionMs: () => retention, contentRetentionMs: () => 0, now: () => NOW, logger: logger(), runAtStart: false });
    expect(await r.runOnce()).toEqual({ purged: 0, stripped: 0 });
    expect(store.records.size).toBe(4);
    retention = 1000;
    expect(await r.runOnce()).toEqual({ purged: 2, stripped: 0 });
    expect(store.records.size).toBe(2);
    await r.stop();
  });

  it('follows the clock: a record expires on the next run once it is old enough', async () => {
    let now = NOW;
    const store = storeWith([0]);
    const r = startRetention({ store, retentionMs: () => DAY, contentRetentionMs: () => 0, now: () => now, logger: logger(), runAtStart: false });
    now = NOW + DAY;
    expect((await r.runOnce()).purged).toBe(0);
    now = NOW + DAY + 1;
    expect((await r.runOnce()).purged).toBe(1);
    await r.stop();
  });

  it('content retention strips content but keeps the record and token usage', async () => {
    const store = storeWith([3 * DAY, 12 * 3_600_000]);
    const m = metrics();
    const r = startRetention({ store, retentionMs: () => 60 * DAY, contentRetentionMs: () => DAY, now: () => NOW, logger: logger(), metrics: m, runAtStart: false });
    expect(await r.runOnce()).toEqual({ purged: 0, stripped: 1 });
    const [old, fresh] = [...store.records.values()];
    expect(old?.user_prompts[0]?.prompt).toBe('');
    expect(old?.token_usages[0]?.input_tokens).toBe(10);
    expect(fresh?.user_prompts[0]?.prompt).toBe('hello 1');
    expect(m.counts.content).toBe(1);
    await r.stop();
  });

  it('works in bounded batches and joins a run already in progress', async () => {
    const store = storeWith(Array.from({ length: 25 }, () => 2 * DAY));
    const r = startRetention({ store, retentionMs: () => DAY, contentRetentionMs: () => 0, now: () => NOW, logger: logger(), batchSize: 10, runAtStart: false });
    const [a, b] = await Promise.all([r.runOnce(), r.runOnce()]);
    expect(a).toEqual({ purged: 25, stripped: 0 });
    expect(b).toBe(a);
    expect(store.batches).toEqual([10, 10, 5]);
    await r.stop();
  });

  it('runs at start, and logs (not throws) a store failure', async () => {
    const store = storeWith([2 * DAY]);
    store.failNext = new Error('disk on fire');
    const log = logger();
    const r = startRetention({ store, retentionMs: () => DAY, contentRetentionMs: () => 0, now: () => NOW, logger: log });
    expect(await r.runOnce()).toEqual({ purged: 0, stripped: 0 });
    expect(log.lines[0]).toMatchObject({ level: 'error', msg: 'retention purge failed' });
    expect(await r.runOnce()).toEqual({ purged: 1, stripped: 0 });
    await r.stop();
  });
});
