/**
 * `usage()` answers from the index: the same sums as adding up the records themselves, across a
 * reopen (sums read back from the index file), for index files written before the sums existed
 * (those records are read once), without in-flight calls, within [since, until).
 */
import { readFileSync, writeFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openInterceptionStore, type InterceptionStore } from '../../../../src/store/interceptions/index.js';
import type { UsageTotals } from '../../../../src/record/usage.js';
import type { Interception } from '../../../../src/record/types.js';
import { perRecordPricer } from '../../../../src/record/cost.js';
import { finishedRecord, startedRecord } from '../../../helpers/store-records.js';
import { DAY0, HOUR, tempDir } from '../../../helpers/store-temp.js';

let dir: string;
let cleanup: () => Promise<void>;
let store: InterceptionStore;
const recs: Interception[] = [];

const MODELS = ['claude-sonnet-4', 'gpt-5', 'claude-haiku-4'];
/** 60 records over 3 days: varied usage rows (none, one, two with reasoning), three models. */
function makeRecords(): Interception[] {
  const out: Interception[] = [];
  for (let i = 0; i < 60; i++) {
    const rec = finishedRecord({ startedMs: DAY0 + i * 1.2 * HOUR, model: MODELS[i % 3]!, status: i % 10 === 0 ? 'failed' : 'completed' });
    if (i % 10 === 0) rec.token_usages = [];
    if (i % 7 === 0) {
      rec.token_usages.push({ ...rec.token_usages[0]!, id: `extra-${i}`, input_tokens: i, output_tokens: 2 * i, cache_read_input_tokens: 0, cache_write_input_tokens: 5, metadata: { reasoning_tokens: i } });
    }
    out.push(rec);
  }
  return out;
}

/** The reference: every record in range added up here, by hand (not through the code under test). */
function expected(since: number | undefined, until: number | undefined): Map<string, UsageTotals> {
  const m = new Map<string, UsageTotals>();
  for (const r of recs) {
    const t = Date.parse(r.started_at);
    if ((since !== undefined && t < since) || (until !== undefined && t >= until)) continue;
    let row = m.get(r.model);
    if (!row) m.set(r.model, (row = { requests: 0, input_tokens: 0, output_tokens: 0, cache_read_input_tokens: 0, cache_write_input_tokens: 0, reasoning_tokens: 0 }));
    row.requests += 1;
    for (const u of r.token_usages) {
      row.input_tokens += u.input_tokens;
      row.output_tokens += u.output_tokens;
      row.cache_read_input_tokens += u.cache_read_input_tokens;
      row.cache_write_input_tokens += u.cache_write_input_tokens;
      row.reasoning_tokens += (u.metadata['reasoning_tokens'] as number | undefined) ?? 0;
    }
  }
  return m;
}

const byModel = (s: InterceptionStore, since?: number, until?: number) => s.usage({ since, until }, (e) => e.model);

beforeEach(async () => {
  ({ dir, cleanup } = await tempDir());
  store = await openInterceptionStore({ dir });
  recs.length = 0;
  recs.push(...makeRecords());
  for (const r of recs) store.finish(r as Interception & { status: 'completed' });
  store.begin(startedRecord({ startedMs: DAY0 + 2 * HOUR, model: 'in-flight' })); // not counted while running
});
afterEach(async () => {
  await store.close();
  await cleanup();
});

describe('usage from the index', () => {
  it('matches the records, before and after a reopen, over ranges', async () => {
    const ranges: [number | undefined, number | undefined][] = [[undefined, undefined], [DAY0 + 10 * HOUR, DAY0 + 40 * HOUR], [DAY0 + 12 * HOUR, undefined]];
    for (const [a, b] of ranges) expect(await byModel(store, a, b)).toEqual(expected(a, b));
    await store.close();
    store = await openInterceptionStore({ dir });
    // The call left running is `interrupted` now: an ended record, counted, with no tokens.
    const all = await byModel(store);
    expect(all.get('in-flight')).toEqual({ requests: 1, input_tokens: 0, output_tokens: 0, cache_read_input_tokens: 0, cache_write_input_tokens: 0, reasoning_tokens: 0 });
    all.delete('in-flight');
    expect(all).toEqual(expected(undefined, undefined));
    for (const [a, b] of ranges.slice(1)) expect(await byModel(store, a, b)).toEqual(expected(a, b));
    // Grouped by any index field.
    const byDay = await store.usage({}, (e) => new Date(e.startedMs).toISOString().slice(0, 10));
    expect([...byDay.values()].reduce((n, r) => n + r.requests, 0)).toBe(61);
  });

  it('index files from before the sums still give the right answer (the records are read once)', async () => {
    await store.close();
    const idxDir = join(dir, 'interceptions');
    for (const f of readdirSync(idxDir).filter((n) => n.endsWith('.idx'))) {
      const lines = readFileSync(join(idxDir, f), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as unknown[]);
      expect(lines.every((l) => l.length === 18 || l.length === 2)).toBe(true);
      writeFileSync(join(idxDir, f), lines.map((l) => JSON.stringify(l.length === 18 ? l.slice(0, 11) : l)).join('\n') + '\n');
    }
    store = await openInterceptionStore({ dir });
    const all = await byModel(store);
    all.delete('in-flight');
    expect(all).toEqual(expected(undefined, undefined));
    expect(await byModel(store, DAY0 + 30 * HOUR)).toEqual(expected(DAY0 + 30 * HOUR, undefined));
  });
});

describe('usage with cost', () => {
  it('index lines from before the 1-hour cache writes (16 fields) still read, and costOf prices each record once', async () => {
    await store.close();
    const idxDir = join(dir, 'interceptions');
    for (const f of readdirSync(idxDir).filter((n) => n.endsWith('.idx'))) {
      const lines = readFileSync(join(idxDir, f), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as unknown[]);
      writeFileSync(join(idxDir, f), lines.map((l) => JSON.stringify(l.length === 17 ? l.slice(0, 16) : l)).join('\n') + '\n');
    }
    store = await openInterceptionStore({ dir });
    const all = await byModel(store);
    all.delete('in-flight');
    expect(all).toEqual(expected(undefined, undefined));
    // A cost of 1 per record of a priced model, none for the others.
    const priced = await store.usage({}, (e) => e.model, perRecordPricer((e) => (e.model === 'gpt-5' ? null : 1)));
    const ref = expected(undefined, undefined);
    expect(priced.get('gpt-5')).toMatchObject({ requests: ref.get('gpt-5')!.requests, cost_usd: null, unpriced_requests: ref.get('gpt-5')!.requests });
    expect(priced.get('claude-sonnet-4')).toMatchObject({ cost_usd: ref.get('claude-sonnet-4')!.requests, unpriced_requests: 0 });
  });
});
