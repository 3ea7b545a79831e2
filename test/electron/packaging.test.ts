/**
 * The installer carries everything the app needs. electron-builder's `dir` target runs offline
 * against a stand-in Electron (an executable placeholder + `version`), producing
 * `linux-unpacked/resources/app.asar`; the asar is extracted and its main entry started in plain
 * Node with `electron` resolved to a fake (fixtures/fake-electron). The gateway inside must answer
 * `/healthz` and serve the dashboard, and the tray must switch and quit it.
 *
 * Needs the build output (dist/), as `npm test` makes it first. Packs a snapshot of dist/, build/
 * and package.json (node_modules linked), so a concurrent rebuild cannot corrupt the asar.
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { extractAll } from '@electron/asar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repo = resolve(import.meta.dirname, '..', '..');
const require = createRequire(import.meta.url);
const electronVersion = (require('electron/package.json') as { version: string }).version;
const pkg = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as {
  main: string;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};
const fakeElectron = join(repo, 'test', 'electron', 'fixtures', 'fake-electron');

interface FakeEvent {
  event: string;
  [key: string]: unknown;
}

/** The packaged main process under the fake Electron, with its reported events. */
class PackagedApp {
  readonly events: FakeEvent[] = [];
  url = '';
  stderr = '';
  readonly exited: Promise<number | null>;
  private waiters: (() => void)[] = [];

  constructor(private readonly child: ChildProcessWithoutNullStreams) {
    let buffer = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      buffer += chunk;
      let nl: number;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        const listening = /listening on (http:\/\/\S+)/.exec(line);
        if (listening?.[1]) this.url = listening[1];
        if (line.startsWith('FAKE-ELECTRON ')) this.events.push(JSON.parse(line.slice(14)) as FakeEvent);
        for (const w of this.waiters.splice(0)) w();
      }
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (this.stderr += chunk));
    this.exited = new Promise((done) => child.on('exit', (code) => {
      for (const w of this.waiters.splice(0)) w();
      done(code);
    }));
  }

  send(line: string): void {
    this.child.stdin.write(`${line}\n`);
  }

  /** Resolves with the first event matching, waiting for output (fails if the process exits first). */
  async next(match: (e: FakeEvent) => boolean, from = 0): Promise<FakeEvent> {
    for (;;) {
      const found = this.events.slice(from).find(match);
      if (found) return found;
      if (this.child.exitCode !== null) throw new Error(`packaged app exited (${this.child.exitCode}): ${this.stderr}`);
      await new Promise<void>((r) => this.waiters.push(r));
    }
  }

  async listening(): Promise<string> {
    while (!this.url) {
      if (this.child.exitCode !== null) throw new Error(`packaged app exited (${this.child.exitCode}): ${this.stderr}`);
      await new Promise<void>((r) => this.waiters.push(r));
    }
    return this.url;
  }

  kill(): void {
    if (this.child.exitCode === null) this.child.kill('SIGKILL');
  }
}

let work = '';
let appDir = '';
let app: PackagedApp | undefined;

beforeAll(() => {
  if (!existsSync(join(repo, pkg.main))) throw new Error(`${pkg.main} is missing: run \`npm run build\` first`);
  work = mkdtempSync(join(tmpdir(), 'aibridge-pack-'));
  const standIn = join(work, 'electron-dist');
  mkdirSync(standIn);
  writeFileSync(join(standIn, 'electron'), '#!/bin/sh\necho "Electron stand-in for packaging tests" >&2\nexit 1\n');
  chmodSync(join(standIn, 'electron'), 0o755);
  writeFileSync(join(standIn, 'version'), electronVersion);

  // Pack from a snapshot: other work in the same tree may rebuild dist/ meanwhile, and a file that
  // changes size while electron-builder writes the asar corrupts its offsets.
  const stage = join(work, 'stage');
  mkdirSync(stage);
  for (const entry of ['dist', 'build', 'package.json', 'package-lock.json']) {
    cpSync(join(repo, entry), join(stage, entry), { recursive: true, filter: (src) => !src.endsWith('.map') });
  }
  // electron-builder walks node_modules for the production tree and misses packages behind a
  // symlinked folder; hard links make a real tree in ~2 s (a plain copy where links cannot be made).
  const linked = spawnSync('cp', ['-al', join(repo, 'node_modules'), join(stage, 'node_modules')]);
  if (linked.status !== 0) cpSync(join(repo, 'node_modules'), join(stage, 'node_modules'), { recursive: true, verbatimSymlinks: true });

  const out = join(work, 'out');
  const build = spawnSync(
    process.execPath,
    [
      join(repo, 'node_modules', 'electron-builder', 'cli.js'),
      '--config', 'build/electron-builder.yml',
      '--linux', 'dir',
      `-c.electronDist=${standIn}`,
      `-c.directories.output=${out}`,
    ],
    {
      cwd: stage,
      encoding: 'utf8',
      env: { ...process.env, ELECTRON_SKIP_BINARY_DOWNLOAD: '1', CSC_IDENTITY_AUTO_DISCOVERY: 'false' },
      timeout: 100_000,
    },
  );
  if (build.status !== 0) throw new Error(`electron-builder failed (${build.status}):\n${build.stdout}\n${build.stderr}`);
  expect(build.stdout).toContain('fuses skipped');

  const asar = join(out, 'linux-unpacked', 'resources', 'app.asar');
  expect(existsSync(asar)).toBe(true);
  appDir = join(work, 'app');
  extractAll(asar, appDir);
}, 120_000);

