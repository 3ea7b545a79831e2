/**
 * `npm run bench` (issues #8 and #20, SPEC §9): the same workload direct to a loopback upstream,
 * through the bridge with every feature on (recording, the JSON log with its chain and cost,
 * secret redaction, OTLP export to a local receiver) and through two bare proxies, in one run on
 * the same cores. Prints one table (figure, target, pass/fail) and writes
 * bench/results/latest.json. docs/performance.md explains the figures.
 *
 * Processes: this one is the load generator, the upstream (bench/upstream.ts, same clock for
 * chunk timestamps) and the OTLP receiver; the gateway (`aibridge serve`) and the yardsticks
 * (bench/bare-http-proxy.ts: node:http both ways, the strongest; bench/bare-proxy.ts: node:http in
 * front of undici) are child processes, so each has its own event loop and the gateway's RSS is
 * its own. Rounds of each target alternate so that noise from other work on the machine hits all alike.
 * Options: `--quick` (fewer samples, smaller store), `--store-records N`, `--profile DIR` (runs the
 * gateway with `--cpu-prof` into DIR; summarise with `node --import tsx bench/profile-summary.ts DIR`),
 * `--only gateway|store|throughput|otel|rss|features|budgets|large` (rss: only the 200-open-streams memory rows; features: only the on/off feature rows; budgets: only the budgets row of them; throughput: only the c=32 throughput runs, for quick
 * comparisons; otel: only the collector-down rows; large: only "RSS with 6 concurrent 30 MB bodies",
 * bench/large-bodies.ts), and the opt-in `--only redaction` / `--only chain` (bench/secrets.ts: redaction
 * on/off/block with Claude-Code-sized prompts; the log chain against plain lines), `--only search`
 * (bench/search.ts: full-text search over `--store-records` records, issue #18) and `--only usage`
 * (bench/usage.ts: the usage report priced over `--store-records` records, issue #15).
 */
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync, statSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServer, type AddressInfo } from 'node:net';
import { createServer as createHttpServer } from 'node:http';
import { cpuMs, latencyRun, machineTicks, median, medianInterval, percentile, streamCall, throughputRun, agent, type Target } from './load.js';
import { benchStore } from './store.js';
import { largeBodies } from './large-bodies.js';
import { featureCosts } from './feature-costs.js';
import { benchChain, benchRedaction, claudeCodeBody } from './secrets.js';
import { benchSearch } from './search.js';
import { benchUsage } from './usage.js';
import { startListening } from './fresh-child.js';
import { createBridgeToken, startGatewayProcess } from '../test/reliability/gateway-process.js';

const quick = process.argv.includes('--quick');
const argNum = (name: string, dflt: number) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
};
const STORE_RECORDS = argNum('--store-records', quick ? 30_000 : 300_000);
const UPSTREAM_LATENCY_MS = 2;
const argStr = (name: string) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const PROFILE_DIR = argStr('--profile');
const ONLY = argStr('--only');
const ROUNDS = quick ? 2 : 4;
// Stream rounds: one round's per-chunk p99 (240 chunks) ranges from 0.8 to 7.4 ms on a shared VM,
// through the bridge and the bare proxy alike (stalls hit all streams of a round at once), so the
// p99 needs thousands of chunks to mean something: 12 rounds = 2,880 chunks a target.
const STREAM_ROUNDS = quick ? 2 : 12;

interface Figure {
  name: string;
  value: number;
  unit: string;
  target?: { op: '<=' | '>='; limit: number };
  note?: string;
}
const figures: Figure[] = [];
const fig = (f: Figure) => {
  figures.push(f);
  return f.value;
};
const log = (msg: string) => process.stderr.write(`[bench] ${msg}\n`);
const round2 = (n: number) => Math.round(n * 100) / 100;
const mean = (a: number[]) => a.reduce((x, y) => x + y, 0) / a.length;

/** Per-round paired figures: their median, with their range and the median's 95 % interval in the note. */
function pairedMedian(values: number[], what: string, unit: '%' | 'ms'): { value: number; note: string } {
  const v = [...values].sort((x, y) => x - y);
  const m = medianInterval(v);
  const f = (x: number) => x.toFixed(unit === '%' ? 1 : 2);
  const span = (lo: number, hi: number) => (unit === '%' ? `${f(lo)}–${f(hi)} %` : `${f(lo)} … ${f(hi)} ms`);
  return { value: m.median, note: `median of ${v.length} rounds' paired ${what} (${span(v[0]!, v.at(-1)!)}; 95 % interval of the median ${span(m.low, m.high)})` };
}

/** Round by round, `a` / `b` in %. */
const pairedRatio = (a: number[], b: number[]) => pairedMedian(a.map((x, i) => (x / b[i]!) * 100), 'ratios', '%');

/** Round by round, `a` − `b` in ms. */
const pairedDifference = (a: number[], b: number[]) => pairedMedian(a.map((x, i) => x - b[i]!), 'differences', 'ms');

/**
 * Starts one of the bench's child processes: a bare proxy (bench/bare-proxy.ts,
 * bench/bare-http-proxy.ts; ARG the upstream's URL) or the upstream (bench/upstream.ts; ARG its
 * latency in ms).
 */
function startChild(file: string, arg: string): Promise<{ url: string; child: ChildProcess }> {
  const profiled = PROFILE_DIR && process.env['BENCH_PROFILE_BARE'] && file !== './upstream.ts';
  return startListening(new URL(file, import.meta.url), [arg], profiled ? ['--cpu-prof', '--cpu-prof-dir', PROFILE_DIR] : []);
}

/**
 * A local OTLP/HTTP receiver for the bench (issue #20: the bridge measured with export on): reads
 * each export request to its end and answers 200 with an empty protobuf body, counting requests
 * and bytes. No decoding, so it costs the load generator as little as possible.
 */
