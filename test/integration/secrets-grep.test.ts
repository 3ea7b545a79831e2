/**
 * Issue #5 / SPEC §7: no log line and no export line ever holds a provider key or a bridge token.
 * A full run of `aibridge serve` in a child process (stdout and stderr captured, structured logging
 * to a JSON file) with every provider key configured, calls of every kind made with valid, revoked
 * and made-up bridge tokens (in `x-api-key` and `Authorization: Bearer`), upstream errors, a key
 * changed through the dashboard API, then `aibridge export` in both formats; every line is grepped.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { once } from 'node:events';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startMockUpstream, type MockUpstream } from '../helpers/mock-upstream.js';
import { startMockBedrock, type MockBedrock } from '../helpers/mock-bedrock.js';
import { BUILT_CLI } from '../helpers/built-cli.js';

const run = promisify(execFile);
const CLI = BUILT_CLI;
const SECRETS = {
  anthropic: 'sk-ant-api03-GREPME-anthropic-7f3a9c1e5b',
  openai: 'sk-proj-GREPME-openai-2d8e4f6a0c',
  openaiPatched: 'sk-proj-GREPME-patched-9b1d3f5e7a',
  bedrockKey: 'AKIAGREPMEBEDROCK001',
  bedrockSecret: 'GREPME/bedrock+secret/wJalrXUtnFEMI',
};
const MADE_UP_TOKEN = 'abr_GREPME_made_up_token_0123456789';
const NATIVE_MODEL = 'us.anthropic.claude-3-7-sonnet-20250219-v1:0';

let dir: string;
let up: MockUpstream;
let bedrock: MockBedrock;
let server: ChildProcess;
let stdout = '';
let stderr = '';
let url = '';
let adminToken = '';
const bridgeTokens: string[] = [];
/** Admin API answers by path. */
const adminReads: Record<string, string> = {};

async function cli(...args: string[]): Promise<string> {
  const { stdout: out } = await run(process.execPath, [CLI, ...args, '--data-dir', dir], { encoding: 'utf8' });
  return out;
}

