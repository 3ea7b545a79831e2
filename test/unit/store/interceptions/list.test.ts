import { readFile } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openInterceptionStore, type InterceptionStore } from '../../../../src/store/interceptions/index.js';
import type { Interception } from '../../../../src/record/types.js';
import { finishedRecord, startedRecord } from '../../../helpers/store-records.js';
import { DAY, DAY0, HOUR, tempDir } from '../../../helpers/store-temp.js';

let dir: string;
let cleanup: () => Promise<void>;
let store: InterceptionStore;

beforeEach(async () => {
  ({ dir, cleanup } = await tempDir());
  store = await openInterceptionStore({ dir });
});
afterEach(async () => {
  await store.close();
  await cleanup();
});

/** Expected list order: started_at desc, id desc. */
function listOrder(a: Interception, b: Interception): number {
  const d = Date.parse(b.started_at) - Date.parse(a.started_at);
  return d !== 0 ? d : a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

describe('round trip', () => {
  it('stores a finished record whole and reads it back after reopen', async () => {
    const rec = finishedRecord({ id: 'a1', startedMs: DAY0 + HOUR });
    store.begin(startedRecord({ id: 'a1', startedMs: DAY0 + HOUR }));
    store.finish(rec);
    expect(await store.get('a1')).toEqual(rec); // readable before the flush
    await store.flush();
    expect(await store.get('a1')).toEqual(rec);
    await store.close();
    store = await openInterceptionStore({ dir });
    expect(await store.get('a1')).toEqual(rec);
    expect((await store.list({})).results).toEqual([rec]);
  });

  it('get returns in-flight records; list hides them unless includeInFlight', async () => {
    store.begin(startedRecord({ id: 'f1', startedMs: DAY0 }));
    store.finish(finishedRecord({ id: 'd1', startedMs: DAY0 + 1 }));
    await store.flush();
    expect((await store.get('f1'))?.status).toBe('in_flight');
    expect(await store.get('nope')).toBeUndefined();
    const plain = await store.list({});
    expect(plain.count).toBe(1);
    expect(plain.results.map((r) => r.id)).toEqual(['d1']);
    const all = await store.list({ includeInFlight: true });
    expect(all.count).toBe(2);
    expect(all.results.map((r) => r.id)).toEqual(['d1', 'f1']);
  });

  it('hands out copies: a reader cannot change a stored record', async () => {
    // The store owns what it is handed (no deep copy on the hot path); readers get their own.
    store.finish(finishedRecord({ id: 'c1', startedMs: DAY0 }));
    const got = await store.get('c1');
    got!.model = 'changed-by-a-reader';
    expect((await store.get('c1'))?.model).toBe('claude-sonnet-4');
    await store.flush();
    const again = await store.get('c1');
    again!.model = 'changed-again';
    expect((await store.get('c1'))?.model).toBe('claude-sonnet-4');
  });

  it('writes one line per begin/finish into the started_at day segment', async () => {
    const { readdir, readFile } = await import('node:fs/promises');
    store.begin(startedRecord({ id: 's1', startedMs: DAY0 + 23 * HOUR }));
    await store.flush();
    store.finish(finishedRecord({ id: 's1', startedMs: DAY0 + 23 * HOUR }));
    store.finish(finishedRecord({ id: 's2', startedMs: DAY0 + DAY }));
    await store.flush();
    const files = (await readdir(`${dir}/interceptions`)).filter((f) => f.endsWith('.jsonl')).sort();
    expect(files).toEqual(['2026-11-20.jsonl', '2026-11-21.jsonl']);
    const lines = (await readFile(`${dir}/interceptions/2026-11-20.jsonl`, 'utf8')).trim().split('\n');
    expect(lines.map((l) => (JSON.parse(l) as Interception).status)).toEqual(['in_flight', 'completed']);
  });
});

describe('a call\'s start (placed on the start-line tick or at the first read)', () => {
  const dataLines = async (): Promise<Interception[]> =>
    (await readFile(`${dir}/interceptions/2026-11-20.jsonl`, 'utf8').catch(() => '')).split('\n').filter(Boolean).map((l) => JSON.parse(l) as Interception);

  it('a begun call is seen by every read at once, with no flush in between', async () => {
    store.begin(startedRecord({ id: 'g1', startedMs: DAY0 }));
    expect((await store.get('g1'))?.status).toBe('in_flight');
    store.begin(startedRecord({ id: 'g2', startedMs: DAY0 + 1 }));
    expect((await store.list({ includeInFlight: true })).results.map((r) => r.id)).toEqual(['g2', 'g1']);
    store.begin(startedRecord({ id: 'g3', startedMs: DAY0 + 2 }));
    expect((await store.list({ includeInFlight: true, status: 'in_flight' })).count).toBe(3);
    // A finish replaces its start wherever the start is (placed or not).
    store.finish(finishedRecord({ id: 'g3', startedMs: DAY0 + 2 }));
    store.begin(startedRecord({ id: 'g4', startedMs: DAY0 + 3 }));
    store.finish(finishedRecord({ id: 'g4', startedMs: DAY0 + 3 }));
    const all = await store.list({ includeInFlight: true });
    expect(all.results.map((r) => [r.id, r.status])).toEqual([['g4', 'completed'], ['g3', 'completed'], ['g2', 'in_flight'], ['g1', 'in_flight']]);
  });

  it('reaches the disk on the tick, without a flush or a read (a gateway killed mid-call leaves it)', async () => {
    store.begin(startedRecord({ id: 't1', startedMs: DAY0 }));
    const deadline = Date.now() + 5000;
    while ((await dataLines()).length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    expect((await dataLines()).map((r) => [r.id, r.status])).toEqual([['t1', 'in_flight']]);
  });

  it('a call that finishes before the tick writes its finished line only', async () => {
    store.begin(startedRecord({ id: 'q1', startedMs: DAY0 }));
    store.finish(finishedRecord({ id: 'q1', startedMs: DAY0 }));
    await new Promise((r) => setTimeout(r, 60)); // past the tick
    await store.flush();
    expect((await dataLines()).map((r) => [r.id, r.status])).toEqual([['q1', 'completed']]);
    expect((await store.list({ includeInFlight: true })).count).toBe(1);
  });

  it('a call begun and still open at close is written in flight (the next open marks it interrupted)', async () => {
    store.begin(startedRecord({ id: 'c1', startedMs: DAY0 }));
    await store.close();
    expect((await dataLines()).map((r) => [r.id, r.status])).toEqual([['c1', 'in_flight']]);
    store = await openInterceptionStore({ dir });
    expect((await store.get('c1'))?.status).toBe('interrupted');
  });

  it('a read-only store refuses a start at once', async () => {
    const ro = await openInterceptionStore({ dir, readOnly: true });
    expect(() => ro.begin(startedRecord({ id: 'x', startedMs: DAY0 }))).toThrow(/read-only/);
    await ro.close();
  });
});

describe('filters', () => {
  beforeEach(async () => {
    const specs = [
      { id: 'r1', startedMs: DAY0 + 1 * HOUR, provider: 'anthropic' as const, model: 'm-a', client: 'Claude Code', initiator: { id: 't1', name: 'alice' } },
      { id: 'r2', startedMs: DAY0 + 2 * HOUR, provider: 'openai' as const, model: 'm-b', client: 'Codex', initiator: { id: 't2', name: 'bob' } },
      { id: 'r3', startedMs: DAY0 + 3 * HOUR, provider: 'openai' as const, model: 'm-a', client: 'Codex', initiator: { id: 't1', name: 'alice' }, status: 'failed' as const },
      { id: 'r4', startedMs: DAY0 + DAY, provider: 'bedrock' as const, model: 'm-c', client: 'Unknown', initiator: { id: 't3', name: 'carol' }, status: 'cancelled' as const },
    ];
    for (const s of specs) store.finish(finishedRecord(s));
    store.begin(startedRecord({ id: 'r5', startedMs: DAY0 + 2 * DAY, provider: 'openai', model: 'm-a' }));
    await store.flush();
  });
  const ids = async (q: Parameters<InterceptionStore['list']>[0]): Promise<string[]> =>
    (await store.list(q)).results.map((r) => r.id);

  it('by provider, model, client and status', async () => {
    expect(await ids({ provider: 'openai' })).toEqual(['r3', 'r2']);
    expect(await ids({ model: 'm-a' })).toEqual(['r3', 'r1']);
    expect(await ids({ client: 'Codex' })).toEqual(['r3', 'r2']);
    expect(await ids({ status: 'failed' })).toEqual(['r3']);
    expect(await ids({ provider: 'openai', model: 'm-a' })).toEqual(['r3']);
    expect(await ids({ provider: 'nobody' })).toEqual([]);
  });

  it('by initiator name or id', async () => {
    expect(await ids({ initiator: 'alice' })).toEqual(['r3', 'r1']);
    expect(await ids({ initiator: 't2' })).toEqual(['r2']);
  });

  it('by startedAfter (inclusive) and startedBefore (exclusive)', async () => {
    expect(await ids({ startedAfter: DAY0 + 2 * HOUR })).toEqual(['r4', 'r3', 'r2']);
    expect(await ids({ startedBefore: DAY0 + 2 * HOUR })).toEqual(['r1']);
    expect(await ids({ startedAfter: DAY0 + 2 * HOUR, startedBefore: DAY0 + DAY })).toEqual(['r3', 'r2']);
    expect(await ids({ startedAfter: DAY0 + DAY, startedBefore: DAY0 })).toEqual([]);
  });

  it('includeInFlight combines with the other filters; interrupted-like ended records always listed', async () => {
    expect(await ids({ model: 'm-a', includeInFlight: true })).toEqual(['r5', 'r3', 'r1']);
    expect(await ids({ status: 'cancelled' })).toEqual(['r4']);
    const r = await store.list({ provider: 'openai', includeInFlight: true, limit: 1 });
    expect(r.count).toBe(3);
    expect(r.results.map((x) => x.id)).toEqual(['r5']);
  });
});

describe('paging', () => {
  it('walks every page with afterId, ties on started_at broken by id, count stable', async () => {
    const all: Interception[] = [];
    for (let i = 0; i < 230; i++) {
      // 23 distinct start times, 10 records each: most neighbours tie on started_at.
      const rec = finishedRecord({ id: `id-${String((i * 7919) % 1000).padStart(4, '0')}`, startedMs: DAY0 + Math.floor(i / 10) * HOUR, promptChars: 10 });
      all.push(rec);
      store.finish(rec);
      if (i % 50 === 0) await store.flush();
    }
    await store.flush();
    all.sort(listOrder);
    const seen: string[] = [];
    let afterId: string | undefined;
    for (;;) {
      const page = await store.list({ limit: 7, afterId });
      expect(page.count).toBe(230);
      if (page.results.length === 0) break;
      seen.push(...page.results.map((r) => r.id));
      afterId = page.results[page.results.length - 1]!.id;
    }
    expect(seen).toEqual(all.map((r) => r.id));
  });

  it('pages within a filter and counts only matches', async () => {
    for (let i = 0; i < 40; i++) {
      store.finish(finishedRecord({ id: `p${String(i).padStart(2, '0')}`, startedMs: DAY0 + (i % 4) * HOUR, provider: i % 2 ? 'openai' : 'anthropic', promptChars: 10 }));
    }
    const first = await store.list({ provider: 'openai', limit: 15 });
    expect(first.count).toBe(20);
    const second = await store.list({ provider: 'openai', limit: 15, afterId: first.results[14]!.id });
    expect(second.count).toBe(20);
    expect(second.results).toHaveLength(5);
    const ids = [...first.results, ...second.results].map((r) => r.id);
    expect(new Set(ids).size).toBe(20);
    expect(ids.every((id) => Number(id.slice(1)) % 2 === 1)).toBe(true);
  });

  it('rejects an unknown afterId and a bad limit; clamps a large one', async () => {
    store.finish(finishedRecord({ id: 'x', startedMs: DAY0 }));
    await expect(store.list({ afterId: 'missing' })).rejects.toThrow(/after_id "missing"/);
    await expect(store.list({ limit: 0 })).rejects.toThrow(/limit/);
    await expect(store.list({ limit: 2.5 })).rejects.toThrow(/limit/);
    expect((await store.list({ limit: 5000 })).results).toHaveLength(1);
  });

  it('defaults to 100 results', async () => {
    for (let i = 0; i < 120; i++) store.finish(finishedRecord({ startedMs: DAY0 + i, promptChars: 5 }));
    const r = await store.list({});
    expect(r.count).toBe(120);
    expect(r.results).toHaveLength(100);
  });
});

describe('byte budget of a page (issue #13: 20 prompts of 28 MB made the default list fail)', () => {
  it('a page ends before the record that would pass maxBytes; partial says so; after_id goes on from there', async () => {
    // 20 records of ~110 KB each (100,000-character prompts), newest first r19 … r00.
    for (let i = 0; i < 20; i++) store.finish(finishedRecord({ id: `r${String(i).padStart(2, '0')}`, startedMs: DAY0 + i, promptChars: 100_000 }));
    const line = JSON.stringify(await store.get('r00')).length + 1;
    const budget = 5 * line + 10;
    const first = await store.list({ limit: 50, maxBytes: budget });
    expect(first.count).toBe(20);
    expect(first.results.map((r) => r.id)).toEqual(['r19', 'r18', 'r17', 'r16', 'r15']);
    expect(first.partial).toBe(true);
    // Same from disk (line lengths from the index) as from the pending records.
    await store.flush();
    const again = await store.list({ limit: 50, maxBytes: budget, afterId: 'r15' });
    expect(again.results.map((r) => r.id)).toEqual(['r14', 'r13', 'r12', 'r11', 'r10']);
    expect(again.partial).toBe(true);
    // The last page fits: no partial.
    const last = await store.list({ limit: 50, maxBytes: budget, afterId: 'r05' });
    expect(last.results.map((r) => r.id)).toEqual(['r04', 'r03', 'r02', 'r01', 'r00']);
    expect(last.partial).toBeUndefined();
    // A page always holds at least one record, however large.
    const one = await store.list({ maxBytes: 10 });
    expect(one.results.map((r) => r.id)).toEqual(['r19']);
    expect(one.partial).toBe(true);
    // The default budget (8 MiB) holds these 20 (~2.2 MB).
    expect((await store.list({})).results).toHaveLength(20);
  });

  it('by default a page stops at 8 MiB of records', async () => {
    // 12 records of ~1 MB: the default page of 100 would be ~12 MB.
    for (let i = 0; i < 12; i++) store.finish(finishedRecord({ startedMs: DAY0 + i, promptChars: 1_000_000 }));
    await store.flush();
    const page = await store.list({});
    expect(page.count).toBe(12);
    expect(page.results).toHaveLength(8);
    expect(page.partial).toBe(true);
  });
});

describe('iterate', () => {
  it('streams ended records in [since, until) oldest first', async () => {
    for (let i = 0; i < 600; i++) store.finish(finishedRecord({ id: `i${String(i).padStart(3, '0')}`, startedMs: DAY0 + i * HOUR, promptChars: 5 }));
    store.begin(startedRecord({ id: 'open', startedMs: DAY0 + 5 * HOUR + 1 }));
    await store.flush();
    const got: string[] = [];
    for await (const r of store.iterate({ since: DAY0 + 5 * HOUR, until: DAY0 + 505 * HOUR })) got.push(r.id);
    expect(got).toHaveLength(500);
    expect(got[0]).toBe('i005');
    expect(got[499]).toBe('i504');
    let n = 0;
    for await (const r of store.iterate({})) n += r.status === 'in_flight' ? 100 : 1;
    expect(n).toBe(600);
  });
});
