/**
 * SPEC acceptance, black-box: drives the built product (`node dist/src/cli.js …`) as real child
 * processes, strictly through the names in SPEC.md (CLI commands and flags, AIBRIDGE_* /
 * CODER_AIBRIDGE_* env, `--config` YAML, gateway routes, admin API, record fields, log lines).
 * The provider is the loopback mock upstream (test/helpers/mock-upstream.ts) running in this
 * process; per-call replies are chosen with `x-mock-*` request headers, which the gateway passes
 * through, so groups never share mock state.
 *
 * Needs `npm run build:node` first (done here when dist/ is missing). No timing assertions: where
 * the SPEC names a time (token changes honoured within 1 s, retention) the test waits past it.
 */
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockUpstream, type MockUpstream } from '../helpers/mock-upstream.js';
import { startMockBedrock, type MockBedrock } from '../helpers/mock-bedrock.js';
import { AnthropicBedrock } from '@anthropic-ai/bedrock-sdk';

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const CLI = join(ROOT, 'dist/src/cli.js');

const ANTHROPIC_KEY = 'sk-ant-api03-SPECACCEPT-abcdefghijklmnopqrstuvwxyz';
const OPENAI_KEY = 'sk-proj-SPECACCEPT-abcdefghijklmnopqrstuvwxyz';
const OPENAI_KEY_MASK = 'sk-p…wxyz';

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

// ---------------------------------------------------------------------------------------------
// process helpers

