/**
 * `npm run bench` (issue #8, SPEC §9): the same workload direct to a loopback upstream and through
 * the bridge (recording on, structured logging on to a file), in one run on the same cores.
 * Prints one table (figure, target, pass/fail) and writes bench/results/latest.json.
 *
 * Processes: this one is the load generator and the upstream (bench/upstream.ts, same clock for
 * chunk timestamps); the gateway (`aibridge serve`) and the bare proxy (bench/bare-proxy.ts) are
 * child processes, so each has its own event loop and the gateway's RSS is its own. Rounds of
 * direct and bridge alternate so that noise from other work on the machine hits both alike.
 * Options: `--quick` (fewer samples, smaller store), `--store-records N`, `--profile DIR` (runs the
 * gateway with `--cpu-prof` into DIR; summarise with `node --import tsx bench/profile-summary.ts DIR`),
 * `--only gateway|store|throughput|otel|large` (throughput: only the c=32 throughput runs, for quick
 * comparisons; otel: only the collector-down rows; large: only "RSS with 6 concurrent 30 MB bodies",
 * bench/large-bodies.ts).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, statSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServer, type AddressInfo } from 'node:net';
import { startBenchUpstream } from './upstream.js';
import { latencyRun, percentile, streamCall, throughputRun, agent, type Target } from './load.js';
import { benchStore } from './store.js';
import { largeBodies } from './large-bodies.js';
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

async function startBareProxy(upstreamUrl: string): Promise<{ url: string; child: ChildProcess }> {
  const script = fileURLToPath(new URL('./bare-proxy.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', script, upstreamUrl], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      const m = /listening on (\S+)/.exec(out);
      if (m?.[1]) resolve(m[1]);
    });
    child.once('exit', (code) => reject(new Error(`bare proxy exited ${code}`)));
  });
  return { url, child };
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
  try {
    if (ONLY !== 'store' && ONLY !== 'large') await benchGateway(dataDir);
    if (ONLY === undefined || ONLY === 'large') await benchLargeBodies();
    if (ONLY !== 'gateway' && ONLY !== 'throughput' && ONLY !== 'otel' && ONLY !== 'large') await benchStoreFigures(dataDir);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
  report((performance.now() - t0) / 1000);
}

/** Issue #13: memory per large body, with `max_body_memory` and the parse turns at their defaults. */
async function benchLargeBodies(): Promise<void> {
  log('RSS with 6 concurrent 30 MB bodies (fresh gateway)');
  const f = await largeBodies();
  fig({ name: 'RSS with 6 concurrent 30 MB bodies (peak)', value: f.peakMb, unit: 'MB', target: { op: '<=', limit: 1024 }, note: `idle ${f.idleMb.toFixed(0)} MB; statuses ${[...new Set(f.statuses)].join(',')}` });
}

async function benchStoreFigures(dataDir: string): Promise<void> {
  log(`store: ${STORE_RECORDS} records`);
  const storeDir = join(dataDir, 'store-bench');
  const st = await benchStore({ records: STORE_RECORDS, dir: storeDir });
  fig({ name: 'store appends', value: st.appendsPerSec, unit: 'records/s' });
  fig({ name: `store newest-100 filtered listing over ${STORE_RECORDS}`, value: st.listFilteredMs, unit: 'ms', target: { op: '<=', limit: 50 }, note: 'median of 20 queries' });
  fig({ name: `store start-up with ${STORE_RECORDS} records`, value: st.openMs, unit: 'ms', target: { op: '<=', limit: 2000 }, note: 'opening the store' });
  // What a user waits for: `aibridge serve` on that data dir, from spawn to listening (Node start,
  // config, store open, today's totals for the overview, the server).
  const t0 = performance.now();
  const gw = await startGatewayProcess({ dataDir: storeDir, args: ['--anthropic-key', 'sk-ant-bench-0000000000000000'] });
  const serveMs = performance.now() - t0;
  await gw.stop();
  fig({ name: `gateway start-up with ${STORE_RECORDS} records`, value: serveMs, unit: 'ms', target: { op: '<=', limit: 2000 }, note: '`aibridge serve`: spawn → listening' });
}

