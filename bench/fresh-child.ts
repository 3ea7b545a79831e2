/**
 * The shape of the store-size benchmarks (bench/usage.ts, bench/search.ts): fill a data dir, then
 * measure it in a fresh child process (`--measure DIR`, one JSON line on stdout), so the figures
 * are those of a store opened as the server opens it, not one still warm from the fill.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The value after `name` on the command line. */
export function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

/** Whether the module at `moduleUrl` is the script node was started with. */
export function isMain(moduleUrl: string): boolean {
  return Boolean(process.argv[1]) && fileURLToPath(moduleUrl) === process.argv[1];
}

/** Runs `moduleUrl --measure dir` in a new node (with tsx) and returns its last stdout line, parsed. */
export function measureInChild<T>(moduleUrl: string, dir: string, what: string, nodeFlags: string[] = []): T {
  const args = [...nodeFlags, '--import', 'tsx', fileURLToPath(moduleUrl), '--measure', dir];
  const child = spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (child.status !== 0) throw new Error(`${what} measurement failed: ${child.stderr}`);
  return JSON.parse(child.stdout.trim().split('\n').at(-1)!) as T;
}

export interface FreshChildBench<T> {
  /** The child side: open `dir`, measure, write one JSON line. */
  measure(dir: string): Promise<void>;
  /** Fill `dir` with `records` records and measure it in a child. */
  run(records: number, dir: string): Promise<T>;
  /** Measure `dir` as it is (`--dir DIR --reuse`). */
  reuse(dir: string): T;
  /** Temp dir prefix when no `--dir` is given. */
  tmpPrefix: string;
  print(result: T): void;
}

/**
 * The command line of such a bench: `--measure DIR` (the child), else `[--records N] [--dir DIR
 * [--reuse]]` — a temp dir (removed after) unless `--dir` is given.
 */
export async function benchMain<T>(b: FreshChildBench<T>): Promise<void> {
  const dirToMeasure = arg('--measure');
  if (dirToMeasure) return b.measure(dirToMeasure);
  const records = Number(arg('--records') ?? 300_000);
  const given = arg('--dir');
  const dir = given ?? (await mkdtemp(join(tmpdir(), b.tmpPrefix)));
  try {
    b.print(given && process.argv.includes('--reuse') ? b.reuse(dir) : await b.run(records, dir));
  } finally {
    if (!given) await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Starts `moduleUrl ...args` in a new node (with tsx) that prints `listening on URL` on stdout: the
 * bench's upstream and yardstick proxies. Its stdin is a pipe this process holds (bench/upstream.ts
 * ends when it closes); stderr is this process's.
 */
export async function startListening(moduleUrl: URL, args: string[], nodeFlags: string[] = []): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [...nodeFlags, '--import', 'tsx', fileURLToPath(moduleUrl), ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
  return { url: await stdoutMatch(child, /listening on (\S+)/), child };
}

/** The first group of `re`'s first match in the child's stdout (its first 100 KB); rejects if it exits first. */
export function stdoutMatch(child: ChildProcess, re: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      if (out.length < 100_000) out += d;
      const m = re.exec(out);
      if (m?.[1]) resolve(m[1]);
    });
    child.once('exit', (code) => reject(new Error(`${child.spawnargs.join(' ')} exited ${code} before printing ${re}`)));
  });
}
