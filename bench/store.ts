/**
 * Interception store benchmark (issue #2 targets): append throughput, open time and list time with
 * a filter over N stored records, and resident memory of an opened store.
 * Run alone: `node --import tsx bench/store.ts [--records 300000] [--dir DIR] [--end ISO-TIME]` (the
 * 60 days of records end now unless `--end` says when).
 * Open, list and memory are measured in a fresh child process so the writer's garbage does not
 * count against them.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openInterceptionStore } from '../src/store/interceptions/index.js';
import type { FileInterceptionStore } from '../src/store/interceptions/store.js';
import { finishedRecord, startedRecord } from '../test/helpers/store-records.js';

/** Figures of one run. */
export interface StoreBenchResult {
  appendsPerSec: number;
  listFilteredMs: number;
  openMs: number;
  rssMb: number;
}

const PROVIDERS = ['anthropic', 'openai', 'bedrock'] as const;
const MODELS = ['claude-sonnet-4', 'claude-haiku-4', 'gpt-5', 'gpt-5-mini', 'claude-opus-4'];
const PEOPLE = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace', 'heidi'];
const CLIENTS = ['Claude Code', 'Codex', 'Cursor', 'Roo Code', 'Unknown'];
const DAYS = 60;

/** Writes `records` interceptions (begin + finish each) into `dir`, then measures open and list. */
export async function benchStore(
  opts: { records: number; dir: string; endMs?: number },
): Promise<StoreBenchResult & ChildFigures & { uncompactedOpenMs: number; uncompactedOpenCpuMs: number }> {
  // The 60 days end now (or at `endMs`): a gateway started on the folder finds today's, this
  // month's and older segments, as a desktop that has been in use does.
  const end = opts.endMs ?? Date.now();
  const step = Math.floor((DAYS * 86_400_000) / opts.records);
  const start = end - step * opts.records;
  const store = await openInterceptionStore({ dir: opts.dir });
  const t0 = performance.now();
  const batch = 1000;
  for (let i = 0; i < opts.records; i += batch) {
    const ids: string[] = [];
    const specs = [];
    for (let k = i; k < Math.min(opts.records, i + batch); k++) {
      const spec = {
        startedMs: start + k * step,
        provider: PROVIDERS[k % 3]!,
        model: MODELS[k % MODELS.length]!,
        initiator: { id: `tok-${k % PEOPLE.length}`, name: PEOPLE[k % PEOPLE.length]! },
        client: CLIENTS[k % CLIENTS.length]!,
      };
      const rec = startedRecord(spec);
      store.begin(rec);
      ids.push(rec.id);
      specs.push(spec);
    }
    // As in the gateway, begin lines reach the disk before the calls finish: two lines a record.
    await store.flush();
    specs.forEach((spec, k) => store.finish(finishedRecord({ ...spec, id: ids[k]! })));
    await store.flush();
  }
  const appendsPerSec = opts.records / ((performance.now() - t0) / 1000);
  await store.close();

  // First open of freshly written days (begin lines still there), read-only as the CLI does.
  const fresh = measureInChild(opts.dir, true);
  // The server's open compacts settled days in the background; purge(0) queues behind it.
  const server = await openInterceptionStore({ dir: opts.dir });
  await server.purge(0);
  await server.close();
  const measured = measureInChild(opts.dir, false);
  return { appendsPerSec, ...measured, uncompactedOpenMs: fresh.openMs, uncompactedOpenCpuMs: fresh.openCpuMs };
}

type ChildFigures = Omit<StoreBenchResult, 'appendsPerSec'> & {
  openCpuMs: number;
  /** Until every segment is loaded (a writer loads those older than two days after open). */
  loadedMs: number;
  loadedCpuMs: number;
  listCpuMs: number;
  iterateRssGrowthMb: number;
  iterated: number;
};

function measureInChild(dir: string, openOnly: boolean): ChildFigures {
  const args = ['--import', 'tsx', fileURLToPath(import.meta.url), '--measure-open', dir, ...(openOnly ? ['--open-only'] : [])];
  const child = spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (child.status !== 0) throw new Error(`open measurement failed: ${child.stderr}`);
  return JSON.parse(child.stdout.trim().split('\n').at(-1)!) as ChildFigures;
}

