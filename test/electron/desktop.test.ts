/**
 * The desktop shell end to end under a fake Electron: the real gateway (`startApp` on a temp data
 * dir, port 0, a mock Anthropic upstream) driven through the tray, window and dialogs.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { startDesktop, type Desktop } from '../../electron/desktop.js';
import { trayIconPng } from '../../electron/icons.js';
import { DASHBOARD_CSP } from '../../electron/security.js';
import { DASHBOARD_PARTITION, SHELL_TOKEN_PLACEHOLDER } from '../../electron/window.js';
import { startApp } from '../../src/app.js';
import type { AppOptions } from '../../src/app-types.js';
import { startMockUpstream, type MockUpstream } from '../helpers/mock-upstream.js';
import { FakePlatform, type FakeImage } from './fake-platform.js';
import { SECRETS_FILE } from '../../electron/secrets.js';
import { fileSecretStore } from '../../src/store/secrets-file.js';

const ANTHROPIC_KEY = 'sk-ant-desktop-test-SECRET-5f4e3d2c1b0a';
let upstream: MockUpstream;
const roots: string[] = [];
const open: Desktop[] = [];

beforeAll(async () => {
  upstream = await startMockUpstream();
});
afterAll(async () => {
  await upstream.close();
});
afterEach(async () => {
  for (const d of open.splice(0)) await d.quit();
  for (const r of roots.splice(0)) rmSync(r, { recursive: true, force: true });
});

function env(): NodeJS.ProcessEnv {
  return { AIBRIDGE_ANTHROPIC_BASE_URL: upstream.url, AIBRIDGE_ANTHROPIC_KEY: ANTHROPIC_KEY };
}

async function launch(options: { platform?: FakePlatform; startApp?: (o: AppOptions) => ReturnType<typeof startApp> } = {}): Promise<{ platform: FakePlatform; desktop: Desktop }> {
  let platform = options.platform;
  if (!platform) {
    const root = mkdtempSync(join(tmpdir(), 'aibridge-desktop-'));
    roots.push(root);
    platform = new FakePlatform(root);
  }
  const desktop = await startDesktop({
    platform,
    startApp: options.startApp ?? ((o) => startApp({ ...o, port: o.port ?? 0 })),
    preloadPath: '/app/dist/electron/preload/preload.js',
    env: env(),
  });
  if (!desktop) throw new Error('desktop did not start');
  open.push(desktop);
  return { platform, desktop };
}

async function api(desktop: Desktop, path: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`${desktop.running.url}${path}`, {
    ...init,
    headers: { Authorization: `Bearer ${desktop.running.adminToken}`, 'Content-Type': 'application/json', ...init.headers },
  });
}

function pngOf(image: unknown): Buffer {
  return (image as FakeImage).toPNG();
}

async function sendMessage(desktop: Desktop, token: string, extra: Record<string, string> = {}): Promise<Response> {
  return fetch(`${desktop.running.url}/anthropic/v1/messages`, {
    method: 'POST',
    headers: { 'x-api-key': token, 'anthropic-version': '2023-06-01', 'content-type': 'application/json', ...extra },
    body: JSON.stringify({ model: 'claude-test', max_tokens: 10, messages: [{ role: 'user', content: 'hello desktop' }] }),
  });
}

async function bridgeToken(desktop: Desktop): Promise<string> {
  const res = await api(desktop, '/api/v1/tokens', { method: 'POST', body: JSON.stringify({ name: 'desk' }) });
  expect(res.status).toBe(201);
  return ((await res.json()) as { token: string }).token;
}

describe('desktop shell', () => {
  it('starts the gateway in the user-data folder, with OS-encrypted secrets, and shows the dashboard', async () => {
    const { platform, desktop } = await launch();
    expect(platform.app.name).toBe('AI Bridge Desktop');
    expect(platform.app.paths['userData']).toBe(join(platform.app.paths['appData'] ?? '', 'AI Bridge Desktop'));
    const status = (await (await api(desktop, '/api/v1/status')).json()) as { secret_storage: string; enabled: boolean };
    expect(status.secret_storage).toBe('os-encrypted');
    expect(status.enabled).toBe(false);

    expect(platform.window.visible).toBe(true);
    expect(platform.window.loaded).toEqual([`${desktop.running.url}/ui/#token=${SHELL_TOKEN_PLACEHOLDER}`]);
    expect(platform.window.loaded.join()).not.toContain(desktop.running.adminToken);
  });

  it('tray menu reflects the state: port, requests today, switch, icon', async () => {
    const { platform, desktop } = await launch();
    const { tray } = platform;
    expect(tray.item('status').label).toBe(`Bridge off · port ${desktop.running.port} · 0 requests today`);
    expect(tray.item('enabled').checked).toBe(false);
    expect(pngOf(tray.image).equals(trayIconPng(false, 16))).toBe(true);
    expect(tray.item('toggle-window').label).toBe('Hide dashboard');

    // A change made elsewhere (the dashboard's PUT /api/v1/bridge) reaches the tray too.
    expect((await api(desktop, '/api/v1/bridge', { method: 'PUT', body: '{"enabled":true}' })).status).toBe(200);
    await vi.waitFor(() => expect(tray.item('enabled').checked).toBe(true), { timeout: 5000 });
    const token = await bridgeToken(desktop);
    expect((await sendMessage(desktop, token)).status).toBe(200);
    await vi.waitFor(() => expect(tray.item('status').label).toContain('· 1 request today'), { timeout: 5000 });
  });

  it('"Enable bridge" switches the gateway and the icon', async () => {
    const { platform, desktop } = await launch();
    const token = await bridgeToken(desktop);
    expect((await sendMessage(desktop, token)).status).toBe(503);

    platform.tray.click('enabled');
    await vi.waitFor(() => expect(platform.tray.item('enabled').checked).toBe(true));
    expect(desktop.running.isEnabled()).toBe(true);
    expect(pngOf(platform.tray.image).equals(trayIconPng(true, 16))).toBe(true);
    expect((await sendMessage(desktop, token)).status).toBe(200);

    platform.tray.click('enabled');
    await vi.waitFor(() => expect(platform.tray.item('enabled').checked).toBe(false));
    expect(pngOf(platform.tray.image).equals(trayIconPng(false, 16))).toBe(true);
    expect((await sendMessage(desktop, token)).status).toBe(503);
  });

  it('exports logs to the file chosen in the save dialog, in the chosen format', async () => {
    const { platform, desktop } = await launch();
    await desktop.running.setEnabled(true);
    const token = await bridgeToken(desktop);
    expect((await sendMessage(desktop, token)).status).toBe(200);
    await vi.waitFor(() => expect(desktop.running.stats().requestsToday).toBe(1));

    mkdirSync(platform.app.getPath('home'), { recursive: true });
    const jsonl = join(platform.app.getPath('home'), 'last-day.jsonl');
    platform.saveDialogAnswers.push(jsonl);
    platform.tray.click('export-24h');
    await vi.waitFor(() => expect(platform.notifications.map((n) => n.title)).toContain('Logs exported'));
    expect(platform.saveDialogs[0]?.defaultPath).toMatch(/downloads[/\\]aibridge-last-24h-\d{4}-\d\d-\d\d\.jsonl$/);
    const lines = readFileSync(jsonl, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map((l) => l['record_type'])).toContain('interception_start');
    // SPEC §13: the export ends with a checkpoint signed by the install's (OS-encrypted) key.
    expect(lines.at(-2)?.['record_type']).toBe('interception_end');
    expect(lines.at(-1)).toMatchObject({ record_type: 'chain_checkpoint', seq: lines.length - 1 });
    expect(lines.at(-1)?.['signature']).toEqual(expect.any(String));

    const ecs = join(platform.app.getPath('home'), 'all.ecs.jsonl');
    platform.saveDialogAnswers.push(ecs);
    platform.tray.click('export-format-ecs');
    expect(platform.tray.item('export-format-ecs').checked).toBe(true);
    platform.tray.click('export-all');
    await vi.waitFor(() => expect(existsSync(ecs)).toBe(true));
    await vi.waitFor(() => expect(platform.notifications.filter((n) => n.title === 'Logs exported')).toHaveLength(2));
    const first = JSON.parse(readFileSync(ecs, 'utf8').split('\n')[0] ?? '') as Record<string, unknown>;
    expect(first).toHaveProperty('@timestamp');

    // Cancelling the dialog writes nothing.
    platform.tray.click('export-7d');
    await vi.waitFor(() => expect(platform.saveDialogs).toHaveLength(3));
    expect(readdirSync(platform.app.getPath('home')).sort()).toEqual(['all.ecs.jsonl', 'last-day.jsonl']);
  });

  it('"Connect Claude Code" writes its settings with the live address; clicked again it undoes', async () => {
    const home = mkdtempSync(join(tmpdir(), 'aibridge-desktop-home-'));
    roots.push(home);
    const { platform, desktop } = await launch({ startApp: (o) => startApp({ ...o, port: o.port ?? 0, connectHome: home }) });
    const file = join(home, '.claude', 'settings.json');
    expect(platform.tray.item('connect-claude-code').checked).toBe(false);
    platform.tray.click('connect-claude-code');
    await vi.waitFor(() => expect(platform.tray.item('connect-claude-code').checked).toBe(true));
    const env = (JSON.parse(readFileSync(file, 'utf8')) as { env: Record<string, string> }).env;
    expect(env['ANTHROPIC_BASE_URL']).toBe(`${desktop.running.url}/anthropic`);
    expect(env['ANTHROPIC_AUTH_TOKEN']).toMatch(/^abr_/);
    expect(platform.notifications.at(-1)?.title).toBe('Claude Code connected');
    platform.tray.click('connect-claude-code');
    await vi.waitFor(() => expect(platform.tray.item('connect-claude-code').checked).toBe(false));
    expect(existsSync(file)).toBe(false);
  });

  it('copies Claude Code and Codex setups with the live address', async () => {
    const { platform, desktop } = await launch();
    platform.tray.click('copy-claude-code');
    platform.tray.click('copy-codex');
    expect(platform.clipboard[0]).toContain(`ANTHROPIC_BASE_URL=${desktop.running.url}/anthropic`);
    expect(platform.clipboard[1]).toContain(`base_url = "${desktop.running.url}/openai/v1"`);
    expect(platform.clipboard.join()).not.toContain(desktop.running.adminToken);
  });

  it('a second launch focuses the window of the first; a second process exits', async () => {
    const { platform } = await launch();
    expect(platform.window.close()).toBe(false); // closing hides to the tray
    expect(platform.window.visible).toBe(false);
    expect(platform.tray.item('toggle-window').label).toBe('Show dashboard');
    const focusedBefore = platform.window.focused;
    platform.app.launchAgain();
    expect(platform.window.visible).toBe(true);
    expect(platform.window.focused).toBe(focusedBefore + 1);
    expect(platform.windows).toHaveLength(1);
    // macOS: a click on the dock icon does the same.
    platform.window.hide();
    for (const l of platform.app.activate) l();
    expect(platform.window.visible).toBe(true);

    const second = new FakePlatform(platform.app.paths['home'] ?? '');
    second.app.gotLock = false;
    const start = vi.fn(startApp);
    expect(await startDesktop({ platform: second, startApp: start, preloadPath: '/p.js', env: env() })).toBeUndefined();
    expect(second.app.quitCalls).toBe(1);
    expect(start).not.toHaveBeenCalled();
  });

  it('quit stops the gateway and loses no record, finished or in flight', async () => {
    const { platform, desktop } = await launch();
    await desktop.running.setEnabled(true);
    const token = await bridgeToken(desktop);
    expect((await sendMessage(desktop, token)).status).toBe(200);
    upstream.enqueue({ kind: 'hang' });
    const before = upstream.requests.length;
    const hanging = sendMessage(desktop, token).catch((err: unknown) => err);
    await upstream.waitForRequests(before + 1);

    platform.tray.click('quit');
    await vi.waitFor(() => expect(platform.app.exitCodes).toEqual([0]), { timeout: 10_000 });
    await hanging;
    open.splice(open.indexOf(desktop), 1);
    expect(platform.tray.destroyed).toBe(true);
    expect(platform.window.destroyed).toBe(true);
    await expect(fetch(`${desktop.running.url}/healthz`)).rejects.toThrow();

    // The next start finds both records: the finished one and the one cut off by quitting.
    const dataDir = platform.app.getPath('userData');
    const again = await startApp({ dataDir, port: 0, env: env(), secrets: { kind: 'file', get: () => undefined, set: () => undefined } });
    try {
      const res = await fetch(`${again.url}/api/v1/interceptions`, { headers: { Authorization: `Bearer ${again.adminToken}` } });
      const list = (await res.json()) as { count: number; results: { status: string }[] };
      expect(list.count).toBe(2);
      expect(list.results.map((r) => r.status).sort()).toEqual(['completed', 'interrupted']);
    } finally {
      await again.close();
    }
  });

  it('quit from the OS (before-quit) takes the same path', async () => {
    const { platform } = await launch();
    let prevented = false;
    for (const l of platform.app.beforeQuit) l({ preventDefault: () => (prevented = true) });
    expect(prevented).toBe(true);
    await vi.waitFor(() => expect(platform.app.exitCodes).toEqual([0]));
    open.splice(0);
  });

  it('starts hidden with --hidden (login item)', async () => {
    const root = mkdtempSync(join(tmpdir(), 'aibridge-desktop-'));
    roots.push(root);
    const platform = new FakePlatform(root);
    platform.app.argv = ['aibridge-desktop', '--hidden'];
    await launch({ platform });
    expect(platform.windows).toHaveLength(0);
    platform.tray.click('open-dashboard');
    expect(platform.window.visible).toBe(true);
  });

  it('"Start at login" toggles the autostart entry', async () => {
    const { platform } = await launch();
    platform.tray.click('open-at-login');
    expect(platform.tray.item('open-at-login').checked).toBe(true);
    const file = join(platform.app.getPath('home'), '.config', 'autostart', 'ai-bridge-desktop.desktop');
    expect(existsSync(file)).toBe(true);
    platform.tray.click('open-at-login');
    expect(existsSync(file)).toBe(false);
  });
});

describe('dashboard window', () => {
  it('has exactly the hardened webPreferences', async () => {
    const { platform } = await launch();
    expect(platform.window.options.webPreferences).toStrictEqual({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      preload: '/app/dist/electron/preload/preload.js',
      partition: DASHBOARD_PARTITION,
    });
    expect(DASHBOARD_PARTITION.startsWith('persist:')).toBe(false);
  });

  it('the main process adds the admin token to dashboard requests only, and the CSP to its responses', async () => {
    const { platform, desktop } = await launch();
    const session = platform.sessions.get(DASHBOARD_PARTITION);
    const origin = desktop.running.url;
    const renderer = { Authorization: `Bearer ${SHELL_TOKEN_PLACEHOLDER}`, Accept: 'application/json' };
    const sent = session?.beforeSend?.({ url: `${origin}/api/v1/status`, requestHeaders: renderer }) ?? {};
    expect(sent).toEqual({ Accept: 'application/json', Authorization: `Bearer ${desktop.running.adminToken}` });
    // The headers the shell sends are accepted by the real admin API; the placeholder alone is not.
    expect((await fetch(`${origin}/api/v1/status`, { headers: sent })).status).toBe(200);
    expect((await fetch(`${origin}/api/v1/status`, { headers: renderer })).status).toBe(401);
    for (const other of ['http://127.0.0.1:1/api/v1/status', `${origin}.evil.com/`, 'https://api.anthropic.com/v1/messages']) {
      expect(session?.beforeSend?.({ url: other, requestHeaders: renderer })).toEqual(renderer);
    }
    expect(session?.headersReceived?.({ url: `${origin}/ui/`, responseHeaders: { 'Content-Type': ['text/html'] } })).toEqual({
      'Content-Type': ['text/html'],
      'Content-Security-Policy': [DASHBOARD_CSP],
    });
  });

  it('the global guard pins navigation to the gateway origin', async () => {
    const { platform, desktop } = await launch();
    const contents = platform.app.createContents();
    const { port } = desktop.running;
    expect(contents.navigate?.(`${desktop.running.url}/ui/#/tokens`)).toBe(true);
    for (const url of [`http://127.0.0.1:${port}.evil.com/`, `http://127.0.0.1:${port}0/`, `http://localhost:${port}/ui/`, 'https://example.com/']) {
      expect(contents.navigate?.(url)).toBe(false);
    }
    expect(contents.openHandler?.('https://docs.example.com/')).toBe('deny');
    await vi.waitFor(() => expect(platform.opened).toContain('https://docs.example.com/'));
  });
});

describe('keys through safeStorage', () => {
  function filesUnder(dir: string): string[] {
    return readdirSync(dir, { recursive: true, encoding: 'utf8' })
      .map((f) => join(dir, f))
      .filter((f) => statSync(f).isFile());
  }

  it('a key saved in the dashboard is encrypted by the OS and never on disk in clear', async () => {
    const { platform, desktop } = await launch();
    const key = 'sk-proj-typed-in-the-ui-0123456789abcdef';
    // The install's chain signing key (SPEC §13) was encrypted at launch already.
    const before = platform.safeStorage.encryptCalls;
    const res = await api(desktop, '/api/v1/settings', { method: 'PATCH', body: JSON.stringify({ openai_key: key }) });
    expect(res.status).toBe(200);
    expect(platform.safeStorage.encryptCalls).toBe(before + 1);
    const shown = JSON.stringify(await (await api(desktop, '/api/v1/settings')).json());
    expect(shown).not.toContain(key);
    for (const file of filesUnder(platform.app.getPath('userData'))) {
      const bytes = readFileSync(file);
      expect(bytes.includes(key), file).toBe(false);
      expect(bytes.includes(Buffer.from(key).toString('base64')), file).toBe(false);
    }
  });

  it('issue #13: a key the OS cannot decrypt at a later start does not stop the app; the status says so and the key is kept', async () => {
    const { platform, desktop } = await launch();
    const key = 'sk-proj-saved-before-the-keyring-locked-0123';
    expect((await api(desktop, '/api/v1/settings', { method: 'PATCH', body: JSON.stringify({ openai_key: key }) })).status).toBe(200);
    await desktop.quit();
    open.splice(open.indexOf(desktop), 1);

    platform.safeStorage.available = false;
    const { desktop: later } = await launch({ platform });
    const status = (await (await api(later, '/api/v1/status')).json()) as { warnings: string[]; providers: Array<{ name: string; configured: boolean }> };
    expect(status.warnings.some((w) => w.startsWith('the openai_key saved with OS encryption cannot be read now'))).toBe(true);
    expect(status.providers.find((p) => p.name === 'openai')?.configured).toBe(false);
    expect(readFileSync(join(platform.app.getPath('userData'), SECRETS_FILE), 'utf8')).toContain('"openai_key"');
  });

  it('issue #13: keys saved headless in clear move into OS encryption at start, so the status tells the truth', async () => {
    const { platform, desktop } = await launch();
    await desktop.quit();
    open.splice(open.indexOf(desktop), 1);
    const userData = platform.app.getPath('userData');
    const key = 'sk-proj-saved-by-aibridge-serve-0123456789';
    fileSecretStore(userData).set('openai_key', key);

    const { desktop: next } = await launch({ platform });
    const status = (await (await api(next, '/api/v1/status')).json()) as { warnings: string[]; secret_storage: string; providers: Array<{ name: string; configured: boolean }> };
    expect(status.secret_storage).toBe('os-encrypted');
    expect(status.warnings).toEqual([]);
    expect(status.providers.find((p) => p.name === 'openai')?.configured).toBe(true);
    for (const file of filesUnder(userData)) expect(readFileSync(file).includes(key), file).toBe(false);
  });

  it('without OS encryption a key is refused, not stored in clear', async () => {
    const root = mkdtempSync(join(tmpdir(), 'aibridge-desktop-'));
    roots.push(root);
    const platform = new FakePlatform(root);
    platform.safeStorage.available = false;
    const { desktop } = await launch({ platform });
    const key = 'sk-proj-must-not-land-0123456789abcdef';
    const res = await api(desktop, '/api/v1/settings', { method: 'PATCH', body: JSON.stringify({ openai_key: key }) });
    // The store throws SecretStorageUnavailableError (its wording is checked in secrets.test.ts).
    expect(res.ok).toBe(false);
    expect(platform.safeStorage.encryptCalls).toBe(0);
    for (const file of filesUnder(platform.app.getPath('userData'))) expect(readFileSync(file).includes(key), file).toBe(false);
  });
});