interface OtlpSink {
  url: string;
  requests(): number;
  bytes(): number;
  close(): Promise<void>;
}
async function startOtlpSink(): Promise<OtlpSink> {
  let requests = 0;
  let bytes = 0;
  const server = createHttpServer((req, res) => {
    req.on('data', (c: Buffer) => (bytes += c.length));
    req.on('end', () => {
      requests++;
      res.writeHead(200, { 'content-type': 'application/x-protobuf', 'content-length': '0' }).end();
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests: () => requests,
    bytes: () => bytes,
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

/** Interleaves rounds of each target and pools the samples per target. */
async function alternate<T>(targets: Target[], rounds: number, run: (t: Target) => Promise<T[]>): Promise<Map<string, T[]>> {
  const out = new Map<string, T[]>(targets.map((t) => [t.name, []]));
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 === 0 ? targets : [...targets].reverse();
    for (const t of order) out.get(t.name)!.push(...(await run(t)));
  }
  return out;
}

async function main(): Promise<void> {
  const t0 = performance.now();
  log(`${cpus().length} cores, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}${quick ? ', quick mode' : ''}`);
  const dataDir = mkdtempSync(join(tmpdir(), 'aibridge-bench-'));
  const otlp = await startOtlpSink();
  try {
    if (ONLY === 'redaction' || ONLY === 'chain') {
      // Opt-in rows of issue 16 (bench/secrets.ts): never part of a plain run.
      for (const f of await (ONLY === 'redaction' ? benchRedaction : benchChain)({ quick, log })) fig(f);
    } else if (ONLY === 'search') {
      await benchSearchFigures(dataDir);
    } else if (ONLY === 'usage') {
      await benchUsageFigures(dataDir);
    } else {
      if (ONLY !== 'store' && ONLY !== 'large') await benchGateway(dataDir, otlp);
      if (ONLY === undefined || ONLY === 'large') await benchLargeBodies(otlp);
      if (ONLY !== 'gateway' && ONLY !== 'throughput' && ONLY !== 'otel' && ONLY !== 'rss' && ONLY !== 'features' && ONLY !== 'large') await benchStoreFigures(dataDir);
    }
  } finally {
    await otlp.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
  report((performance.now() - t0) / 1000);
}

/** Issue #13: memory per large body, with `max_body_memory` and the parse turns at their defaults. */
async function benchLargeBodies(otlp: OtlpSink): Promise<void> {
  log('RSS with 6 concurrent 30 MB bodies (fresh gateway, every feature on)');
  const f = await largeBodies({ args: ['--otlp-endpoint', otlp.url] });
  fig({ name: 'RSS with 6 concurrent 30 MB bodies (peak)', value: f.peakMb, unit: 'MB', target: { op: '<=', limit: 1024 }, note: `idle ${f.idleMb.toFixed(0)} MB; statuses ${[...new Set(f.statuses)].join(',')}` });
}

/** Issue #18 (opt-in, `--only search`): full-text search over STORE_RECORDS records of coding text. */
async function benchSearchFigures(dataDir: string): Promise<void> {
  log(`search: ${STORE_RECORDS} records (writing them takes a few minutes)`);
  const r = await benchSearch({ records: STORE_RECORDS, dir: join(dataDir, 'search-bench') });
  const n = STORE_RECORDS;
  fig({ name: `search newest-50, rare word over ${n}`, value: r.rareMs, unit: 'ms', target: { op: '<=', limit: 100 }, note: `median of 15; ${r.rareCount} matches` });
  fig({ name: `search newest-50, common word over ${n}`, value: r.commonMs, unit: 'ms', target: { op: '<=', limit: 200 }, note: `median of 15; ${r.commonCount} matches` });
  fig({ name: 'search rare + common word, model filter', value: r.rareFilteredMs, unit: 'ms', note: 'median of 15' });
  fig({ name: 'search rare word before the index is built', value: r.rareBeforeIndexMs, unit: 'ms', note: 'exact fallback: reads every record' });
  fig({ name: 'the next search, before the background build', value: r.refineBeforeIndexMs, unit: 'ms', note: 'the rare word and a common one: reads every record again' });
  fig({ name: `store start-up with ${n} records (search on)`, value: r.openMs, unit: 'ms', target: { op: '<=', limit: 2000 }, note: 'the index builds afterwards, in the background' });
  fig({ name: 'search index build (background)', value: r.buildMs / 1000, unit: 's', note: `CPU ${(r.buildCpuMs / 1000).toFixed(1)} s; ${r.words} words` });
  fig({ name: 'RSS growth with the search index', value: r.rssIndexedMb - r.rssOpenMb, unit: 'MB', note: `RSS ${r.rssOpenMb.toFixed(0)} → ${r.rssIndexedMb.toFixed(0)} MB; heap +${r.heapIndexGrowthMb.toFixed(0)} MB` });
}

/** Issue #15 (opt-in, `--only usage`): the usage report, priced, over STORE_RECORDS records. */
async function benchUsageFigures(dataDir: string): Promise<void> {
  log(`usage: ${STORE_RECORDS} records`);
  const r = await benchUsage({ records: STORE_RECORDS, dir: join(dataDir, 'usage-bench') });
  const n = STORE_RECORDS;
  const row = (name: string, t: typeof r.allByModel, target?: number) =>
    fig({ name, value: t.ms, unit: 'ms', ...(target ? { target: { op: '<=' as const, limit: target } } : {}), note: `median of 15; CPU ${t.cpuMs.toFixed(1)} ms; ${t.records} records, ${t.rows} rows` });
  row(`usage all time by model over ${n}`, r.allByModel, 100);
  row(`usage all time by day over ${n}`, r.allByDay, 100);
  row('usage last 7 days by model', r.last7ByModel, 100);
  fig({
    name: 'usage all time by model, each record priced (before)', value: r.perRecordAllByModel.ms, unit: 'ms',
    note: `CPU ${r.perRecordAllByModel.cpuMs.toFixed(1)} ms; rows' cost differs from the pricer's by ≤ ${r.maxRelDiff.toExponential(1)} (relative)`,
  });
}

async function benchStoreFigures(dataDir: string): Promise<void> {
  log(`store: ${STORE_RECORDS} records`);
  const storeDir = join(dataDir, 'store-bench');
  const st = await benchStore({ records: STORE_RECORDS, dir: storeDir });
  fig({ name: 'store appends', value: st.appendsPerSec, unit: 'records/s' });
  fig({ name: `store newest-100 filtered listing over ${STORE_RECORDS}`, value: st.listFilteredMs, unit: 'ms', target: { op: '<=', limit: 50 }, note: 'median of 20 queries' });
  fig({ name: `store start-up with ${STORE_RECORDS} records`, value: st.openMs, unit: 'ms', target: { op: '<=', limit: 2000 }, note: `opening the store (the last two days); all segments loaded at ${st.loadedMs.toFixed(0)} ms` });
  // What a user waits for: `aibridge serve` on that data dir, from spawn to listening (Node start,
  // config, store open, today's totals for the overview, the server).
  const t0 = performance.now();
  const gw = await startGatewayProcess({ dataDir: storeDir, args: ['--anthropic-key', 'sk-ant-bench-0000000000000000'] });
  const serveMs = performance.now() - t0;
  await gw.stop();
  fig({ name: `gateway start-up with ${STORE_RECORDS} records`, value: serveMs, unit: 'ms', target: { op: '<=', limit: 2000 }, note: '`aibridge serve`: spawn → listening' });
}

/**
 * The bridge with every feature on (issue #20): recording, the structured JSON log (`--log-json`,
 * every line chained, `cost_usd` on end lines), secret redaction (default on) and OTLP export to
 * the bench's local receiver; `f` leaves one out for the feature rows.
 */
function bridgeArgs(upUrl: string, f: { logFile?: string; otlpUrl?: string; redact?: boolean }): string[] {
  return [
    '--enabled', '--anthropic-key', 'sk-ant-bench-0000000000000000', '--anthropic-base-url', upUrl + '/',
    ...(f.logFile ? ['--structured-logging', '--log-json', f.logFile] : []),
    ...(f.otlpUrl ? ['--otlp-endpoint', f.otlpUrl] : []),
    ...(f.redact === false ? ['--redact-secrets', 'false'] : []),
  ];
}

async function benchGateway(dataDir: string, otlp: OtlpSink): Promise<void> {
  // The upstream in its own process: in this one (the load generator's) it capped the node:http
  // proxy at this process's own rate on a quick day (docs/performance.md, fifteenth step).
  const up = await startChild('./upstream.ts', String(UPSTREAM_LATENCY_MS));
  const logFile = join(dataDir, 'gateway.log.jsonl');
  const token = createBridgeToken(dataDir);
  const gw = await startGatewayProcess({
    dataDir,
    nodeArgs: PROFILE_DIR ? ['--cpu-prof', '--cpu-prof-dir', PROFILE_DIR] : [],
    args: bridgeArgs(up.url, { logFile, otlpUrl: otlp.url }),
  });
  const bareU = await startChild('./bare-proxy.ts', up.url);
  const bareH = await startChild('./bare-http-proxy.ts', up.url);
  const headers = { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' };
  const direct: Target = { name: 'direct', url: `${up.url}/v1/messages`, headers: { ...headers, 'x-api-key': 'sk-ant-bench' } };
  const bridge: Target = { name: 'bridge', url: `${gw.url}/anthropic/v1/messages`, headers: { ...headers, 'x-api-key': token } };
  const undiciT: Target = { name: 'bare-undici', url: `${bareU.url}/v1/messages`, headers: { ...headers, 'x-api-key': 'sk-ant-bench' } };
  const httpT: Target = { name: 'bare-http', url: `${bareH.url}/v1/messages`, headers: { ...headers, 'x-api-key': 'sk-ant-bench' } };
  const all = [direct, bridge, undiciT, httpT];
  let bridgeCalls = 0;
  const count = <T>(t: Target, n: T[]) => {
    if (t === bridge) bridgeCalls += n.length;
    return n;
  };

  try {
    // Warm-up to the steady state: a fresh gateway spends the CPU of its first few thousand calls
    // partly on JIT compilation (TurboFan on its own code, undici, the OTel SDK, pino: ~15 % of its
    // CPU in `perf` early on), so after the 1,200 calls this once was its first c=32 run cost ~1.5×
    // the later ones. Every target gets the same warm-up (issue #20, docs/performance.md).
    log(`warm-up (${quick ? 1_920 : 6_400} calls a target, concurrency 32)`);
    if (ONLY !== 'rss') for (const t of all) count(t, await latencyRun(t, 32, quick ? 60 : 200));

    if (ONLY === 'otel') {
      await collectorDown();
      return;
    }
    if (ONLY === 'rss') {
      await rss();
      return;
    }
    if (ONLY === 'features' || ONLY === 'budgets') {
      await featureRows();
      return;
    }
    if (ONLY !== 'throughput') await latencyAndStreams();
    await throughput();
    if (ONLY !== 'throughput') await claudeCodeCalls();
    if (ONLY !== 'throughput') await collectorDown();
    if (ONLY !== 'throughput') await rss();
    if (ONLY !== 'throughput') await featureRows();
  } finally {
    await gw.stop();
    bareU.child.kill('SIGTERM');
    bareH.child.kill('SIGTERM');
    await agent.close();
    up.child.kill('SIGTERM');
  }

  async function latencyAndStreams(): Promise<void> {
    log('blocking latency, concurrency 1');
    const c1 = await alternate(all, ROUNDS, async (t) => count(t, await latencyRun(t, 1, quick ? 150 : 300)));
    const d1 = c1.get('direct')!;
    const b1 = c1.get('bridge')!;
    const h1 = c1.get('bare-http')!;
    fig({ name: 'c=1 latency p50 direct', value: percentile(d1, 50), unit: 'ms', note: `upstream latency ${UPSTREAM_LATENCY_MS} ms` });
    fig({ name: 'c=1 latency p50 bridge', value: percentile(b1, 50), unit: 'ms', note: 'every feature on (recording, JSON log + chain + cost, redaction, OTLP)' });
    fig({ name: 'c=1 added latency p50', value: percentile(b1, 50) - percentile(d1, 50), unit: 'ms', target: { op: '<=', limit: 0.3 }, note: 'bridge − direct (SPEC §9)' });
    // For scale: what the extra hop alone costs (a bare proxy, same cores).
    fig({ name: 'c=1 added latency p50, node:http bare proxy', value: percentile(h1, 50) - percentile(d1, 50), unit: 'ms', note: 'the hop alone' });
    fig({ name: 'c=1 added latency p50, undici bare proxy', value: percentile(c1.get('bare-undici')!, 50) - percentile(d1, 50), unit: 'ms' });
    fig({ name: 'c=1 latency p50 bridge − node:http bare proxy', value: percentile(b1, 50) - percentile(h1, 50), unit: 'ms', note: 'what the bridge adds beyond the hop' });
    fig({ name: 'c=1 latency p99 direct', value: percentile(d1, 99), unit: 'ms' });
    fig({ name: 'c=1 latency p99 bridge', value: percentile(b1, 99), unit: 'ms' });
    fig({ name: 'c=1 added latency p99', value: percentile(b1, 99) - percentile(d1, 99), unit: 'ms' });

    log('blocking latency, concurrency 32');
    const c32 = await alternate([direct, bridge], ROUNDS, async (t) => count(t, await latencyRun(t, 32, quick ? 15 : 40)));
    const d32 = c32.get('direct')!;
    const b32 = c32.get('bridge')!;
    fig({ name: 'c=32 latency p50 direct', value: percentile(d32, 50), unit: 'ms' });
    fig({ name: 'c=32 latency p50 bridge', value: percentile(b32, 50), unit: 'ms' });
    fig({ name: 'c=32 added latency p50', value: percentile(b32, 50) - percentile(d32, 50), unit: 'ms' });
    fig({ name: 'c=32 latency p99 direct', value: percentile(d32, 99), unit: 'ms' });
    fig({ name: 'c=32 latency p99 bridge', value: percentile(b32, 99), unit: 'ms' });
    fig({ name: 'c=32 added latency p99', value: percentile(b32, 99) - percentile(d32, 99), unit: 'ms' });

    log(`streaming: time to first byte and per-chunk delay (${STREAM_ROUNDS} rounds of 8 streams x 30 chunks, 10 ms cadence)`);
    const streams = await alternate(all, STREAM_ROUNDS, async (t) => {
      const r = await Promise.all(Array.from({ length: 8 }, () => streamCall(t, 30, 10)));
      if (t === bridge) bridgeCalls += r.length;
      return r;
    });
    const ttfb = (name: string) => streams.get(name)!.map((s) => s.ttfb);
    const delays = (name: string) => streams.get(name)!.flatMap((s) => s.delays);
    const ttfbD = percentile(ttfb('direct'), 50);
    const ttfbB = percentile(ttfb('bridge'), 50);
    const ttfbH = percentile(ttfb('bare-http'), 50);
    const delB = delays('bridge');
    fig({ name: 'stream TTFB p50 direct', value: ttfbD, unit: 'ms' });
    fig({ name: 'stream TTFB p50 bridge', value: ttfbB, unit: 'ms' });
    fig({ name: 'stream TTFB added p50, bridge', value: ttfbB - ttfbD, unit: 'ms' });
    fig({ name: 'stream TTFB added p50, node:http bare proxy', value: ttfbH - ttfbD, unit: 'ms', note: 'the hop alone' });
    fig({ name: 'stream TTFB added p50, undici bare proxy', value: percentile(ttfb('bare-undici'), 50) - ttfbD, unit: 'ms' });
    // The target row is paired, as the throughput ratio is: each round's p50 (8 streams started
    // together) of the bridge minus the node:http proxy's in the same round, then the median. Pooled
    // p50s moved ±1 ms between runs of 16 rounds on this VM, the bridge and the proxy alike.
    const roundP50 = (name: string): number[] => {
      const v = ttfb(name);
      const out: number[] = [];
      for (let i = 0; i < v.length; i += 8) out.push(percentile(v.slice(i, i + 8), 50));
      return out;
    };
    const hRounds = roundP50('bare-http');
    const paired = roundP50('bridge').map((b, i) => b - hRounds[i]!);
    fig({
      name: 'stream TTFB added p50, bridge − node:http bare proxy',
      value: percentile(paired, 50),
      unit: 'ms',
      target: { op: '<=', limit: 0.2 },
      note: `median of ${paired.length} rounds' paired differences (${Math.min(...paired).toFixed(2)} … ${Math.max(...paired).toFixed(2)} ms); pooled p50s differ by ${(ttfbB - ttfbH).toFixed(2)} ms`,
    });
    // Streams one at a time, each round's p50 paired with the node:http proxy's. Back to back, no
    // burst for the p50 stream to queue behind: what the bridge adds to a first byte by itself
    // (docs/performance.md, ninth step). After idle, as a coding tool calls (one call, then its
    // user): every stage runs slower on a machine that has been idle (sixteenth step).
    const oneAtATime = async (name: string, streams: number, idleMs: number): Promise<void> => {
      const single = await alternate([bridge, httpT], STREAM_ROUNDS, async (t) => {
        const r: number[] = [];
        for (let i = 0; i < streams; i++) {
          if (idleMs > 0) await new Promise((wake) => setTimeout(wake, idleMs));
          r.push((await streamCall(t, 5, 1)).ttfb);
        }
        if (t === bridge) bridgeCalls += r.length;
        return [percentile(r, 50)];
      });
      const hSingle = single.get('bare-http')!;
      const paired = single.get('bridge')!.map((b, i) => b - hSingle[i]!);
      fig({
        name,
        value: percentile(paired, 50),
        unit: 'ms',
        note: `median of ${paired.length} rounds' paired p50s of ${streams} streams (${Math.min(...paired).toFixed(2)} … ${Math.max(...paired).toFixed(2)} ms)`,
      });
    };
    await oneAtATime('stream TTFB added p50, one stream at a time, bridge − node:http bare proxy', 10, 0);
    await oneAtATime('stream TTFB added p50, one stream after 100 ms idle, bridge − node:http bare proxy', 5, 100);
    fig({ name: 'stream TTFB p99 direct', value: percentile(ttfb('direct'), 99), unit: 'ms' });
    fig({ name: 'stream TTFB p99 bridge', value: percentile(ttfb('bridge'), 99), unit: 'ms' });
    fig({ name: 'per-chunk delay p50 direct', value: percentile(delays('direct'), 50), unit: 'ms', note: `${delays('direct').length} chunks` });
    fig({ name: 'per-chunk delay p50 bridge', value: percentile(delB, 50), unit: 'ms', note: `${delB.length} chunks` });
    fig({ name: 'per-chunk delay p99 direct', value: percentile(delays('direct'), 99), unit: 'ms' });
    fig({ name: 'per-chunk delay p99 bridge', value: percentile(delB, 99), unit: 'ms', target: { op: '<=', limit: 1 }, note: 'upstream write → client receipt' });
    // For scale: the same streams through the bare proxies (a third process on these cores adds a
    // scheduling tail of its own, recording or not).
    fig({ name: 'per-chunk delay p99 node:http bare proxy', value: percentile(delays('bare-http'), 99), unit: 'ms' });
    fig({ name: 'per-chunk delay p99 undici bare proxy', value: percentile(delays('bare-undici'), 99), unit: 'ms' });
  }

  async function throughput(): Promise<void> {
    log('throughput, concurrency 32');
    // Short rounds, many of them: the ratio to the yardstick is taken per round (the bridge and the
    // node:http proxy run next to each other in every round) and its median reported, so a slow
    // patch of the VM hits one round's pair, not one side of the figure (a single long pass each
    // way once gave 87.7 % when the proxy happened to run at a third of its usual rate).
    // Twelve rounds: on a busy VM six rounds' ratios spread 44–76 % and their median's 95 %
    // interval was 44–74 %; the note gives that interval, so a reader sees what the run resolves.
    const secs = quick ? 1_000 : 1_500;
    const rounds = quick ? 4 : 12;
    // CPU time of the proxying process per call (from /proc): what each call costs the proxy,
    // which is what limits it once the cores are saturated.
    const cpuPerCall = new Map<string, number[]>();
    const mainPerCall: number[] = [];
    // What bounds each at c=32: how busy its main thread was (the share of the round's wall time),
    // and the share of the machine's cores left idle meanwhile (the load generator, the upstream
    // and every target share the same cores).
    const mainBusy = new Map<string, number[]>();
    const idleShare = new Map<string, number[]>();
    const push = (m: Map<string, number[]>, k: string, v: number) => (m.get(k) ?? m.set(k, []).get(k)!).push(v);
    // The bridge with recording alone (the store; no JSON log, OTLP export or redaction) in the same
    // rounds: the figure the stop-34 notes propose the 70 % target be read on, with each feature's
    // cost in its own row (featureRows). A fresh gateway, warmed as the others were.
    const minDir = join(dataDir, 'recording-alone');
    mkdirSync(minDir);
    const minGw = await startGatewayProcess({ dataDir: minDir, args: bridgeArgs(up.url, { redact: false }) });
    const minT: Target = { name: 'bridge-recording-alone', url: `${minGw.url}/anthropic/v1/messages`, headers: { ...headers, 'x-api-key': createBridgeToken(minDir) } };
    const procOf = (t: Target) =>
      t === bridge ? gw.pid : t === minT ? minGw.pid : t === undiciT ? bareU.child.pid : t === httpT ? bareH.child.pid : undefined;
    const measure = async () => {
      await latencyRun(minT, 32, quick ? 60 : 200);
      return alternate([...all, minT], rounds, async (t) => {
        const pid = procOf(t);
        const c0 = pid ? cpuMs(pid) : 0;
        const m0 = pid ? cpuMs(pid, true) : 0;
        const k0 = machineTicks();
        const t0 = performance.now();
        const rps = await throughputRun(t, 32, secs);
        const wall = performance.now() - t0;
        const k1 = machineTicks();
        const calls = (rps * wall) / 1000;
        const cpu = pid ? (cpuMs(pid) - c0) / calls : undefined;
        const main = pid ? cpuMs(pid, true) - m0 : 0;
        if (pid) {
          push(cpuPerCall, t.name, cpu!);
          push(mainBusy, t.name, (100 * main) / wall);
        }
        push(idleShare, t.name, (100 * (k1.idle - k0.idle)) / (k1.total - k0.total));
        if (t === bridge) mainPerCall.push(main / calls);
        log(`  ${t.name}: ${Math.round(rps)} req/s${cpu === undefined ? '' : `, ${cpu.toFixed(3)} ms CPU per call`}`);
        if (t === bridge) bridgeCalls += Math.round(calls);
        return [rps];
      });
    };
    const tput = await measure().finally(() => minGw.stop());
    const tD = mean(tput.get('direct')!);
    const tB = mean(tput.get('bridge')!);
    const tU = mean(tput.get('bare-undici')!);
    const tH = mean(tput.get('bare-http')!);
    fig({ name: 'c=32 throughput direct', value: tD, unit: 'req/s' });
    fig({ name: 'c=32 throughput node:http bare proxy', value: tH, unit: 'req/s' });
    fig({ name: 'c=32 throughput undici bare proxy', value: tU, unit: 'req/s' });
    fig({ name: 'c=32 throughput bridge', value: tB, unit: 'req/s', note: 'every feature on' });
    const paired = (yard: string) => pairedRatio(tput.get('bridge')!, tput.get(yard)!);
    // Near 100 %, the yardstick runs at the load generator's own rate: the target row is then the
    // bridge against this bench's ceiling, and a faster load generator would lower it (on a quick
    // VM the node:http proxy can outrun one load generator even with the upstream in its own process).
    const capped = pairedRatio(tput.get('bare-http')!, tput.get('direct')!);
    const atCeiling = capped.value >= 95;
    const target = paired('bare-http');
    if (atCeiling) target.note += `; the yardstick ran at ${capped.value.toFixed(0)} % of direct, the bench's ceiling: this ratio overstates the bridge`;
    fig({ name: 'c=32 throughput bridge / node:http bare proxy', ...target, unit: '%', target: { op: '>=', limit: 70 } });
    fig({ name: 'c=32 throughput bridge / undici bare proxy', ...paired('bare-undici'), unit: '%' });
    fig({ name: 'c=32 throughput node:http bare proxy / direct', ...capped, unit: '%', note: `${atCeiling ? 'near' : 'below'} the load generator's ceiling (100 %: the yardstick as fast as direct); ${capped.note}` });
    const minPaired = pairedRatio(tput.get(minT.name)!, tput.get('bare-http')!);
    fig({
      name: 'c=32 throughput bridge with recording alone / node:http bare proxy',
      ...minPaired,
      unit: '%',
      note: `the store only: no JSON log, OTLP or redaction (each feature's cost is its own row); ${minPaired.note}`,
    });
    fig({ name: 'CPU per call, node:http bare proxy', value: mean(cpuPerCall.get('bare-http')!), unit: 'ms', note: 'proxy process user+sys during the throughput runs' });
    fig({ name: 'CPU per call, undici bare proxy', value: mean(cpuPerCall.get('bare-undici')!), unit: 'ms' });
    fig({ name: 'CPU per call, bridge', value: mean(cpuPerCall.get('bridge')!), unit: 'ms', note: 'every feature on' });
    fig({ name: 'CPU per call, bridge, event loop only', value: mean(mainPerCall), unit: 'ms', note: 'the main thread: the rest is V8 helpers and the OTLP thread' });
    fig({ name: 'CPU per call, bridge with recording alone', value: mean(cpuPerCall.get(minT.name)!), unit: 'ms' });
    const busyNote = 'its main thread\'s CPU over the rounds\' wall time, median of the rounds (100 %: one core, the most one thread can take)';
    fig({ name: 'c=32 main thread busy, node:http bare proxy', value: median(mainBusy.get('bare-http')!), unit: '%', note: busyNote });
    fig({ name: 'c=32 main thread busy, bridge (event loop)', value: median(mainBusy.get('bridge')!), unit: '%' });
    const idleNote = 'share of the machine\'s cores idle during its rounds (/proc/stat), median of the rounds';
    fig({ name: 'c=32 machine idle, node:http bare proxy rounds', value: median(idleShare.get('bare-http')!), unit: '%', note: idleNote });
    fig({ name: 'c=32 machine idle, bridge rounds', value: median(idleShare.get('bridge')!), unit: '%' });

    // Sanity: recording, logging and export really were on.
    await new Promise((r) => setTimeout(r, 500));
    const listed = (await (await fetch(`${gw.url}/api/v1/interceptions?limit=1`, { headers: { authorization: `Bearer ${gw.adminToken}` } })).json()) as { count: number };
    fig({ name: 'records written by the bridge', value: listed.count, unit: 'records', note: `~${bridgeCalls} bridge calls made; log files ${(logBytes(logFile) / 2 ** 20).toFixed(1)} MiB; OTLP ${otlp.requests()} exports, ${(otlp.bytes() / 2 ** 20).toFixed(1)} MiB so far` });
    fig({ name: 'gateway RSS after all of the above', value: gw.rssMb(), unit: 'MB', note: 'V8 heap high-water after the throughput burst (see README)' });
  }

  /**
   * For information (no target): calls shaped like Claude Code's (bench/secrets.ts
   * `claudeCodeBody`: ~57 KB, the last user message a 30 KB coding text, the bench's priced model),
   * every feature on, the bridge next to the node:http proxy at concurrency 8. The targets are set
   * on the bench's one-sentence calls; real coding traffic spends its CPU elsewhere (the prompt's
   * redaction, search words, log and store lines), which these rows show.
   */
  async function claudeCodeCalls(): Promise<void> {
    const body = JSON.stringify({ ...(JSON.parse(claudeCodeBody(30)) as object), model: 'claude-sonnet-4-5' });
    const kb = Math.round(body.length / 1024);
    log(`${kb} KB (Claude Code-sized) calls, concurrency 8`);
    const big = [{ ...bridge, body }, { ...httpT, body }];
    for (const t of big) await latencyRun(t, 8, quick ? 10 : 25); // warm-up: 200 calls each
    const cpu: number[] = [];
    const tput = await alternate(big, quick ? 2 : 4, async (t) => {
      const pid = (t.name === bridge.name ? gw.pid : bareH.child.pid)!;
      const c0 = cpuMs(pid);
      const t0 = performance.now();
      const rps = await throughputRun(t, 8, quick ? 1_000 : 2_000);
      const calls = (rps * (performance.now() - t0)) / 1000;
      if (t.name === bridge.name) cpu.push((cpuMs(pid) - c0) / calls);
      return [rps];
    });
    const b = tput.get(bridge.name)!;
    const h = tput.get(httpT.name)!;
    fig({ name: `${kb} KB calls, c=8 throughput bridge`, value: mean(b), unit: 'req/s', note: 'every feature on; Claude Code-sized bodies (bench/secrets.ts)' });
    fig({ name: `${kb} KB calls, c=8 throughput node:http bare proxy`, value: mean(h), unit: 'req/s' });
    fig({ name: `${kb} KB calls, c=8 throughput bridge / node:http bare proxy`, ...pairedRatio(b, h), unit: '%' });
    fig({ name: `${kb} KB calls, CPU per call, bridge`, value: mean(cpu), unit: 'ms', note: 'gateway process user+sys' });

    // What a coding tool's user waits for on each call: one call at a time, with a pause between
    // them (the tool's think time), so no call queues behind the last one's recording.
    const GAP_MS = 20;
    log(`${kb} KB calls one at a time, ${GAP_MS} ms apart`);
    const p50s = await alternate(big, quick ? 4 : 10, async (t) => [percentile(await latencyRun(t, 1, quick ? 40 : 100, GAP_MS), 50)]);
    const added = pairedDifference(p50s.get(bridge.name)!, p50s.get(httpT.name)!);
    fig({ name: `${kb} KB calls one at a time, latency p50 bridge − node:http bare proxy`, value: added.value, unit: 'ms', note: `${GAP_MS} ms between calls; ${added.note}` });
  }

  /**
   * Issue #20: each feature's cost, on vs off. Twin fresh gateways, one with every feature on,
   * one with that feature off, in alternating rounds of the same fixed work (4 workers × 250
   * blocking calls): the figure is the gateway's CPU time per call (from /proc). A fixed amount of
   * work, not a throughput run: per-call CPU depends on how many calls share a batch (store
   * flushes, log writes, drains), so both twins must see the same pace. Chain and cost have no
   * switch of their own (they come with the JSON log): their rows are that work's CPU per record
   * in this process (bench/feature-costs.ts). Each feature also gets a paired throughput row
   * (req/s at c=32 with it off vs on).
   */
  async function featureRows(): Promise<void> {
    // `budget`: the token has all three budgets (never reached), so every call goes through the
    // budget gate and the spend ledger's alert checks; off = a token without a budget (issue #15).
    type Off = { log?: false; otlp?: false; redact?: false; budget?: false };
    const all: { name: string; off: Off }[] = [
      { name: 'secret redaction', off: { redact: false } },
      { name: 'OTLP export', off: { otlp: false } },
      { name: 'structured JSON log (chain, cost)', off: { log: false } },
      { name: 'budgets (token with usd/day, usd/month, tokens/day)', off: { budget: false } },
    ];
    const features = ONLY === 'budgets' ? all.filter((f) => f.off.budget === false) : all;
    const BUDGET_FLAGS = ['--budget-usd-day', '1000000', '--budget-usd-month', '1000000', '--budget-tokens-day', '1000000000000'];
    const twin = async (name: string, off: Off, budget: boolean) => {
      const dir = join(dataDir, name);
      mkdirSync(dir);
      const tok = createBridgeToken(dir, 'bench', budget ? BUDGET_FLAGS : []);
      const args = bridgeArgs(up.url, { logFile: off.log === false ? undefined : join(dir, 'log.jsonl'), otlpUrl: off.otlp === false ? undefined : otlp.url, redact: off.redact });
      const g = await startGatewayProcess({ dataDir: dir, args });
      const t: Target = { name, url: `${g.url}/anthropic/v1/messages`, headers: { ...bridge.headers, 'x-api-key': tok } };
      return { g, t };
    };
    for (const f of features) {
      log(`feature cost: ${f.name} (on vs off: gateway CPU per call, then req/s at c=32)`);
      // Both twins fresh and warmed alike: a process's CPU includes its JIT and GC threads, so a
      // fresh twin next to a warm one would look dearer for reasons of its own.
      const slug = f.name.replace(/\W+/g, '-');
      const budgetRow = f.off.budget === false;
      const on = await twin(`on-${slug}`, {}, budgetRow);
      const off = await twin(`off-${slug}`, f.off, false);
      try {
        // The main warm-up's size: fewer calls left both twins' JIT compiling through the rounds
        // (1.2-1.6 ms a call on + off alike, against ~0.36 ms in the steady state), drowning the
        // difference. Rounds of 1,000 calls: /proc's 10 ms ticks are 10 µs a call.
        for (const x of [on, off]) await latencyRun(x.t, 32, quick ? 60 : 200);
        const cpu = new Map<string, number[]>();
        const loop = new Map<string, number[]>();
        await alternate([on.t, off.t], quick ? 4 : 8, async (t) => {
          const pid = t === on.t ? on.g.pid : off.g.pid;
          const c0 = cpuMs(pid);
          const m0 = cpuMs(pid, true);
          const n = (await latencyRun(t, 4, quick ? 50 : 250)).length;
          cpu.set(t.name, [...(cpu.get(t.name) ?? []), (cpuMs(pid) - c0) / n]);
          loop.set(t.name, [...(loop.get(t.name) ?? []), (cpuMs(pid, true) - m0) / n]);
          return [];
        });
        // Medians: one round caught by a burst of other work on the machine moves a mean a lot.
        const cOn = percentile(cpu.get(on.t.name)!, 50);
        const cOff = percentile(cpu.get(off.t.name)!, 50);
        const lOn = percentile(loop.get(on.t.name)!, 50);
        const lOff = percentile(loop.get(off.t.name)!, 50);
        fig({
          name: `feature: ${f.name}, CPU per call on − off`,
          value: (cOn - cOff) * 1000,
          unit: 'µs',
          note: `median of ${cpu.get(on.t.name)!.length} rounds: on ${(cOn * 1000).toFixed(0)} µs, off ${(cOff * 1000).toFixed(0)} µs per call`,
        });
        // The event loop's share (a feature run on a worker thread costs the process, not the loop).
        fig({
          name: `feature: ${f.name}, event-loop CPU per call on − off`,
          value: (lOn - lOff) * 1000,
          unit: 'µs',
          note: `on ${(lOn * 1000).toFixed(0)} µs, off ${(lOff * 1000).toFixed(0)} µs per call`,
        });
        // Throughput, the way bench/ab-builds.ts measures it: CPU per call misses what a feature's
        // thread takes from the event loop on 2 shared cores (the OTLP row read ~0 on the loop
        // while req/s rose 19-28 % without it). Rounds alternate the twins' order, and each
        // round's off/on ratio is one sample, so load that hits a round hits both alike.
        const rps = await alternate([on.t, off.t], quick ? 3 : 12, async (t) => {
          const t0 = performance.now();
          const n = (await latencyRun(t, 32, quick ? 40 : 150)).length;
          return [(n * 1000) / (performance.now() - t0)];
        });
        const rOn = rps.get(on.t.name)!;
        const rOff = rps.get(off.t.name)!;
        const gain = rOn.map((r, i) => (rOff[i]! / r - 1) * 100);
        fig({
          name: `feature: ${f.name}, req/s at c=32 with it off vs on`,
          value: percentile(gain, 50),
          unit: '%',
          note: `paired median of ${gain.length} rounds (higher off in ${gain.filter((g) => g > 0).length}); on ${percentile(rOn, 50).toFixed(0)}, off ${percentile(rOff, 50).toFixed(0)} req/s`,
        });
      } finally {
        await on.g.stop();
        await off.g.stop();
      }
    }
    if (ONLY === 'budgets') return;
    for (const r of await featureCosts()) fig({ name: `feature: ${r.name}, CPU per record`, value: r.us, unit: 'µs', note: r.note });
  }

  async function collectorDown(): Promise<void> {
    log('OpenTelemetry export to a collector that is down: 1,000 calls, against a twin gateway without export');
    // A port that was just free: nothing listens there during the run.
    const closed = await new Promise<number>((resolve) => {
      const s = createServer();
      s.listen(0, '127.0.0.1', () => {
        const p = (s.address() as AddressInfo).port;
        s.close(() => resolve(p));
      });
    });
    // Two fresh gateways started alike (a fresh process and one that ran the sections above
    // differ by more than the effect measured here), one exporting to the dead endpoint.
    const twin = async (name: string, extra: string[]) => {
      const dir = join(dataDir, name);
      mkdirSync(dir);
      const tok = createBridgeToken(dir);
      const g = await startGatewayProcess({
        dataDir: dir,
        args: [...bridgeArgs(up.url, { logFile: join(dir, 'log.jsonl') }), ...extra],
      });
      const t: Target = { name, url: `${g.url}/anthropic/v1/messages`, headers: { ...bridge.headers, 'x-api-key': tok } };
      return { g, t };
    };
    const plain = await twin('otel-off', []);
    const down = await twin('otel-down', process.env['BENCH_OTEL_AA'] ? [] : ['--otlp-endpoint', `http://127.0.0.1:${closed}`]);
    try {
      for (const x of [plain, down]) await latencyRun(x.t, 4, 25); // warm-up: 100 calls each
      const rounds = 6;
      const res = await alternate([plain.t, down.t], rounds, async (t) => await latencyRun(t, 1, 900 / rounds));
      const off = res.get('otel-off')!;
      const on = res.get('otel-down')!;
      await new Promise((r) => setTimeout(r, 1500));
      const auth = { headers: { authorization: `Bearer ${down.g.adminToken}` } };
      const listed = (await (await fetch(`${down.g.url}/api/v1/interceptions?limit=1`, auth)).json()) as { count: number };
      const status = (await (await fetch(`${down.g.url}/api/v1/status`, auth)).json()) as { telemetry?: { ok: boolean; dropped: number; queued: number } };
      const made = 100 + on.length;
      fig({ name: 'collector down: records kept', value: (listed.count / made) * 100, unit: '%', target: { op: '>=', limit: 100 }, note: `${listed.count} of ${made} calls; ${status.telemetry?.dropped ?? '?'} spans dropped, ${status.telemetry?.queued ?? '?'} queued at the end` });
      fig({ name: 'collector down: c=1 added latency p50 vs no export', value: percentile(on, 50) - percentile(off, 50), unit: 'ms', target: { op: '<=', limit: 0.5 }, note: `${on.length} calls each, ${rounds} alternating rounds` });
      fig({ name: 'collector down: c=1 added latency p99 vs no export', value: percentile(on, 99) - percentile(off, 99), unit: 'ms' });
    } finally {
      await plain.g.stop();
      await down.g.stop();
    }
  }

  async function rss(): Promise<void> {
    await gw.stop();
    // Memory per open stream, in a fresh gateway: a recorded store and the heap high-water of the
    // throughput burst above are not what 200 open streams cost.
    log('RSS with 200 concurrent open streams (fresh gateway)');
    const rssDir = join(dataDir, 'rss');
    mkdirSync(rssDir);
    const rssToken = createBridgeToken(rssDir);
    const gw2 = await startGatewayProcess({
      dataDir: rssDir,
      args: bridgeArgs(up.url, { logFile: join(rssDir, 'log.jsonl'), otlpUrl: otlp.url }),
    });
    try {
      const b2: Target = { ...bridge, url: `${gw2.url}/anthropic/v1/messages`, headers: { ...bridge.headers, 'x-api-key': rssToken } };
      await latencyRun(b2, 4, 10);
      await Promise.all(Array.from({ length: 8 }, () => streamCall(b2, 5, 5)));
      await new Promise((r) => setTimeout(r, 500));
      const rssIdle = gw2.rssMb();
      let opened = 0;
      let peak = rssIdle;
      let openAtPeak = 0;
      const sampler = setInterval(() => {
        const v = gw2.rssMb();
        if (v > peak) {
          peak = v;
          openAtPeak = opened;
        }
      }, 100);
      await Promise.all(Array.from({ length: 200 }, () => streamCall(b2, 40, 100, () => opened++)));
      clearInterval(sampler);
      fig({ name: 'fresh gateway RSS, warmed up, idle', value: rssIdle, unit: 'MB' });
      fig({ name: 'fresh gateway RSS, 200 open streams (peak)', value: peak, unit: 'MB', target: { op: '<=', limit: 150 }, note: `${openAtPeak} streams open at the peak; 4 s streams, 40 chunks each; every feature on` });
    } finally {
      await gw2.stop();
    }
  }
}

/** The structured log's size: the live file plus the ones rotated away (`PATH.YYYY-MM-DD.N`). */
function logBytes(path: string): number {
  const dir = dirname(path);
  const base = basename(path);
  return readdirSync(dir)
    .filter((f) => f === base || f.startsWith(base + '.'))
    .reduce((sum, f) => sum + statSync(join(dir, f)).size, 0);
}

/** user + system CPU time of a process so far (ms), from /proc/PID/stat (clock ticks of 10 ms). */
function pass(f: Figure): boolean | null {
  if (!f.target) return null;
  return f.target.op === '<=' ? f.value <= f.target.limit : f.value >= f.target.limit;
}

function report(totalS: number): void {
  const rows = figures.map((f) => ({
    figure: f.name,
    value: `${f.unit === 'req/s' || f.unit === 'records/s' || f.unit === 'records' ? Math.round(f.value) : round2(f.value)} ${f.unit}`,
    target: f.target ? `${f.target.op} ${f.target.limit} ${f.unit}` : '',
    result: pass(f) === null ? '' : pass(f) ? 'pass' : 'FAIL',
    note: f.note ?? '',
  }));
  const widths = (['figure', 'value', 'target', 'result', 'note'] as const).map((k) => Math.max(k.length, ...rows.map((r) => r[k].length)));
  const line = (cells: string[]) => '| ' + cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ') + ' |';
  const table = [
    line(['figure', 'value', 'target', 'result', 'note']),
    '|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|',
    ...rows.map((r) => line([r.figure, r.value, r.target, r.result, r.note])),
  ].join('\n');
  const failed = figures.filter((f) => pass(f) === false);
  const env = `${cpus().length} cores (${cpus()[0]?.model ?? '?'}), Node ${process.version}, load average at end ${loadavg().map((l) => l.toFixed(1)).join(' ')}`;
  process.stdout.write(`\n${table}\n\n${env}; bench took ${totalS.toFixed(0)} s\n`);
  process.stdout.write(failed.length ? `targets missed: ${failed.map((f) => f.name).join(', ')}\n` : 'all targets met\n');
  const dir = fileURLToPath(new URL('./results/', import.meta.url));
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'latest.json'),
    JSON.stringify({ at: new Date().toISOString(), environment: env, quick, seconds: totalS, figures: figures.map((f) => ({ ...f, pass: pass(f) })), table }, null, 2) + '\n',
  );
  process.exitCode = 0;
}

await main();
