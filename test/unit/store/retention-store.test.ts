import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Interception } from '../../../src/record/types.js';
import { openInterceptionStore } from '../../../src/store/interceptions/index.js';
import type { InterceptionStore } from '../../../src/store/interceptions/types.js';
import { startRetention, visibleCutoff } from '../../../src/store/retention.js';
import { exportRecords } from '../../../src/store/export.js';
import { finishedRecord, startedRecord } from '../../helpers/store-records.js';
import { PassThrough } from 'node:stream';

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 10, 26, 12, 0, 0);
const quiet = { info: () => undefined, error: () => undefined, warn: () => undefined };

let dir: string;
beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aib-ret-')); });
afterEach(() => { fs.rmSync(dir, { recursive: true, force: true }); });

async function seed(store: InterceptionStore, agesMs: number[]): Promise<Interception[]> {
  const recs = agesMs.map((age) => finishedRecord({ startedMs: NOW - age, promptChars: 40 }));
  for (const r of recs) { store.begin({ ...r, status: 'in_flight', ended_at: null }); store.finish(r); }
  await store.flush();
  return recs;
}

/** How many turns of the event loop pass until `p` settles. */
async function turnsUntil(p: Promise<unknown>): Promise<number> {
  let turns = 0;
  let done = false;
  void p.then(() => { done = true; }, () => { done = true; });
  while (!done) { turns++; await new Promise((resolve) => setImmediate(resolve)); }
  return turns;
}

async function all(store: InterceptionStore): Promise<Interception[]> {
  const out: Interception[] = [];
  for await (const r of store.iterate({})) out.push(r);
  return out;
}

