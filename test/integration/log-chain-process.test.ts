/**
 * SPEC §13 with a real `aibridge serve` child (issue 16), the parts test/integration/log-chain.test.ts
 * leaves out: a run past 1,000 lines signs a checkpoint on its own, so a SIGKILL after it leaves a
 * file signed through that checkpoint and only the tail after it unsigned; a restart whose first
 * write rotates the file (the old one belongs to an earlier UTC day) goes on with the same chain
 * in the new file; a clean SIGTERM exits 0 and writes a final checkpoint, and `aibridge verify`
 * then walks the rotated file and the live one and passes; an edit in the rotated file fails
 * naming that file and line. And the 60 s timer (issue 16): a child that writes a few lines and
 * then sees no traffic signs them on its own (the timer shortened by the test-only
 * AIBRIDGE_TEST_CHECKPOINT_INTERVAL_MS, docs/logging.md); `aibridge verify` passes on the live
 * file, and after a SIGKILL too. Needs `npm run build` (dist/src/cli.js).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, cleanEnv, createBridgeToken, startGatewayProcess, type GatewayProcess } from '../reliability/gateway-process.js';
import { startMockUpstream, type MockUpstream } from '../helpers/mock-upstream.js';
import { RotatingFile } from '../../src/gateway/log-file.js';

type Line = Record<string, unknown> & { chain: { seq: number; prev: string; hash: string } };

let dir: string;
let dataDir: string;
let logFile: string;
let up: MockUpstream;
let token: string;
let gw: GatewayProcess | undefined;

function cli(...args: string[]): { status: number | null; stdout: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: cleanEnv() });
  return { status: r.status, stdout: r.stdout };
}

const read = (file: string): Line[] => fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Line);
const ends = (file: string) => (fs.existsSync(file) ? (fs.readFileSync(file, 'utf8').match(/"record_type":"interception_end"/g) ?? []).length : 0);

async function start(): Promise<GatewayProcess> {
  return startGatewayProcess({
    dataDir,
    args: ['--enabled', '--anthropic-key', 'sk-ant-chain-process-000000000', '--anthropic-base-url', `${up.url}/`, '--structured-logging', '--log-json', logFile],
  });
}

/** `n` calls, four at a time. */
async function calls(g: GatewayProcess, n: number, tag: string): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < n) {
      const i = next++;
      const res = await fetch(`${g.url}/anthropic/v1/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': token, 'anthropic-version': '2023-06-01' },
        body: JSON.stringify({ model: 'claude-sonnet-4-5', max_tokens: 16, messages: [{ role: 'user', content: `${tag} ${i}` }] }),
      });
      expect(res.status).toBe(200);
      await res.arrayBuffer();
    }
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
}

/** Waits until the log files hold `n` interception_end lines in all (the writer batches for a few ms). */
async function waitForEnds(n: number): Promise<void> {
  for (let i = 0; i < 1000; i++) {
    const total = [...RotatingFile.rotatedFilesOf(logFile), logFile].reduce((sum, f) => sum + ends(f), 0);
    if (total >= n) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`fewer than ${n} interception_end lines`);
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aib-chain-proc-'));
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

describe('log chain of a real serve process: checkpoints, SIGKILL, rotation, SIGTERM', () => {
  let crashed: Line[] = [];
  let checkpointAt = 0;

  it('past 1,000 lines a checkpoint is signed without a stop; SIGKILL then leaves only the tail after it unsigned', async () => {
    gw = await start();
    await calls(gw, 270, 'run one');
    await waitForEnds(270);
    await gw.kill9();
    gw = undefined;

    crashed = read(logFile);
    expect(crashed.length).toBeGreaterThan(1000);
    expect(crashed.map((l) => l.chain.seq)).toEqual(crashed.map((_l, i) => i + 1));
    const checkpoints = crashed.filter((l) => l['record_type'] === 'chain_checkpoint');
    expect(checkpoints).toHaveLength(1); // the 1,000-line one: a SIGKILL writes none
    expect(checkpoints[0]).toMatchObject({ seq: 1000 });
    checkpointAt = checkpoints[0]!.chain.seq; // 1001: the checkpoint line itself
    expect(crashed.length).toBeGreaterThan(checkpointAt); // lines after it, unsigned

    const v = cli('verify', logFile, '--data-dir', dataDir);
    expect(v.status).toBe(1);
    const breaks = v.stdout.split('\n').filter((l) => /^ {2}\S+:\d+: /.test(l));
    expect(breaks).toEqual([
      `  ${logFile}:${checkpointAt + 1}: unsigned tail: lines from here on (up to seq ${crashed.length}) are not covered by a signed checkpoint; the chain is signed through seq ${checkpointAt}`,
    ]);
    // Cut after the checkpoint, the file verifies on its own: the prefix a crash leaves is sound.
    const prefix = path.join(dir, 'prefix.jsonl');
    fs.writeFileSync(prefix, fs.readFileSync(logFile, 'utf8').split('\n').slice(0, checkpointAt).join('\n') + '\n');
    expect(cli('verify', prefix, '--data-dir', dataDir).status).toBe(0);
  }, 120_000);

  it('a restart that rotates the file goes on with the same chain; SIGTERM exits 0 with a final checkpoint and both files verify', async () => {
    // The crashed file was last written "yesterday": the next run's first write rotates it.
    const yesterday = new Date(Date.now() - 86_400_000);
    fs.utimesSync(logFile, yesterday, yesterday);
    const rotatedName = `${logFile}.${yesterday.toISOString().slice(0, 10)}.1`;

    gw = await start();
    await calls(gw, 6, 'run two');
    await waitForEnds(276);
    const g = gw;
    await g.stop();
    gw = undefined;
    expect(await g.exited).toEqual({ code: 0, signal: null });

    expect(RotatingFile.rotatedFilesOf(logFile)).toEqual([rotatedName]);
    expect(fs.readFileSync(rotatedName, 'utf8').split('\n').filter(Boolean)).toHaveLength(crashed.length);
    const live = read(logFile);
    // The first line of the new file links to the last line of the rotated one.
    expect(live[0]!.chain).toMatchObject({ seq: crashed.length + 1, prev: crashed.at(-1)!.chain.hash });
    expect(live.map((l) => l.chain.seq)).toEqual(live.map((_l, i) => crashed.length + 1 + i));
    const last = live.at(-1)!;
    expect(last).toMatchObject({ record_type: 'chain_checkpoint', seq: last.chain.seq - 1, hash: live.at(-2)!.chain.hash });

    const v = cli('verify', logFile, '--data-dir', dataDir);
    expect(v.stdout).toMatch(/^OK /);
    expect(v.stdout).toContain(`signed through seq ${last.chain.seq}`);
    expect(v.status).toBe(0);
  }, 120_000);

  it('an edited line in the rotated file fails verification naming that file and line', () => {
    const rotated = RotatingFile.rotatedFilesOf(logFile)[0]!;
    const text = fs.readFileSync(rotated, 'utf8').split('\n');
    const at = text.findIndex((l, i) => i >= 40 && l.includes('"prompt":"run one')) + 1; // 1-based
    expect(at).toBeGreaterThan(40);
    text[at - 1] = text[at - 1]!.replace('run one', 'run 0ne');
    fs.writeFileSync(rotated, text.join('\n'));
    const v = cli('verify', logFile, '--data-dir', dataDir);
    expect(v.status).toBe(1);
    expect(v.stdout).toContain(`${rotated}:${at}: edited`);
  });
});

describe('the checkpoint timer of a real serve process (SPEC §13: at least every 60 s)', () => {
  it('a few lines, then no traffic: a checkpoint signs them by itself; verify passes live and after SIGKILL', async () => {
    const idleDir = path.join(dir, 'idle');
    const idleLog = path.join(idleDir, 'aibridge.jsonl');
    const idleData = path.join(idleDir, 'data');
    const idleToken = createBridgeToken(idleData, 'idle');
    const g = await startGatewayProcess({
      dataDir: idleData,
      args: ['--enabled', '--anthropic-key', 'sk-ant-chain-idle-0000000000', '--anthropic-base-url', `${up.url}/`, '--structured-logging', '--log-json', idleLog],
      env: { AIBRIDGE_TEST_CHECKPOINT_INTERVAL_MS: '1000' },
    });
    try {
      for (let i = 0; i < 3; i++) {
        const res = await fetch(`${g.url}/anthropic/v1/messages`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-api-key': idleToken, 'anthropic-version': '2023-06-01' },
          body: JSON.stringify({ model: 'claude-sonnet-4-5', max_tokens: 16, messages: [{ role: 'user', content: `idle ${i}` }] }),
        });
        expect(res.status).toBe(200);
        await res.arrayBuffer();
      }
      // No more traffic: the timer, not a line count or a stop, must sign what was written.
      let lines: Line[] = [];
      for (let i = 0; i < 600; i++) {
        lines = fs.existsSync(idleLog) ? read(idleLog) : [];
        if (ends(idleLog) >= 3 && lines.at(-1)?.['record_type'] === 'chain_checkpoint') break;
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(ends(idleLog)).toBe(3);
      expect(lines.length).toBeLessThan(1000); // not the 1,000-line checkpoint
      const last = lines.at(-1)!;
      expect(last).toMatchObject({ record_type: 'chain_checkpoint', seq: last.chain.seq - 1, hash: lines.at(-2)!.chain.hash });
      const live = cli('verify', idleLog, '--data-dir', idleData);
      expect(live.stdout).toContain(`signed through seq ${last.chain.seq}`);
      expect(live.status).toBe(0);
    } finally {
      await g.kill9();
    }
    // A SIGKILL after the checkpoint: what it left verifies (a prefix signed through its last checkpoint).
    const after = read(idleLog);
    const lastCheckpoint = after.map((l) => l['record_type']).lastIndexOf('chain_checkpoint') + 1;
    const prefix = path.join(idleDir, 'prefix.jsonl');
    fs.writeFileSync(prefix, fs.readFileSync(idleLog, 'utf8').split('\n').slice(0, lastCheckpoint).join('\n') + '\n');
    expect(cli('verify', prefix, '--data-dir', idleData).status).toBe(0);
    const killed = cli('verify', idleLog, '--data-dir', idleData);
    // Lines after the last checkpoint (none while idle) could only be an unsigned tail, never a break.
    if (lastCheckpoint === after.length) expect(killed.status).toBe(0);
    else expect(killed.stdout).toMatch(/unsigned tail/);
  }, 120_000);
});
