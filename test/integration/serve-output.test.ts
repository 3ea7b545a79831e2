/**
 * Issue #13: `aibridge serve --log-json /dev/stdout` wrote the non-JSON line
 * `dashboard: …/#token=ADMIN` into the stream a log shipper forwards. Every line of a `--log-json`
 * destination is JSON (SPEC §7), and the admin token never goes into a log or the systemd journal.
 * Real child processes; stdout is a pipe or a real file, never a terminal here.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BUILT_CLI } from '../helpers/built-cli.js';

const CLI = BUILT_CLI;
const dirs: string[] = [];

function tempDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'aib-serve-out-'));
  dirs.push(d);
  return d;
}

function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^(CODER_)?AIBRIDGE_|^JOURNAL_STREAM$/.test(k)) env[k] = v;
  return { ...env, ...extra };
}

function adminTokenOf(dataDir: string): string {
  const r = spawnSync(process.execPath, [CLI, 'admin-token', '--data-dir', dataDir], { encoding: 'utf8', env: cleanEnv() });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout.trim();
}

/**
 * Runs `serve` with stdout (and, when `shareStderr`, stderr) going to a real file, waits until
 * `ready` shows up in it, stops it with SIGTERM and returns what stdout and stderr got.
 */
async function serveInto(args: string[], opts: { env?: (stdout: fs.Stats) => Record<string, string>; shareStderr?: boolean; ready: RegExp }): Promise<{ out: string; err: string; dataDir: string }> {
  const dataDir = tempDir();
  const outFile = path.join(dataDir, 'stdout.txt');
  const errFile = path.join(dataDir, 'stderr.txt');
  const outFd = fs.openSync(outFile, 'a');
  const errFd = opts.shareStderr ? outFd : fs.openSync(errFile, 'a');
  const child = spawn(process.execPath, [CLI, 'serve', '--data-dir', dataDir, '--port', '0', ...args], {
    stdio: ['ignore', outFd, errFd],
    env: cleanEnv(opts.env?.(fs.fstatSync(outFd)) ?? {}),
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  try {
    let out = '';
    for (let i = 0; i < 1200 && !opts.ready.test(out); i++) {
      if (child.exitCode !== null) break;
      await new Promise((resolve) => setTimeout(resolve, 25));
      out = fs.readFileSync(outFile, 'utf8');
    }
    expect(out, `not ready:\n${out}\n${opts.shareStderr ? '' : fs.readFileSync(errFile, 'utf8')}`).toMatch(opts.ready);
  } finally {
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    fs.closeSync(outFd);
    if (errFd !== outFd) fs.closeSync(errFd);
  }
  return { out: fs.readFileSync(outFile, 'utf8'), err: opts.shareStderr ? '' : fs.readFileSync(errFile, 'utf8'), dataDir };
}

function jsonLines(text: string): Array<Record<string, unknown>> {
  const lines = text.split('\n').filter((l) => l !== '');
  return lines.map((l) => {
    try {
      return JSON.parse(l) as Record<string, unknown>;
    } catch {
      throw new Error(`not a JSON line: ${l}`);
    }
  });
}

afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

describe('serve with the JSON log on stdout (issue #13)', () => {
  for (const target of ['/dev/stdout', '-']) {
    it(`--log-json ${target}: every stdout line is JSON, the admin token is in none of them`, async () => {
      const { out, err, dataDir } = await serveInto(['--log-json', target, '--structured-logging'], { ready: /listening on http/ });
      const lines = jsonLines(out);
      const msgs = lines.map((l) => String(l['msg']));
      expect(msgs.some((m) => /^listening on http:\/\/127\.0\.0\.1:\d+$/.test(m))).toBe(true);
      // Says where the dashboard is and how to sign in, without the token.
      expect(msgs.some((m) => m.includes('/ui/') && m.includes('aibridge admin-token'))).toBe(true);
      expect(msgs.some((m) => m.startsWith('bridge is disabled'))).toBe(true);
      expect(msgs.some((m) => m.startsWith('SIGTERM: stopping'))).toBe(true);
      for (const l of lines) expect(l['chain'], JSON.stringify(l)).toBeDefined(); // SPEC §13: the log's own lines
      const token = adminTokenOf(dataDir);
      expect(out).not.toContain(token);
      expect(err).not.toContain(token); // stderr is not a terminal either
    });
  }

  it('--log-json /dev/stderr with stderr and stdout the same file (2>&1): still JSON only', async () => {
    const { out, dataDir } = await serveInto(['--log-json', '/dev/stderr'], { shareStderr: true, ready: /listening on http/ });
    expect(jsonLines(out).some((l) => String(l['msg']).startsWith('listening on http://'))).toBe(true);
    expect(out).not.toContain(adminTokenOf(dataDir));
  });
});

describe('serve under systemd (stdout is the journal)', () => {
  it('prints the listen address and how to sign in, not the admin token', async () => {
    const { out, dataDir } = await serveInto([], { env: (st) => ({ JOURNAL_STREAM: `${st.dev}:${st.ino}` }), ready: /bridge is disabled/ });
    expect(out).toMatch(/^listening on http:\/\/127\.0\.0\.1:\d+$/m);
    expect(out).toMatch(/^dashboard: http:\/\/127\.0\.0\.1:\d+\/ui\/ \(sign in with the admin token: aibridge admin-token\)$/m);
    expect(out).not.toContain(adminTokenOf(dataDir));
    expect(out).not.toContain('#token=');
  });

  it('a JOURNAL_STREAM that is not stdout changes nothing: the login URL is printed (SPEC §2)', async () => {
    const { out, dataDir } = await serveInto([], { env: () => ({ JOURNAL_STREAM: '1:1' }), ready: /bridge is disabled/ });
    expect(out).toContain(`/ui/#token=${adminTokenOf(dataDir)}`);
  });
});
