/**
 * Bench rows for issue 16, opt-in (heavy, not part of a plain `npm run bench`):
 *
 *   npm run build && node --import tsx bench/run.ts --only redaction
 *   npm run build && node --import tsx bench/run.ts --only chain
 *
 * - redaction: the rule set alone on ordinary coding text (10 / 40 / 100 KB: MB/s), then three
 *   `aibridge serve` children on one loopback upstream — `--redact-secrets false`, the default
 *   (redaction on), and `--block-secrets true` (the prompt also scanned before the upstream) —
 *   fed Claude-Code-sized blocking calls (~57 KB body: system prompt, tool definitions, history,
 *   a 30 KB last user message), alternating rounds: c=1 latency p50/p99, c=8 throughput, CPU per
 *   call of the gateway process. Structured logging to a file is on in all three (as in the main
 *   bench), so the difference is the scan.
 * - chain: the `--log-json` chain (RFC 8785 canonical form + SHA-256 per line, an Ed25519
 *   checkpoint every 1,000 lines) against plain JSON lines, in-process over the interception lines
 *   of realistic records (the gateway has no switch for the chain alone: it is always on in the
 *   log file). µs per line, lines/s, and the signature's own cost.
 */
import { generateKeyPairSync, sign } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { agent, percentile } from './load.js';
import { startBenchUpstream } from './upstream.js';
import { createBridgeToken, startGatewayProcess, type GatewayProcess } from '../test/reliability/gateway-process.js';
import { ordinaryPrompt } from '../test/helpers/secret-samples.js';
import { makeRecord } from '../test/helpers/make-record.js';
import { createSecretScanner } from '../src/record/secret-rules.js';
import { interceptionLogLines } from '../src/record/log-lines.js';
import { ChainedLines, ed25519Signer } from '../src/record/chain.js';

export interface BenchFigure {
  name: string;
  value: number;
  unit: string;
  target?: { op: '<=' | '>='; limit: number };
  note?: string;
}

interface Opts {
  quick: boolean;
  log: (msg: string) => void;
}

const median = (xs: number[]) => percentile(xs, 50);

/** A Claude Code-like Messages body: ~12 KB system, 10 tools, some history, a `lastKb` KB prompt. */
export function claudeCodeBody(lastKb = 30): string {
  const tools = Array.from({ length: 10 }, (_, i) => ({
    name: `Tool${i}`,
    description: ordinaryPrompt(700),
    input_schema: { type: 'object', properties: { path: { type: 'string', description: 'absolute path' }, limit: { type: 'number' } }, required: ['path'] },
  }));
  return JSON.stringify({
    model: 'claude-bench-1',
    max_tokens: 1024,
    system: [{ type: 'text', text: ordinaryPrompt(12_000) }],
    tools,
    messages: [
      { role: 'user', content: ordinaryPrompt(4_000) },
      { role: 'assistant', content: [{ type: 'text', text: ordinaryPrompt(1_500) }] },
      { role: 'user', content: [{ type: 'text', text: ordinaryPrompt(lastKb * 1024) }] },
    ],
  });
}

/** user + system CPU time of a process so far (ms), from /proc/PID/stat (10 ms ticks). */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

