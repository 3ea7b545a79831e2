/**
 * Shared harness of the SPEC acceptance suite (test/acceptance/spec-*.test.ts), black-box: drives the
 * built product (`node dist/src/cli.js …`) as real child processes, strictly through the names in
 * SPEC.md (CLI commands and flags, AIBRIDGE_* / CODER_AIBRIDGE_* env, `--config` YAML, gateway
 * routes, admin API, record fields, log lines). The provider is the loopback mock upstream
 * (test/helpers/mock-upstream.ts) running in the test process; per-call replies are chosen with
 * `x-mock-*` request headers, which the gateway passes through, so groups never share mock state.
 *
 * dist/ is rebuilt when stale by the Vitest global setup. No timing assertions: where the SPEC names
 * a time (token changes honoured within 1 s, retention) the test waits past it.
 */
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockUpstream, type MockUpstream } from '../helpers/mock-upstream.js';
import { startMockBedrock, type MockBedrock } from '../helpers/mock-bedrock.js';
import { AnthropicBedrock } from '@anthropic-ai/bedrock-sdk';


/**
 * How long a CLI command may take to exit or `serve` to listen before the test gives up on it. A
 * liveness guard, not a timing assertion: generous, because a loaded 2-core machine can take tens
 * of seconds to start a Node process (seen: 20 s was too short at load 28).
 */
export const LIVENESS_MS = 90_000;

export const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
export const CLI = join(ROOT, 'dist/src/cli.js');

export const ANTHROPIC_KEY = 'sk-ant-api03-SPECACCEPT-abcdefghijklmnopqrstuvwxyz';
export const OPENAI_KEY = 'sk-proj-SPECACCEPT-abcdefghijklmnopqrstuvwxyz';
export const OPENAI_KEY_MASK = 'sk-p…wxyz';

export const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
export const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

// ---------------------------------------------------------------------------------------------
// process helpers

/** process.env without any AIBRIDGE_* / CODER_AIBRIDGE_* left over from the caller. */
export function cleanEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^(CODER_)?AIBRIDGE_/.test(k)) env[k] = v;
  for (const [k, v] of Object.entries(extra)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], env: Record<string, string | undefined> = {}, timeoutMs = LIVENESS_MS, cwd?: string): Promise<CliResult> {
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

export interface Server {
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

export const running = new Set<Server>();

/** `aibridge serve …`; resolves once both SPEC §2 lines are on stdout. */
export function serve(args: string[], env: Record<string, string> = {}): Promise<Server> {
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
    const t = setTimeout(() => fail(`not listening after ${LIVENESS_MS / 1000} s`), LIVENESS_MS);
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

export function tmp(prefix = 'abr-spec-'): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  tmps.push(d);
  return d;
}

export async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

/** Promise.all over items with at most `n` running at once (keeps a loaded 2-core box responsive). */
export async function mapLimit<T, R>(items: T[], n: number, fn: (t: T) => Promise<R>): Promise<R[]> {
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

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function waitFor<T>(fn: () => Promise<T | undefined | false>, what: string, timeoutMs = 10_000): Promise<T> {
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

export interface Reply {
  status: number;
  headers: Record<string, string>;
  text: string;
  json: any;
}

export async function http(url: string, init: RequestInit = {}): Promise<Reply> {
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

export function admin(s: Server, path: string, init: RequestInit & { json?: unknown } = {}): Promise<Reply> {
  const headers: Record<string, string> = { authorization: `Bearer ${s.adminToken}`, ...(init.headers as Record<string, string>) };
  let body = init.body;
  if (init.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(init.json);
  }
  return http(s.url + path, { ...init, headers, body });
}

/** POST to a gateway route with a bridge token (x-api-key by default). */
export function gw(s: Server, path: string, body: unknown, opts: { token?: string; bearer?: boolean; headers?: Record<string, string>; method?: string } = {}): Promise<Reply> {
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
export function rawRequest(port: number, path: string, headers: Record<string, string>, method = 'GET', body?: string): Promise<{ status: number; text: string }> {
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

export function expectAnthropicError(r: Reply, status: number): void {
  expect(r.status, r.text).toBe(status);
  expect(r.json, r.text).toMatchObject({ type: 'error', error: { type: expect.any(String), message: expect.any(String) } });
}

export function expectOpenAIError(r: Reply, status: number): void {
  expect(r.status, r.text).toBe(status);
  expect(r.json, r.text).toMatchObject({ error: { message: expect.any(String), type: expect.any(String) } });
  expect(typeof r.json.error.code, `error.code is a string in ${r.text}`).toBe('string');
}

export async function listAll(s: Server, query = ''): Promise<{ count: number; results: any[] }> {
  const r = await admin(s, `/api/v1/interceptions?limit=1000${query ? '&' + query : ''}`);
  expect(r.status, r.text).toBe(200);
  return r.json;
}

/** Polls the admin list until a record matches. */
export function findRecord(s: Server, pred: (rec: any) => boolean, what: string, query = ''): Promise<any> {
  return waitFor(async () => (await listAll(s, query)).results.find(pred), what);
}

export const byUA = (ua: string) => (rec: any) => rec.user_agent === ua;
export const byPrompt = (p: string) => (rec: any) => rec.user_prompts?.some((u: any) => u.prompt === p);

// ---------------------------------------------------------------------------------------------
// record shape (SPEC §6)

export function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function expectKeys(o: Record<string, unknown>, keys: string[], where: string): void {
  for (const k of keys) expect(Object.prototype.hasOwnProperty.call(o, k), `${where}: key "${k}" missing in ${JSON.stringify(o)}`).toBe(true);
}

export function expectRecordShape(rec: any): void {
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

export let up: MockUpstream;

const tmps: string[] = [];

/** A top-level group: groups run concurrently (own data dirs, ports and mocks), tests in a group in order. */
export function group(name: string, fn: () => void): void {
  describe.concurrent(name, () => {
    describe.sequential('in order', { timeout: 5 * LIVENESS_MS }, fn);
  });
}

/** Starts the mock upstream before the file's tests; stops every server, the mock and removes temp dirs after. */
export function setupAcceptance(): void {
  beforeAll(async () => {
    up = await startMockUpstream();
  }, 120_000);
  afterAll(async () => {
    await Promise.all([...running].map((s) => s.stop('SIGKILL')));
    await up?.close();
    for (const d of tmps.splice(0)) rmSync(d, { recursive: true, force: true });
  });
}
