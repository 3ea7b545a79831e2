/**
 * Full-text search benchmark (SPEC §15, issue #18): N records of coding-like text (a 50,000-word
 * Zipf vocabulary, a unique hex id per record, a tool command, a thought), then, in a fresh child
 * process, the store opened as the server opens it: open time, time (wall and CPU) until the
 * background index has every record, RSS before and after, and the median of newest-50 searches
 * for a rare word (in 30 records) and a common word (in most records), each with its exact count.
 * Run alone: `node --import tsx bench/search.ts [--records 300000] [--dir DIR]`, or
 * `npm run bench -- --only search` (bench/run.ts).
 */
import { benchMain, isMain, measureInChild } from './fresh-child.js';
import { randomUUID } from 'node:crypto';
import { openInterceptionStore } from '../src/store/interceptions/index.js';
import type { FileInterceptionStore } from '../src/store/interceptions/store.js';
import type { Interception } from '../src/record/types.js';
import { finishedRecord } from '../test/helpers/store-records.js';

/** Figures of one run (child side). */
export interface SearchBenchResult {
  records: number;
  openMs: number;
  buildMs: number;
  buildCpuMs: number;
  rssOpenMb: number;
  rssIndexedMb: number;
  heapIndexGrowthMb: number;
  words: number;
  rareMs: number;
  rareCount: number;
  commonMs: number;
  commonCount: number;
  rareFilteredMs: number;
  /** A rare-word search a moment after open, before the index has anything (the exact fallback). */
  rareBeforeIndexMs: number;
  /** The next search (the same word and a common one), before the background build has run. */
  refineBeforeIndexMs: number;
}

const DAYS = 60;
const RARE = 'zyzzogeton';
const RARE_EVERY = 10_000;
const COMMON = 'w0';

/** Deterministic text: word k of the vocabulary is `w<k base 36>`, drawn Zipf-like. */
function textMaker(): { text: (n: number) => string; hex: () => string } {
  let s = 12345;
  const rnd = () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 4294967296;
  const V = 50_000;
  const vocab = Array.from({ length: V }, (_, i) => 'w' + i.toString(36));
  const word = () => vocab[Math.min(V - 1, Math.floor(rnd() ** 3 * V))]!;
  return {
    text: (n) => Array.from({ length: n }, word).join(' '),
    hex: () => Math.floor(rnd() * 2 ** 48).toString(16),
  };
}

/** Writes `records` finished records with searchable text into `dir`. */
async function fill(records: number, dir: string): Promise<void> {
  const start = Date.parse('2026-09-27T00:00:00Z');
  const step = Math.floor((DAYS * 86_400_000) / records);
  const store = await openInterceptionStore({ dir, searchIndex: false });
  const t = textMaker();
  for (let i = 0; i < records; i += 1000) {
    for (let k = i; k < Math.min(records, i + 1000); k++) {
      const base = finishedRecord({ id: randomUUID(), startedMs: start + k * step, model: k % 2 ? 'claude-sonnet-4' : 'gpt-5' });
      const rec: Interception & { status: 'completed' } = {
        ...base,
        status: 'completed',
        user_prompts: base.user_prompts.map((p) => ({ ...p, prompt: `${t.text(220)} ${k % RARE_EVERY === 7 ? RARE : ''} ref ${t.hex()}` })),
        tool_usages: base.tool_usages.map((u) => ({ ...u, input: { command: `grep -rn ${t.text(3)} src/${t.text(1)}.ts` } })),
        model_thoughts: base.model_thoughts.map((m) => ({ ...m, content: t.text(30) })),
      };
      store.finish(rec);
    }
    await store.flush();
  }
  await store.close();
}

const cpuMs = (c: NodeJS.CpuUsage) => (c.user + c.system) / 1000;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const gc = () => (globalThis as { gc?: () => void }).gc?.();

async function measure(dir: string): Promise<void> {
  const t0 = performance.now();
  // The delay the server uses is 1 s; here the build is started by hand after the fallback query.
  const store = (await openInterceptionStore({ dir, searchIndexDelayMs: 3_600_000 })) as FileInterceptionStore;
  const openMs = performance.now() - t0;
  // Older days are loaded after open: the count (and the fallback search below) waits for them.
  await store.loaded();
  const records = store.index.size;
  const t1 = performance.now();
  const before = await store.list({ q: RARE, limit: 50 });
  const rareBeforeIndexMs = performance.now() - t1;
  // Refining it (a user adds a word), still before the background build.
  const t2 = performance.now();
  await store.list({ q: `${RARE} ${COMMON}`, limit: 50 });
  const refineBeforeIndexMs = performance.now() - t2;
  gc();
  const rssOpenMb = process.memoryUsage().rss / 2 ** 20;
  const heapOpen = process.memoryUsage().heapUsed;
  const b0 = performance.now();
  const c0 = process.cpuUsage();
  await store.indexer!.idle();
  const buildMs = performance.now() - b0;
  const buildCpuMs = cpuMs(process.cpuUsage(c0));
  gc();
  const rssIndexedMb = process.memoryUsage().rss / 2 ** 20;
  const heapIndexGrowthMb = (process.memoryUsage().heapUsed - heapOpen) / 2 ** 20;
  const time = async (q: Parameters<typeof store.list>[0]) => {
    await store.list(q); // warm
    const times: number[] = [];
    let count = 0;
    for (let i = 0; i < 15; i++) {
      const t = performance.now();
      const r = await store.list(q);
      times.push(performance.now() - t);
      count = r.count;
    }
    return { ms: median(times), count };
  };
  const rare = await time({ q: RARE, limit: 50 });
  const common = await time({ q: COMMON, limit: 50 });
  const filtered = await time({ q: `${RARE} ${COMMON}`, model: 'gpt-5', limit: 50 });
  if (rare.count !== before.count) throw new Error(`fallback and index disagree: ${before.count} vs ${rare.count}`);
  const out: SearchBenchResult = {
    records, openMs, buildMs, buildCpuMs, rssOpenMb, rssIndexedMb, heapIndexGrowthMb, words: store.indexer!.search.words,
    rareMs: rare.ms, rareCount: rare.count, commonMs: common.ms, commonCount: common.count, rareFilteredMs: filtered.ms, rareBeforeIndexMs, refineBeforeIndexMs,
  };
  await store.close();
  process.stdout.write(JSON.stringify(out) + '\n');
}

/** Fills a store with `records` records and measures it in a fresh process. */
export async function benchSearch(opts: { records: number; dir: string }): Promise<SearchBenchResult> {
  await fill(opts.records, opts.dir);
  return measureInChild<SearchBenchResult>(import.meta.url, opts.dir, 'search', ['--expose-gc']);
}

if (isMain(import.meta.url)) {
  await benchMain<SearchBenchResult>({
    measure,
    run: (records, dir) => benchSearch({ records, dir }),
    reuse: (dir) => measureInChild<SearchBenchResult>(import.meta.url, dir, 'search', ['--expose-gc']),
    tmpPrefix: 'aibridge-bench-search-',
    print: (r) => console.table(r),
  });
}
