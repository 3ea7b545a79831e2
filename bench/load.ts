/**
 * The bench's load generator: keep-alive undici clients, latency samples, stream timing and
 * fixed-duration throughput. Times come from `performance.now()` in this process; a stream's
 * per-chunk delays from {@link benchClock}, which the upstream's process stamps too.
 */
import { readFileSync } from 'node:fs';
import { Agent, request } from 'undici';
import { benchClock } from './upstream.js';

export const agent = new Agent({ connections: 512, keepAliveTimeout: 30_000, pipelining: 1 });

export interface Target {
  name: string;
  url: string;
  headers: Record<string, string>;
  /** The blocking calls' body (default: a one-sentence Messages request). */
  body?: string;
}

const BLOCKING_BODY = JSON.stringify({
  model: 'claude-sonnet-4-5',
  max_tokens: 100,
  messages: [{ role: 'user', content: 'Summarise the benchmark in one sentence, please.' }],
});
const STREAM_BODY = JSON.stringify({
  model: 'claude-sonnet-4-5',
  max_tokens: 100,
  stream: true,
  messages: [{ role: 'user', content: 'Stream the benchmark, please.' }],
});

/** One blocking call; returns its latency in ms (request start → last body byte). */
export async function blockingCall(t: Target): Promise<number> {
  const t0 = performance.now();
  const r = await request(t.url, { method: 'POST', body: t.body ?? BLOCKING_BODY, headers: t.headers, dispatcher: agent });
  await r.body.arrayBuffer();
  const ms = performance.now() - t0;
  if (r.statusCode !== 200) throw new Error(`${t.name}: status ${r.statusCode}`);
  return ms;
}

/** `concurrency` workers making `perWorker` calls each, `gapMs` apart; every call's latency. */
export async function latencyRun(t: Target, concurrency: number, perWorker: number, gapMs = 0): Promise<number[]> {
  const samples: number[] = [];
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let i = 0; i < perWorker; i++) {
        samples.push(await blockingCall(t));
        // A pause between a worker's calls, as a client's think time: it gives the last call's
        // recording (a few ms) time to finish before the next call starts, so each call is timed
        // on its own.
        if (gapMs > 0) await new Promise((r) => setTimeout(r, gapMs));
      }
    }),
  );
  return samples;
}

/** Calls completed per second by `concurrency` workers during `ms`. */
export async function throughputRun(t: Target, concurrency: number, ms: number): Promise<number> {
  const end = performance.now() + ms;
  let done = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        await blockingCall(t);
        done++;
      }
    }),
  );
  return done / ((performance.now() - t0) / 1000);
}

export interface StreamTiming {
  /** Request start → first body byte (ms). */
  ttfb: number;
  /** Per delta: client receipt − upstream write (ms). */
  delays: number[];
  chunks: number;
}

/** One streamed call; `onFirstByte` fires when the first body bytes arrive. */
export async function streamCall(t: Target, chunks: number, cadenceMs: number, onFirstByte?: () => void): Promise<StreamTiming> {
  const t0 = performance.now();
  const r = await request(t.url, {
    method: 'POST',
    body: STREAM_BODY,
    headers: { ...t.headers, 'x-bench-chunks': String(chunks), 'x-bench-cadence-ms': String(cadenceMs) },
    dispatcher: agent,
  });
  if (r.statusCode !== 200) throw new Error(`${t.name}: stream status ${r.statusCode}: ${await r.body.text()}`);
  let ttfb = -1;
  const delays: number[] = [];
  let pending = '';
  const decoder = new TextDecoder();
  for await (const chunk of r.body) {
    const now = performance.now();
    const clock = benchClock();
    if (ttfb < 0) {
      ttfb = now - t0;
      onFirstByte?.();
    }
    pending += decoder.decode(chunk as Uint8Array, { stream: true });
    // Only whole events count: the one completed by this chunk arrived now.
    const cut = pending.lastIndexOf('\n\n');
    if (cut < 0) continue;
    const complete = pending.slice(0, cut);
    pending = pending.slice(cut + 2);
    for (const m of complete.matchAll(/"bench_ts":([\d.]+)/g)) delays.push(clock - Number(m[1]));
  }
  if (delays.length !== chunks) throw new Error(`${t.name}: got ${delays.length} of ${chunks} deltas`);
  return { ttfb, delays, chunks: delays.length };
}

export function percentile(samples: number[], p: number): number {
  if (samples.length === 0) return NaN;
  const s = [...samples].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}

/** The median of `samples` (the mean of the middle two for an even count). */
export function median(samples: number[]): number {
  const s = [...samples].sort((a, b) => a - b);
  const mid = s.length / 2;
  return s.length % 2 ? s[Math.floor(mid)]! : (s[mid - 1]! + s[mid]!) / 2;
}

/**
 * The median of paired per-round figures and a 95 % bootstrap interval for it (2,000 resamples of
 * the rounds, percentile method). A fixed seed makes the same rounds give the same interval. On
 * this shared VM, A/A runs (one build against itself) of 60 rounds × 3,000 calls read 0.0 % and
 * +2.4 % CPU per call, the second with the interval −1.1 … 7.4 %: 60 rounds resolve about ±4 %.
 * Fewer resolve far less (10 rounds of four copies of one build read one copy +10.1 % against
 * another), which earlier steps took for a bias of the A/B seat.
 */
export function medianInterval(samples: number[]): { median: number; low: number; high: number } {
  let seed = 0x9e3779b9;
  const random = (): number => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const n = samples.length;
  const medians: number[] = [];
  const pick: number[] = new Array<number>(n);
  for (let b = 0; b < 2_000; b++) {
    for (let i = 0; i < n; i++) pick[i] = samples[Math.floor(random() * n)]!;
    medians.push(median(pick));
  }
  medians.sort((a, b) => a - b);
  return { median: median(samples), low: medians[49]!, high: medians[1_949]! };
}

/**
 * user + system CPU time so far (ms), from /proc (clock ticks of 10 ms): of the whole process
 * (every thread: V8's helpers, libuv's pool, a worker), or with `mainThread` of its main thread
 * alone — the event loop, which is what bounds a Node proxy's throughput.
 */
export function cpuMs(pid: number, mainThread = false): number {
  const f = readFileSync(mainThread ? `/proc/${pid}/task/${pid}/stat` : `/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(f[11]) + Number(f[12])) * 10;
}

/**
 * The whole machine's CPU time so far (clock ticks summed over every core, from /proc/stat): `idle`
 * (idle + iowait) and `total`. Two readings give the share of the cores left idle between them.
 */
export function machineTicks(): { idle: number; total: number } {
  const f = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!.trim().split(/\s+/).slice(1, 9).map(Number);
  return { idle: f[3]! + f[4]!, total: f.reduce((x, y) => x + y, 0) };
}
