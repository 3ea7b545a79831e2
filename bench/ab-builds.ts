/**
 * A/B of gateway builds on a shared, loaded machine (issue #20): the throughput runs of
 * `bench/run.ts` move ±20 % between rounds at load 8–12, far more than one change saves, so a
 * change is measured here instead. Each DIST is a build's `dist/` (e.g. a second worktree's, at
 * the commit before); every gateway has every feature on (recording, `--structured-logging
 * --log-json` with chain and cost, secret redaction, OTLP to a local receiver) and talks to the
 * same upstream (bench/upstream.ts); the node:http bare proxy runs alongside for scale. After the
 * same warm-up as bench/run.ts, ROUNDS rounds of CALLS blocking calls at concurrency 32 go to each
 * target in turn (order reversed every other round), and each process's CPU per call is read from
 * /proc. The line to read is the paired one: each round's B − A, so load that hits a round hits
 * both alike, given as the median over rounds with its 95 % interval. Use many short rounds: on
 * this VM 60 rounds × 3,000 calls resolve about ±4 % (bench/load.ts `medianInterval`); 10–16
 * rounds cannot tell a few per cent from noise.
 *
 * Usage: `npm run build` in each tree, then
 * `node --import tsx bench/ab-builds.ts ROUNDS CALLS DIST_A DIST_B [...]`. A DIST may end in
 * `@FLAG,FLAG` (node flags for that gateway, e.g. `@--cpu-prof,--cpu-prof-dir=/tmp/p` or
 * `@--perf-basic-prof` for `perf record -p PID`) and `#min` (no JSON log, no OTLP, redaction off:
 * the bridge's floor with recording alone) or `#without=log,otlp,redact` (any of the three left
 * out: one feature's cost in req/s). A spec `yard:MODE` is a yardstick of bench/yard-proxy.ts
 * instead of a build (e.g. `yard:dispatch-parse`: body read + `JSON.parse` + undici dispatch), for
 * decomposing the gap between the bare proxy and the bridge. `AB_LOG=FILE` keeps the gateways' stdout (V8 traces);
 * `AB_CONCURRENCY=1` measures one call at a time (each round's latency p50 is reported too);
 * `AB_GAP_MS=N` pauses N ms between a worker's calls (a client's think time: each call is timed
 * without the previous one's recording still running, as a coding tool's calls are);
 * `AB_BODY=claude-code` sends Claude Code-sized bodies (57 KB) instead of one sentence.
 * `AB_STREAMS=N` measures streams instead: each round starts N streams together (5 chunks, 1 ms
 * apart) until CALLS have run, and the p50 is their time to first byte. Every mode also gives
 * each build's per-round p50 minus the node:http proxy's in the same round (the TTFB target's
 * form: what the bridge adds beyond the hop).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir, loadavg } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startListening, stdoutMatch } from './fresh-child.js';
import { cpuMs, latencyRun, medianInterval, streamCall, agent, type Target } from './load.js';
import { cleanEnv } from '../test/reliability/gateway-process.js';
import { claudeCodeBody } from './secrets.js';

const [roundsS, callsS, ...specs] = process.argv.slice(2);
/** `AB_CONCURRENCY` (default 32; 1 for the added-latency figure of SPEC §9). */
const CONCURRENCY = Number(process.env['AB_CONCURRENCY'] ?? 32);
/** `AB_GAP_MS` (default 0): a pause between each worker's calls. */
const GAP_MS = Number(process.env['AB_GAP_MS'] ?? 0);
if (!(GAP_MS >= 0)) throw new Error(`AB_GAP_MS=${process.env['AB_GAP_MS']}: a number of milliseconds, 0 or more`);
/** `AB_STREAMS` (default 0: blocking calls): streams started together per batch, timed to their first byte. */
const STREAMS = Number(process.env['AB_STREAMS'] ?? 0);
/** `AB_BODY=claude-code`: Claude Code-sized blocking calls (bench/run.ts's 57 KB rows) instead of one sentence. */
const BODY = process.env['AB_BODY'] === 'claude-code' ? JSON.stringify({ ...(JSON.parse(claudeCodeBody(30)) as object), model: 'claude-sonnet-4-5' }) : undefined;
if (process.env['AB_BODY'] !== undefined && BODY === undefined) throw new Error(`AB_BODY=${process.env['AB_BODY']}: only "claude-code" is known`);
const rounds = Number(roundsS);
const calls = Number(callsS);
if (!(rounds > 0) || !(calls > 0) || specs.length === 0) {
  process.stderr.write('usage: node --import tsx bench/ab-builds.ts ROUNDS CALLS DIST_A [DIST_B …]\n');
  process.exit(2);
}