export async function benchRedaction({ quick, log }: Opts): Promise<BenchFigure[]> {
  const out: BenchFigure[] = [];

  // The rule set alone.
  const scanner = createSecretScanner();
  for (const kb of [10, 40, 100]) {
    const text = ordinaryPrompt(kb * 1024);
    for (let i = 0; i < 5; i++) scanner.scan(text); // warm
    const times: number[] = [];
    for (let i = 0; i < (quick ? 30 : 100); i++) {
      const t0 = performance.now();
      scanner.scan(text);
      times.push(performance.now() - t0);
    }
    const ms = median(times);
    out.push({ name: `secret scan of a ${kb} KB coding prompt (rule set, in-process)`, value: ms, unit: 'ms', note: `${((kb / 1024) / (ms / 1000)).toFixed(1)} MB/s; p99 ${percentile(times, 99).toFixed(2)} ms` });
  }

  // Three gateways, one upstream.
  const up = await startBenchUpstream({ latencyMs: 2 });
  const dirs: string[] = [];
  const gws: { name: string; gw: GatewayProcess; token: string; url: string }[] = [];
  const configs: [string, string[]][] = [
    ['redaction off', ['--redact-secrets', 'false']],
    ['redaction on', []],
    ['redaction on + block_secrets', ['--block-secrets', 'true']],
  ];
  try {
    for (const [name, extra] of configs) {
      const dataDir = mkdtempSync(join(tmpdir(), 'aibridge-bench-secrets-'));
      dirs.push(dataDir);
      const token = createBridgeToken(dataDir);
      const gw = await startGatewayProcess({
        dataDir,
        args: ['--enabled', '--anthropic-key', 'sk-ant-bench-0000000000000000', '--anthropic-base-url', up.url + '/', '--structured-logging', '--log-json', join(dataDir, 'log.jsonl'), ...extra],
      });
      gws.push({ name, gw, token, url: `${gw.url}/anthropic/v1/messages` });
    }
    const body = claudeCodeBody(30);
    const size = `${Math.round(body.length / 1024)} KB calls`;
    const call = async (g: (typeof gws)[number]): Promise<number> => {
      const t0 = performance.now();
      const r = await request(g.url, { method: 'POST', body, headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01', 'x-api-key': g.token }, dispatcher: agent });
      await r.body.arrayBuffer();
      if (r.statusCode !== 200) throw new Error(`${g.name}: status ${r.statusCode}`);
      return performance.now() - t0;
    };
    log(`redaction: ${gws.length} gateways, ${(body.length / 1024).toFixed(0)} KB bodies; warm-up`);
    for (const g of gws) for (let i = 0; i < 100; i++) await call(g);

    const rounds = quick ? 2 : 4;
    const lat = new Map<string, number[]>(gws.map((g) => [g.name, []]));
    const tput = new Map<string, number[]>(gws.map((g) => [g.name, []]));
    const cpu = new Map<string, number[]>(gws.map((g) => [g.name, []]));
    for (let r = 0; r < rounds; r++) {
      const order = r % 2 === 0 ? gws : [...gws].reverse();
      log(`redaction: round ${r + 1} of ${rounds}`);
      for (const g of order) {
        for (let i = 0; i < (quick ? 100 : 200); i++) lat.get(g.name)!.push(await call(g));
      }
      for (const g of order) {
        const c0 = cpuMs(g.gw.pid);
        const end = performance.now() + (quick ? 1500 : 3000);
        let done = 0;
        const t0 = performance.now();
        await Promise.all(Array.from({ length: 8 }, async () => {
          while (performance.now() < end) {
            await call(g);
            done++;
          }
        }));
        tput.get(g.name)!.push(done / ((performance.now() - t0) / 1000));
        cpu.get(g.name)!.push((cpuMs(g.gw.pid) - c0) / done);
      }
    }
    const base = gws[0]!.name;
    for (const g of gws) {
      const l = lat.get(g.name)!;
      const t = tput.get(g.name)!;
      out.push({ name: `${size}, ${g.name}: c=1 latency p50`, value: median(l), unit: 'ms', note: `p99 ${percentile(l, 99).toFixed(2)} ms; ${l.length} calls, upstream 2 ms` });
      out.push({ name: `${size}, ${g.name}: c=8 throughput`, value: median(t), unit: 'req/s', note: `rounds ${t.map((x) => x.toFixed(0)).join(' / ')}` });
      out.push({ name: `${size}, ${g.name}: gateway CPU per call`, value: median(cpu.get(g.name)!), unit: 'ms', note: `rounds ${cpu.get(g.name)!.map((x) => x.toFixed(2)).join(' / ')}` });
      if (g.name !== base) {
        out.push({ name: `${size}, ${g.name} vs off: added c=1 latency p50`, value: median(l) - median(lat.get(base)!), unit: 'ms', note: `p99 ${(percentile(l, 99) - percentile(lat.get(base)!, 99)).toFixed(2)} ms` });
        out.push({ name: `${size}, ${g.name} vs off: c=8 throughput`, value: (median(t) / median(tput.get(base)!)) * 100, unit: '%' });
      }
    }
  } finally {
    for (const g of gws) await g.gw.stop();
    await up.close();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }
  return out;
}

export async function benchChain({ quick, log }: Opts): Promise<BenchFigure[]> {
  const out: BenchFigure[] = [];
  // Interception lines of realistic records (prompt of ~1.5 KB, tool calls, thoughts, usage).
  const lines = Array.from({ length: 500 }, (_, i) => makeRecord(i + 1)).flatMap((r) => interceptionLogLines(r));
  const perRecord = lines.length / 500;
  const key = generateKeyPairSync('ed25519');
  const signer = ed25519Signer(key.privateKey);
  const rounds = quick ? 10 : 40;
  const plain: number[] = [];
  const chained: number[] = [];
  log(`chain: ${lines.length} lines a round, ${rounds} rounds`);
  let sink = 0;
  for (let r = 0; r < rounds + 3; r++) {
    const t0 = performance.now();
    for (const l of lines) sink += (JSON.stringify(l) + '\n').length;
    const t1 = performance.now();
    const chain = new ChainedLines(undefined, signer); // a checkpoint every 1,000 lines
    for (const l of lines) sink += chain.line(l).length;
    const t2 = performance.now();
    if (r >= 3) {
      plain.push(((t1 - t0) * 1000) / lines.length);
      chained.push(((t2 - t1) * 1000) / lines.length);
    }
  }
  const signs: number[] = [];
  for (let i = 0; i < 200; i++) {
    const t0 = performance.now();
    sign(null, Buffer.from(`aibridge-chain-v1:${i}:${'a'.repeat(64)}`), key.privateKey);
    signs.push(performance.now() - t0);
  }
  const p = median(plain);
  const c = median(chained);
  out.push({ name: 'log line, chain off (JSON text only)', value: p, unit: 'µs', note: `${Math.round(1e6 / p)} lines/s; ${perRecord.toFixed(1)} lines a record` });
  out.push({ name: 'log line, chain on (JCS + SHA-256 + checkpoints)', value: c, unit: 'µs', note: `${Math.round(1e6 / c)} lines/s` });
  out.push({ name: 'chain: added CPU per record', value: (c - p) * perRecord, unit: 'µs', note: `${perRecord.toFixed(1)} lines a record; sink ${sink > 0 ? 'ok' : '?'}` });
  out.push({ name: 'chain: Ed25519 checkpoint signature', value: median(signs) * 1000, unit: 'µs', note: 'once per 1,000 lines or 60 s' });
  return out;
}
