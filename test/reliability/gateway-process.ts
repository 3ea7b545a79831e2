/**
 * The gateway as a child process (`node dist/src/cli.js serve`), for the reliability suite and
 * `npm run bench`: its memory is its own, and `kill -9` is real. Needs `npm run build` first.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const CLI = fileURLToPath(new URL('../../dist/src/cli.js', import.meta.url));

export interface GatewayProcess {
  readonly url: string;
  readonly port: number;
  readonly adminToken: string;
  readonly child: ChildProcess;
  readonly pid: number;
  /** Everything the process wrote to stderr so far (human logs when no --log-json). */
  stderr(): string;
  /** Resident set size now, from /proc (MiB). */
  rssMb(): number;
  /** Resolves with the exit code / signal when the process has ended. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM (graceful: records flushed) and wait; SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
  /** `kill -9`, and wait for it to be gone. */
  kill9(): Promise<void>;
}

/** Creates a bridge token with the CLI (works with or without a server on the data dir). */
export function createBridgeToken(dataDir: string, name = 'bench', flags: string[] = []): string {
  const r = spawnSync(process.execPath, [CLI, 'tokens', 'create', '--name', name, '--data-dir', dataDir, ...flags], { encoding: 'utf8', env: cleanEnv() });
  if (r.status !== 0) throw new Error(`tokens create failed: ${r.stderr}`);
  return r.stdout.trim().split('\n').at(-1)!.trim();
}

/** The environment without any AIBRIDGE_* settings of the machine running the tests. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^(CODER_)?AIBRIDGE_/.test(k)) env[k] = v;
  return { ...env, ...extra };
}

export async function startGatewayProcess(opts: {
  dataDir: string;
  /** Fixed port (e.g. to restart on the same one); 0 = any free port. */
  port?: number;
  args?: string[];
  nodeArgs?: string[];
  env?: Record<string, string>;
  startTimeoutMs?: number;
}): Promise<GatewayProcess> {
  const child = spawn(
    process.execPath,
    [...(opts.nodeArgs ?? []), CLI, 'serve', '--data-dir', opts.dataDir, '--port', String(opts.port ?? 0), ...(opts.args ?? [])],
    { stdio: ['ignore', 'pipe', 'pipe'], env: cleanEnv(opts.env) },
  );
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (err = (err + d).slice(-1_000_000)));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));

  const ready = await new Promise<{ url: string; adminToken: string }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`gateway did not start in time\nstdout: ${out}\nstderr: ${err}`)), opts.startTimeoutMs ?? 30_000);
    const check = () => {
      const url = /listening on (http:\/\/\S+)/.exec(out)?.[1];
      const adminToken = /#token=(\S+)/.exec(out)?.[1];
      if (url && adminToken) {
        clearTimeout(timer);
        child.stdout!.off('data', check);
        resolve({ url, adminToken });
      }
    };
    child.stdout!.on('data', check);
    void exited.then((e) => {
      clearTimeout(timer);
      reject(new Error(`gateway exited (${e.code ?? e.signal}) before listening\nstdout: ${out}\nstderr: ${err}`));
    });
  });

  const pid = child.pid!;
  const gone = async () => {
    await exited;
  };
  return {
    url: ready.url,
    port: Number(new URL(ready.url).port),
    adminToken: ready.adminToken,
    child,
    pid,
    exited,
    stderr: () => err,
    rssMb: () => {
      const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      return m ? Number(m[1]) / 1024 : NaN;
    },
    async stop(graceMs = 10_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await gone();
      clearTimeout(t);
    },
    async kill9() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGKILL');
      await gone();
    },
  };
}
