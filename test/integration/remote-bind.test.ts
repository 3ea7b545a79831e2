/**
 * Issue #13, `--host 0.0.0.0`: a loud warning at start (log and status), the LAN address and the
 * printed login URL work, the admin API and `/metrics` answer loopback peers only unless
 * `--allow-remote-admin`, and `host`, `allowed_hosts`, `log_json` (and `allow_remote_admin`) cannot
 * be changed over the admin API — nor from a settings.json an earlier version let the API write.
 *
 * Real sockets: the gateway listens on every interface; "another machine" is this machine's own
 * non-loopback address (the peer address the gateway sees is then not loopback). Skipped when the
 * machine has no such address.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp } from '../../src/app.js';
import type { RunningApp } from '../../src/app-types.js';
import { startMockUpstream, type MockUpstream } from '../helpers/mock-upstream.js';

const LAN = Object.values(networkInterfaces())
  .flat()
  .find((a) => a && a.family === 'IPv4' && !a.internal)?.address;

interface Reply { status: number; headers: Record<string, string | string[] | undefined>; json: any }

function call(address: string, port: number, method: string, path: string, headers: Record<string, string> = {}, body?: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: address, port, method, path, headers: { host: `${address}:${port}`, ...headers } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => {
        let json: unknown;
        try { json = JSON.parse(text); } catch { json = text; }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, json });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** The log file's lines that match, once at least `n` are there (the file is written a moment later). */
async function logLines(file: string, match: (l: Record<string, unknown>) => boolean, n = 1): Promise<Array<Record<string, unknown>>> {
  let found: Array<Record<string, unknown>> = [];
  for (let i = 0; i < 200 && found.length < n; i++) {
    if (i) await new Promise((resolve) => setTimeout(resolve, 25));
    found = readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>).filter(match);
  }
  return found;
}

const dirs: string[] = [];
const apps: RunningApp[] = [];
let up: MockUpstream;

async function start(argv: string[], settingsJson?: unknown): Promise<{ app: RunningApp; port: number; logFile: string; dataDir: string }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'aib-remote-'));
  dirs.push(dataDir);
  if (settingsJson) writeFileSync(join(dataDir, 'settings.json'), JSON.stringify(settingsJson));
  const logFile = join(dataDir, 'log.jsonl');
  const app = await startApp({
    dataDir,
    port: 0,
    env: {},
    connectHome: join(dataDir, 'home'),
    argv: ['--enabled', '--anthropic-key', 'sk-ant-remote-test-0123456789', '--anthropic-base-url', up.url, '--log-json', logFile, ...argv],
  });
  apps.push(app);
  return { app, port: app.port, logFile, dataDir };
}