/** process.env without any AIBRIDGE_* / CODER_AIBRIDGE_* left over from the caller. */
function cleanEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^(CODER_)?AIBRIDGE_/.test(k)) env[k] = v;
  for (const [k, v] of Object.entries(extra)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runCli(args: string[], env: Record<string, string | undefined> = {}, timeoutMs = 20_000, cwd?: string): Promise<CliResult> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: cleanEnv(env), cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    const t = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`aibridge ${args.join(' ')}: no exit after ${timeoutMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(t);
      resolveRun({ code, stdout, stderr });
    });
  });
}

interface Server {
  proc: ChildProcess;
  url: string;
  host: string;
  port: number;
  adminToken: string;
  loginUrl: string;
  stdout(): string;
  stderr(): string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

const running = new Set<Server>();

/** `aibridge serve …`; resolves once both SPEC §2 lines are on stdout. */
function serve(args: string[], env: Record<string, string> = {}): Promise<Server> {
  return new Promise((resolveServe, reject) => {
    const proc = spawn(process.execPath, [CLI, 'serve', ...args], { env: cleanEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let done = false;
    const exited = new Promise<number | null>((r) => proc.on('exit', (code) => r(code)));
    const fail = (why: string) => {
      if (done) return;
      done = true;
      proc.kill('SIGKILL');
      reject(new Error(`aibridge serve ${args.join(' ')}: ${why}\nstdout: ${out}\nstderr: ${err}`));
    };
    const t = setTimeout(() => fail('not listening after 20 s'), 20_000);
    const check = () => {
      const l = /listening on (http:\/\/([^\s:]+):(\d+))\s*$/m.exec(out);
      const d = /(http:\/\/[^\s]+\/ui\/#token=(\S+))\s*$/m.exec(out);
      if (!l || !d || done) return;
      done = true;
      clearTimeout(t);
      const s: Server = {
        proc,
        url: l[1]!,
        host: l[2]!,
        port: Number(l[3]),
        adminToken: d[2]!,
        loginUrl: d[1]!,
        stdout: () => out,
        stderr: () => err,
        async stop(signal = 'SIGTERM') {
          running.delete(s);
          if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
          const k = setTimeout(() => proc.kill('SIGKILL'), 10_000);
          const code = await exited;
          clearTimeout(k);
          return code;
        },
      };
      running.add(s);
      resolveServe(s);
    };
    proc.stdout!.on('data', (b: Buffer) => {
      out += b.toString('utf8');
      check();
    });
    proc.stderr!.on('data', (b: Buffer) => (err += b.toString('utf8')));
    proc.on('exit', (code) => fail(`exited with ${code}`));
  });
}

function tmp(prefix = 'abr-spec-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

/** Promise.all over items with at most `n` running at once (keeps a loaded 2-core box responsive). */
async function mapLimit<T, R>(items: T[], n: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]!);
      }
    }),
  );
  return out;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor<T>(fn: () => Promise<T | undefined | false>, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

// ---------------------------------------------------------------------------------------------
// HTTP helpers

interface Reply {
  status: number;
  headers: Record<string, string>;
  text: string;
  json: any;
}

async function http(url: string, init: RequestInit = {}): Promise<Reply> {
  const res = await fetch(url, init);
  const text = await res.text();
  const headers: Record<string, string> = {};
  res.headers.forEach((v, k) => (headers[k] = v));
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers, text, json };
}

function admin(s: Server, path: string, init: RequestInit & { json?: unknown } = {}): Promise<Reply> {
  const headers: Record<string, string> = { authorization: `Bearer ${s.adminToken}`, ...(init.headers as Record<string, string>) };
  let body = init.body;
  if (init.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(init.json);
  }
  return http(s.url + path, { ...init, headers, body });
}

/** POST to a gateway route with a bridge token (x-api-key by default). */
function gw(s: Server, path: string, body: unknown, opts: { token?: string; bearer?: boolean; headers?: Record<string, string>; method?: string } = {}): Promise<Reply> {
  const headers: Record<string, string> = { 'content-type': 'application/json', ...opts.headers };
  if (opts.token !== undefined) {
    if (opts.bearer) headers['authorization'] = `Bearer ${opts.token}`;
    else headers['x-api-key'] = opts.token;
  }
  return http(s.url + path, {
    method: opts.method ?? 'POST',
    headers,
    body: opts.method === 'GET' || opts.method === 'DELETE' ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
}

/** Raw node:http request (lets the test set `Host`). */
function rawRequest(port: number, path: string, headers: Record<string, string>, method = 'GET', body?: string): Promise<{ status: number; text: string }> {
  return new Promise((res, rej) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, method, headers }, (r) => {
      let text = '';
      r.on('data', (d: Buffer) => (text += d.toString('utf8')));
      r.on('end', () => res({ status: r.statusCode ?? 0, text }));
    });
    req.on('error', rej);
    req.end(body);
  });
}

function expectAnthropicError(r: Reply, status: number): void {
  expect(r.status, r.text).toBe(status);
  expect(r.json, r.text).toMatchObject({ type: 'error', error: { type: expect.any(String), message: expect.any(String) } });
}

function expectOpenAIError(r: Reply, status: number): void {
  expect(r.status, r.text).toBe(status);
  expect(r.json, r.text).toMatchObject({ error: { message: expect.any(String), type: expect.any(String) } });
  expect(typeof r.json.error.code, `error.code is a string in ${r.text}`).toBe('string');
}

async function listAll(s: Server, query = ''): Promise<{ count: number; results: any[] }> {
  const r = await admin(s, `/api/v1/interceptions?limit=1000${query ? '&' + query : ''}`);
  expect(r.status, r.text).toBe(200);
  return r.json;
}

/** Polls the admin list until a record matches. */
function findRecord(s: Server, pred: (rec: any) => boolean, what: string, query = ''): Promise<any> {
  return waitFor(async () => (await listAll(s, query)).results.find(pred), what);
}

const byUA = (ua: string) => (rec: any) => rec.user_agent === ua;
const byPrompt = (p: string) => (rec: any) => rec.user_prompts?.some((u: any) => u.prompt === p);

// ---------------------------------------------------------------------------------------------
// record shape (SPEC §6)

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function expectKeys(o: Record<string, unknown>, keys: string[], where: string): void {
  for (const k of keys) expect(Object.prototype.hasOwnProperty.call(o, k), `${where}: key "${k}" missing in ${JSON.stringify(o)}`).toBe(true);
}

function expectRecordShape(rec: any): void {
  expectKeys(rec, [
    'id', 'initiator', 'provider', 'provider_name', 'model', 'api', 'streaming', 'client', 'client_session_id', 'user_agent',
    'started_at', 'ended_at', 'status', 'http_status', 'error', 'metadata', 'token_usages', 'user_prompts', 'tool_usages', 'model_thoughts',
  ], 'interception');
  expect(rec.id).toMatch(UUID);
  expect(isObj(rec.initiator)).toBe(true);
  expect(typeof rec.initiator.id).toBe('string');
  expect(typeof rec.initiator.name).toBe('string');
  expect(['anthropic', 'openai', 'bedrock']).toContain(rec.provider);
  expect(typeof rec.provider_name).toBe('string');
  expect(typeof rec.model).toBe('string');
  expect(['messages', 'chat_completions', 'responses']).toContain(rec.api);
  expect(typeof rec.streaming).toBe('boolean');
  expect(typeof rec.client).toBe('string');
  expect(rec.client_session_id === null || typeof rec.client_session_id === 'string').toBe(true);
  expect(rec.user_agent === null || typeof rec.user_agent === 'string').toBe(true);
  expect(rec.started_at).toMatch(RFC3339);
  if (rec.status !== 'in_flight' && rec.ended_at !== null) expect(rec.ended_at).toMatch(RFC3339);
  expect(['completed', 'failed', 'cancelled', 'interrupted', 'in_flight', 'in_progress']).toContain(rec.status);
  expect(rec.http_status === null || Number.isInteger(rec.http_status)).toBe(true);
  expect(rec.error === null || typeof rec.error === 'string').toBe(true);
  expect(isObj(rec.metadata)).toBe(true);
  for (const k of ['token_usages', 'user_prompts', 'tool_usages', 'model_thoughts']) expect(Array.isArray(rec[k]), k).toBe(true);
  for (const u of rec.token_usages) {
    expectKeys(u, ['id', 'interception_id', 'provider_response_id', 'input_tokens', 'output_tokens', 'cache_read_input_tokens', 'cache_write_input_tokens', 'metadata', 'created_at'], 'token_usage');
    expect(u.interception_id).toBe(rec.id);
    for (const n of ['input_tokens', 'output_tokens', 'cache_read_input_tokens', 'cache_write_input_tokens']) expect(Number.isInteger(u[n]), n).toBe(true);
    expect(isObj(u.metadata)).toBe(true);
    expect(u.created_at).toMatch(RFC3339);
  }
  for (const p of rec.user_prompts) {
    expectKeys(p, ['id', 'interception_id', 'provider_response_id', 'prompt', 'metadata', 'created_at'], 'user_prompt');
    expect(p.interception_id).toBe(rec.id);
    expect(typeof p.prompt).toBe('string');
    expect(isObj(p.metadata)).toBe(true);
    expect(p.created_at).toMatch(RFC3339);
  }
  for (const t of rec.tool_usages) {
    expectKeys(t, ['id', 'interception_id', 'provider_response_id', 'tool_call_id', 'tool', 'input', 'server_url', 'injected', 'invocation_error', 'metadata', 'created_at'], 'tool_usage');
    expect(t.interception_id).toBe(rec.id);
    expect(typeof t.tool).toBe('string');
    expect(typeof t.injected).toBe('boolean');
    expect(isObj(t.metadata)).toBe(true);
    expect(t.created_at).toMatch(RFC3339);
  }
  for (const m of rec.model_thoughts) {
    expectKeys(m, ['id', 'interception_id', 'content', 'metadata', 'created_at'], 'model_thought');
    expect(m.interception_id).toBe(rec.id);
    expect(typeof m.content).toBe('string');
    expect(isObj(m.metadata)).toBe(true);
    expect(m.created_at).toMatch(RFC3339);
  }
}

// ---------------------------------------------------------------------------------------------

let up: MockUpstream;

/** A top-level group: groups run concurrently (own data dirs, ports and mocks), tests in a group in order. */
function group(name: string, fn: () => void): void {
  describe.concurrent(name, () => {
    describe.sequential('in order', { timeout: 120_000 }, fn);
  });
}

beforeAll(async () => {
  if (!existsSync(CLI)) {
    const b = spawnSync('npm', ['run', 'build:node'], { cwd: ROOT, encoding: 'utf8' });
    if (b.status !== 0) throw new Error(`build failed: ${b.stdout}\n${b.stderr}`);
  }
  up = await startMockUpstream();
}, 120_000);

afterAll(async () => {
  await Promise.all([...running].map((s) => s.stop('SIGKILL')));
  await up?.close();
});

// =============================================================================================
group('§2 CLI without a server: tokens, admin-token, --data-dir / AIBRIDGE_DATA_DIR', () => {
  it('tokens create prints the token alone on the last line; list shows it; revoke by name and by id', async () => {
    const dir = tmp();
    const a = await runCli(['tokens', 'create', '--name', 'alice', '--data-dir', dir]);
    expect(a.code, a.stderr).toBe(0);
    const lines = a.stdout.trimEnd().split('\n');
    const tokA = lines[lines.length - 1]!;
    expect(tokA).toMatch(/^\S+$/);
    expect(tokA.length).toBeGreaterThanOrEqual(16);
    const b = await runCli(['--data-dir', dir, 'tokens', 'create', '--name', 'bob']);
    expect(b.code, b.stderr).toBe(0);
    const tokB = b.stdout.trimEnd().split('\n').pop()!;
    expect(tokB).not.toBe(tokA);

    const list = await runCli(['tokens', 'list', '--data-dir', dir]);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toContain('alice');
    expect(list.stdout).toContain('bob');
    // the list never shows the tokens themselves
    expect(list.stdout).not.toContain(tokA);
    expect(list.stdout).not.toContain(tokB);

    const byName = await runCli(['tokens', 'revoke', 'bob', '--data-dir', dir]);
    expect(byName.code, byName.stderr).toBe(0);
    const id = /([0-9a-f]{8}-[0-9a-f-]{27})/.exec(list.stdout.split('\n').find((l) => l.includes('alice'))!)?.[1];
    expect(id, list.stdout).toBeTruthy();
    const byId = await runCli(['tokens', 'revoke', id!, '--data-dir', dir]);
    expect(byId.code, byId.stderr).toBe(0);
    const unknown = await runCli(['tokens', 'revoke', 'nobody-by-that-name', '--data-dir', dir]);
    expect(unknown.code).not.toBe(0);
  });

  it('AIBRIDGE_DATA_DIR selects the data dir; --data-dir wins over it', async () => {
    const envDir = tmp();
    const flagDir = tmp();
    const c = await runCli(['tokens', 'create', '--name', 'via-env'], { AIBRIDGE_DATA_DIR: envDir });
    expect(c.code, c.stderr).toBe(0);
    const l1 = await runCli(['tokens', 'list', '--data-dir', envDir]);
    expect(l1.stdout).toContain('via-env');
    const c2 = await runCli(['tokens', 'create', '--name', 'via-flag', '--data-dir', flagDir], { AIBRIDGE_DATA_DIR: envDir });
    expect(c2.code, c2.stderr).toBe(0);
    const l2 = await runCli(['tokens', 'list'], { AIBRIDGE_DATA_DIR: flagDir });
    expect(l2.stdout).toContain('via-flag');
    const l3 = await runCli(['tokens', 'list'], { AIBRIDGE_DATA_DIR: envDir });
    expect(l3.stdout).not.toContain('via-flag');
  });

  it('admin-token: generated once, stable, kept in the data dir with mode 0600; ADMIN_TOKEN env overrides', async () => {
    const dir = tmp();
    const t1 = await runCli(['admin-token', '--data-dir', dir]);
    expect(t1.code, t1.stderr).toBe(0);
    const token = t1.stdout.trim();
    expect(token).toMatch(/^\S{16,}$/);
    const t2 = await runCli(['admin-token'], { AIBRIDGE_DATA_DIR: dir });
    expect(t2.stdout.trim()).toBe(token);
    const holders = (readdirSync(dir, { recursive: true }) as string[])
      .map((f) => join(dir, f))
      .filter((f) => statSync(f).isFile() && readFileSync(f, 'utf8').includes(token));
    expect(holders.length, 'a file in the data dir keeps the admin token').toBeGreaterThan(0);
    for (const f of holders) expect((statSync(f).mode & 0o777).toString(8), f).toBe('600');
    const env = await runCli(['admin-token', '--data-dir', dir], { AIBRIDGE_ADMIN_TOKEN: 'my-own-admin-token-123456' });
    expect(env.stdout.trim()).toBe('my-own-admin-token-123456');
    const coder = await runCli(['admin-token', '--data-dir', dir], { CODER_AIBRIDGE_ADMIN_TOKEN: 'coder-admin-token-123456' });
    expect(coder.stdout.trim()).toBe('coder-admin-token-123456');
  });

  it('without --data-dir / AIBRIDGE_DATA_DIR the data dir is a per-user folder under HOME (not the working dir)', async () => {
    const home = tmp('abr-spec-home-');
    const cwd = tmp('abr-spec-cwd-');
    const env = { HOME: home, XDG_DATA_HOME: undefined, XDG_CONFIG_HOME: undefined, APPDATA: undefined };
    const a = await runCli(['admin-token'], env, 20_000, cwd);
    expect(a.code, a.stderr).toBe(0);
    const token = a.stdout.trim();
    const files = (readdirSync(home, { recursive: true }) as string[]).map((f) => join(home, f)).filter((f) => statSync(f).isFile());
    expect(files.some((f) => readFileSync(f, 'utf8').includes(token)), `a file under HOME holds the admin token: ${files.join(', ')}`).toBe(true);
    expect((await runCli(['admin-token'], env, 20_000, cwd)).stdout.trim()).toBe(token);
    expect(readdirSync(cwd)).toEqual([]);
  });

  it('an empty XDG_CONFIG_HOME (= unset, per XDG) does not put the data dir in the working directory', async () => {
    const home = tmp('abr-spec-home-');
    const cwd = tmp('abr-spec-cwd-');
    const a = await runCli(['admin-token'], { HOME: home, XDG_CONFIG_HOME: '', XDG_DATA_HOME: '' }, 20_000, cwd);
    expect(a.code, a.stderr).toBe(0);
    expect(readdirSync(cwd), 'nothing created in the working directory').toEqual([]);
  });

  it('interceptions list on an empty data dir is an empty JSON array', async () => {
    const r = await runCli(['interceptions', 'list', '--data-dir', tmp()]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual([]);
  });
});

// =============================================================================================
group('§3 configuration: bad values are startup errors; durations; Coder spellings', () => {
  const bad: Array<{ name: string; args: string[]; env?: Record<string, string>; yaml?: string; setting: RegExp; value: string }> = [
    { name: 'flag --retention', args: ['--retention', '5x'], setting: /retention/i, value: '5x' },
    { name: 'env AIBRIDGE_RETENTION', args: [], env: { AIBRIDGE_RETENTION: 'forever' }, setting: /retention/i, value: 'forever' },
    { name: 'env CODER_AIBRIDGE_RETENTION', args: [], env: { CODER_AIBRIDGE_RETENTION: '-3d' }, setting: /retention/i, value: '-3d' },
    { name: 'Coder flag --aibridge-retention', args: ['--aibridge-retention', '7days'], setting: /retention/i, value: '7days' },
    { name: 'config file retention', args: [], yaml: 'aibridge:\n  retention: "tomorrow"\n', setting: /retention/i, value: 'tomorrow' },
    { name: 'flag --port', args: ['--port', '70000'], setting: /port/i, value: '70000' },
    { name: 'env AIBRIDGE_PORT', args: [], env: { AIBRIDGE_PORT: 'abc' }, setting: /port/i, value: 'abc' },
    { name: 'flag --openai-base-url', args: ['--openai-base-url', 'not a url'], setting: /openai.?base.?url/i, value: 'not a url' },
    { name: 'env AIBRIDGE_ANTHROPIC_BASE_URL', args: [], env: { AIBRIDGE_ANTHROPIC_BASE_URL: 'ftp://x' }, setting: /anthropic.?base.?url/i, value: 'ftp://x' },
    { name: 'env AIBRIDGE_ENABLED', args: [], env: { AIBRIDGE_ENABLED: 'maybe' }, setting: /enabled/i, value: 'maybe' },
    { name: 'flag --structured-logging', args: ['--structured-logging', 'perhaps'], setting: /structured.?logging/i, value: 'perhaps' },
    { name: 'env AIBRIDGE_MAX_BODY_SIZE', args: [], env: { AIBRIDGE_MAX_BODY_SIZE: 'lots' }, setting: /max.?body.?size/i, value: 'lots' },
    { name: 'flag --max-body-size', args: ['--max-body-size', '-1'], setting: /max.?body.?size/i, value: '-1' },
    { name: 'config file port', args: [], yaml: 'aibridge:\n  port: "eighty"\n', setting: /port/i, value: 'eighty' },
  ];

  it('each bad value exits non-zero, naming the setting and the value', async () => {
    const results = await mapLimit(
      bad,
      4,
      async (b) => {
        const dir = tmp();
        const args = ['--data-dir', dir, '--port', '0', ...b.args];
        if (b.yaml) {
          const f = join(dir, 'config.yaml');
          writeFileSync(f, b.yaml);
          args.push('--config', f);
          // a port from the file must not be shadowed by the flag
          if (/port/.test(b.yaml)) args.splice(args.indexOf('--port'), 2);
        }
        if (b.env && 'AIBRIDGE_PORT' in b.env) args.splice(args.indexOf('--port'), 2);
        const r = await runCli(['serve', ...args], b.env ?? {}, 30_000).catch((e: Error) => ({ code: -999, stdout: '', stderr: e.message }));
        return { b, r };
      },
    );
    const problems: string[] = [];
    for (const { b, r } of results) {
      const out = r.stdout + r.stderr;
      if (r.code === 0 || r.code === null || r.code === -999) problems.push(`${b.name}: exit code ${r.code} (expected non-zero exit); output: ${out.slice(0, 300)}`);
      else if (!b.setting.test(out) || !out.includes(b.value)) problems.push(`${b.name}: message does not name setting ${b.setting} and value "${b.value}": ${out.slice(0, 300)}`);
      else if (/listening on/.test(r.stdout)) problems.push(`${b.name}: listened despite the bad value`);
    }
    expect(problems).toEqual([]);
  });

  it('valid durations start: 0, 90d, 2w, 1440h, 1h30m, 1s (flag, env and Coder spellings)', async () => {
    const cases: Array<{ args: string[]; env?: Record<string, string> }> = [
      { args: ['--retention', '0'] },
      { args: ['--retention', '90d'] },
      { args: ['--retention', '2w'] },
      { args: [], env: { AIBRIDGE_RETENTION: '1440h' } },
      { args: [], env: { CODER_AIBRIDGE_RETENTION: '1h30m' } },
      { args: ['--aibridge-retention', '1s'] },
    ];
    const started = await Promise.allSettled(cases.map((c) => serve(['--data-dir', tmp(), '--port', '0', ...c.args], c.env)));
    const errs = started.flatMap((s, i) => (s.status === 'rejected' ? [`${JSON.stringify(cases[i])}: ${String(s.reason).slice(0, 300)}`] : []));
    await Promise.all(started.map((s) => (s.status === 'fulfilled' ? s.value.stop() : undefined)));
    expect(errs).toEqual([]);
  });
});

// =============================================================================================
group('§3 precedence: flags > environment > --config FILE > dashboard > defaults', () => {
  const dir = tmp();
  const cfg = join(dir, 'aibridge.yaml');
  const urls = { dash: 'http://dash.example/v1/', file: 'http://file.example/v1/', env: 'http://env.example/v1/', flag: 'http://flag.example/v1/' };

  const settingsText = async (s: Server) => {
    const r = await admin(s, '/api/v1/settings');
    expect(r.status, r.text).toBe(200);
    return r;
  };

  it('defaults, then a dashboard-saved value, then the file, env and flag each override the layer below', async () => {
    const [p1, p2, p3] = [await freePort(), await freePort(), await freePort()];
    writeFileSync(cfg, `aibridge:\n  openai_base_url: ${urls.file}\n  port: ${p1}\n`);

    // defaults
    let s = await serve(['--data-dir', dir, '--port', '0']);
    let st = await settingsText(s);
    expect(st.text).toContain('https://api.openai.com/v1/');
    expect(st.text).toContain('https://api.anthropic.com/');
    expect(st.text).toMatch(/"host":\s*"127\.0\.0\.1"/);
    expect(st.text).toMatch(/"retention":\s*"60d"/);
    expect(st.text).toMatch(/"enabled":\s*false/);
    expect(st.text).toMatch(/"structured_logging":\s*false/);
    // dashboard-saved setting
    const p = await admin(s, '/api/v1/settings', { method: 'PATCH', json: { openai_base_url: urls.dash } });
    expect(p.status, p.text).toBe(200);
    await s.stop();
    s = await serve(['--data-dir', dir, '--port', '0']);
    st = await settingsText(s);
    expect(st.text).toContain(urls.dash);
    await s.stop();

    // file > dashboard (and the file's port is used)
    s = await serve(['--data-dir', dir, '--config', cfg]);
    expect(s.port).toBe(p1);
    st = await settingsText(s);
    expect(st.text).toContain(urls.file);
    expect(st.text).not.toContain(urls.dash);
    await s.stop();

    // env > file
    s = await serve(['--data-dir', dir, '--config', cfg], { AIBRIDGE_OPENAI_BASE_URL: urls.env, AIBRIDGE_PORT: String(p2) });
    expect(s.port).toBe(p2);
    st = await settingsText(s);
    expect(st.text).toContain(urls.env);
    expect(st.text).not.toContain(urls.file);
    // a setting fixed by environment is read-only
    const ro = await admin(s, '/api/v1/settings', { method: 'PATCH', json: { openai_base_url: urls.dash } });
    expect(ro.status, ro.text).toBeGreaterThanOrEqual(400);
    expect((await settingsText(s)).text).toContain(urls.env);
    await s.stop();

    // flag > env
    s = await serve(['--data-dir', dir, '--config', cfg, '--openai-base-url', urls.flag, '--port', String(p3)], {
      AIBRIDGE_OPENAI_BASE_URL: urls.env,
      AIBRIDGE_PORT: String(p2),
    });
    expect(s.port).toBe(p3);
    st = await settingsText(s);
    expect(st.text).toContain(urls.flag);
    expect(st.text).not.toContain(urls.env);
    const ro2 = await admin(s, '/api/v1/settings', { method: 'PATCH', json: { openai_base_url: urls.dash } });
    expect(ro2.status, ro2.text).toBeGreaterThanOrEqual(400);
    await s.stop();
  });

  it('CODER_AIBRIDGE_* env and Coder flag spellings (--aibridge-…) are accepted', async () => {
    const p = await freePort();
    let s = await serve(['--data-dir', tmp(), `--aibridge-port`, String(p), '--aibridge-openai-base-url', urls.flag]);
    expect(s.port).toBe(p);
    expect((await settingsText(s)).text).toContain(urls.flag);
    await s.stop();
    const p2 = await freePort();
    s = await serve(['--data-dir', tmp()], { CODER_AIBRIDGE_PORT: String(p2), CODER_AIBRIDGE_OPENAI_BASE_URL: urls.env });
    expect(s.port).toBe(p2);
    expect((await settingsText(s)).text).toContain(urls.env);
    await s.stop();
  });

  it('ADMIN_TOKEN env is the admin token of the server and of the login URL', async () => {
    const s = await serve(['--data-dir', tmp(), '--port', '0'], { AIBRIDGE_ADMIN_TOKEN: 'env-admin-token-abcdef123456' });
    expect(s.adminToken).toBe('env-admin-token-abcdef123456');
    expect(s.loginUrl).toBe(`${s.url}/ui/#token=env-admin-token-abcdef123456`);
    expect((await admin(s, '/api/v1/status')).status).toBe(200);
    await s.stop();
  });
});

