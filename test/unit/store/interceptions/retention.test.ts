import { readdir } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openInterceptionStore, type InterceptionStore } from '../../../../src/store/interceptions/index.js';
import { finishedRecord, startedRecord } from '../../../helpers/store-records.js';
import { DAY, DAY0, HOUR, tempDir } from '../../../helpers/store-temp.js';

let dir: string;
let cleanup: () => Promise<void>;
let store: InterceptionStore;

beforeEach(async () => {
  ({ dir, cleanup } = await tempDir());
  store = await openInterceptionStore({ dir });
  // 3 days × 24 records, one per hour.
  for (let h = 0; h < 72; h++) store.finish(finishedRecord({ id: `h${String(h).padStart(2, '0')}`, startedMs: DAY0 + h * HOUR, promptChars: 50 }));
  await store.flush();
});
afterEach(async () => {
  await store.close();
  await cleanup();
});

const allIds = async (s: InterceptionStore = store): Promise<string[]> =>
  (await s.list({ limit: 1000, includeInFlight: true })).results.map((r) => r.id).sort();
const segments = async (): Promise<string[]> =>
  (await readdir(`${dir}/interceptions`)).filter((f) => f.endsWith('.jsonl')).sort();

describe('purge', () => {
  it('deletes records started before the cutoff, dropping whole segments and rewriting the boundary one', async () => {
    const n = await store.purge(DAY0 + DAY + 6 * HOUR, { batchSize: 4 });
    expect(n).toBe(30);
    const ids = await allIds();
    expect(ids).toHaveLength(42);
    expect(ids[0]).toBe('h30');
    expect(await segments()).toEqual(['2026-11-21.jsonl', '2026-11-22.jsonl']);
    expect(await store.get('h29')).toBeUndefined();
    expect((await store.get('h30'))?.user_prompts[0]?.prompt).toHaveLength(50);
    await store.close();
    store = await openInterceptionStore({ dir });
    expect(await allIds()).toEqual(ids);
    expect(await store.purge(DAY0 + DAY + 6 * HOUR)).toBe(0);
  });

  it('keeps in-flight records and everything written while it runs', async () => {
    store.begin(startedRecord({ id: 'flying', startedMs: DAY0 + 1 }));
    await store.flush();
    const running = store.purge(DAY0 + DAY + 12 * HOUR, { batchSize: 2 });
    // Writes and reads interleave with the batches.
    for (let i = 0; i < 20; i++) {
      store.finish(finishedRecord({ id: `new${i}`, startedMs: DAY0 + DAY + 20 * HOUR + i, promptChars: 5 }));
      if (i % 5 === 0) await store.flush();
      expect((await store.list({ limit: 5 })).results).toHaveLength(5);
      await new Promise((r) => setImmediate(r));
    }
    expect(await running).toBe(36);
    await store.flush();
    const ids = await allIds();
    expect(ids).toContain('flying');
    for (let i = 0; i < 20; i++) expect(ids).toContain(`new${i}`);
    expect(ids.filter((id) => id.startsWith('h'))).toHaveLength(36);
    await store.close();
    store = await openInterceptionStore({ dir, now: () => DAY0 + 10 * DAY });
    expect((await allIds()).length).toBe(ids.length);
    expect((await store.get('flying'))?.status).toBe('interrupted');
  });

  it('a finish arriving for a record being purged does not bring it back', async () => {
    store.begin(startedRecord({ id: 'late', startedMs: DAY0 + 2 * HOUR + 1 }));
    await store.flush();
    store.finish(finishedRecord({ id: 'late', startedMs: DAY0 + 2 * HOUR + 1 }));
    expect(await store.purge(DAY0 + DAY)).toBe(25);
    await store.close();
    store = await openInterceptionStore({ dir });
    expect(await store.get('late')).toBeUndefined();
  });
});

describe('stripContent', () => {
  it('empties prompts, tool inputs and thoughts, keeps usage and metadata, marks the record', async () => {
    const n = await store.stripContent(DAY0 + 30 * HOUR, { batchSize: 7 });
    expect(n).toBe(30);
    const old = await store.get('h10');
    expect(old?.user_prompts[0]?.prompt).toBe('');
    expect(old?.tool_usages[0]?.input).toBeNull();
    expect(old?.tool_usages[0]?.tool).toBe('Bash');
    expect(old?.model_thoughts[0]?.content).toBe('');
    expect(old?.token_usages[0]?.input_tokens).toBe(1200);
    expect(old?.metadata).toEqual({ content_stripped: true });
    const kept = await store.get('h30');
    expect(kept?.user_prompts[0]?.prompt).toHaveLength(50);
    expect(kept?.metadata).toEqual({});
    expect(await allIds()).toHaveLength(72);
    // Already stripped records are not counted again.
    expect(await store.stripContent(DAY0 + 31 * HOUR)).toBe(1);
    await store.close();
    store = await openInterceptionStore({ dir });
    expect((await store.get('h30'))?.user_prompts[0]?.prompt).toBe('');
    expect((await store.get('h31'))?.user_prompts[0]?.prompt).toHaveLength(50);
    expect(await store.stripContent(DAY0 + 31 * HOUR)).toBe(0);
  });

  it('strips a record still waiting in memory', async () => {
    store.finish(finishedRecord({ id: 'mem', startedMs: DAY0 + 5 }));
    expect(await store.stripContent(DAY0 + HOUR)).toBe(2);
    expect((await store.get('mem'))?.user_prompts[0]?.prompt).toBe('');
    await store.flush();
    expect((await store.get('mem'))?.metadata['content_stripped']).toBe(true);
  });

  it('validates batchSize', async () => {
    await expect(store.purge(DAY0, { batchSize: 0 })).rejects.toThrow(/batchSize/);
  });
});
