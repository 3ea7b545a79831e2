/**
 * Plumbing for the real-client run (test/clients/run.ts): installs Claude Code and Codex into a
 * cache folder when missing, starts the *built* gateway (`node dist/src/cli.js serve`, as a user
 * would) against the mock upstream, makes bridge tokens with the CLI, and runs a client process
 * with a deadline.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Interception } from '../../src/record/types.js';

export const ROOT = resolve(fileURLToPath(new URL('../../', import.meta.url)));
const CLI = join(ROOT, 'dist', 'src', 'cli.js');

export interface ClientBins {
  claude: string;
  codex: string;
}

/**
 * Paths of `claude` and `codex`: `CLAUDE_BIN` / `CODEX_BIN` when set, else from the cache folder
 * (`AIBRIDGE_CLIENTS_DIR`, default `.tmp/clients`), installed there with `npm install --prefix`
 * when missing. On Node 20 npm picks the newest release that still supports it.
 */
export function ensureClients(log: (m: string) => void): ClientBins {
  const dir = resolve(ROOT, process.env['AIBRIDGE_CLIENTS_DIR'] ?? '.tmp/clients');
  const bin = (name: string) => join(dir, 'node_modules', '.bin', name);
  const wanted = [
    ['claude', '@anthropic-ai/claude-code', process.env['CLAUDE_BIN']],
    ['codex', '@openai/codex', process.env['CODEX_BIN']],
  ] as const;
  const missing = wanted.filter(([name, , override]) => !override && !existsSync(bin(name))).map(([, pkg]) => pkg);
  if (missing.length) {
    log(`installing ${missing.join(', ')} into ${dir} …`);
    const r = spawnSync('npm', ['install', '--prefix', dir, '--no-audit', '--no-fund', '--loglevel=error', ...missing], { stdio: 'inherit' });
    if (r.status !== 0) throw new Error(`npm install --prefix ${dir} ${missing.join(' ')} failed (exit ${r.status})`);
  }
  return { claude: process.env['CLAUDE_BIN'] ?? bin('claude'), codex: process.env['CODEX_BIN'] ?? bin('codex') };
}

export interface ProcResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/** Runs a program to the end (stdin closed), killing it after `timeoutMs`. */
export function run(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number } = {}): Promise<ProcResult> {
  return new Promise((done, fail) => {
    const child = spawn(cmd, args, { env: opts.env ?? process.env, cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, opts.timeoutMs ?? 180_000);
    child.on('error', (err) => {
      clearTimeout(timer);
      fail(err);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      done({ code, signal, stdout, stderr, timedOut });
    });
  });
}

/** Environment for child processes without any AIBRIDGE_/provider settings of the caller. */
export function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^(AIBRIDGE_|CODER_AIBRIDGE_|ANTHROPIC_|OPENAI_|CLAUDE_|CODEX_)/.test(k)) continue;
    env[k] = v;
  }
  return { ...env, ...extra };
}

export interface BuiltGateway {
  url: string;
  adminToken: string;
  dataDir: string;
  logFile: string;
  /** Runs `aibridge --data-dir DATA ARGS…` (the built CLI) with extra environment. */
  cli(args: string[], env?: Record<string, string>): Promise<ProcResult>;
  /** `aibridge tokens create --name NAME` → the token. */
  createToken(name: string): Promise<string>;
  /** `GET /api/v1/interceptions` (all pages of up to 1000 are not needed here). */
  interceptions(query?: string): Promise<Interception[]>;
  stderr(): string;
  stop(): Promise<void>;
}

/** Starts `aibridge serve` from dist/ on a free port, both providers pointed at `upstreamUrl`. */
export async function startBuiltGateway(upstreamUrl: string, keys: { anthropic: string; openai: string }): Promise<BuiltGateway> {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first (npm run test:clients does)`);
  const dataDir = mkdtempSync(join(tmpdir(), 'abr-clients-'));
  const logFile = join(dataDir, 'gateway.jsonl');
  const env = cleanEnv({ HOME: dataDir });
  const child = spawn(
    process.execPath,
    [CLI, 'serve', '--data-dir', dataDir, '--port', '0', '--enabled',
      '--anthropic-key', keys.anthropic, '--anthropic-base-url', upstreamUrl,
      '--openai-key', keys.openai, '--openai-base-url', `${upstreamUrl}/v1/`,
      '--structured-logging', '--log-json', logFile],
    { env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString('utf8')));
  const url = await new Promise<string>((ok, fail) => {
    const t = setTimeout(() => fail(new Error(`gateway did not start: ${out}${err}`)), 30_000);
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString('utf8');
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m?.[1]) {
        clearTimeout(t);
        ok(m[1]);
      }
    });
    child.on('exit', (code) => fail(new Error(`gateway exited (${code}): ${out}${err}`)));
  });
  const cli = async (...args: string[]) => {
    const r = await run(process.execPath, [CLI, '--data-dir', dataDir, ...args], { env, timeoutMs: 30_000 });
    if (r.code !== 0) throw new Error(`aibridge ${args.join(' ')} failed: ${r.stderr}`);
    return r.stdout.trim().split('\n').pop() ?? '';
  };
  const adminToken = await cli('admin-token');
  return {
    url,
    adminToken,
    dataDir,
    logFile,
    cli: (args, extra = {}) => run(process.execPath, [CLI, '--data-dir', dataDir, ...args], { env: { ...env, ...extra }, timeoutMs: 60_000 }),
    createToken: (name) => cli('tokens', 'create', '--name', name),
    async interceptions(query = '') {
      const res = await fetch(`${url}/api/v1/interceptions?limit=1000${query ? `&${query}` : ''}`, { headers: { authorization: `Bearer ${adminToken}` } });
      if (!res.ok) throw new Error(`GET /api/v1/interceptions answered ${res.status}`);
      return ((await res.json()) as { results: Interception[] }).results;
    },
    stderr: () => err,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** The JSON log file's text ('' when missing). */
export function readLog(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}