const sink = createServer((req, res) => {
  req.resume();
  req.on('end', () => res.writeHead(200, { 'content-type': 'application/x-protobuf', 'content-length': '0' }).end());
});
await new Promise<void>((r) => sink.listen(0, '127.0.0.1', r));
const otlpUrl = `http://127.0.0.1:${(sink.address() as AddressInfo).port}`;
// The upstream in its own process, as `npm run bench` runs it (bench/upstream.ts).
const up = await startListening(new URL('./upstream.ts', import.meta.url), ['2']);
const dirs: string[] = [];
const children: ChildProcess[] = [];
const headers = { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' };


/** What `#without=` may leave out of a gateway. */
const FEATURES = ['log', 'otlp', 'redact'];

async function gateway(spec: string, i: number): Promise<{ t: Target; pid: number }> {
  if (spec.startsWith('yard:')) return yard(spec.slice(5), i);
  // `#min` = `#without=log,otlp,redact`; `#without=…` leaves out any of the three.
  const [build, suffix] = spec.split('#') as [string, string | undefined];
  const without = new Set(suffix === undefined ? [] : suffix === 'min' ? FEATURES : suffix.replace(/^without=/, '').split(','));
  for (const f of without) if (!FEATURES.includes(f)) throw new Error(`${spec}: no feature "${f}" to leave out (${FEATURES.join(', ')})`);
  const [dist, flags] = build.split('@') as [string, string | undefined];
  const cli = join(dist, 'src/cli.js');
  const dir = mkdtempSync(join(tmpdir(), 'aibridge-ab-'));
  dirs.push(dir);
  const r = spawnSync(process.execPath, [cli, 'tokens', 'create', '--name', 'ab', '--data-dir', dir], { encoding: 'utf8', env: cleanEnv() });
  if (r.status !== 0) throw new Error(`tokens create failed for ${dist}: ${r.stderr}`);
  const token = r.stdout.trim().split('\n').at(-1)!.trim();
  const features = [
    ...(without.has('log') ? [] : ['--structured-logging', '--log-json', join(dir, 'log.jsonl')]),
    ...(without.has('otlp') ? [] : ['--otlp-endpoint', otlpUrl]),
    ...(without.has('redact') ? ['--redact-secrets', 'false'] : []),
  ];
  const child = spawn(
    process.execPath,
    [...(flags ? flags.split(',') : []), cli, 'serve', '--data-dir', dir, '--port', '0', '--enabled', '--anthropic-key', 'sk-ant-bench-0000000000000000', '--anthropic-base-url', `${up.url}/`, ...features],
    { stdio: ['ignore', 'pipe', 'ignore'], env: cleanEnv() },
  );
  children.push(child);
  if (process.env['AB_LOG']) child.stdout!.pipe(createWriteStream(process.env['AB_LOG']));
  const url = await stdoutMatch(child, /listening on (http:\/\/\S+)/);
  // Named by position too: the same build twice is an A/A run (the noise floor of the method).
  return { t: { name: `${String.fromCharCode(65 + i)} ${spec}`, url: `${url}/anthropic/v1/messages`, headers: { ...headers, 'x-api-key': token }, body: BODY }, pid: child.pid! };
}

/** Time to first byte of `calls` streams, `STREAMS` started together at a time. */
async function ttfbRun(t: Target): Promise<number[]> {
  const out: number[] = [];
  for (let k = 0; k < Math.ceil(calls / STREAMS); k++) {
    for (const s of await Promise.all(Array.from({ length: STREAMS }, () => streamCall(t, 5, 1)))) out.push(s.ttfb);
  }
  return out;
}

async function yard(mode: string, i: number): Promise<{ t: Target; pid: number }> {
  const { url, child } = await startListening(new URL('./yard-proxy.ts', import.meta.url), [mode, up.url]);
  children.push(child);
  return { t: { name: `${String.fromCharCode(65 + i)} yard:${mode}`, url: `${url}/v1/messages`, headers: { ...headers, 'x-api-key': 'sk-ant-bench' }, body: BODY }, pid: child.pid! };
}

async function bare(): Promise<{ t: Target; pid: number }> {
  const { url, child } = await startListening(new URL('./bare-http-proxy.ts', import.meta.url), [up.url]);
  children.push(child);
  return { t: { name: 'node:http bare proxy', url: `${url}/v1/messages`, headers: { ...headers, 'x-api-key': 'sk-ant-bench' }, body: BODY }, pid: child.pid! };
}

try {
  const gateways = await Promise.all(specs.map((spec, i) => gateway(spec, i)));
  const targets = [...gateways, await bare()];
  // PIDs for `perf record -p PID` (with `@--perf-basic-prof`).
  for (const x of targets) process.stderr.write(`${x.t.name}: pid ${x.pid}\n`);
  for (const x of targets) await latencyRun(x.t, 32, 200); // the warm-up of bench/run.ts
  const sorted = (a: number[]) => [...a].sort((x, y) => x - y);
  const cpu = new Map<string, number[]>(targets.map((x) => [x.t.name, []]));
  const rps = new Map<string, number[]>(targets.map((x) => [x.t.name, []]));
  const mainCpu = new Map<string, number[]>(targets.map((x) => [x.t.name, []]));
  const p50 = new Map<string, number[]>(targets.map((x) => [x.t.name, []]));
  const loads: number[] = [];
  for (let r = 0; r < rounds; r++) {
    for (const x of r % 2 === 0 ? targets : [...targets].reverse()) {
      const c0 = cpuMs(x.pid);
      const m0 = cpuMs(x.pid, true);
      const t0 = performance.now();
      const samples = STREAMS > 0 ? await ttfbRun(x.t) : await latencyRun(x.t, CONCURRENCY, Math.ceil(calls / CONCURRENCY), GAP_MS);
      const n = samples.length;
      p50.get(x.t.name)!.push(sorted(samples)[Math.floor(n / 2)]!);
      const s = (performance.now() - t0) / 1000;
      cpu.get(x.t.name)!.push((cpuMs(x.pid) - c0) / n);
      mainCpu.get(x.t.name)!.push((cpuMs(x.pid, true) - m0) / n);
      rps.get(x.t.name)!.push(n / s);
    }
    loads.push(loadavg()[0]!);
  }
  const med = (a: number[]) => sorted(a)[Math.floor(a.length / 2)]!;
  const rng = (a: number[], d = 3) => `${Math.min(...a).toFixed(d)}–${Math.max(...a).toFixed(d)}`;
  for (const [name, a] of cpu) {
    const m = mainCpu.get(name)!;
    process.stdout.write(
      `${name}: CPU per call median ${med(a).toFixed(3)} ms (${rng(a)}), main thread ${med(m).toFixed(3)} ms (${rng(m)}); req/s median ${med(rps.get(name)!).toFixed(0)} (${rng(rps.get(name)!, 0)}); ${STREAMS > 0 ? 'TTFB' : 'latency'} p50 median ${med(p50.get(name)!).toFixed(3)} ms (${rng(p50.get(name)!)})\n`,
    );
  }
  const hop = p50.get(targets.at(-1)!.t.name)!;
  for (const g of gateways) {
    const d = p50.get(g.t.name)!.map((v, i) => v - hop[i]!);
    process.stdout.write(`paired, ${g.t.name} − node:http bare proxy: ${STREAMS > 0 ? 'TTFB' : 'latency'} p50 median ${med(d).toFixed(3)} ms (rounds ${rng(d)})\n`);
  }
  for (const g of gateways.slice(1)) {
    // Each round's change of this gateway against the first one, in %.
    const change = (m: Map<string, number[]>): number[] => {
      const base = m.get(gateways[0]!.t.name)!;
      return m.get(g.t.name)!.map((b, i) => ((b - base[i]!) / base[i]!) * 100);
    };
    const d = change(cpu);
    const q = sorted(d);
    const dm = change(mainCpu);
    const dr = change(rps);
    // The median with its 95 % interval: what the rounds can resolve (bench/load.ts medianInterval).
    const ci = (a: number[]) => {
      const m = medianInterval(a);
      return `median ${m.median.toFixed(1)} % (95 % interval ${m.low.toFixed(1)} … ${m.high.toFixed(1)} %)`;
    };
    process.stdout.write(`paired, ${g.t.name} vs ${gateways[0]!.t.name}: main-thread CPU per call ${ci(dm)}; req/s ${ci(dr)}, higher in ${dr.filter((x) => x > 0).length} of ${dr.length} rounds\n`);
    process.stdout.write(
      `paired, ${g.t.name} vs ${gateways[0]!.t.name}: CPU per call ${ci(d)}; quartiles ${q[Math.floor(d.length / 4)]!.toFixed(1)} … ${q[Math.floor((3 * d.length) / 4)]!.toFixed(1)} %, lower in ${d.filter((x) => x < 0).length} of ${d.length} rounds\n`,
    );
  }
  process.stdout.write(`load average (1 min) over the rounds: ${rng(loads, 1)}\n`);
} finally {
  for (const c of children) c.kill('SIGTERM');
  await agent.close();
  up.child.kill('SIGTERM');
  sink.close();
  await new Promise((r) => setTimeout(r, 1000));
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
}