async function benchGateway(dataDir: string): Promise<void> {
  const up = await startBenchUpstream({ latencyMs: UPSTREAM_LATENCY_MS });
  const logFile = join(dataDir, 'gateway.log.jsonl');
  const token = createBridgeToken(dataDir);
  const gw = await startGatewayProcess({
    dataDir,
    nodeArgs: PROFILE_DIR ? ['--cpu-prof', '--cpu-prof-dir', PROFILE_DIR] : [],
    args: ['--enabled', '--anthropic-key', 'sk-ant-bench-0000000000000000', '--anthropic-base-url', up.url + '/', '--structured-logging', '--log-json', logFile],
  });
  const bare = await startBareProxy(up.url);
  const headers = { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' };
  const direct: Target = { name: 'direct', url: `${up.url}/v1/messages`, headers: { ...headers, 'x-api-key': 'sk-ant-bench' } };
  const bridge: Target = { name: 'bridge', url: `${gw.url}/anthropic/v1/messages`, headers: { ...headers, 'x-api-key': token } };
  const bareT: Target = { name: 'bare', url: `${bare.url}/v1/messages`, headers: { ...headers, 'x-api-key': 'sk-ant-bench' } };
  let bridgeCalls = 0;
  const count = <T>(t: Target, n: T[]) => {
    if (t === bridge) bridgeCalls += n.length;
    return n;
  };

  try {
    log('warm-up');
    for (const t of [direct, bridge, bareT]) count(t, await latencyRun(t, 8, quick ? 50 : 150));

    if (ONLY === 'otel') {
      await collectorDown();
      return;
    }
    if (ONLY !== 'throughput') await latencyAndStreams();
    await throughput();
    if (ONLY !== 'throughput') await collectorDown();
    if (ONLY !== 'throughput') await rss();
  } finally {
    await gw.stop();
    bare.child.kill('SIGTERM');
    await agent.close();
    await up.close();
  }

  async function latencyAndStreams(): Promise<void> {
    log('blocking latency, concurrency 1');
    const c1 = await alternate([direct, bridge, bareT], ROUNDS, async (t) => count(t, await latencyRun(t, 1, quick ? 150 : 300)));
    const d1 = c1.get('direct')!;
    const b1 = c1.get('bridge')!;
    fig({ name: 'c=1 latency p50 direct', value: percentile(d1, 50), unit: 'ms', note: `upstream latency ${UPSTREAM_LATENCY_MS} ms` });
    fig({ name: 'c=1 latency p50 bridge', value: percentile(b1, 50), unit: 'ms' });
    fig({ name: 'c=1 added latency p50', value: percentile(b1, 50) - percentile(d1, 50), unit: 'ms', target: { op: '<=', limit: 1 } });
    // For scale: what the extra hop alone costs (a bare proxy, same cores).
    fig({ name: 'c=1 added latency p50, bare Node proxy', value: percentile(c1.get('bare')!, 50) - percentile(d1, 50), unit: 'ms' });
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
    const streams = await alternate([direct, bridge, bareT], STREAM_ROUNDS, async (t) => {
      const r = await Promise.all(Array.from({ length: 8 }, () => streamCall(t, 30, 10)));
      if (t === bridge) bridgeCalls += r.length;
      return r;
    });
    const sd = streams.get('direct')!;
    const sb = streams.get('bridge')!;
    const ttfbD = sd.map((s) => s.ttfb);
    const ttfbB = sb.map((s) => s.ttfb);
    const delD = sd.flatMap((s) => s.delays);
    const delB = sb.flatMap((s) => s.delays);
    fig({ name: 'stream TTFB p50 direct', value: percentile(ttfbD, 50), unit: 'ms' });
    fig({ name: 'stream TTFB p50 bridge', value: percentile(ttfbB, 50), unit: 'ms' });
    fig({ name: 'stream TTFB p99 direct', value: percentile(ttfbD, 99), unit: 'ms' });
    fig({ name: 'stream TTFB p99 bridge', value: percentile(ttfbB, 99), unit: 'ms' });
    fig({ name: 'per-chunk delay p50 direct', value: percentile(delD, 50), unit: 'ms', note: `${delD.length} chunks` });
    fig({ name: 'per-chunk delay p50 bridge', value: percentile(delB, 50), unit: 'ms', note: `${delB.length} chunks` });
    fig({ name: 'per-chunk delay p99 direct', value: percentile(delD, 99), unit: 'ms' });
    fig({ name: 'per-chunk delay p99 bridge', value: percentile(delB, 99), unit: 'ms', target: { op: '<=', limit: 2 }, note: 'upstream write → client receipt' });
    // For scale: the same streams through the bare proxy (a third process on these cores adds a
    // scheduling tail of its own, recording or not).
    fig({ name: 'per-chunk delay p99 bare Node proxy', value: percentile(streams.get('bare')!.flatMap((s) => s.delays), 99), unit: 'ms' });

  }

  async function throughput(): Promise<void> {
    log('throughput, concurrency 32');
    const secs = quick ? 2_000 : 4_000;
    // CPU time of the proxying process per call (from /proc): what each call costs the proxy,
    // which is what limits it once the cores are saturated.
    const cpuPerCall = new Map<string, number[]>();
    const procOf = (t: Target) => (t === bridge ? gw.pid : t === bareT ? bare.child.pid : undefined);
    const tput = await alternate([direct, bridge, bareT], 2, async (t) => {
      const pid = procOf(t);
      const c0 = pid ? cpuMs(pid) : 0;
      const t0 = performance.now();
      const rps = await throughputRun(t, 32, secs);
      const calls = (rps * (performance.now() - t0)) / 1000;
      const cpu = pid ? (cpuMs(pid) - c0) / calls : undefined;
      if (pid) cpuPerCall.set(t.name, [...(cpuPerCall.get(t.name) ?? []), cpu!]);
      log(`  ${t.name}: ${Math.round(rps)} req/s${cpu === undefined ? '' : `, ${cpu.toFixed(3)} ms CPU per call`}`);
      if (t === bridge) bridgeCalls += Math.round(calls);
      return [rps];
    });
    const mean = (a: number[]) => a.reduce((x, y) => x + y, 0) / a.length;
    const tD = mean(tput.get('direct')!);
    const tB = mean(tput.get('bridge')!);
    const tP = mean(tput.get('bare')!);
    fig({ name: 'c=32 throughput direct', value: tD, unit: 'req/s' });
    fig({ name: 'c=32 throughput bare Node proxy', value: tP, unit: 'req/s' });
    fig({ name: 'c=32 throughput bridge', value: tB, unit: 'req/s' });
    fig({ name: 'c=32 throughput bridge / bare proxy', value: (tB / tP) * 100, unit: '%', target: { op: '>=', limit: 80 } });
    fig({ name: 'CPU per call, bare Node proxy', value: mean(cpuPerCall.get('bare')!), unit: 'ms', note: 'proxy process user+sys during the throughput runs' });
    fig({ name: 'CPU per call, bridge', value: mean(cpuPerCall.get('bridge')!), unit: 'ms', note: 'incl. recording, structured log, metrics' });

    // Sanity: recording and logging really were on.
    await new Promise((r) => setTimeout(r, 500));
    const listed = (await (await fetch(`${gw.url}/api/v1/interceptions?limit=1`, { headers: { authorization: `Bearer ${gw.adminToken}` } })).json()) as { count: number };
    fig({ name: 'records written by the bridge', value: listed.count, unit: 'records', note: `~${bridgeCalls} bridge calls made; log files ${(logBytes(logFile) / 2 ** 20).toFixed(1)} MiB` });
    fig({ name: 'gateway RSS after all of the above', value: gw.rssMb(), unit: 'MB', note: 'V8 heap high-water after the throughput burst (see README)' });
  }

  /**
   * SPEC §14 / issue 17: with OpenTelemetry export on and the collector down (nothing listens on
   * the endpoint), 1,000 calls keep all their records and add no latency: rounds alternate
   * between two fresh twin gateways, one without export, c=1. `BENCH_OTEL_AA=1` starts both
   * without export (an A/A run: the noise floor of these rows).
   */
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
        args: ['--enabled', '--anthropic-key', 'sk-ant-bench-0000000000000000', '--anthropic-base-url', up.url + '/', '--structured-logging', '--log-json', join(dir, 'log.jsonl'), ...extra],
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
      args: ['--enabled', '--anthropic-key', 'sk-ant-bench-0000000000000000', '--anthropic-base-url', up.url + '/', '--structured-logging', '--log-json', join(rssDir, 'log.jsonl')],
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
      fig({ name: 'fresh gateway RSS, 200 open streams (peak)', value: peak, unit: 'MB', target: { op: '<=', limit: 200 }, note: `${openAtPeak} streams open at the peak; 4 s streams, 40 chunks each` });
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
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

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