/** Child side: open the store as the server would, list with filters, report. */
async function measureOpen(dir: string, openOnly: boolean): Promise<void> {
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  // The store alone: the full-text index (built in the background) has its own row (--only search).
  const store = await openInterceptionStore({ dir, readOnly: openOnly, searchIndex: false });
  const openMs = performance.now() - t0;
  // CPU time too: on a shared 2-core machine wall time mostly measures the neighbours.
  const cpu = process.cpuUsage(cpu0);
  const openCpuMs = (cpu.user + cpu.system) / 1000;
  // A writer resolves open with the last two days loaded and loads older days right after.
  await (store as FileInterceptionStore).loaded();
  const loadedMs = performance.now() - t0;
  const loadedCpu = process.cpuUsage(cpu0);
  const loadedCpuMs = (loadedCpu.user + loadedCpu.system) / 1000;
  if (openOnly) {
    await store.close();
    process.stdout.write(JSON.stringify({ openMs, openCpuMs, loadedMs, loadedCpuMs }) + '\n');
    return;
  }
  const queries = [
    { provider: 'openai', model: 'gpt-5' },
    { initiator: 'alice' },
    { client: 'Cursor', provider: 'anthropic' },
    { model: 'claude-opus-4', status: 'completed' },
  ];
  // Warm once (first query sorts nothing but touches the page cache), then take the median.
  await store.list(queries[0]!);
  const times: number[] = [];
  const cpuTimes: number[] = [];
  for (let i = 0; i < 20; i++) {
    const q = queries[i % queries.length]!;
    const t = performance.now();
    const c = process.cpuUsage();
    const r = await store.list({ ...q, limit: 100 });
    times.push(performance.now() - t);
    const used = process.cpuUsage(c);
    cpuTimes.push((used.user + used.system) / 1000);
    if (r.results.length !== 100) throw new Error(`expected a full page, got ${r.results.length}`);
  }
  times.sort((a, b) => a - b);
  cpuTimes.sort((a, b) => a - b);
  const rssMb = process.memoryUsage().rss / 2 ** 20;
  // Export path: stream every record and watch resident memory stay flat.
  let peak = 0;
  let n = 0;
  for await (const rec of store.iterate({})) {
    if (++n % 5000 === 0) peak = Math.max(peak, process.memoryUsage().rss / 2 ** 20);
    void rec;
  }
  const iterateRssGrowthMb = Math.max(0, peak - rssMb);
  await store.close();
  process.stdout.write(JSON.stringify({ openMs, openCpuMs, loadedMs, loadedCpuMs, listFilteredMs: times[times.length >> 1]!, listCpuMs: cpuTimes[cpuTimes.length >> 1]!, rssMb, iterateRssGrowthMb, iterated: n }) + '\n');
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const openDir = arg('--measure-open');
  if (openDir) {
    await measureOpen(openDir, process.argv.includes('--open-only'));
  } else {
    const records = Number(arg('--records') ?? 300_000);
    const given = arg('--dir');
    const endAt = arg('--end');
    const dir = given ?? (await mkdtemp(join(tmpdir(), 'aibridge-bench-store-')));
    try {
      const r = await benchStore({ records, dir, ...(endAt ? { endMs: Date.parse(endAt) } : {}) });
      console.table({
        records: { value: records, target: '' },
        'appends/s': { value: Math.round(r.appendsPerSec), target: '' },
        'open ms': { value: Math.round(r.openMs), target: '<= 2000' },
        'open CPU ms': { value: Math.round(r.openCpuMs), target: '' },
        'all segments loaded ms': { value: Math.round(r.loadedMs), target: '' },
        'all segments loaded CPU ms': { value: Math.round(r.loadedCpuMs), target: '' },
        'first open ms (uncompacted)': { value: Math.round(r.uncompactedOpenMs), target: '<= 2000' },
        'first open CPU ms (uncompacted)': { value: Math.round(r.uncompactedOpenCpuMs), target: '' },
        'list 100 filtered ms (median)': { value: Number(r.listFilteredMs.toFixed(2)), target: '<= 50' },
        'list CPU ms (median)': { value: Number(r.listCpuMs.toFixed(2)), target: '' },
        'rss MB after open': { value: Math.round(r.rssMb), target: '' },
        [`rss growth MB iterating ${r.iterated}`]: { value: Math.round(r.iterateRssGrowthMb), target: 'flat' },
      });
    } finally {
      if (!given) await rm(dir, { recursive: true, force: true });
    }
  }
}
