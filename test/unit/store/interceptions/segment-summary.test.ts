/**
 * `<day>.sum` (segment-summary.ts, issue #18): open loads a segment from its summary only while the
 * summary describes the data file exactly; stale, torn, corrupt or replaced → the segment is parsed
 * as before and the answers are the same. Each case here fails if that check is left out.
 */
import { appendFile, readdir, readFile, rename, stat, truncate, unlink, writeFile } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openInterceptionStore, type InterceptionStore } from '../../../../src/store/interceptions/index.js';
import { decodeSummary } from '../../../../src/store/interceptions/segment-summary.js';
import { StringPool } from '../../../../src/store/interceptions/entry.js';
import { finishedRecord, startedRecord } from '../../../helpers/store-records.js';
import { DAY, DAY0, HOUR, tempDir } from '../../../helpers/store-temp.js';

let dir: string;
let cleanup: () => Promise<void>;
const DAY_NAME = '2026-11-20';
/** The second day: neither segment is settled, so no compaction rewrites them behind the test's back. */
const NOW = DAY0 + DAY + HOUR;
const file = (ext: string, day = DAY_NAME): string => `${dir}/interceptions/${day}.${ext}`;

beforeEach(async () => {
  ({ dir, cleanup } = await tempDir('aibridge-summary-'));
});
afterEach(async () => {
  await cleanup();
});

/** 20 records over two days, some begun only, then a writer open + close that leaves summaries. */
async function seedWithSummaries(): Promise<void> {
  const s = await openInterceptionStore({ dir, now: () => NOW });
  for (let i = 0; i < 20; i++) {
    const spec = { id: `r${String(i).padStart(2, '0')}`, startedMs: DAY0 + (i % 2) * DAY + i * 1000, promptChars: 30, model: i % 3 ? 'gpt-5' : 'claude-sonnet-4' };
    s.begin(startedRecord(spec));
    if (i % 5 !== 4) s.finish(finishedRecord(spec));
  }
  await s.close();
  // This open parses both segments (no summaries yet), marks the begun ones interrupted and
  // writes the summaries at close; the next open loads from them.
  const again = await openInterceptionStore({ dir, now: () => NOW });
  await again.close();
  const s3 = await openInterceptionStore({ dir, now: () => NOW });
  await s3.close();
}

/** Everything an open answers from the index: the list (ids, statuses, models), counts, sums. */
async function view(s: InterceptionStore): Promise<unknown> {
  const list = await s.list({ limit: 1000, includeInFlight: true });
  const usage = await s.usage({}, (e) => `${e.model}|${e.initiatorName}|${e.client}`);
  return {
    rows: list.results.map((r) => [r.id, r.status, r.model, r.user_prompts[0]?.prompt ?? null]),
    count: list.count,
    gpt5: (await s.list({ model: 'gpt-5', limit: 1 })).count,
    usage: [...usage].sort(),
  };
}

async function viewOf(opts: { readOnly?: boolean } = {}): Promise<unknown> {
  const s = await openInterceptionStore({ dir, readOnly: opts.readOnly, now: () => NOW });
  try {
    return await view(s);
  } finally {
    await s.close();
  }
}

/** The answers of a store parsed from scratch (summaries removed). */
async function parsedView(): Promise<unknown> {
  for (const name of await readdir(`${dir}/interceptions`)) if (name.endsWith('.sum')) await unlink(`${dir}/interceptions/${name}`);
  return viewOf({ readOnly: true });
}

async function summaryIsValid(day = DAY_NAME): Promise<boolean> {
  const [bytes, st] = await Promise.all([readFile(file('sum', day)), stat(file('jsonl', day))]);
  return decodeSummary(bytes, st, day, new StringPool()) !== null;
}

