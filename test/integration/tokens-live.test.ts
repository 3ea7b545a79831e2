/**
 * Bridge tokens between processes, against a running gateway (issue #13, issue #19):
 * - a token made by another process works on the very next call, without waiting for the poll;
 * - a corrupt tokens.json never takes the server down: it keeps the tokens it had and logs it.
 * (16 parallel `aibridge tokens create` processes: test/reliability/tokens-parallel.test.ts.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startApp } from '../../src/app.js';
import type { RunningApp } from '../../src/app-types.js';
import { TokenStore } from '../../src/store/tokens.js';
import { startMockUpstream } from '../helpers/mock-upstream.js';
import { BUILT_CLI } from '../helpers/built-cli.js';

const run = promisify(execFile);
const cli = (dataDir: string, ...args: string[]) =>
  run(process.execPath, [BUILT_CLI, '--data-dir', dataDir, ...args], { env: { ...process.env, AIBRIDGE_ADMIN_TOKEN: '' } });

let up: Awaited<ReturnType<typeof startMockUpstream>>;
let app: RunningApp;
let dataDir: string;
let logFile: string;

const call = (token: string) =>
  fetch(app.url + '/anthropic/v1/messages', {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': token },
    body: JSON.stringify({ model: 'claude-sonnet-4-5', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] }),
  });

beforeAll(async () => {
  up = await startMockUpstream();
  dataDir = mkdtempSync(join(tmpdir(), 'abr-tokens-live-'));
  logFile = join(dataDir, 'log.jsonl');
  app = await startApp({
    dataDir,
    port: 0,
    env: {},
    argv: ['--enabled', '--anthropic-key', 'sk-ant-tokens-live-0123', '--anthropic-base-url', up.url, '--log-json', logFile],
  });
});

afterAll(async () => {
  await app?.close();
  await up?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('a token made by another process', () => {
  it('works on the very next call (five in a row, no waiting)', async () => {
    for (let i = 0; i < 5; i++) {
      const { token } = await new TokenStore(dataDir).create(`next-call-${i}`);
      expect((await call(token)).status).toBe(200);
    }
  });

  it('made by the CLI, works on the call right after the CLI exits', async () => {
    const { stdout } = await cli(dataDir, 'tokens', 'create', '--name', 'cli-next');
    const token = stdout.trim().split('\n').at(-1)!;
    expect((await call(token)).status).toBe(200);
  });

  it('an unknown token is still refused', async () => {
    expect((await call('abr_not_a_token')).status).toBe(401);
  });
});

describe('a corrupt tokens.json under a running server', () => {
  it('keeps the last good set, logs the problem, and recovers when the file is fixed', async () => {
    const { token } = await new TokenStore(dataDir).create('survivor');
    expect((await call(token)).status).toBe(200);
    const file = join(dataDir, 'tokens.json');
    const good = readFileSync(file, 'utf8');
    const warnings = () => (existsSync(logFile) ? readFileSync(logFile, 'utf8').match(/tokens\.json cannot be read .*; keeping the \d+ active token\(s\) read before/g)?.length ?? 0 : 0);
    for (const [i, bad] of ['{"tokens": [', '{"tokens":null}'].entries()) {
      writeFileSync(file, bad);
      // The 250 ms watch re-read this version and kept the old set (it logs once per bad version):
      // waited for, not slept for, so the call below runs after the reload, however slow the machine.
      await expect.poll(warnings, { timeout: 10_000, interval: 25 }).toBe(i + 1);
      expect((await call(token)).status).toBe(200);
      const res = await fetch(app.url + '/api/v1/tokens', { headers: { authorization: `Bearer ${app.adminToken}` } });
      expect(res.status).toBe(200);
      // Creating now would replace the file with one token: refused with a clear message.
      const made = await fetch(app.url + '/api/v1/tokens', {
        method: 'POST',
        headers: { authorization: `Bearer ${app.adminToken}`, 'content-type': 'application/json' },
        body: '{"name":"during"}',
      });
      expect(made.status).toBe(409);
      expect(((await made.json()) as { error: { message: string } }).error.message).toMatch(/tokens\.json cannot be read/);
      expect(readFileSync(file, 'utf8')).toBe(bad);
    }
    const log = readFileSync(logFile, 'utf8');
    expect(log).toMatch(/tokens\.json cannot be read/);
    expect(log).not.toContain(token);

    writeFileSync(file, good);
    const { token: after } = await new TokenStore(dataDir).create('after-fix');
    expect((await call(after)).status).toBe(200);
    expect((await call(token)).status).toBe(200);
  });
});