beforeAll(async () => {
  up = await startMockUpstream();
});
afterAll(async () => {
  for (const a of apps) await a.close();
  await up.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe.skipIf(!LAN)('--host 0.0.0.0 (issue #13)', () => {
  let g: Awaited<ReturnType<typeof start>>;
  let bearer: Record<string, string>;
  beforeAll(async () => {
    g = await start(['--host', '0.0.0.0']);
    bearer = { authorization: `Bearer ${g.app.adminToken}` };
  });

  it('warns loudly at start: in the log and in the status the dashboard shows', async () => {
    const warn = (await logLines(g.logFile, (l) => l['level'] === 'warn' && String(l['msg']).includes('beyond this machine')))[0];
    expect(warn?.['msg']).toMatch(/listening on 0\.0\.0\.0, beyond this machine: .*bridge token.*admin API.*this machine only/);
    const st = await call('127.0.0.1', g.port, 'GET', '/api/v1/status', bearer);
    expect(st.status).toBe(200);
    expect(st.json.warnings).toEqual([warn?.['msg']]);
  });

  it('the printed login URL works (loopback, not 0.0.0.0)', async () => {
    expect(g.app.loginUrl).toBe(`http://127.0.0.1:${g.port}/ui/#token=${g.app.adminToken}`);
    const r = await call('127.0.0.1', g.port, 'GET', '/api/v1/status', bearer);
    expect(r.status).toBe(200);
  });

  it('Connect points clients at loopback, not at 0.0.0.0 (the address a client cannot dial on every OS)', async () => {
    const made = await call('127.0.0.1', g.port, 'POST', '/api/v1/connect/claude-code', bearer);
    expect(made.status, JSON.stringify(made.json)).toBe(200);
    const settings = JSON.parse(readFileSync(join(g.dataDir, 'home', '.claude', 'settings.json'), 'utf8')) as { env: Record<string, string> };
    expect(settings.env['ANTHROPIC_BASE_URL']).toBe(`http://127.0.0.1:${g.port}/anthropic`);
    // The written token works against that URL.
    const msg = await call('127.0.0.1', g.port, 'POST', '/anthropic/v1/messages', { 'x-api-key': settings.env['ANTHROPIC_AUTH_TOKEN']!, 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
      JSON.stringify({ model: 'claude-sonnet-4-5', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }));
    expect(msg.status, JSON.stringify(msg.json)).toBe(200);
  });

  it('another machine reaches the gateway by its LAN address (provider routes, /healthz)', async () => {
    expect((await call(LAN!, g.port, 'GET', '/healthz')).status).toBe(200);
    const token = (await call('127.0.0.1', g.port, 'POST', '/api/v1/tokens', { ...bearer, 'content-type': 'application/json' }, JSON.stringify({ name: 'lan' }))).json.token as string;
    const msg = await call(LAN!, g.port, 'POST', '/anthropic/v1/messages', { 'x-api-key': token, 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
      JSON.stringify({ model: 'claude-sonnet-4-5', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }));
    expect(msg.status, JSON.stringify(msg.json)).toBe(200);
  });

  it('the admin API and /metrics answer another machine 403 in the admin error shape, even with the admin token', async () => {
    for (const path of ['/api/v1/status', '/api/v1/settings', '/api/v1/interceptions', '/metrics']) {
      const r = await call(LAN!, g.port, 'GET', path, bearer);
      expect(r.status, path).toBe(403);
      expect(r.json.error.code).toBe('admin_loopback_only');
      expect(r.json.error.type).toBe('permission_error');
      expect(r.json.error.message).toContain('--allow-remote-admin');
    }
    const patch = await call(LAN!, g.port, 'PATCH', '/api/v1/settings', { ...bearer, 'content-type': 'application/json' }, JSON.stringify({ retention: '1d' }));
    expect(patch.status).toBe(403);
    expect((await call('127.0.0.1', g.port, 'GET', '/metrics', bearer)).status).toBe(200);
  });

  it('host, allowed_hosts, log_json and allow_remote_admin are read-only over the admin API', async () => {
    const json = { ...bearer, 'content-type': 'application/json' };
    for (const [key, value] of [['allowed_hosts', 'evil.com'], ['log_json', '/tmp/elsewhere.jsonl'], ['allow_remote_admin', true]] as const) {
      const r = await call('127.0.0.1', g.port, 'PATCH', '/api/v1/settings', json, JSON.stringify({ [key]: value }));
      expect(r.status, key).toBe(409);
      expect(r.json.error.message).toContain(`${key} is read-only`);
    }
    // host is set by the flag here; its reason says so. The others: flag, env or config file only.
    const s = (await call('127.0.0.1', g.port, 'GET', '/api/v1/settings', bearer)).json;
    expect(s.read_only.host).toBe('set by --host');
    expect(s.read_only.allowed_hosts).toBe('set by --allowed-hosts, AIBRIDGE_ALLOWED_HOSTS or the config file only');
    expect(s.read_only.log_json).toBe('set by --log-json');
    expect(s.read_only.allow_remote_admin).toMatch(/^set by --allow-remote-admin, AIBRIDGE_ALLOW_REMOTE_ADMIN/);
    // allowed_hosts: evil.com did not take effect.
    expect((await call('127.0.0.1', g.port, 'GET', '/healthz', { host: 'evil.com' })).status).toBe(403);
  });
});

describe.skipIf(!LAN)('--allow-remote-admin', () => {
  it('lets another machine use the admin API, and the warning says the token crosses the network', async () => {
    const g = await start(['--host', '0.0.0.0', '--allow-remote-admin']);
    const r = await call(LAN!, g.port, 'GET', '/api/v1/status', { authorization: `Bearer ${g.app.adminToken}` });
    expect(r.status).toBe(200);
    expect(r.json.warnings[0]).toContain('admin token crosses the network in clear');
    expect((await call(LAN!, g.port, 'GET', '/api/v1/status')).status).toBe(401); // still needs the token
  });
});

describe('loopback (the default)', () => {
  it('no warning; values an older version saved from the dashboard for host / allowed_hosts / log_json are ignored', async () => {
    const g = await start([], { host: '0.0.0.0', allowed_hosts: ['evil.com'], allow_remote_admin: true });
    expect(g.app.url).toBe(`http://127.0.0.1:${g.port}`);
    const bearer = { authorization: `Bearer ${g.app.adminToken}` };
    const st = await call('127.0.0.1', g.port, 'GET', '/api/v1/status', bearer);
    expect(st.json.warnings).toEqual([]);
    expect((await call('127.0.0.1', g.port, 'GET', '/healthz', { host: 'evil.com' })).status).toBe(403);
    const s = (await call('127.0.0.1', g.port, 'GET', '/api/v1/settings', bearer)).json;
    expect(s.settings.allowed_hosts).toBe('');
    expect(s.settings.allow_remote_admin).toBe(false);
    const ignored = (await logLines(g.logFile, (l) => String(l['msg']).startsWith('ignoring '), 3)).map((l) => l['msg']);
    expect(ignored).toContain('ignoring host saved from the dashboard: it is set by --host, AIBRIDGE_HOST or the config file only');
    expect(ignored.some((m) => String(m).startsWith('ignoring allowed_hosts saved'))).toBe(true);
    expect(ignored.some((m) => String(m).startsWith('ignoring allow_remote_admin saved'))).toBe(true);
  });
});