// =============================================================================================
group('§2–§7 one running gateway (serve + mock upstream + SDKs)', () => {
  const dir = tmp();
  const logFile = join(dir, 'logs', 'aibridge.jsonl');
  let s: Server;
  let token: string;
  let tokenId: string;
  const t0 = new Date(Date.now() - 1000).toISOString();

  beforeAll(async () => {
    // token made by the CLI before any server ran on this data dir
    const c = await runCli(['tokens', 'create', '--name', 'alice', '--data-dir', dir]);
    expect(c.code, c.stderr).toBe(0);
    token = c.stdout.trimEnd().split('\n').pop()!;
    s = await serve(
      [
        '--data-dir', dir, '--port', '0', '--enabled',
        '--anthropic-key', ANTHROPIC_KEY, '--anthropic-base-url', up.url,
        '--openai-key', OPENAI_KEY, '--openai-base-url', `${up.url}/v1/`,
        '--structured-logging', '--log-json', logFile,
      ],
    );
  });
  afterAll(async () => {
    await s?.stop();
  });

  it('serve prints "listening on http://HOST:PORT" and the login URL http://HOST:PORT/ui/#token=ADMIN_TOKEN', async () => {
    expect(s.stdout()).toMatch(new RegExp(`^listening on http://127\\.0\\.0\\.1:${s.port}$`, 'm'));
    expect(s.loginUrl).toBe(`http://127.0.0.1:${s.port}/ui/#token=${s.adminToken}`);
    const at = await runCli(['admin-token', '--data-dir', dir]);
    expect(at.stdout.trim()).toBe(s.adminToken);
    const tl = await runCli(['tokens', 'list', '--data-dir', dir]);
    tokenId = /([0-9a-f]{8}-[0-9a-f-]{27})/.exec(tl.stdout)![1]!;
  });

  it('GET /healthz → {"ok":true} without auth', async () => {
    const r = await http(`${s.url}/healthz`);
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ ok: true });
  });

  it('GET /api/v1/status → {enabled, version, listen, providers:[{name,type,configured}]}', async () => {
    const r = await admin(s, '/api/v1/status');
    expect(r.status, r.text).toBe(200);
    expect(r.json.enabled).toBe(true);
    expect(typeof r.json.version).toBe('string');
    expect(r.json.listen).toContain(`127.0.0.1:${s.port}`);
    expect(Array.isArray(r.json.providers)).toBe(true);
    for (const p of r.json.providers) {
      expect(typeof p.name).toBe('string');
      expect(typeof p.type).toBe('string');
      expect(typeof p.configured).toBe('boolean');
    }
    const byName = Object.fromEntries(r.json.providers.map((p: any) => [p.name, p.configured]));
    expect(byName['anthropic']).toBe(true);
    expect(byName['openai']).toBe(true);
  });

  it('admin API needs the admin token (401 without, 401 with a bridge token); /metrics too', async () => {
    expect((await http(`${s.url}/api/v1/status`)).status).toBe(401);
    expect((await http(`${s.url}/api/v1/status`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(401);
    expect((await http(`${s.url}/api/v1/interceptions`, { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
    expect((await http(`${s.url}/metrics`)).status).toBe(401);
    expect((await http(`${s.url}/metrics`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(401);
    const m = await admin(s, '/metrics');
    expect(m.status).toBe(200);
    expect(m.headers['content-type']).toMatch(/text\/plain/);
    expect(m.text).toMatch(/^# (HELP|TYPE) /m);
  });

  it('no CORS for other origins on the admin API', async () => {
    const pre = await http(`${s.url}/api/v1/status`, {
      method: 'OPTIONS',
      headers: { origin: 'http://evil.example', 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' },
    });
    expect(pre.headers['access-control-allow-origin']).toBeUndefined();
    const get = await admin(s, '/api/v1/status', { headers: { origin: 'http://evil.example' } });
    expect(get.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('Host header that is not a loopback name → 403 (DNS rebinding); loopback names pass', async () => {
    const body = JSON.stringify({ model: 'claude-x', max_tokens: 5, messages: [{ role: 'user', content: 'host check' }] });
    const evil = await rawRequest(s.port, '/anthropic/v1/messages', { host: 'evil.example.com', 'x-api-key': token, 'content-type': 'application/json', 'user-agent': 'spec-host-evil' }, 'POST', body);
    expect(evil.status).toBe(403);
    const evilAdmin = await rawRequest(s.port, '/api/v1/status', { host: `attacker.example:${s.port}`, authorization: `Bearer ${s.adminToken}` });
    expect(evilAdmin.status).toBe(403);
    for (const h of [`localhost:${s.port}`, `127.0.0.1:${s.port}`, `[::1]:${s.port}`, 'localhost']) {
      const ok = await rawRequest(s.port, '/api/v1/status', { host: h, authorization: `Bearer ${s.adminToken}` });
      expect(ok.status, h).toBe(200);
    }
  });

  it('missing / unknown / revoked bridge token → 401 in the provider error shape', async () => {
    const body = { model: 'm', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] };
    expectAnthropicError(await gw(s, '/anthropic/v1/messages', body), 401);
    expectAnthropicError(await gw(s, '/anthropic/v1/messages', body, { token: 'abr_not_a_real_token_123' }), 401);
    expectAnthropicError(await gw(s, '/anthropic/v1/messages', body, { token: 'abr_not_a_real_token_123', bearer: true }), 401);
    expectOpenAIError(await gw(s, '/openai/v1/chat/completions', { model: 'g', messages: [] }), 401);
    expectOpenAIError(await gw(s, '/openai/v1/responses', { model: 'g', input: 'x' }, { token: 'nope', bearer: true }), 401);
    // revoked via the admin API
    const c = await admin(s, '/api/v1/tokens', { method: 'POST', json: { name: 'short-lived' } });
    expect(c.status, c.text).toBe(201);
    expect(typeof c.json.token).toBe('string');
    expect(typeof c.json.id).toBe('string');
    const ok = await gw(s, '/openai/v1/chat/completions', { model: 'gpt-4o', messages: [{ role: 'user', content: 'before revoke' }] }, { token: c.json.token, bearer: true, headers: { 'user-agent': 'spec-before-revoke' } });
    expect(ok.status, ok.text).toBe(200);
    const list = await admin(s, '/api/v1/tokens');
    expect(list.status).toBe(200);
    expect(list.text).toContain('short-lived');
    expect(list.text).not.toContain(c.json.token);
    const d = await admin(s, `/api/v1/tokens/${c.json.id}`, { method: 'DELETE' });
    expect(d.status).toBeLessThan(300);
    expectOpenAIError(await gw(s, '/openai/v1/chat/completions', { model: 'g', messages: [] }, { token: c.json.token, bearer: true }), 401);
  });

  it('unknown route under a provider prefix → 404 in its shape, checked before auth, JSON and body size', async () => {
    // no token, not JSON
    expectAnthropicError(await gw(s, '/anthropic/v1/nope', 'not json'), 404);
    expectAnthropicError(await gw(s, '/anthropic/v2/messages', '{}'), 404);
    expectAnthropicError(await gw(s, '/anthropic/v1/messages', undefined, { method: 'GET' }), 404);
    expectOpenAIError(await gw(s, '/openai/v1/nope', 'not json'), 404);
    expectOpenAIError(await gw(s, '/openai/v1/completions', '{}', { token }), 404);
    expectOpenAIError(await gw(s, '/openai/v1/chat/completions', undefined, { method: 'GET', token }), 404);
    expect((await gw(s, '/bedrock/nope', '{}')).status).toBe(404);
    expect((await gw(s, '/bedrock/model/x/converse', '{}')).status).toBe(404);
  });

  it('body not JSON → 400; larger than the default 32MiB --max-body-size → 413 (provider shapes)', async () => {
    expectAnthropicError(await gw(s, '/anthropic/v1/messages', '{"model": nope', { token, headers: { 'user-agent': 'spec-400a' } }), 400);
    expectOpenAIError(await gw(s, '/openai/v1/chat/completions', 'garbage', { token, headers: { 'user-agent': 'spec-400o' } }), 400);
    const big = JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x'.repeat(32 * 1024 * 1024 + 10) }] });
    expectOpenAIError(await gw(s, '/openai/v1/chat/completions', big, { token, headers: { 'user-agent': 'spec-413' } }), 413);
    // §6: every intercepted call that passed authentication leaves a record, failed ones included
    for (const [ua, status] of [['spec-400a', 400], ['spec-400o', 400], ['spec-413', 413]] as const) {
      const rec = await findRecord(s, byUA(ua), `record of the ${status} call (${ua})`);
      expect(rec).toMatchObject({ status: 'failed', http_status: status });
    }
  });

  it('Bedrock not configured → 503 naming the setting to fill', async () => {
    const r = await gw(s, '/bedrock/model/anthropic.claude-3-haiku/invoke', { messages: [{ role: 'user', content: 'x' }], max_tokens: 5, anthropic_version: 'bedrock-2023-05-31' }, { token });
    expect(r.status, r.text).toBe(503);
    expect(r.text).toMatch(/bedrock/i);
    expect(r.text).toMatch(/region|access.?key|--bedrock|BEDROCK_/i);
  });

  it('@anthropic-ai/sdk: blocking with x-api-key, streaming with Bearer, ?beta=true kept, provider key swapped in', async () => {
    const before = up.requests.length;
    const a = new Anthropic({ baseURL: `${s.url}/anthropic`, apiKey: token, maxRetries: 0 });
    const msg = await a.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 10, messages: [{ role: 'user', content: 'sdk blocking hello' }] });
    expect(msg.id).toBe('msg_01BlockText');
    const upA = up.requests[before]!;
    expect(upA.path).toBe('/v1/messages');
    expect(upA.headers['x-api-key']).toBe(ANTHROPIC_KEY);
    expect(JSON.stringify(upA.headers)).not.toContain(token);

    const b = new Anthropic({ baseURL: `${s.url}/anthropic`, authToken: token, apiKey: null, maxRetries: 0 });
    // Claude Code calls /v1/messages?beta=true; this SDK version does not add the query itself
    const stream = b.messages.stream({ model: 'claude-sonnet-4-5', max_tokens: 10, messages: [{ role: 'user', content: 'sdk beta stream' }] }, { query: { beta: 'true' } });
    const final = await stream.finalMessage();
    expect(final.content.length).toBeGreaterThan(0);
    const upB = up.requests[up.requests.length - 1]!;
    expect(upB.search).toBe('?beta=true');
    expect(upB.headers['x-api-key']).toBe(ANTHROPIC_KEY);
    expect(upB.headers['authorization']).toBeUndefined();
    expect(JSON.stringify(upB.headers)).not.toContain(token);

    const r1 = await findRecord(s, byPrompt('sdk blocking hello'), 'anthropic blocking record');
    expectRecordShape(r1);
    expect(r1).toMatchObject({ provider: 'anthropic', api: 'messages', streaming: false, status: 'completed', http_status: 200, error: null });
    expect(r1.initiator).toEqual({ id: tokenId, name: 'alice' });
    const r2 = await findRecord(s, byPrompt('sdk beta stream'), 'anthropic streaming record');
    expectRecordShape(r2);
    expect(r2).toMatchObject({ provider: 'anthropic', api: 'messages', streaming: true, status: 'completed', http_status: 200 });
  });

  it('openai SDK: chat + responses, blocking and streaming; upstream gets Authorization: Bearer <provider key>', async () => {
    const before = up.requests.length;
    const o = new OpenAI({ baseURL: `${s.url}/openai/v1`, apiKey: token, maxRetries: 0 });
    const c = await o.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'oai chat blocking' }] });
    expect(c.choices[0]?.message.content).toBeTruthy();
    const cs = await o.chat.completions.create({ model: 'gpt-4o', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'oai chat stream' }] });
    let n = 0;
    for await (const _ of cs) n++;
    expect(n).toBeGreaterThan(0);
    const r = await o.responses.create({ model: 'gpt-5', input: 'oai responses blocking' });
    expect(r.id).toBeTruthy();
    const rs = await o.responses.create({ model: 'gpt-5', input: 'oai responses stream', stream: true });
    let completed = false;
    for await (const ev of rs) if (ev.type === 'response.completed') completed = true;
    expect(completed).toBe(true);
    for (const req of up.requests.slice(before)) {
      expect(req.headers['authorization']).toBe(`Bearer ${OPENAI_KEY}`);
      expect(req.headers['x-api-key']).toBeUndefined();
      expect(JSON.stringify(req.headers)).not.toContain(token);
    }
    const want: Array<[string, string, boolean]> = [
      ['oai chat blocking', 'chat_completions', false],
      ['oai chat stream', 'chat_completions', true],
      ['oai responses blocking', 'responses', false],
      ['oai responses stream', 'responses', true],
    ];
    for (const [p, api, streaming] of want) {
      const rec = await findRecord(s, byPrompt(p), p);
      expectRecordShape(rec);
      expect(rec).toMatchObject({ provider: 'openai', api, streaming, status: 'completed', http_status: 200 });
      expect(rec.token_usages).toHaveLength(1);
    }
  });

  it('request bodies and unknown fields pass through byte-for-byte', async () => {
    const body = '{"model":"claude-x",  "max_tokens":5,"messages":[{"role":"user","content":"bytes é 👋"}],"x_unknown_field":{"a":[1,2.50,"z"]}}';
    const r = await gw(s, '/anthropic/v1/messages?beta=true&x=1', body, { token, headers: { 'user-agent': 'spec-bytes' } });
    expect(r.status, r.text).toBe(200);
    const last = up.requests[up.requests.length - 1]!;
    expect(last.body).toBe(body);
    expect(last.search).toBe('?beta=true&x=1');
  });

  it('upstream status, request-id, retry-after, rate-limit headers and error bodies reach the client as sent', async () => {
    const a = await gw(s, '/anthropic/v1/messages', { model: 'claude-x', max_tokens: 5, messages: [{ role: 'user', content: 'rate limited a' }] }, { token, headers: { 'x-mock-fixture': 'anthropic/error-429.json', 'user-agent': 'spec-429a' } });
    expect(a.status).toBe(429);
    expect(a.headers['request-id']).toMatch(/^req_mock_/);
    expect(a.headers['retry-after']).toBe('1');
    expect(a.headers['anthropic-ratelimit-requests-remaining']).toBe('0');
    expect(a.text).toBe(readFileSync(join(ROOT, 'test/fixtures/anthropic/error-429.json'), 'utf8'));
    const o = await gw(s, '/openai/v1/chat/completions', { model: 'gpt-4o', messages: [{ role: 'user', content: 'rate limited o' }] }, { token, headers: { 'x-mock-fixture': 'openai-chat/error-429.json', 'user-agent': 'spec-429o' } });
    expect(o.status).toBe(429);
    expect(o.headers['x-request-id']).toMatch(/^req_mock_/);
    expect(o.headers['retry-after']).toBe('1');
    expect(o.headers['x-ratelimit-remaining-requests']).toBe('0');
    expect(o.text).toBe(readFileSync(join(ROOT, 'test/fixtures/openai-chat/error-429.json'), 'utf8'));
    // the failed calls are recorded with their prompt and the error text (§6)
    const rec = await findRecord(s, byUA('spec-429a'), '429 record');
    expectRecordShape(rec);
    expect(rec.status).toBe('failed');
    expect(rec.http_status).toBe(429);
    expect(typeof rec.error).toBe('string');
    expect(rec.user_prompts.map((p: any) => p.prompt)).toEqual(['rate limited a']);
  });

  it('passthrough routes: count_tokens, models (+ /id), stored responses GET/DELETE', async () => {
    const cases: Array<{ method: string; path: string; upPath: string; auth: 'a' | 'o' }> = [
      { method: 'POST', path: '/anthropic/v1/messages/count_tokens', upPath: '/v1/messages/count_tokens', auth: 'a' },
      { method: 'GET', path: '/anthropic/v1/models', upPath: '/v1/models', auth: 'a' },
      { method: 'GET', path: '/anthropic/v1/models/claude-sonnet-4-5', upPath: '/v1/models/claude-sonnet-4-5', auth: 'a' },
      { method: 'GET', path: '/openai/v1/models', upPath: '/v1/models', auth: 'o' },
      { method: 'GET', path: '/openai/v1/models/gpt-4o', upPath: '/v1/models/gpt-4o', auth: 'o' },
      { method: 'GET', path: '/openai/v1/responses/resp_abc123', upPath: '/v1/responses/resp_abc123', auth: 'o' },
      { method: 'DELETE', path: '/openai/v1/responses/resp_abc123', upPath: '/v1/responses/resp_abc123', auth: 'o' },
    ];
    for (const c of cases) {
      const before = up.requests.length;
      const headers: Record<string, string> = c.auth === 'a' ? { 'x-api-key': token, 'anthropic-version': '2023-06-01' } : { authorization: `Bearer ${token}` };
      const r = await http(s.url + c.path, {
        method: c.method,
        headers: { ...headers, 'content-type': 'application/json' },
        body: c.method === 'POST' ? JSON.stringify({ model: 'claude-x', messages: [{ role: 'user', content: 'count me' }] }) : undefined,
      });
      expect(r.status, `${c.method} ${c.path}: ${r.text}`).toBe(200);
      const req = up.requests[before];
      expect(req, `${c.method} ${c.path} reached upstream`).toBeDefined();
      expect(req!.method).toBe(c.method);
      expect(req!.path).toBe(c.upPath);
      if (c.auth === 'a') expect(req!.headers['x-api-key']).toBe(ANTHROPIC_KEY);
      else expect(req!.headers['authorization']).toBe(`Bearer ${OPENAI_KEY}`);
      expect(JSON.stringify(req!.headers)).not.toContain(token);
      expect(r.text).not.toContain(ANTHROPIC_KEY);
      expect(r.text).not.toContain(OPENAI_KEY);
    }
    const ct = await http(`${s.url}/anthropic/v1/messages/count_tokens`, { method: 'POST', headers: { 'x-api-key': token, 'content-type': 'application/json' }, body: '{"model":"m","messages":[]}' });
    expect(ct.json).toEqual({ input_tokens: 42 });
  });

  it('user_prompts: trailing system message skipped; content arrays joined with "\\n"; tool-result-only turn → none', async () => {
    const msgs = [
      { role: 'user', content: 'first question' },
      { role: 'assistant', content: 'an answer' },
      { role: 'user', content: [{ type: 'text', text: 'line one' }, { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } }, { type: 'text', text: 'line two' }] },
      { role: 'system', content: 'appended by Claude Code' },
    ];
    const r = await gw(s, '/anthropic/v1/messages', { model: 'claude-x', max_tokens: 5, messages: msgs }, { token, headers: { 'user-agent': 'spec-prompt-array' } });
    expect(r.status, r.text).toBe(200);
    const rec = await findRecord(s, byUA('spec-prompt-array'), 'prompt-array record');
    expect(rec.user_prompts.map((p: any) => p.prompt)).toEqual(['line one\nline two']);

    const tr = [
      { role: 'user', content: 'run the tool' },
      { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'Bash', input: { command: 'ls' } }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'file-a\nfile-b' }] },
    ];
    const r2 = await gw(s, '/anthropic/v1/messages', { model: 'claude-x', max_tokens: 5, stream: true, messages: tr }, { token, headers: { 'user-agent': 'spec-tool-result-only' } });
    expect(r2.status).toBe(200);
    const rec2 = await findRecord(s, byUA('spec-tool-result-only'), 'tool-result-only record');
    expect(rec2.user_prompts).toEqual([]);

    const c = await gw(s, '/openai/v1/chat/completions', { model: 'gpt-4o', messages: [{ role: 'system', content: 'sys' }, { role: 'user', content: 'chat prompt' }, { role: 'system', content: 'trailing system' }] }, { token, headers: { 'user-agent': 'spec-chat-trailing-system' } });
    expect(c.status, c.text).toBe(200);
    const rec3 = await findRecord(s, byUA('spec-chat-trailing-system'), 'chat trailing system record');
    expect(rec3.user_prompts.map((p: any) => p.prompt)).toEqual(['chat prompt']);

    const c2 = await gw(s, '/openai/v1/chat/completions', { model: 'gpt-4o', messages: [{ role: 'user', content: [{ type: 'text', text: 'part A' }, { type: 'text', text: 'part B' }] }] }, { token, headers: { 'user-agent': 'spec-chat-parts' } });
    expect(c2.status, c2.text).toBe(200);
    const rec4 = await findRecord(s, byUA('spec-chat-parts'), 'chat parts record');
    expect(rec4.user_prompts.map((p: any) => p.prompt)).toEqual(['part A\npart B']);

    const input = 'responses input\n  kept whole  ';
    const rr = await gw(s, '/openai/v1/responses', { model: 'gpt-5', input }, { token, headers: { 'user-agent': 'spec-responses-string' } });
    expect(rr.status, rr.text).toBe(200);
    const rec5 = await findRecord(s, byUA('spec-responses-string'), 'responses string record');
    expect(rec5.user_prompts.map((p: any) => p.prompt)).toEqual([input]);
  });

  it('token_usages: Anthropic cache fields; OpenAI input = prompt − cached, reasoning in metadata.reasoning_tokens', async () => {
    const a = await gw(s, '/anthropic/v1/messages', { model: 'claude-x', max_tokens: 5, stream: true, messages: [{ role: 'user', content: 'cache please' }] }, { token, headers: { 'x-mock-fixture': 'anthropic/cache-tokens.sse', 'x-mock-chunk-size': '13', 'user-agent': 'spec-cache-a' } });
    expect(a.status).toBe(200);
    const ra = await findRecord(s, byUA('spec-cache-a'), 'anthropic cache record');
    expect(ra.token_usages).toHaveLength(1);
    expect(ra.token_usages[0]).toMatchObject({ provider_response_id: 'msg_01CacheTokens', input_tokens: 4, output_tokens: 87, cache_read_input_tokens: 20480, cache_write_input_tokens: 1532 });

    const o = await gw(s, '/openai/v1/chat/completions', { model: 'o4-mini', stream: true, messages: [{ role: 'user', content: 'reason please' }] }, { token, headers: { 'x-mock-fixture': 'openai-chat/cache-reasoning.sse', 'user-agent': 'spec-cache-o' } });
    expect(o.status).toBe(200);
    const ro = await findRecord(s, byUA('spec-cache-o'), 'openai cache record');
    expect(ro.token_usages).toHaveLength(1);
    expect(ro.token_usages[0]).toMatchObject({ provider_response_id: 'chatcmpl-CReasoning01', input_tokens: 2006 - 1920, output_tokens: 300, cache_read_input_tokens: 1920, cache_write_input_tokens: 0 });
    expect(ro.token_usages[0].metadata.reasoning_tokens).toBe(256);

    const r = await gw(s, '/openai/v1/responses', { model: 'gpt-5-codex', stream: true, input: [{ role: 'user', content: [{ type: 'input_text', text: 'think' }] }] }, { token, headers: { 'x-mock-fixture': 'openai-responses/reasoning.sse', 'user-agent': 'spec-reasoning-r' } });
    expect(r.status).toBe(200);
    const rr = await findRecord(s, byUA('spec-reasoning-r'), 'responses reasoning record');
    expectRecordShape(rr);
    expect(rr.token_usages).toHaveLength(1);
    expect(rr.token_usages[0]).toMatchObject({ provider_response_id: 'resp_Reasoning01', input_tokens: 476, output_tokens: 420, cache_read_input_tokens: 1024 });
    expect(rr.token_usages[0].metadata.reasoning_tokens).toBe(320);
    expect(rr.model_thoughts.map((t: any) => t.content)).toEqual(['**Inspecting the repo**\n\nI will list the files first.', '**Planning the change**']);
    expect(rr.user_prompts.map((p: any) => p.prompt)).toEqual(['think']);
  });

  it('tool_usages: parallel calls, many stream fragments, parsed JSON input or the raw string; Anthropic thinking → model_thoughts', async () => {
    const o = await gw(s, '/openai/v1/chat/completions', { model: 'gpt-4o', stream: true, messages: [{ role: 'user', content: 'weather?' }] }, { token, headers: { 'x-mock-fixture': 'openai-chat/tool-parallel.sse', 'x-mock-chunk-size': '7', 'user-agent': 'spec-tools-o' } });
    expect(o.status).toBe(200);
    const ro = await findRecord(s, byUA('spec-tools-o'), 'openai tools record');
    expectRecordShape(ro);
    expect(ro.tool_usages.map((t: any) => ({ id: t.tool_call_id, tool: t.tool, input: t.input }))).toEqual([
      { id: 'call_ParA1', tool: 'get_weather', input: { location: 'Paris, France' } },
      { id: 'call_ParB2', tool: 'get_weather', input: { location: 'Tōkyō, Japan' } },
      { id: 'call_ParC3', tool: 'get_time', input: { tz: 'Asia/Tokyo', format: ['hh', 'mm'] } },
    ]);

    const a = await gw(s, '/anthropic/v1/messages', { model: 'claude-x', max_tokens: 5, stream: true, messages: [{ role: 'user', content: 'hosts?' }] }, { token, headers: { 'x-mock-fixture': 'anthropic/thinking.sse', 'x-mock-chunk-size': '11', 'user-agent': 'spec-thinking-a' } });
    expect(a.status).toBe(200);
    const ra = await findRecord(s, byUA('spec-thinking-a'), 'anthropic thinking record');
    expectRecordShape(ra);
    expect(ra.model_thoughts.map((t: any) => t.content)).toEqual(['Let me think about this. The user wants the hosts file.', 'Now I should read /etc/hosts.']);
    expect(ra.tool_usages.map((t: any) => ({ id: t.tool_call_id, tool: t.tool, input: t.input }))).toEqual([{ id: 'toolu_01ThinkRead', tool: 'Read', input: { file_path: '/etc/hosts' } }]);

    const badArgs = {
      id: 'chatcmpl-BadArgs', object: 'chat.completion', created: 1764150000, model: 'gpt-4o',
      choices: [{ index: 0, finish_reason: 'tool_calls', message: { role: 'assistant', content: null, tool_calls: [{ id: 'call_raw1', type: 'function', function: { name: 'run', arguments: '{not json' } }] } }],
      usage: { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 },
    };
    const b = await gw(s, '/openai/v1/chat/completions', { model: 'gpt-4o', messages: [{ role: 'user', content: 'raw args' }] }, { token, headers: { 'x-mock-reply': JSON.stringify({ kind: 'json', body: badArgs }), 'user-agent': 'spec-raw-args' } });
    expect(b.status, b.text).toBe(200);
    const rb = await findRecord(s, byUA('spec-raw-args'), 'raw args record');
    expect(rb.tool_usages.map((t: any) => ({ id: t.tool_call_id, tool: t.tool, input: t.input }))).toEqual([{ id: 'call_raw1', tool: 'run', input: '{not json' }]);
  });

  it('client and client_session_id from headers (Claude Code, Codex, Unknown)', async () => {
    const cc = await gw(s, '/anthropic/v1/messages?beta=true', { model: 'claude-x', max_tokens: 5, stream: true, messages: [{ role: 'user', content: 'cc' }] }, {
      token,
      headers: { 'user-agent': 'claude-cli/2.0.14 (external, cli)', 'x-claude-code-session-id': 'cc-session-1', 'x-app': 'cli', 'anthropic-version': '2023-06-01' },
    });
    expect(cc.status).toBe(200);
    const rcc = await findRecord(s, (r) => r.client_session_id === 'cc-session-1', 'claude code record');
    expect(rcc.client).toBe('Claude Code');
    const cx = await gw(s, '/openai/v1/responses', { model: 'gpt-5', stream: true, input: 'codex hi' }, {
      token,
      bearer: true,
      headers: { 'user-agent': 'codex_cli_rs/0.50.0 (Debian 12.0.0; x86_64) xterm', originator: 'codex_cli_rs', session_id: 'codex-session-9' },
    });
    expect(cx.status).toBe(200);
    const rcx = await findRecord(s, (r) => r.client_session_id === 'codex-session-9', 'codex record');
    expect(rcx.client).toBe('Codex');
    const un = await findRecord(s, byUA('spec-bytes'), 'unknown client record');
    expect(un.client).toBe('Unknown');
    expect(un.client_session_id).toBeNull();
  });

  it('status failed: upstream 200 in a non-API format; upstream closed without answering → 502', async () => {
    const g = await gw(s, '/openai/v1/chat/completions', { model: 'gpt-4o', messages: [{ role: 'user', content: 'garbage please' }] }, { token, headers: { 'x-mock-mode': 'garbage', 'user-agent': 'spec-garbage' } });
    expect(g.status).toBeGreaterThanOrEqual(200);
    const rg = await findRecord(s, byUA('spec-garbage'), 'garbage record');
    expect(rg.status).toBe('failed');
    expect(typeof rg.error).toBe('string');
    expect(rg.user_prompts.map((p: any) => p.prompt)).toEqual(['garbage please']);

    const d = await gw(s, '/anthropic/v1/messages', { model: 'claude-x', max_tokens: 5, messages: [{ role: 'user', content: 'die please' }] }, { token, headers: { 'x-mock-mode': 'die', 'user-agent': 'spec-die' } });
    expectAnthropicError(d, 502);
    const rd = await findRecord(s, byUA('spec-die'), 'die record');
    expect(rd).toMatchObject({ status: 'failed', http_status: 502 });
    expect(typeof rd.error).toBe('string');
  });

  it('in-flight calls are hidden unless include_in_flight=true; a client leaving mid-stream → cancelled, upstream aborted', async () => {
    const before = up.requests.length;
    const ac = new AbortController();
    const res = await fetch(`${s.url}/anthropic/v1/messages`, {
      method: 'POST',
      signal: ac.signal,
      headers: { 'x-api-key': token, 'content-type': 'application/json', 'user-agent': 'spec-inflight', 'x-mock-reply': JSON.stringify({ kind: 'stall', fixture: 'anthropic/text.sse', afterEvents: 2 }) },
      body: JSON.stringify({ model: 'claude-x', max_tokens: 5, stream: true, messages: [{ role: 'user', content: 'in flight' }] }),
    });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    await reader.read();
    await up.waitForRequests(before + 1);
    const without = await listAll(s);
    expect(without.results.find(byUA('spec-inflight'))).toBeUndefined();
    const withIt = await waitFor(async () => (await listAll(s, 'include_in_flight=true')).results.find(byUA('spec-inflight')), 'in-flight record');
    expect(withIt.status).not.toBe('completed');
    const cli = JSON.parse((await runCli(['interceptions', 'list', '--data-dir', dir, '--limit', '1000'])).stdout);
    expect(cli.find(byUA('spec-inflight'))).toBeUndefined();
    ac.abort();
    await reader.cancel().catch(() => undefined);
    await up.requests[before]!.closed;
    expect(up.requests[before]!.aborted).toBe(true);
    const rec = await findRecord(s, (r) => r.user_agent === 'spec-inflight' && r.status !== 'in_flight', 'cancelled record');
    expect(rec.status).toBe('cancelled');
    expect(rec.user_prompts.map((p: any) => p.prompt)).toEqual(['in flight']);
  });

  it('a token created or revoked by the CLI is honoured by the running server within 1 second', async () => {
    const c = await runCli(['tokens', 'create', '--name', 'carol', '--data-dir', dir]);
    expect(c.code, c.stderr).toBe(0);
    const carol = c.stdout.trimEnd().split('\n').pop()!;
    await sleep(1100);
    const body = { model: 'gpt-4o', messages: [{ role: 'user', content: 'carol here' }] };
    const ok = await gw(s, '/openai/v1/chat/completions', body, { token: carol, bearer: true, headers: { 'user-agent': 'spec-carol' } });
    expect(ok.status, ok.text).toBe(200);
    const rec = await findRecord(s, byUA('spec-carol'), 'carol record');
    expect(rec.initiator.name).toBe('carol');
    const r = await runCli(['tokens', 'revoke', 'carol', '--data-dir', dir]);
    expect(r.code, r.stderr).toBe(0);
    await sleep(1100);
    expectOpenAIError(await gw(s, '/openai/v1/chat/completions', body, { token: carol, bearer: true }), 401);
  });

  it('settings: secrets read back masked (sk-a…wxyz), never whole', async () => {
    const r = await admin(s, '/api/v1/settings');
    expect(r.status).toBe(200);
    expect(r.text).toContain(OPENAI_KEY_MASK);
    expect(r.text).not.toContain(OPENAI_KEY);
    expect(r.text).not.toContain(ANTHROPIC_KEY);
    expect(r.text).toContain('sk-a…wxyz'.replace('sk-a', ANTHROPIC_KEY.slice(0, 4)));
  });

  it('GET /api/v1/interceptions: {count, results}, newest first by (started_at, id), limit bounds, after_id paging', async () => {
    const all = await listAll(s);
    expect(Object.keys(all).sort()).toEqual(['count', 'results']);
    expect(all.count).toBe(all.results.length);
    expect(all.count).toBeGreaterThanOrEqual(20);
    for (const rec of all.results) expectRecordShape(rec);
    for (let i = 1; i < all.results.length; i++) {
      const [p, c] = [all.results[i - 1], all.results[i]];
      const order = Date.parse(p.started_at) - Date.parse(c.started_at) || (p.id > c.id ? 1 : p.id < c.id ? -1 : 0);
      expect(order, `results[${i - 1}] before results[${i}]`).toBeGreaterThan(0);
    }
    // default limit 100 and bounds
    const def = await admin(s, '/api/v1/interceptions');
    expect(def.json.results.length).toBe(Math.min(100, all.count));
    expect((await admin(s, '/api/v1/interceptions?limit=0')).status).toBe(400);
    expect((await admin(s, '/api/v1/interceptions?limit=1001')).status).toBe(400);
    expect((await admin(s, '/api/v1/interceptions?limit=abc')).status).toBe(400);
    const one = await admin(s, '/api/v1/interceptions?limit=1');
    expect(one.json.count).toBe(all.count);
    expect(one.json.results.map((r: any) => r.id)).toEqual([all.results[0].id]);
    // paging with after_id walks the same order
    const seen: string[] = [];
    let after = '';
    for (let guard = 0; guard < 100; guard++) {
      const page = await admin(s, `/api/v1/interceptions?limit=7${after ? `&after_id=${after}` : ''}`);
      expect(page.status, page.text).toBe(200);
      expect(page.json.count).toBe(all.count);
      if (!page.json.results.length) break;
      seen.push(...page.json.results.map((r: any) => r.id));
      after = page.json.results[page.json.results.length - 1].id;
    }
    expect(seen).toEqual(all.results.map((r: any) => r.id));
    // one interception by id
    const byId = await admin(s, `/api/v1/interceptions/${all.results[3].id}`);
    expect(byId.status).toBe(200);
    expect(byId.json).toEqual(all.results[3]);
    expect((await admin(s, '/api/v1/interceptions/00000000-0000-4000-8000-000000000000')).status).toBe(404);
  });

  it('GET /api/v1/interceptions filters: provider, model, initiator, client, status, started_after/before (RFC 3339)', async () => {
    const all = (await listAll(s)).results;
    const check = async (q: string, pred: (r: any) => boolean) => {
      const r = await listAll(s, q);
      const want = all.filter(pred).map((x: any) => x.id);
      expect(r.results.map((x: any) => x.id), q).toEqual(want);
      expect(r.count, q).toBe(want.length);
      expect(want.length, `${q} matches something`).toBeGreaterThan(0);
    };
    await check('provider=openai', (r) => r.provider === 'openai');
    await check('model=o4-mini', (r) => r.model === 'o4-mini');
    await check('initiator=carol', (r) => r.initiator.name === 'carol');
    await check('client=Claude%20Code', (r) => r.client === 'Claude Code');
    await check('status=failed', (r) => r.status === 'failed');
    await check('status=cancelled', (r) => r.status === 'cancelled');
    // a time strictly between two records' started_at, so inclusive/exclusive bounds do not matter
    const times = all.map((r: any) => Date.parse(r.started_at));
    const k = times.findIndex((t: number, i: number) => i >= Math.floor(all.length / 3) && i + 1 < times.length && t - times[i + 1]! >= 2);
    expect(k, 'two records at least 2 ms apart').toBeGreaterThanOrEqual(0);
    const cut = Math.floor((times[k]! + times[k + 1]!) / 2);
    // an RFC 3339 time with an offset, not only Z
    const off = new Date(cut + 2 * 3600_000).toISOString().replace('Z', '+02:00');
    await check(`started_after=${encodeURIComponent(off)}`, (r) => Date.parse(r.started_at) > cut);
    await check(`started_before=${encodeURIComponent(new Date(cut).toISOString())}`, (r) => Date.parse(r.started_at) < cut);
    expect((await admin(s, '/api/v1/interceptions?started_after=yesterday')).status).toBe(400);
    expect((await admin(s, '/api/v1/interceptions?started_before=2026-13-45')).status).toBe(400);
  });

  it('aibridge interceptions list: every flag, JSON array newest first, while the server runs', async () => {
    const all = (await listAll(s)).results;
    const r = await runCli([
      'interceptions', 'list', '--data-dir', dir,
      '--provider', 'openai', '--model', 'gpt-4o', '--initiator', 'alice', '--client', 'Unknown',
      '--started-after', t0, '--started-before', new Date(Date.now() + 60_000).toISOString(), '--limit', '3',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const arr = JSON.parse(r.stdout);
    expect(Array.isArray(arr)).toBe(true);
    const want = all.filter((x: any) => x.provider === 'openai' && x.model === 'gpt-4o' && x.initiator.name === 'alice' && x.client === 'Unknown').slice(0, 3);
    expect(want.length).toBe(3);
    expect(arr.map((x: any) => x.id)).toEqual(want.map((x: any) => x.id));
    for (const rec of arr) expectRecordShape(rec);
    const plain = JSON.parse((await runCli(['interceptions', 'list', '--data-dir', dir])).stdout);
    expect(plain.map((x: any) => x.id)).toEqual(all.slice(0, 100).map((x: any) => x.id));
  });

  it('GET /api/v1/usage?group_by=… sums tokens', async () => {
    const all = (await listAll(s)).results;
    const sumIn = all.reduce((n: number, r: any) => n + r.token_usages.reduce((m: number, u: any) => m + u.input_tokens, 0), 0);
    const sumOut = all.reduce((n: number, r: any) => n + r.token_usages.reduce((m: number, u: any) => m + u.output_tokens, 0), 0);
    for (const g of ['model', 'provider', 'initiator', 'client', 'day']) {
      const r = await admin(s, `/api/v1/usage?group_by=${g}`);
      expect(r.status, `${g}: ${r.text}`).toBe(200);
      const rows: any[] = Array.isArray(r.json) ? r.json : r.json.results;
      expect(Array.isArray(rows), g).toBe(true);
      expect(rows.reduce((n, x) => n + x.input_tokens, 0), g).toBe(sumIn);
      expect(rows.reduce((n, x) => n + x.output_tokens, 0), g).toBe(sumOut);
    }
    const prov = await admin(s, '/api/v1/usage?group_by=provider');
    expect(JSON.stringify(prov.json)).toContain('anthropic');
    expect((await admin(s, '/api/v1/usage?group_by=colour')).status).toBe(400);
    const since = await admin(s, `/api/v1/usage?group_by=model&since=${encodeURIComponent(new Date(Date.now() + 3600_000).toISOString())}`);
    expect(since.status).toBe(200);
    const rows: any[] = Array.isArray(since.json) ? since.json : since.json.results;
    expect(rows.reduce((n, x) => n + x.input_tokens, 0)).toBe(0);
  });

  it('§7 log lines: every line of the --log-json file is JSON; interception lines have msg, time (ISO UTC), record_type and the fields per type, start first and end last', async () => {
    const all = (await listAll(s)).results;
    const text = await waitFor(async () => {
      const t = existsSync(logFile) ? readFileSync(logFile, 'utf8') : '';
      return all.every((r: any) => t.includes(r.id)) && t;
    }, 'log lines for every record');
    const lines = text.split('\n').filter((l) => l !== '');
    const objs = lines.map((l, i) => {
      try {
        return JSON.parse(l);
      } catch {
        throw new Error(`log line ${i + 1} is not JSON: ${l.slice(0, 200)}`);
      }
    });
    for (const o of objs) expect(isObj(o)).toBe(true);
    const fields: Record<string, string[]> = {
      interception_start: ['interception_id', 'initiator_id', 'initiator_name', 'provider', 'provider_name', 'model', 'api', 'streaming', 'client', 'client_session_id', 'user_agent', 'started_at', 'metadata'],
      interception_end: ['interception_id', 'ended_at', 'status', 'http_status', 'error'],
      token_usage: ['interception_id', 'msg_id', 'input_tokens', 'output_tokens', 'cache_read_input_tokens', 'cache_write_input_tokens', 'created_at', 'metadata'],
      prompt_usage: ['interception_id', 'msg_id', 'prompt', 'created_at', 'metadata'],
      tool_usage: ['interception_id', 'msg_id', 'tool_call_id', 'tool', 'input', 'server_url', 'injected', 'invocation_error', 'created_at', 'metadata'],
      model_thought: ['interception_id', 'content', 'created_at', 'metadata'],
    };
    const il = objs.filter((o) => o.msg === 'interception log');
    expect(il.length).toBeGreaterThan(0);
    const seenTypes = new Set<string>();
    for (const o of il) {
      expect(Object.keys(fields)).toContain(o.record_type);
      seenTypes.add(o.record_type);
      expect(o.time, JSON.stringify(o)).toMatch(ISO_UTC);
      expectKeys(o, fields[o.record_type]!, `log ${o.record_type}`);
    }
    expect([...seenTypes].sort()).toEqual(Object.keys(fields).sort());
    for (const rec of all) {
      const mine = il.filter((o) => o.interception_id === rec.id);
      expect(mine.length, rec.id).toBeGreaterThanOrEqual(2);
      expect(mine[0].record_type).toBe('interception_start');
      expect(mine[mine.length - 1].record_type).toBe('interception_end');
      expect(mine.filter((o) => o.record_type === 'interception_start')).toHaveLength(1);
      expect(mine.filter((o) => o.record_type === 'interception_end')).toHaveLength(1);
      const start = mine[0];
      expect(start.initiator_id).toBe(rec.initiator.id);
      expect(start.initiator_name).toBe(rec.initiator.name);
      expect(mine[mine.length - 1].status).toBe(rec.status);
      expect(mine.filter((o) => o.record_type === 'token_usage')).toHaveLength(rec.token_usages.length);
      expect(mine.filter((o) => o.record_type === 'prompt_usage')).toHaveLength(rec.user_prompts.length);
      expect(mine.filter((o) => o.record_type === 'tool_usage')).toHaveLength(rec.tool_usages.length);
      expect(mine.filter((o) => o.record_type === 'model_thought')).toHaveLength(rec.model_thoughts.length);
    }
    const tu = il.find((o) => o.record_type === 'token_usage' && o.msg_id === 'chatcmpl-CReasoning01');
    expect(tu).toMatchObject({ input_tokens: 86, cache_read_input_tokens: 1920, metadata: { reasoning_tokens: 256 } });
    // no line ever holds a provider key or a bridge token
    expect(text).not.toContain(ANTHROPIC_KEY);
    expect(text).not.toContain(OPENAI_KEY);
    expect(text).not.toContain(token);
  });

  it('aibridge export --format jsonl writes exactly the live log lines; the admin export gives the same lines; --format ecs maps to ECS', async () => {
    const all = (await listAll(s)).results;
    const out = join(dir, 'export.jsonl');
    const e = await runCli(['export', '--out', out, '--since', '1h', '--format', 'jsonl', '--data-dir', dir]);
    expect(e.code, e.stderr).toBe(0);
    const exported = readFileSync(out, 'utf8').split('\n').filter((l) => l !== '');
    const live = readFileSync(logFile, 'utf8').split('\n').filter((l) => l !== '' && JSON.parse(l).msg === 'interception log');
    const ids = new Set(all.map((r: any) => r.id));
    const liveMine = live.filter((l) => ids.has(JSON.parse(l).interception_id));
    expect(exported.length).toBe(liveMine.length);
    expect([...exported].sort()).toEqual([...liveMine].sort());
    expect(new Set(exported.map((l) => JSON.parse(l).interception_id))).toEqual(ids);

    const api = await admin(s, '/api/v1/export?format=jsonl&since=1h');
    expect(api.status).toBe(200);
    expect(api.text.split('\n').filter((l) => l !== '').sort()).toEqual([...exported].sort());

    // --since in the future or --until in the past → nothing
    const none = join(dir, 'none.jsonl');
    const e2 = await runCli(['export', '--out', none, '--since', new Date(Date.now() + 3600_000).toISOString(), '--data-dir', dir]);
    expect(e2.code, e2.stderr).toBe(0);
    expect(readFileSync(none, 'utf8').trim()).toBe('');
    const e3 = await runCli(['export', '--out', none, '--until', t0, '--format', 'jsonl', '--data-dir', dir]);
    expect(e3.code, e3.stderr).toBe(0);
    expect(readFileSync(none, 'utf8').trim()).toBe('');

    const ecsFile = join(dir, 'export.ecs.jsonl');
    const ecs = await runCli(['export', '--out', ecsFile, '--since', '1h', '--format', 'ecs', '--data-dir', dir]);
    expect(ecs.code, ecs.stderr).toBe(0);
    const ecsLines = readFileSync(ecsFile, 'utf8').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l));
    expect(ecsLines.length).toBe(exported.length);
    const has = (o: any, prefix: string) => Object.keys(o).some((k) => k === prefix || k.startsWith(prefix + '.'));
    for (const o of ecsLines) {
      expect(o['@timestamp']).toMatch(ISO_UTC);
      expect(has(o, 'event'), JSON.stringify(o)).toBe(true);
    }
    expect(ecsLines.some((o) => has(o, 'user'))).toBe(true);
    expect(ecsLines.some((o) => has(o, 'gen_ai'))).toBe(true);
    const apiEcs = await admin(s, '/api/v1/export?format=ecs&since=1h');
    expect(apiEcs.text.split('\n').filter((l) => l !== '').length).toBe(ecsLines.length);
    for (const t of [readFileSync(out, 'utf8'), readFileSync(ecsFile, 'utf8')]) {
      expect(t).not.toContain(token);
      expect(t).not.toContain(ANTHROPIC_KEY);
      expect(t).not.toContain(OPENAI_KEY);
    }
    const bad = await runCli(['export', '--out', join(dir, 'x'), '--format', 'xml', '--data-dir', dir]);
    expect(bad.code).not.toBe(0);
  });

  it('the provider keys never come back in any response', async () => {
    const r = await admin(s, '/api/v1/interceptions?limit=1000');
    expect(r.text).not.toContain(ANTHROPIC_KEY);
    expect(r.text).not.toContain(OPENAI_KEY);
    const st = await admin(s, '/api/v1/status');
    expect(st.text).not.toContain(OPENAI_KEY);
  });
});

