/**
 * Usage-report benchmark (issue #15: "usage over 300,000 records stays in the tens of
 * milliseconds"): N finished records over 60 days across catalog models (one tiered, Bedrock ids,
 * OpenAI), an overridden model and a model without a price; then, in a fresh child process, the
 * store opened as the server opens it and `GET /api/v1/usage`'s report (src/gateway/routes/usage.ts)
 * for all time by model, all time by day (in a UTC+1 zone) and the last 7 days by model: median
 * wall and CPU time of 15 runs each, after one warm run.
 * Run alone: `node --import tsx bench/usage.ts [--records 300000] [--dir DIR [--reuse]]`, or
 * `npm run bench -- --only usage` (bench/run.ts).
 */
import { benchMain, isMain, measureInChild } from './fresh-child.js';
import { openInterceptionStore } from '../src/store/interceptions/index.js';
import { createPriceTable } from '../src/record/prices.js';
import { usageReport, type UsageGroup } from '../src/gateway/routes/usage.js';
import { perRecordPricer, sumsCost } from '../src/record/cost.js';
import type { Interception, TokenUsage } from '../src/record/types.js';
import { finishedRecord } from '../test/helpers/store-records.js';

/** One report's figures (child side). */
export interface UsageTiming {
  ms: number;
  cpuMs: number;
  rows: number;
  records: number;
}

/** Figures of one run. */
export interface UsageBenchResult {
  records: number;
  openMs: number;
  allByModel: UsageTiming;
  allByDay: UsageTiming;
  last7ByModel: UsageTiming;
  /** All time by model, each record priced on its own (the way before issue #15's pricer). */
  perRecordAllByModel: UsageTiming;
  /** Largest relative difference of a row's cost between the two ways. */
  maxRelDiff: number;
}

const DAYS = 60;
const START = Date.parse('2026-10-06T00:00:00Z');
/** provider, model: catalog models (Sonnet 4.5 is tiered), Bedrock ids, an override, no price. */
const MODELS: [Interception['provider'], string][] = [
  ['anthropic', 'claude-sonnet-4-5-20250929'],
  ['anthropic', 'claude-haiku-4-5'],
  ['anthropic', 'claude-opus-4-1'],
  ['openai', 'gpt-5'],
  ['openai', 'gpt-5-mini'],
  ['bedrock', 'us.anthropic.claude-sonnet-4-5-20250929-v1:0'],
  ['openai', 'my-self-hosted-llm'],
  ['anthropic', 'house-model-x'],
];
const PEOPLE = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace', 'heidi'];

async function fill(records: number, dir: string): Promise<void> {
  const start = START;
  const step = Math.floor((DAYS * 86_400_000) / records);
  const store = await openInterceptionStore({ dir, searchIndex: false });
  let s = 4242;
  const rnd = (n: number) => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) % n);
  for (let i = 0; i < records; i += 1000) {
    for (let k = i; k < Math.min(records, i + 1000); k++) {
      const [provider, model] = MODELS[k % MODELS.length]!;
      const base = finishedRecord({ startedMs: start + k * step, provider, model, promptChars: 80, initiator: { id: `tok-${k % 8}`, name: PEOPLE[k % 8]! } });
      const row: TokenUsage = {
        ...base.token_usages[0]!,
        // Some above Sonnet 4.5's 200k-token tier.
        input_tokens: rnd(4000), output_tokens: rnd(3000), cache_read_input_tokens: rnd(10) === 0 ? 150_000 + rnd(100_000) : rnd(40_000),
        cache_write_input_tokens: rnd(5000), metadata: { reasoning_tokens: rnd(500), cache_write_1h_input_tokens: rnd(1000) },
      };
      store.finish({ ...base, token_usages: [row] });
    }
    await store.flush();
  }
  await store.close();
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

async function measure(dir: string): Promise<void> {
  const t0 = performance.now();
  const store = await openInterceptionStore({ dir, searchIndex: false });
  const openMs = performance.now() - t0;
  const prices = await createPriceTable({ 'my-self-hosted-llm': { input: 0.5, output: 1.5 }, 'claude-haiku-4-5': { output: 4 } });
  const newest = START + DAYS * 86_400_000;
  const timeOf = async (report: () => Promise<{ requests: number }[]>): Promise<UsageTiming> => {
    await report(); // warm
    const ms: number[] = [];
    const cpu: number[] = [];
    let rows = 0;
    let records = 0;
    for (let i = 0; i < 15; i++) {
      const c = process.cpuUsage();
      const t = performance.now();
      const r = await report();
      ms.push(performance.now() - t);
      const u = process.cpuUsage(c);
      cpu.push((u.user + u.system) / 1000);
      rows = r.length;
      records = r.reduce((n, x) => n + x.requests, 0);
    }
    return { ms: median(ms), cpuMs: median(cpu), rows, records };
  };
  const time = (group: UsageGroup, range: { since?: number }, tz = 0) => timeOf(() => usageReport(store, prices, group, range, tz));
  const perRecord = async () => [...(await store.usage({}, (e) => e.model, perRecordPricer((e) => sumsCost(prices, e)))).values()];
  const fast = new Map((await usageReport(store, prices, 'model', {})).map((r) => [r.key, r.cost_usd]));
  let maxRelDiff = 0;
  for (const [model, r] of await store.usage({}, (e) => e.model, perRecordPricer((e) => sumsCost(prices, e)))) {
    const a = r.cost_usd ?? null;
    const b = fast.get(model) ?? null;
    if ((a === null) !== (b === null)) throw new Error(`${model}: priced one way and not the other`);
    if (a !== null && b !== null) maxRelDiff = Math.max(maxRelDiff, Math.abs(a - b) / Math.max(Math.abs(a), 1e-12));
  }
  const out: UsageBenchResult = {
    records: (await store.usage({}, () => '')).get('')?.requests ?? 0,
    openMs,
    allByModel: await time('model', {}),
    allByDay: await time('day', {}, 60),
    last7ByModel: await time('model', { since: newest - 7 * 86_400_000 }),
    perRecordAllByModel: await timeOf(perRecord),
    maxRelDiff,
  };
  await store.close();
  process.stdout.write(JSON.stringify(out) + '\n');
}

/** Fills a store with `records` records and measures the reports in a fresh process. */
export async function benchUsage(opts: { records: number; dir: string }): Promise<UsageBenchResult> {
  await fill(opts.records, opts.dir);
  return measureInChild<UsageBenchResult>(import.meta.url, opts.dir, 'usage');
}

if (isMain(import.meta.url)) {
  await benchMain<UsageBenchResult>({
    measure,
    run: (records, dir) => benchUsage({ records, dir }),
    reuse: (dir) => measureInChild<UsageBenchResult>(import.meta.url, dir, 'usage'),
    tmpPrefix: 'aibridge-bench-usage-',
    print(r) {
      console.table({ allByModel: r.allByModel, allByDay: r.allByDay, last7ByModel: r.last7ByModel, perRecordAllByModel: r.perRecordAllByModel });
      console.log(`records ${r.records}, open ${r.openMs.toFixed(0)} ms, largest relative difference ${r.maxRelDiff.toExponential(1)}`);
    },
  });
}