async function call(p: string, body: unknown, headers: Record<string, string>): Promise<number> {
  const res = await fetch(`${url}${p}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  await res.arrayBuffer();
  return res.status;
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aib-secrets-'));
  up = await startMockUpstream();
  bedrock = await startMockBedrock();
  const alice = (await cli('tokens', 'create', '--name', 'alice')).trimEnd().split('\n').at(-1) ?? '';
  const bob = (await cli('tokens', 'create', '--name', 'bob')).trimEnd().split('\n').at(-1) ?? '';
  bridgeTokens.push(alice, bob);

  server = spawn(process.execPath, [
    CLI, 'serve', '--data-dir', dir, '--port', '0', '--enabled', '--structured-logging',
    '--log-json', path.join(dir, 'logs', 'aibridge.jsonl'),
    '--anthropic-base-url', up.url, '--openai-base-url', `${up.url}/v1/`,
    '--bedrock-region', 'us-east-1', '--bedrock-base-url', bedrock.url,
    '--bedrock-model', 'us.anthropic.claude-sonnet-4-5-20250929-v1:0', '--bedrock-small-fast-model', 'us.anthropic.claude-haiku-4-5-20251001-v1:0',
    '--circuit-failure-threshold', '1', // one upstream failure opens a circuit: its key names the model
  ], {
    env: { ...process.env, AIBRIDGE_DATA_DIR: '', AIBRIDGE_ANTHROPIC_KEY: SECRETS.anthropic, AIBRIDGE_BEDROCK_ACCESS_KEY: SECRETS.bedrockKey, AIBRIDGE_BEDROCK_ACCESS_KEY_SECRET: SECRETS.bedrockSecret },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  server.stdout?.on('data', (c: Buffer) => { stdout += c.toString(); });
  server.stderr?.on('data', (c: Buffer) => { stderr += c.toString(); });
  for (let i = 0; i < 600 && !/#token=\S+/.test(stdout); i++) await new Promise((resolve) => setTimeout(resolve, 25));
  url = /listening on (\S+)/.exec(stdout)?.[1] ?? '';
  adminToken = /#token=(\S+)/.exec(stdout)?.[1] ?? '';
  if (!url || !adminToken) throw new Error(`server did not start:\n${stdout}\n${stderr}`);
  const admin = { authorization: `Bearer ${adminToken}` };
  const setOpenAiKey = async (key: string): Promise<void> => {
    const res = await fetch(`${url}/api/v1/settings`, { method: 'PATCH', headers: { ...admin, 'content-type': 'application/json' }, body: JSON.stringify({ openai_key: key }) });
    expect(res.status, await res.text()).toBeLessThan(300);
  };
  // The OpenAI key comes from the dashboard (a flag would make it read-only).
  await setOpenAiKey(SECRETS.openai);

  const msg = (stream: boolean) => ({ model: 'claude-sonnet-4-5', max_tokens: 64, stream, messages: [{ role: 'user', content: 'hi' }] });
  await cli('tokens', 'revoke', 'bob');
  // The server honours the revoke (file watch): polled until bob is refused, not slept for.
  await vi.waitFor(async () => expect(await call('/anthropic/v1/messages', msg(false), { 'x-api-key': bob })).toBe(401), { timeout: 10_000, interval: 50 });

  const chat = (stream: boolean) => ({ model: 'gpt-4o', stream, messages: [{ role: 'user', content: 'hi' }] });
  const resp = (stream: boolean) => ({ model: 'gpt-5', stream, input: 'hi' });
  const statuses: number[] = [];
  const auths: Record<string, string>[] = [{ 'x-api-key': alice }, { authorization: `Bearer ${alice}` }];
  for (const auth of auths) {
    for (const stream of [true, false]) {
      statuses.push(await call('/anthropic/v1/messages', msg(stream), auth));
      statuses.push(await call('/openai/v1/chat/completions', chat(stream), auth));
      statuses.push(await call('/openai/v1/responses', resp(stream), auth));
    }
    bedrock.setScenario('tool-use');
    statuses.push(await call(`/bedrock/model/${encodeURIComponent(NATIVE_MODEL)}/invoke-with-response-stream`, { anthropic_version: 'bedrock-2023-05-31', max_tokens: 64, messages: [{ role: 'user', content: 'hi' }] }, auth));
  }
  expect(statuses.every((s) => s === 200)).toBe(true);
  // Upstream errors, made-up / revoked / missing tokens.
  expect(await call('/openai/v1/chat/completions', chat(false), { authorization: `Bearer ${alice}`, 'x-mock-fixture': 'openai-chat/error-401.json' })).toBe(401);
  expect(await call('/anthropic/v1/messages', msg(false), { 'x-api-key': alice, 'x-mock-fixture': 'anthropic/error-429.json' })).toBe(429);
  expect(await call('/anthropic/v1/messages', msg(false), { 'x-api-key': MADE_UP_TOKEN })).toBe(401);
  expect(await call('/openai/v1/responses', resp(false), { authorization: `Bearer ${MADE_UP_TOKEN}` })).toBe(401);
  expect(await call('/anthropic/v1/messages', msg(true), { 'x-api-key': bob })).toBe(401);
  // A key changed from the dashboard, then used.
  await setOpenAiKey(SECRETS.openaiPatched);
  expect(await call('/openai/v1/chat/completions', chat(true), { authorization: `Bearer ${alice}` })).toBe(200);
  // A misconfigured client puts secrets where identifiers go: the bridge token as the model (an
  // upstream failure, so a circuit keyed by it opens, then refuses), a provider key as the model,
  // the token in the user agent and as the session id (another model: the 429 above opened
  // claude-sonnet-4-5's circuit).
  const tokenModel = { ...msg(false), model: alice };
  expect(await call('/anthropic/v1/messages', tokenModel, { 'x-api-key': alice, 'x-mock-fixture': 'anthropic/error-529.json' })).toBe(529);
  expect(await call('/anthropic/v1/messages', tokenModel, { 'x-api-key': alice })).toBe(503);
  expect(await call('/openai/v1/chat/completions', { ...chat(true), model: SECRETS.openaiPatched }, { authorization: `Bearer ${alice}` })).toBe(200);
  expect(await call('/anthropic/v1/messages', { ...msg(true), model: 'claude-haiku-4-5' }, { 'x-api-key': alice, 'user-agent': `claude-cli/2.0.0 (external, cli) ${alice}`, 'x-claude-code-session-id': alice })).toBe(200);
  // Admin reads (kept: they are grepped too), exports through the API.
  for (const p of ['/api/v1/status', '/api/v1/settings', '/api/v1/interceptions?limit=100', '/api/v1/tokens', '/metrics']) {
    adminReads[p] = await (await fetch(`${url}${p}`, { headers: admin })).text();
  }
  fs.writeFileSync(path.join(dir, 'api-export.jsonl'), await (await fetch(`${url}/api/v1/export?format=jsonl`, { headers: admin })).text());
  fs.writeFileSync(path.join(dir, 'api-export.ecs.jsonl'), await (await fetch(`${url}/api/v1/export?format=ecs`, { headers: admin })).text());

  server.kill('SIGTERM');
  await once(server, 'exit');
  await cli('export', '--out', path.join(dir, 'cli-export.jsonl'), '--format', 'jsonl');
  await cli('export', '--out', path.join(dir, 'cli-export.ecs.jsonl'), '--format', 'ecs', '--since', '1h');
}, 120_000);

afterAll(async () => {
  if (server && server.exitCode === null) server.kill('SIGKILL');
  await up?.close();
  await bedrock?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('secrets never reach a log or export line', () => {
  it('greps every log line, every export line, stdout and stderr of a full run', () => {
    const logDir = path.join(dir, 'logs');
    const sources: Record<string, string> = {
      stderr,
      stdout: stdout.replace(`#token=${adminToken}`, '#token=<admin>'), // the login URL is printed by design (SPEC §2)
    };
    for (const f of fs.readdirSync(logDir)) sources[`logs/${f}`] = fs.readFileSync(path.join(logDir, f), 'utf8');
    for (const f of ['api-export.jsonl', 'api-export.ecs.jsonl', 'cli-export.jsonl', 'cli-export.ecs.jsonl']) sources[f] = fs.readFileSync(path.join(dir, f), 'utf8');
    for (const [p, text] of Object.entries(adminReads)) sources[`GET ${p}`] = text;

    const logLines = sources['logs/aibridge.jsonl']?.split('\n').filter(Boolean) ?? [];
    const exportLines = sources['cli-export.jsonl']?.split('\n').filter(Boolean) ?? [];
    // The run really happened: 14 ok calls + 3 recorded failures/successes, all logged and exported.
    expect(logLines.filter((l) => l.includes('"record_type":"interception_end"')).length).toBeGreaterThanOrEqual(17);
    expect(exportLines.filter((l) => l.includes('"record_type":"interception_end"')).length).toBeGreaterThanOrEqual(17);
    for (const l of logLines) expect(() => JSON.parse(l) as unknown).not.toThrow();
    // The secrets sent as identifiers were recorded, as markers, and the circuit keyed by one opened.
    expect(adminReads['/metrics']).toMatch(/aibridge_upstream_circuit_state\{key="anthropic\/\[REDACTED:bridge-token\]"\} 2/);
    const recorded = (JSON.parse(adminReads['/api/v1/interceptions?limit=100'] ?? '{}') as { results: { model: string; user_agent: string | null; client_session_id: string | null }[] }).results;
    expect(recorded.filter((r) => r.model === '[REDACTED:bridge-token]').length).toBe(2);
    expect(recorded.some((r) => /^\[REDACTED:[a-z-]+\]$/.test(r.model) && r.model !== '[REDACTED:bridge-token]')).toBe(true);
    expect(recorded.some((r) => r.client_session_id === '[REDACTED:bridge-token]' && r.user_agent?.endsWith(' [REDACTED:bridge-token]'))).toBe(true);
    expect(up.requests.some((r) => (r.json as { model?: string } | undefined)?.model === bridgeTokens[0])).toBe(true); // upstream got the body untouched

    // The secrets were really used upstream (so a leak had every chance to happen).
    expect(up.requests.some((r) => r.headers['x-api-key'] === SECRETS.anthropic)).toBe(true);
    expect(up.requests.some((r) => r.headers.authorization === `Bearer ${SECRETS.openai}`)).toBe(true);
    expect(up.requests.some((r) => r.headers.authorization === `Bearer ${SECRETS.openaiPatched}`)).toBe(true);
    expect(bedrock.requests.some((r) => r.credential?.accessKeyId === SECRETS.bedrockKey)).toBe(true);

    const needles = [...Object.values(SECRETS), ...bridgeTokens, MADE_UP_TOKEN, adminToken];
    expect(bridgeTokens.every((t) => t.length > 16)).toBe(true);
    const hits: string[] = [];
    for (const [name, text] of Object.entries(sources)) {
      text.split('\n').forEach((line, i) => {
        for (const s of needles) if (line.includes(s)) hits.push(`${name}:${i + 1} holds ${s.slice(0, 8)}…`);
        if (/GREPME/.test(line)) hits.push(`${name}:${i + 1} holds a GREPME marker`);
      });
    }
    expect(hits).toEqual([]);
    console.log(`[secrets-grep] ${Object.keys(sources).length} sources, ${Object.values(sources).reduce((n, t) => n + t.split('\n').length, 0)} lines, ${needles.length} secrets, 0 hits`);
  });
});
