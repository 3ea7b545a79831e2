/**
 * Issue #13: with a full disk the gateway refused to start (ENOSPC on `writer.lock`) although at
 * runtime it degrades and keeps proxying. Now it starts degraded, loudly: the log says so, the
 * status says so (`health.ok: false`, a `warnings` line the dashboard shows), calls are proxied
 * and recorded in memory, and the records reach the disk once it has room again.
 *
 * A real full disk: a 512 KiB tmpfs filled to its last byte after the bridge token was made, with
 * a child `aibridge serve` on a data dir in it (ENOSPC on `writer.lock`, the issue's own error).
 * Mounting needs root (CAP_SYS_ADMIN); elsewhere the test is skipped. (RLIMIT_FSIZE would work for
 * any user, but Node restores SIGXFSZ's default action, so the limit kills the process instead.)
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startMockUpstream, type MockUpstream } from '../helpers/mock-upstream.js';
import { cleanEnv, createBridgeToken } from '../reliability/gateway-process.js';
import { BUILT_CLI as CLI } from '../helpers/built-cli.js';

function canMountTmpfs(): boolean {
  if (process.platform !== 'linux' || process.getuid?.() !== 0) return false;
  const probe = fs.mkdtempSync(path.join(os.tmpdir(), 'aib-mnt-probe-'));
  const ok = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', probe]).status === 0;
  if (ok) spawnSync('umount', [probe]);
  fs.rmSync(probe, { recursive: true, force: true });
  return ok;
}

interface Served { child: ChildProcess; url: string; adminToken: string; out: () => string; err: () => string; exited: Promise<number | null> }

async function serve(command: string, args: string[]): Promise<Served> {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env: cleanEnv() });
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  for (let i = 0; i < 1200 && !/#token=\S+/.test(out) && child.exitCode === null; i++) await new Promise((r) => setTimeout(r, 25));
  const url = /listening on (http:\S+)/.exec(out)?.[1];
  const adminToken = /#token=(\S+)/.exec(out)?.[1];
  if (!url || !adminToken) {
    child.kill('SIGKILL');
    throw new Error(`serve did not start (exit ${child.exitCode})\nstdout: ${out}\nstderr: ${err}`);
  }
  return { child, url, adminToken, out: () => out, err: () => err, exited };
}

async function until<T>(what: string, fn: () => Promise<T | undefined>, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

let up: MockUpstream;
const cleanups: Array<() => void> = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) c();
  await up?.close();
});

/**
 * The scenario: a data dir on a disk that takes no more bytes → serve starts degraded; a call is
 * proxied and recorded in memory; room comes back (`free`) → the record is written.
 */
async function degradedStart(dataDir: string, launch: (args: string[]) => Promise<Served>, free: (s: Served) => void): Promise<void> {
  up ??= await startMockUpstream();
  const token = createBridgeToken(dataDir, 'alice'); // while the disk still has room
  const s = await launch([
    CLI, 'serve', '--data-dir', dataDir, '--port', '0', '--enabled',
    '--anthropic-key', 'sk-ant-full-disk-0123456789', '--anthropic-base-url', up.url,
  ]);
  cleanups.push(() => s.child.kill('SIGKILL'));
  // The admin token could not be saved either: this run uses one kept in memory (and says so).
  expect(s.err()).toMatch(/admin token could not be saved/);
  const admin = async (p: string): Promise<any> => (await fetch(`${s.url}${p}`, { headers: { authorization: `Bearer ${s.adminToken}` } })).json();
  try {
    // Loud: the reason on stderr; the status and /healthz say recording fails.
    expect(s.err()).toMatch(/interception store: .*cannot be written.*(ENOSPC|EFBIG)/);
    const st = await admin('/api/v1/status');
    expect(st.health.ok).toBe(false);
    expect(st.health.store.error).toMatch(/ENOSPC|EFBIG/);
    expect(st.warnings.some((w: string) => /^recording fails: .*(ENOSPC|EFBIG).*kept in memory/.test(w))).toBe(true);
    expect(((await (await fetch(`${s.url}/healthz`)).json()) as { status?: string }).status).toBe('degraded');

    // The gateway proxies, and the call is recorded (in memory for now).
    const res = await fetch(`${s.url}/anthropic/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': token, 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({ model: 'claude-sonnet-4-5', max_tokens: 5, messages: [{ role: 'user', content: 'full disk?' }] }),
    });
    expect(res.status).toBe(200);
    await res.arrayBuffer();
    const list = await admin('/api/v1/interceptions');
    expect(list.results.map((r: any) => r.user_prompts[0]?.prompt)).toEqual(['full disk?']);

    // Room again: the record reaches the disk and health turns ok.
    free(s);
    await until('health ok', async () => ((await admin('/api/v1/status')).health.ok ? true : undefined));
    const segs = fs.readdirSync(path.join(dataDir, 'interceptions')).filter((n) => n.endsWith('.jsonl'));
    expect(segs.map((n) => fs.readFileSync(path.join(dataDir, 'interceptions', n), 'utf8')).join('')).toContain('full disk?');
  } finally {
    s.child.kill('SIGTERM');
    await s.exited;
  }
}

describe('start on a full disk (issue #13)', () => {
  it.skipIf(!canMountTmpfs())('a full tmpfs (ENOSPC on writer.lock, the issue\'s case): starts degraded, proxies, writes once there is room', { timeout: 60_000 }, async () => {
    const mnt = fs.mkdtempSync(path.join(os.tmpdir(), 'aib-full-'));
    expect(spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=512k', 'tmpfs', mnt]).status).toBe(0);
    cleanups.push(() => {
      spawnSync('umount', ['-l', mnt]);
      fs.rmSync(mnt, { recursive: true, force: true });
    });
    const dataDir = path.join(mnt, 'data');
    const filler = path.join(mnt, 'filler');
    await degradedStart(
      dataDir,
      (args) => {
        // Fill every byte left, after the token was made.
        const fd = fs.openSync(filler, 'w');
        try {
          for (;;) fs.writeSync(fd, Buffer.alloc(4096));
        } catch (err) {
          expect((err as NodeJS.ErrnoException).code).toBe('ENOSPC');
        } finally {
          fs.closeSync(fd);
        }
        return serve(process.execPath, args);
      },
      () => fs.rmSync(filler),
    );
  });
});