afterAll(async () => {
  app?.kill();
  if (app) await app.exited;
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('packaged app (electron-builder dir target)', () => {
  it('carries the app, its production dependencies and no development ones', () => {
    const packaged = JSON.parse(readFileSync(join(appDir, 'package.json'), 'utf8')) as { main: string };
    expect(packaged.main).toBe(pkg.main);
    for (const file of [pkg.main, 'dist/electron/preload/preload.js', 'dist/src/app.js', 'dist/ui/index.html']) {
      expect(existsSync(join(appDir, file)), file).toBe(true);
    }
    for (const dep of Object.keys(pkg.dependencies)) expect(existsSync(join(appDir, 'node_modules', dep)), dep).toBe(true);
    for (const dep of ['electron', 'electron-builder', 'vitest', 'typescript', 'vite']) {
      expect(existsSync(join(appDir, 'node_modules', dep)), dep).toBe(false);
    }
  });

  it('runs: the gateway answers /healthz, serves the dashboard, and the tray drives it', async () => {
    const root = join(work, 'run');
    mkdirSync(root);
    const child = spawn(process.execPath, ['--import', join(fakeElectron, 'register.mjs'), join(fakeElectron, 'launch.mjs'), join(appDir, pkg.main)], {
      cwd: root,
      env: { PATH: process.env['PATH'] ?? '', HOME: root, FAKE_ELECTRON_ROOT: root, AIBRIDGE_PORT: '0' },
    });
    const running = new PackagedApp(child);
    app = running;
    const url = await running.listening();

    const health = await fetch(`${url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ ok: true });

    // Electron's order: paths and the single-instance lock before `ready` (ESM entry, no top-level await).
    expect(running.events.find((e) => e.event === 'single-instance-lock')).toEqual({ event: 'single-instance-lock', beforeReady: true });
    expect(running.events.filter((e) => e.event === 'late-setPath')).toEqual([]);

    const load = await running.next((e) => e.event === 'load');
    expect(load['url']).toBe(`${url}/ui/#token=desktop-shell`);
    expect(String((load['webPreferences'] as { preload: string }).preload)).toBe(join(appDir, 'dist', 'electron', 'preload', 'preload.js'));

    // The window's requests, as the dashboard makes them: through the session's auth and CSP hooks.
    let from = running.events.length;
    running.send('fetch /ui/');
    const page = await running.next((e) => e.event.startsWith('fetch'), from);
    // Soft, so a dashboard failure still lets the rest of the run (guard, tray, quit) be checked.
    expect.soft(page).toMatchObject({ event: 'fetched', status: 200, html: true });
    expect.soft(String(page['type'])).toMatch(/^text\/html/);
    expect.soft(String(page['csp'])).toContain("script-src 'self'");
    from = running.events.length;
    running.send('fetch /api/v1/status');
    expect(await running.next((e) => e.event.startsWith('fetch'), from)).toMatchObject({ event: 'fetched', status: 200 });

    // The security wiring of the real Electron adapter: navigation guard, window.open, close → hide.
    from = running.events.length;
    running.send(`navigate ${url}/ui/#/tokens`);
    running.send(`navigate ${url}.evil.com/`);
    running.send('open https://docs.example.com/');
    running.send('close');
    await running.next((e) => e.event === 'close', from);
    const seen = running.events.slice(from);
    expect(seen.filter((e) => e.event === 'navigate')).toEqual([
      { event: 'navigate', url: `${url}/ui/#/tokens`, blocked: false },
      { event: 'navigate', url: `${url}.evil.com/`, blocked: true },
    ]);
    expect(seen.find((e) => e.event === 'window-open')).toMatchObject({ action: 'deny' });
    expect(seen.filter((e) => e.event === 'openExternal').map((e) => e['url'])).toEqual(['https://docs.example.com/']);
    expect(seen.find((e) => e.event === 'close')).toEqual({ event: 'close', prevented: true, visible: false });

    // Tray: switch the bridge on, then quit (stops the gateway, exits 0).
    from = running.events.length;
    running.send('click enabled');
    await running.next((e) => e.event === 'tray' && String(e['status']).startsWith('Bridge on'), from);
    running.send('click quit');
    expect(await running.exited).toBe(0);
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
  });
});
