/**
 * Crash safety of the interception store with real processes: a writer SIGKILLed mid-write, and
 * purge / stripContent SIGKILLed between batches and between the steps of a segment swap.
 */
import { readdir } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openInterceptionStore, type InterceptionStore } from '../../src/store/interceptions/index.js';
import type { Interception } from '../../src/record/types.js';
import { finishedRecord } from '../helpers/store-records.js';
import { spawnStoreChild } from '../helpers/store-child.js';
import { DAY, DAY0, HOUR, tempDir } from '../helpers/store-temp.js';

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => {
  ({ dir, cleanup } = await tempDir('aibridge-crash-'));
});
afterEach(async () => {
  await cleanup();
});

async function everything(s: InterceptionStore): Promise<Map<string, Interception>> {
  const out = new Map<string, Interception>();
  let afterId: string | undefined;
  for (;;) {
    const page = await s.list({ limit: 1000, includeInFlight: true, afterId });
    for (const r of page.results) out.set(r.id, r);
    if (page.results.length < 1000) return out;
    afterId = page.results[page.results.length - 1]!.id;
  }
}

describe('kill -9 while writing', () => {
  it('keeps every flushed record, marks unfinished ones interrupted, three crashes in a row', async () => {
    const begun = new Set<string>();
    const finished = new Set<string>();
    for (let round = 0; round < 3; round++) {
      const child = spawnStoreChild(['write', dir, String(DAY0 + round * DAY)]);
      let flushes = 0;
      await child.waitFor((l) => {
        if (!l.startsWith('FLUSHED ')) return false;
        const { begun: b, finished: f } = JSON.parse(l.slice(8)) as { begun: string[]; finished: string[] };
        b.forEach((id) => begun.add(id));
        f.forEach((id) => finished.add(id));
        return ++flushes >= 8 + round * 5;
      });
      child.proc.kill('SIGKILL');
      expect((await child.exited).signal).toBe('SIGKILL');
      // Lines reported after the wait resolved but before the kill landed also count.
      for (const l of child.lines.filter((x) => x.startsWith('FLUSHED '))) {
        const { begun: b, finished: f } = JSON.parse(l.slice(8)) as { begun: string[]; finished: string[] };
        b.forEach((id) => begun.add(id));
        f.forEach((id) => finished.add(id));
      }

      const store = await openInterceptionStore({ dir, now: () => DAY0 + 30 * DAY });
      const all = await everything(store);
      for (const id of finished) expect(all.get(id)?.status, id).toBe('completed');
      for (const id of begun) {
        expect(all.has(id), id).toBe(true);
        if (!finished.has(id)) expect(['interrupted', 'completed']).toContain(all.get(id)!.status);
      }
      const statuses = new Set([...all.values()].map((r) => r.status));
      expect(statuses.has('in_flight')).toBe(false);
      expect(statuses.has('interrupted')).toBe(true);
      // Every listed record reads back whole, and iterate agrees with list.
      for (const id of [...finished].slice(0, 50)) expect((await store.get(id))?.user_prompts[0]?.prompt).toHaveLength(3000);
      let n = 0;
      for await (const r of store.iterate({})) n += r.id ? 1 : 0;
      expect(n).toBe(all.size);
      await store.close();
    }
  });
});

/** 3 days × 24 records (one per hour) and an in-flight-free store, closed. */
async function seed(): Promise<Set<string>> {
  const s = await openInterceptionStore({ dir });
  const ids = new Set<string>();
  for (let h = 0; h < 72; h++) {
    const id = `h${String(h).padStart(2, '0')}`;
    s.finish(finishedRecord({ id, startedMs: DAY0 + h * HOUR, promptChars: 40 }));
    ids.add(id);
  }
  await s.close();
  return ids;
}

async function crashRun(args: string[]): Promise<void> {
  const child = spawnStoreChild(['maintain', dir, ...args]);
  const { signal } = await child.exited;
  expect(signal, child.stderr()).toBe('SIGKILL');
}

const CUTOFF = DAY0 + DAY + 6 * HOUR; // day 1 gone, day 2 partly, day 3 kept
const crashPoints: [string, number][] = [['batch', 1], ['batch', 3], ['before-rename', 1], ['after-data-rename', 1]];

describe('kill -9 during purge', () => {
  it.each(crashPoints)('at %s #%i: consistent after reopen, a second purge finishes the job', async (point, nth) => {
    const original = await seed();
    await crashRun(['purge', String(CUTOFF), '4', point, String(nth)]);
    const survivors = [...original].filter((id) => Number(id.slice(1)) >= 30);

    const s = await openInterceptionStore({ dir });
    const all = await everything(s);
    for (const id of survivors) expect(all.get(id)?.user_prompts[0]?.prompt, id).toHaveLength(40);
    for (const id of all.keys()) expect(original.has(id)).toBe(true);
    for (const id of all.keys()) expect((await s.get(id))?.id).toBe(id);
    expect((await readdir(`${dir}/interceptions`)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    await s.purge(CUTOFF, { batchSize: 4 });
    expect([...(await everything(s)).keys()].sort()).toEqual(survivors);
    await s.close();
    const again = await openInterceptionStore({ dir, readOnly: true });
    expect([...(await everything(again)).keys()].sort()).toEqual(survivors);
    await again.close();
  });
});

describe('kill -9 during stripContent', () => {
  it.each(crashPoints)('at %s #%i: each record whole or stripped, a second strip finishes the job', async (point, nth) => {
    const original = await seed();
    await crashRun(['strip', String(CUTOFF), '4', point, String(nth)]);

    const s = await openInterceptionStore({ dir });
    const all = await everything(s);
    expect([...all.keys()].sort()).toEqual([...original].sort());
    for (const r of all.values()) {
      const stripped = r.metadata['content_stripped'] === true;
      expect(r.user_prompts[0]?.prompt).toHaveLength(stripped ? 0 : 40);
      expect(r.token_usages[0]?.output_tokens).toBe(340);
      if (Date.parse(r.started_at) >= CUTOFF) expect(stripped).toBe(false);
    }
    await s.stripContent(CUTOFF, { batchSize: 4 });
    await s.close();
    const again = await openInterceptionStore({ dir, readOnly: true });
    for (const r of (await everything(again)).values()) {
      expect(r.metadata['content_stripped'] === true).toBe(Date.parse(r.started_at) < CUTOFF);
    }
    await again.close();
  });
});