// =============================================================================================
group('§3 the bridge switch: --enabled / ENABLED at start-up vs PUT /api/v1/bridge; §6 unreachable and interrupted', () => {
  const dir = tmp();
  let deadPort: number;
  const args = () => ['--data-dir', dir, '--port', '0', '--anthropic-key', ANTHROPIC_KEY, '--anthropic-base-url', up.url, '--openai-key', OPENAI_KEY, '--openai-base-url', `http://127.0.0.1:${deadPort}/v1/`];
  let token: string;
  let up: MockUpstream;

  beforeAll(async () => {
    up = await startMockUpstream();
    deadPort = await freePort();
    const c = await runCli(['tokens', 'create', '--name', 'dora', '--data-dir', dir]);
    token = c.stdout.trimEnd().split('\n').pop()!;
  });

  it('default off → 503; PUT /api/v1/bridge takes effect at once; persists across a restart; ENABLED/--enabled set it at start', async () => {
    let s = await serve(args());
    expect((await admin(s, '/api/v1/status')).json.enabled).toBe(false);
    const body = { model: 'claude-x', max_tokens: 5, messages: [{ role: 'user', content: 'disabled?' }] };
    expectAnthropicError(await gw(s, '/anthropic/v1/messages', body, { token }), 503);
    expectOpenAIError(await gw(s, '/openai/v1/chat/completions', { model: 'g', messages: [{ role: 'user', content: 'x' }] }, { token, bearer: true }), 503);
    // 404 still comes before "disabled"
    expectAnthropicError(await gw(s, '/anthropic/v1/unknown', body), 404);

    const put = await admin(s, '/api/v1/bridge', { method: 'PUT', json: { enabled: true } });
    expect(put.status, put.text).toBe(200);
    expect((await admin(s, '/api/v1/status')).json.enabled).toBe(true);
    expect((await gw(s, '/anthropic/v1/messages', body, { token })).status).toBe(200);

    // upstream unreachable → 502, recorded as failed (§4, §6)
    const dead = await gw(s, '/openai/v1/chat/completions', { model: 'gpt-4o', messages: [{ role: 'user', content: 'nobody home' }] }, { token, bearer: true, headers: { 'user-agent': 'spec-unreachable' } });
    expectOpenAIError(dead, 502);
    const rd = await findRecord(s, byUA('spec-unreachable'), 'unreachable record');
    expect(rd).toMatchObject({ status: 'failed', http_status: 502 });
    expect(typeof rd.error).toBe('string');
    expect(rd.user_prompts.map((p: any) => p.prompt)).toEqual(['nobody home']);

    // a call in flight when the gateway dies is "interrupted" at the next start
    const before = up.requests.length;
    const res = await fetch(`${s.url}/anthropic/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': token, 'content-type': 'application/json', 'user-agent': 'spec-interrupted', 'x-mock-reply': JSON.stringify({ kind: 'stall', fixture: 'anthropic/text.sse', afterEvents: 2 }) },
      body: JSON.stringify({ model: 'claude-x', max_tokens: 5, stream: true, messages: [{ role: 'user', content: 'about to die' }] }),
    });
    const reader = res.body!.getReader();
    await reader.read();
    await up.waitForRequests(before + 1);
    await waitFor(async () => (await listAll(s, 'include_in_flight=true')).results.find(byUA('spec-interrupted')), 'in-flight record stored');
    // Issue #2: a kill -9 loses at most the last second; a call older than that must survive.
    await new Promise((r) => setTimeout(r, 1100));
    await s.stop('SIGKILL');
    await reader.cancel().catch(() => undefined);

    // restart without --enabled: the runtime switch persisted
    s = await serve(args());
    expect((await admin(s, '/api/v1/status')).json.enabled).toBe(true);
    const ir = await findRecord(s, byUA('spec-interrupted'), 'interrupted record');
    expect(ir.status).toBe('interrupted');
    await s.stop();

    // a start that sets it wins over the saved state
    s = await serve(args(), { AIBRIDGE_ENABLED: 'false' });
    expect((await admin(s, '/api/v1/status')).json.enabled).toBe(false);
    expectAnthropicError(await gw(s, '/anthropic/v1/messages', body, { token }), 503);
    // …and it is still not read-only at runtime
    expect((await admin(s, '/api/v1/bridge', { method: 'PUT', json: { enabled: true } })).status).toBe(200);
    expect((await admin(s, '/api/v1/status')).json.enabled).toBe(true);
    expect((await admin(s, '/api/v1/bridge', { method: 'PUT', json: { enabled: false } })).status).toBe(200);
    expect((await admin(s, '/api/v1/status')).json.enabled).toBe(false);
    await s.stop();

    s = await serve([...args(), '--enabled']);
    expect((await admin(s, '/api/v1/status')).json.enabled).toBe(true);
    expect((await admin(s, '/api/v1/bridge', { method: 'PUT', json: { enabled: false } })).status).toBe(200);
    await s.stop();
    s = await serve(args());
    expect((await admin(s, '/api/v1/status')).json.enabled).toBe(false);
    await s.stop();
  });

  afterAll(async () => {
    await up?.close();
  });

  it('PATCH /api/v1/settings: a secret is write-only and reads back masked', async () => {
    const s = await serve(['--data-dir', tmp(), '--port', '0']);
    const key = 'sk-abcdefghijklmnopqrstuvwxyz';
    const p = await admin(s, '/api/v1/settings', { method: 'PATCH', json: { openai_key: key } });
    expect(p.status, p.text).toBe(200);
    expect(p.text).not.toContain(key);
    const g = await admin(s, '/api/v1/settings');
    expect(g.text).toContain('sk-a…wxyz');
    expect(g.text).not.toContain(key);
    await s.stop();
  });

  it('provider not configured → 503 naming the setting to fill', async () => {
    const d = tmp();
    const c = await runCli(['tokens', 'create', '--name', 'eve', '--data-dir', d]);
    const tok = c.stdout.trimEnd().split('\n').pop()!;
    const s = await serve(['--data-dir', d, '--port', '0', '--enabled']);
    const o = await gw(s, '/openai/v1/chat/completions', { model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] }, { token: tok, bearer: true });
    expectOpenAIError(o, 503);
    expect(o.json.error.message).toMatch(/openai.?key|OPENAI_KEY/i);
    const a = await gw(s, '/anthropic/v1/messages', { model: 'c', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] }, { token: tok });
    expectAnthropicError(a, 503);
    expect(a.json.error.message).toMatch(/anthropic.?key|ANTHROPIC_KEY|bedrock/i);
    await s.stop();
  });
});

// =============================================================================================
group('§8 retention: expired records hidden from API and export before the purge; 0 keeps all; 1s valid', () => {
  const dir = tmp();
  let token: string;
  let up: MockUpstream;
  const args = (retention: string) => ['--data-dir', dir, '--port', '0', '--enabled', '--retention', retention, '--max-body-size', '1KiB', '--anthropic-key', ANTHROPIC_KEY, '--anthropic-base-url', up.url, '--openai-key', OPENAI_KEY, '--openai-base-url', `${up.url}/v1/`];

  beforeAll(async () => {
    up = await startMockUpstream();
    const c = await runCli(['tokens', 'create', '--name', 'rita', '--data-dir', dir]);
    token = c.stdout.trimEnd().split('\n').pop()!;
  });
  afterAll(async () => {
    await up?.close();
  });

  it('records past the retention disappear from list, get, usage and export (API and CLI), then come back with 0 and go with 1s', async () => {
    const logFile = join(dir, 'env-log.jsonl');
    let s = await serve(args('3s'), { AIBRIDGE_LOG_JSON: logFile });
    // --max-body-size is honoured
    const big = JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'y'.repeat(2048) }] });
    expectOpenAIError(await gw(s, '/openai/v1/chat/completions', big, { token, bearer: true }), 413);

    const r = await gw(s, '/openai/v1/chat/completions', { model: 'gpt-4o', messages: [{ role: 'user', content: 'short-lived record' }] }, { token, bearer: true, headers: { 'user-agent': 'spec-retention' } });
    expect(r.status, r.text).toBe(200);
    const rec = await findRecord(s, byUA('spec-retention'), 'fresh record');
    // wait until it is past the 3 s retention (by started_at)
    await sleep(Math.max(0, Date.parse(rec.started_at) + 3500 - Date.now()));

    const list = await listAll(s);
    expect(list.results.find(byUA('spec-retention'))).toBeUndefined();
    expect(list.count).toBe(list.results.length);
    expect(list.results.filter(byUA('spec-retention'))).toEqual([]);
    expect((await admin(s, `/api/v1/interceptions/${rec.id}`)).status).toBe(404);
    const ex = await admin(s, '/api/v1/export?format=jsonl&since=1h');
    expect(ex.status).toBe(200);
    expect(ex.text).not.toContain(rec.id);
    const us = await admin(s, '/api/v1/usage?group_by=provider');
    const rows: any[] = Array.isArray(us.json) ? us.json : us.json.results;
    expect(rows.reduce((n, x) => n + x.input_tokens, 0)).toBe(0);
    // the CLI, configured the same way (env), while the server runs
    const out = join(dir, 'exp.jsonl');
    const ce = await runCli(['export', '--out', out, '--since', '1h', '--data-dir', dir], { AIBRIDGE_RETENTION: '3s' });
    expect(ce.code, ce.stderr).toBe(0);
    expect(readFileSync(out, 'utf8')).not.toContain(rec.id);
    const cl = await runCli(['interceptions', 'list', '--data-dir', dir], { AIBRIDGE_RETENTION: '3s' });
    expect(JSON.parse(cl.stdout).map((x: any) => x.id)).not.toContain(rec.id);
    await s.stop();
    // AIBRIDGE_LOG_JSON: every line JSON; structured logging is off by default → no interception lines
    expect(existsSync(logFile)).toBe(true);
    const logLines = readFileSync(logFile, 'utf8').split('\n').filter((l) => l !== '');
    for (const l of logLines) expect(() => JSON.parse(l), l).not.toThrow();
    expect(logLines.filter((l) => JSON.parse(l).msg === 'interception log')).toEqual([]);

    // 0 keeps everything: the record was hidden, not yet purged (purge runs at start and every 10 min)
    s = await serve(args('0'));
    const back = await listAll(s);
    expect(back.results.map((x: any) => x.id)).toContain(rec.id);
    await s.stop();

    // 1s is a valid retention and the record is gone
    s = await serve(args('1s'));
    const gone = await listAll(s);
    expect(gone.results.map((x: any) => x.id)).not.toContain(rec.id);
    await s.stop();
  });
});

// =============================================================================================
group('§4 Bedrock: /anthropic goes to Bedrock when only Bedrock is configured (plain HTTP/1.1 base URL); native /bedrock routes', () => {
  const dir = tmp();
  const AKID = 'AKIDSPECACCEPT000001';
  const SECRET = 'spec-accept-bedrock-secret-value-123456';
  const MODEL = 'us.anthropic.claude-sonnet-4-5-20250929-v1:0';
  let mb: MockBedrock;
  let s: Server;
  let token: string;

  beforeAll(async () => {
    mb = await startMockBedrock();
    const c = await runCli(['tokens', 'create', '--name', 'bert', '--data-dir', dir]);
    token = c.stdout.trimEnd().split('\n').pop()!;
    s = await serve(['--data-dir', dir, '--port', '0'], {
      AIBRIDGE_ENABLED: 'true',
      AIBRIDGE_BEDROCK_REGION: 'us-east-1',
      AIBRIDGE_BEDROCK_ACCESS_KEY: AKID,
      AIBRIDGE_BEDROCK_ACCESS_KEY_SECRET: SECRET,
      AIBRIDGE_BEDROCK_MODEL: MODEL,
      AIBRIDGE_BEDROCK_SMALL_FAST_MODEL: 'us.anthropic.claude-haiku-4-5-20251001-v1:0',
      AIBRIDGE_BEDROCK_BASE_URL: mb.url,
      // structured logging, and the JSON log destination is stderr itself
      AIBRIDGE_STRUCTURED_LOGGING: 'true',
      AIBRIDGE_LOG_JSON: '/dev/stderr',
    });
  });
  afterAll(async () => {
    await s?.stop();
    await mb?.close();
  });

  it('Anthropic SDK on /anthropic: blocking and streaming reach Bedrock with SigV4; records are written', async () => {
    const a = new Anthropic({ baseURL: `${s.url}/anthropic`, apiKey: token, maxRetries: 0 });
    const m = await a.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 20, messages: [{ role: 'user', content: 'bedrock blocking' }] });
    expect(m.content.length).toBeGreaterThan(0);
    const st = a.messages.stream({ model: 'claude-sonnet-4-5', max_tokens: 20, messages: [{ role: 'user', content: 'bedrock streaming' }] }, { query: { beta: 'true' } });
    const fin = await st.finalMessage();
    expect(fin.content.length).toBeGreaterThan(0);
    expect(mb.requests.length).toBeGreaterThanOrEqual(2);
    const ops = mb.requests.map((r) => r.operation);
    expect(ops).toContain('invoke');
    expect(ops).toContain('invoke-with-response-stream');
    for (const r of mb.requests) {
      expect(r.authProblem).toBeNull();
      expect(r.credential?.accessKeyId).toBe(AKID);
      expect(r.credential?.region).toBe('us-east-1');
      expect(JSON.stringify(r.headers)).not.toContain(token);
    }
    for (const p of ['bedrock blocking', 'bedrock streaming']) {
      const rec = await findRecord(s, byPrompt(p), p);
      expectRecordShape(rec);
      expect(rec).toMatchObject({ api: 'messages', status: 'completed', http_status: 200 });
      expect(rec.token_usages.length).toBe(1);
    }
  });

  it('native POST /bedrock/model/{id}/invoke and /invoke-with-response-stream via @anthropic-ai/bedrock-sdk', async () => {
    const before = mb.requests.length;
    const b = new AnthropicBedrock({ baseURL: `${s.url}/bedrock`, awsRegion: 'us-east-1', skipAuth: true, defaultHeaders: { 'x-api-key': token }, maxRetries: 0 });
    const m = await b.messages.create({ model: MODEL, max_tokens: 20, messages: [{ role: 'user', content: 'native blocking' }] });
    expect(m.content.length).toBeGreaterThan(0);
    const st = b.messages.stream({ model: MODEL, max_tokens: 20, messages: [{ role: 'user', content: 'native streaming' }] });
    const fin = await st.finalMessage();
    expect(fin.content.length).toBeGreaterThan(0);
    const mine = mb.requests.slice(before);
    expect(mine.map((r) => r.operation).sort()).toEqual(['invoke', 'invoke-with-response-stream']);
    for (const r of mine) expect(r.authProblem).toBeNull();
    for (const [p, streaming] of [['native blocking', false], ['native streaming', true]] as const) {
      const rec = await findRecord(s, byPrompt(p), p);
      expectRecordShape(rec);
      expect(rec).toMatchObject({ provider: 'bedrock', streaming, status: 'completed', http_status: 200 });
    }
    // unauthenticated native call → 401
    const un = await http(`${s.url}/bedrock/model/${encodeURIComponent(MODEL)}/invoke`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(un.status).toBe(401);
  });

  it('structured logging with LOG_JSON=/dev/stderr: interception lines on stderr; after a stop every stderr line is JSON; no secrets', async () => {
    const all = (await listAll(s)).results;
    const err = await waitFor(async () => all.every((r: any) => s.stderr().includes(r.id)) && s.stderr(), 'interception lines on stderr');
    const il = err.split('\n').filter((l) => l.includes('"interception log"')).map((l) => JSON.parse(l));
    expect(il.length).toBeGreaterThanOrEqual(all.length * 2);
    for (const o of il) {
      expect(o.msg).toBe('interception log');
      expect(o.time).toMatch(ISO_UTC);
    }
    expect(err).not.toContain(SECRET);
    expect(err).not.toContain(token);
    // "With --log-json PATH every line in that file is a JSON object (other log lines too)"
    await s.stop('SIGTERM');
    const notJson = s.stderr().split('\n').filter((l) => {
      if (l.trim() === '') return false;
      try {
        return !isObj(JSON.parse(l));
      } catch {
        return true;
      }
    });
    expect(notJson).toEqual([]);
  });
});