describe('segment summaries', () => {
  it('are written for every segment and give the same answers as parsing', async () => {
    await seedWithSummaries();
    expect(await summaryIsValid(DAY_NAME)).toBe(true);
    expect(await summaryIsValid('2026-11-21')).toBe(true);
    // Proof that open reads them: an index file that would fail the parse is never looked at
    // while the summary matches (the data is intact; only the cache beside it is odd).
    const viaSummary = await viewOf({ readOnly: true });
    expect(viaSummary).toEqual(await parsedView());
    expect((viaSummary as { count: number }).count).toBe(20);
  });

  it('a segment grown after its summary (a writer killed before updating it) is parsed', async () => {
    await seedWithSummaries();
    // A record line as a killed writer leaves it: in the data, not in the index or the summary.
    const extra = finishedRecord({ id: 'late', startedMs: DAY0 + HOUR, model: 'gpt-5' });
    await appendFile(file('jsonl'), JSON.stringify(extra) + '\n');
    const v = (await viewOf()) as { count: number; gpt5: number };
    expect(v.count).toBe(21);
    expect(v).toEqual(await parsedView());
  });

  it('a summary whose payload was altered (same size) is not trusted', async () => {
    await seedWithSummaries();
    const before = await parsedView();
    await seedWithSummaries(); // summaries again (parsedView removed them)
    const bytes = await readFile(file('sum'));
    // The last entry's input tokens (its row ends with input, output, cache read, cache write,
    // reasoning, 1-hour cache write): still a well-formed summary, with other sums.
    const at = bytes.length - 6 * 4;
    bytes.writeUInt32LE(bytes.readUInt32LE(at) + 7, at);
    await writeFile(file('sum'), bytes);
    expect(await viewOf()).toEqual(before);
  });

  it('a torn or garbage summary, and a .sum.tmp left by a kill mid-write, fall back to parsing', async () => {
    await seedWithSummaries();
    const whole = await readFile(file('sum'));
    await writeFile(file('sum.tmp'), whole.subarray(0, 100)); // the kill hit the temp file
    await truncate(file('sum'), Math.floor(whole.length / 2)); // a rename whose data never made it
    await writeFile(file('sum', '2026-11-21'), 'not a summary\n');
    const v = await viewOf();
    expect((await readdir(`${dir}/interceptions`)).filter((n) => n.endsWith('.tmp'))).toEqual([]);
    expect(v).toEqual(await parsedView());
    expect((v as { count: number }).count).toBe(20);
  });

  it('a data file replaced by one of the same size (another inode and mtime) is parsed', async () => {
    await seedWithSummaries();
    const data = await readFile(file('jsonl'), 'utf8');
    // Same length, other model: only the parse can know.
    const changed = data.replaceAll('"model":"claude-sonnet-4"', '"model":"claude-sonnet-X"');
    expect(changed.length).toBe(data.length);
    expect(changed).not.toBe(data);
    await writeFile(file('jsonl') + '.new', changed);
    await rename(file('jsonl') + '.new', file('jsonl'));
    // The .idx beside it is checked only for shape and its last id (segment-files.ts); gone here,
    // so what stands between the reader and the old models is the summary's inode/mtime check.
    await unlink(file('idx'));
    const s = await openInterceptionStore({ dir, readOnly: true });
    expect((await s.list({ model: 'claude-sonnet-X', limit: 1 })).count).toBeGreaterThan(0);
    expect((await s.list({ model: 'claude-sonnet-4', startedBefore: DAY0 + DAY, limit: 1 })).count).toBe(0);
    await s.close();
  });

  it('a rewrite (purge, content stripping; compaction is the same rewrite) leaves a summary of the new file', async () => {
    await seedWithSummaries();
    const s = await openInterceptionStore({ dir, now: () => NOW });
    expect(await s.stripContent(DAY0 + 30_000)).toBeGreaterThan(0);
    expect(await s.purge(DAY0 + 1000)).toBe(1);
    await s.close();
    expect(await summaryIsValid(DAY_NAME)).toBe(true);
    const v = await viewOf({ readOnly: true });
    expect(v).toEqual(await parsedView());
    const rows = (v as { rows: [string, string, string, string | null][] }).rows;
    expect(rows.some(([id]) => id === 'r00')).toBe(false);
    expect(rows.find(([id]) => id === 'r02')?.[3]).toBe('');
  });

  it('an orphan summary (its data dropped by a crash) is removed at open', async () => {
    await seedWithSummaries();
    await unlink(file('jsonl', '2026-11-21'));
    await unlink(file('idx', '2026-11-21'));
    const s = await openInterceptionStore({ dir, now: () => NOW });
    await s.close();
    expect((await readdir(`${dir}/interceptions`)).filter((n) => n.startsWith('2026-11-21'))).toEqual([]);
  });
});
