/**
 * SPEC §13 end to end with a real `aibridge serve` child process: the `--log-json` file's chain
 * runs on across restarts, a clean stop signs the head, `kill -9` leaves a prefix that verifies
 * (only an unsigned tail is reported), the next clean run signs that tail too, and `aibridge
 * verify` fails against another install's key. Some prompts hold what only the chain's general
 * path can write, or what the line templates must escape exactly. Needs `npm run build`
 * (dist/src/cli.js).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, cleanEnv, createBridgeToken, startGatewayProcess, type GatewayProcess } from '../reliability/gateway-process.js';
import { startMockUpstream, type MockUpstream } from '../helpers/mock-upstream.js';

let dir: string;
let dataDir: string;
let logFile: string;
let up: MockUpstream;
let token: string;
let gw: GatewayProcess | undefined;

function cli(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: cleanEnv() });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function lines(file = logFile): Array<Record<string, unknown> & { chain: { seq: number; prev: string; hash: string } }> {
  return fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown> & { chain: { seq: number; prev: string; hash: string } });
}

async function start(): Promise<GatewayProcess> {
  return startGatewayProcess({
    dataDir,
    args: ['--enabled', '--anthropic-key', 'sk-ant-chain-test-0000000000', '--anthropic-base-url', `${up.url}/`, '--structured-logging', '--log-json', logFile],
  });
}

/**
 * Mostly plain prompts, and every fifth one with what only the chain's general path writes (a
 * lone surrogate, sent as JSON's `\ud800` escape) or what the templates must escape exactly.
 */
function prompt(i: number): string {
  if (i % 5 === 1) return `lone \ud800 then "quotes", a tab\t, U+2028 \u2028 and 😀: chain call ${i}`;
  if (i % 5 === 3) return `literal \\ud800, NUL \u0000, backslash \\: chain call ${i}`;
  return `chain call ${i}`;
}

async function calls(g: GatewayProcess, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    const res = await fetch(`${g.url}/anthropic/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': token, 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({ model: 'claude-sonnet-4-5', max_tokens: 16, messages: [{ role: 'user', content: prompt(i) }] }),
    });
    expect(res.status).toBe(200);
    await res.arrayBuffer();
  }
}

/** Waits until the log file holds `n` interception_end lines (the writer batches for a few ms). */
async function waitForEnds(n: number): Promise<void> {
  for (let i = 0; i < 500; i++) {
    const text = fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8') : '';
    if ((text.match(/"record_type":"interception_end"/g) ?? []).length >= n) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`fewer than ${n} interception_end lines in ${logFile}`);
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aib-chain-'));
  dataDir = path.join(dir, 'data');
  logFile = path.join(dir, 'logs', 'aibridge.jsonl');
  up = await startMockUpstream();
  token = createBridgeToken(dataDir, 'chain');
});

afterAll(async () => {
  await gw?.kill9();
  await up?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('log chain across restarts and a kill -9', () => {
  it('a clean run verifies, and `aibridge public-key` prints the key whose id the checkpoints carry', async () => {
    gw = await start();
    await calls(gw, 5);
    await waitForEnds(5);
    await gw.stop();
    const all = lines();
    expect(all.map((l) => l.chain.seq)).toEqual(all.map((_l, i) => i + 1));
    // The odd prompts were logged as what their JSON said (the lone surrogate as U+FFFD).
    const prompts = all.filter((l) => l['record_type'] === 'prompt_usage').map((l) => l['prompt']);
    expect(prompts).toContain(`lone \ufffd then "quotes", a tab\t, U+2028 \u2028 and 😀: chain call 1`);
    expect(prompts).toContain(`literal \\ud800, NUL \u0000, backslash \\: chain call 3`);
    const last = all.at(-1)!;
    expect(last).toMatchObject({ msg: 'chain checkpoint', record_type: 'chain_checkpoint', seq: all.length - 1, hash: all.at(-2)!.chain.hash });

    const pk = cli('public-key', '--data-dir', dataDir);
    expect(pk.status).toBe(0);
    expect(pk.stdout).toMatch(/^-----BEGIN PUBLIC KEY-----\n[\s\S]+-----END PUBLIC KEY-----\n$/);
    const v = cli('verify', logFile, '--data-dir', dataDir);
    expect(v.stdout).toContain(`signed through seq ${all.length}`);
    expect(v.stdout).toContain(`key ${String(last['key_id'])}`);
    expect(v.status).toBe(0);
    // The same with the key given as a file, as a SIEM team would.
    const pem = path.join(dir, 'install.pem');
    fs.writeFileSync(pem, pk.stdout);
    expect(cli('verify', logFile, '--public-key', pem).status).toBe(0);
  }, 60_000);

  it('kill -9 leaves a prefix that verifies: the only break reported is the unsigned tail', async () => {
    const before = lines();
    gw = await start();
    await calls(gw, 5);
    await waitForEnds(10);
    await gw.kill9();
    gw = undefined;
    const all = lines();
    // The chain ran on across the restart: the first line of the second run links to the last of the first.
    expect(all[before.length]?.chain).toMatchObject({ seq: before.length + 1, prev: before.at(-1)!.chain.hash });
    expect(all.map((l) => l.chain.seq)).toEqual(all.map((_l, i) => i + 1));

    const v = cli('verify', logFile, '--data-dir', dataDir);
    expect(v.status).toBe(1);
    const breaks = v.stdout.split('\n').filter((l) => /^ {2}\S+:\d+: /.test(l));
    expect(breaks).toEqual([`  ${logFile}:${before.length + 1}: unsigned tail: lines from here on (up to seq ${all.length}) are not covered by a signed checkpoint; the chain is signed through seq ${before.length}`]);

    // The prefix up to the last checkpoint verifies on its own.
    const prefix = path.join(dir, 'prefix.jsonl');
    fs.writeFileSync(prefix, fs.readFileSync(logFile, 'utf8').split('\n').slice(0, before.length).join('\n') + '\n');
    expect(cli('verify', prefix, '--data-dir', dataDir).status).toBe(0);
  }, 60_000);

  it('the next clean run signs the crashed run\'s tail too; another install\'s key fails', async () => {
    gw = await start();
    await calls(gw, 3);
    await waitForEnds(13);
    await gw.stop();
    gw = undefined;
    const v = cli('verify', logFile, '--data-dir', dataDir);
    expect(v.stdout).toMatch(/^OK /);
    expect(v.status).toBe(0);

    const other = path.join(dir, 'other-install');
    const otherKey = cli('public-key', '--data-dir', other);
    expect(otherKey.status).toBe(0);
    const bad = cli('verify', logFile, '--public-key', otherKey.stdout);
    expect(bad.status).toBe(1);
    expect(bad.stdout).toMatch(/bad signature: signed by another key/);
  }, 60_000);
});