describe('retention on the real store', () => {
  it('deletes expired records with all their parts, keeps the boundary and the rest', async () => {
    const store = await openInterceptionStore({ dir, now: () => NOW });
    const recs = await seed(store, [3 * DAY, DAY + 1, DAY, DAY - 1, 0]);
    const r = startRetention({ store, retentionMs: () => DAY, contentRetentionMs: () => 0, now: () => NOW, logger: quiet, batchSize: 1, runAtStart: false });
    expect(await r.runOnce()).toEqual({ purged: 2, stripped: 0 });
    expect((await all(store)).map((x) => x.id).sort()).toEqual(recs.slice(2).map((x) => x.id).sort());
    expect(await store.get(recs[0]?.id ?? '')).toBeUndefined();
    await r.stop();
    await store.close();
  });

  it('hides expired records from export before the purge has run', async () => {
    const store = await openInterceptionStore({ dir, now: () => NOW });
    const recs = await seed(store, [2 * DAY, 0]);
    const out = new PassThrough();
    let text = '';
    out.on('data', (c: Buffer) => { text += c.toString(); });
    await exportRecords(store, { format: 'jsonl', retentionCutoff: visibleCutoff(NOW, DAY) }, out);
    expect(new Set(text.trimEnd().split('\n').map((l) => (JSON.parse(l) as { interception_id: string }).interception_id))).toEqual(new Set([recs[1]?.id]));
    await store.close();
  });

  it('content retention strips content, keeps token usage and metadata', async () => {
    const store = await openInterceptionStore({ dir, now: () => NOW });
    const [old, fresh] = await seed(store, [2 * DAY, 0]);
    const r = startRetention({ store, retentionMs: () => 0, contentRetentionMs: () => DAY, now: () => NOW, logger: quiet, runAtStart: false });
    expect(await r.runOnce()).toEqual({ purged: 0, stripped: 1 });
    const o = await store.get(old?.id ?? '');
    expect(o?.user_prompts.every((p) => p.prompt === '')).toBe(true);
    expect(o?.model_thoughts.every((m) => m.content === '')).toBe(true);
    expect(o?.token_usages).toEqual(old?.token_usages);
    expect((await store.get(fresh?.id ?? ''))?.user_prompts[0]?.prompt).toBe(fresh?.user_prompts[0]?.prompt);
    expect(await r.runOnce()).toEqual({ purged: 0, stripped: 0 });
    await store.close();
  });

  it('keeps the write path flowing while a purge runs (a live record begins, streams and finishes)', async () => {
    const store = await openInterceptionStore({ dir, now: () => NOW, flushIntervalMs: 5 });
    await seed(store, Array.from({ length: 300 }, (_, i) => 2 * DAY + i * 1000));
    const live = startedRecord({ startedMs: NOW });
    store.begin(live);
    const r = startRetention({ store, retentionMs: () => DAY, contentRetentionMs: () => 0, now: () => NOW, logger: quiet, batchSize: 10, runAtStart: false });
    const purge = r.runOnce();
    // While batches run, the event loop keeps turning.
    const turns = await turnsUntil(purge);
    store.finish({ ...finishedRecord({ id: live.id, startedMs: NOW }) });
    await store.flush();
    expect((await purge).purged).toBe(300);
    expect(turns).toBeGreaterThan(5);
    expect((await store.get(live.id))?.status).toBe('completed');
    await store.close();
  });

  it('purges a partly expired day in batches: the expired half goes, the rest of that day stays', async () => {
    // 300 records in one UTC day (2026-11-25, 09:30–14:30) around the cutoff (2026-11-25 12:00):
    // the purge must rewrite that day's files, not drop them whole, and yield between batches.
    let batches = 0;
    const store = await openInterceptionStore({ dir, now: () => NOW, flushIntervalMs: 5, testHook: (p) => { if (p === 'batch') batches++; } });
    const recs = await seed(store, Array.from({ length: 300 }, (_, i) => DAY + (i - 150) * 60_000 + 30_000));
    const expired = recs.filter((r) => Date.parse(r.started_at) < NOW - DAY);
    const kept = recs.filter((r) => Date.parse(r.started_at) >= NOW - DAY);
    expect([expired.length, kept.length]).toEqual([150, 150]);
    expect(new Set(recs.map((r) => r.started_at.slice(0, 10)))).toEqual(new Set(['2026-11-25']));
    const r = startRetention({ store, retentionMs: () => DAY, contentRetentionMs: () => 0, now: () => NOW, logger: quiet, batchSize: 10, runAtStart: false });
    const purge = r.runOnce();
    const turns = await turnsUntil(purge);
    expect((await purge).purged).toBe(150);
    // 300 lines of that day copied 10 at a time, the loop yielding after each batch.
    expect(batches).toBe(30);
    expect(turns).toBeGreaterThan(30);
    expect((await all(store)).map((x) => x.id).sort()).toEqual(kept.map((x) => x.id).sort());
    await store.close();
    // …and from disk, after a restart.
    const again = await openInterceptionStore({ dir, now: () => NOW });
    const left = await all(again);
    expect(left.map((x) => x.id).sort()).toEqual(kept.map((x) => x.id).sort());
    for (const k of kept) expect(left.find((x) => x.id === k.id)).toEqual(k);
    await again.close();
  });

  it('survives a crash between batches: every record is whole or gone, and the next run finishes', async () => {
    const store = await openInterceptionStore({ dir, now: () => NOW });
    const expired = await seed(store, Array.from({ length: 12 }, (_, i) => 2 * DAY + (i % 3) * DAY + i));
    const kept = await seed(store, [0, 1000]);
    await store.close();

    const child = spawnSync(process.execPath, ['--import', 'tsx', path.resolve(import.meta.dirname, '../../helpers/retention-crash-child.ts'), dir, '3', String(NOW)], { encoding: 'utf8' });
    expect(child.signal).toBe('SIGKILL');

    const after = await openInterceptionStore({ dir, now: () => NOW });
    const byId = new Map(expired.concat(kept).map((x) => [x.id, x]));
    const left = await all(after);
    for (const rec of left) expect(rec).toEqual(byId.get(rec.id));
    expect(left.length).toBeLessThan(14);
    for (const k of kept) expect(await after.get(k.id)).toEqual(k);
    const r = startRetention({ store: after, retentionMs: () => DAY, contentRetentionMs: () => 0, now: () => NOW, logger: quiet, runAtStart: false });
    await r.runOnce();
    expect((await all(after)).map((x) => x.id).sort()).toEqual(kept.map((x) => x.id).sort());
    await after.close();
  });
});
