/**
 * The desktop shell, composed as a flat list (STYLE.md §2): set paths → single-instance lock →
 * setup calls → start the gateway → tray. `main.ts` calls {@link startDesktop} with the real
 * Electron platform; tests call it with a fake one.
 */
import { join, resolve } from 'node:path';
import type { AppOptions, RunningApp } from '../src/app-types.js';
import { APP_FOLDER } from '../src/store/data-dir.js';
import { exportLogs } from './export-logs.js';
import { budgetAlertNotice } from './budget-notice.js';
import { appIconPng, trayIconPng } from './icons.js';
import { createLoginItem, HIDDEN_FLAG } from './login-item.js';
import type { AppHandle, Platform } from './platform.js';
import { startWithPortChoice } from './port-conflict.js';
import { createSafeStorageSecrets } from './secrets.js';
import { setupSecurity } from './security.js';
import { claudeCodeSetup, codexSetup } from './setup-text.js';
import { TrayController, type ExportFormat, type TrayState } from './tray.js';
import { DashboardWindow } from './window.js';

/** App name; also the user-data folder name, the same one the headless CLI defaults to. */
export const APP_NAME = APP_FOLDER;

/** How long tray updates from gateway activity are coalesced, so a busy bridge does not rebuild the menu per request. */
const TRAY_REFRESH_MS = 500;

export interface DesktopDeps {
  platform: Platform;
  /** `startApp` from src/app.ts. */
  startApp: (options: AppOptions) => Promise<RunningApp> | RunningApp;
  /** Absolute path of the compiled preload script. */
  preloadPath: string;
  /** Defaults to process.env. */
  env?: NodeJS.ProcessEnv;
  /** Defaults to Date.now. */
  now?: () => number;
}

/** The running desktop shell. */
export interface Desktop {
  readonly running: RunningApp;
  readonly window: DashboardWindow;
  readonly tray: TrayController;
  /** Re-renders the tray now. */
  refresh(): void;
  /** Stops the gateway (flushing the store), removes the tray, exits. Idempotent. */
  quit(): Promise<void>;
}

/** Step 1: the app's name and folders. `AIBRIDGE_DATA_DIR` moves the data, as for the CLI (SPEC §2). */
export function setPaths(app: AppHandle, env: NodeJS.ProcessEnv): void {
  app.setName(APP_NAME);
  const dataDir = env['AIBRIDGE_DATA_DIR'] ? resolve(env['AIBRIDGE_DATA_DIR']) : join(app.getPath('appData'), APP_NAME);
  app.setPath('userData', dataDir);
  // Chromium's own files (caches, local state) in a subfolder, apart from keys and records.
  app.setPath('sessionData', join(dataDir, 'Chromium'));
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Runs the desktop app. Resolves to the running shell, or undefined when this instance is not the
 * first (the first one shows its window) or the user quit at a port conflict.
 */
export async function startDesktop(deps: DesktopDeps): Promise<Desktop | undefined> {
  const { platform: p } = deps;
  const env = deps.env ?? process.env;
  const now = deps.now ?? Date.now;

  setPaths(p.app, env);
  if (!p.app.requestSingleInstanceLock()) {
    p.app.quit();
    return undefined;
  }
  const window = new DashboardWindow(p, {
    preloadPath: deps.preloadPath,
    icon: () => p.createImage([{ scaleFactor: 1, png: appIconPng(256) }]),
  });
  setupSecurity(p, () => window.dashboardOrigin);
  p.app.onSecondInstance(() => window.show());
  p.app.onActivate(() => window.show());
  p.app.onWindowAllClosed(() => {
    // Stay alive in the tray; only Quit ends the app.
  });
  await p.app.whenReady();

  const dataDir = p.app.getPath('userData');
  const secrets = createSafeStorageSecrets(p.safeStorage, dataDir);
  let running: RunningApp | undefined;
  try {
    running = await startWithPortChoice({
      platform: p,
      start: async (port) => deps.startApp({ dataDir, secrets, env, ...(port !== undefined ? { port } : {}) }),
    });
  } catch (err) {
    p.dialog.showErrorBox('AI Bridge could not start', errorText(err));
    p.app.exit(1);
    return undefined;
  }
  if (!running) {
    p.app.exit(0);
    return undefined;
  }
  console.log(`AI Bridge Desktop: listening on ${running.url} (data in ${dataDir})`);
  return setupShell(deps, running, window, now);
}

function setupShell(deps: DesktopDeps, running: RunningApp, window: DashboardWindow, now: () => number): Desktop {
  const { platform: p } = deps;
  window.attach(running);
  const loginItem = createLoginItem(p.app, deps.env ?? process.env);
  let openAtLogin = loginItem.get();
  let exportFormat: ExportFormat = 'jsonl';

  const image = (png: (scale: number) => Buffer) => p.createImage([1, 2].map((scaleFactor) => ({ scaleFactor, png: png(scaleFactor) })));
  const icons = { on: image((s) => trayIconPng(true, 16 * s)), off: image((s) => trayIconPng(false, 16 * s)) };
  const fail = (title: string) => (err: unknown) => p.dialog.showErrorBox(title, errorText(err));

  const connectedClients = (): TrayState['connected'] => {
    try {
      const list = running.connect.status();
      const on = (c: string) => list.some((x) => x.client === c && x.points_here);
      return { 'claude-code': on('claude-code'), codex: on('codex') };
    } catch {
      return { 'claude-code': false, codex: false };
    }
  };
  const state = (): TrayState => {
    const stats = running.stats();
    const { port } = running;
    return { enabled: running.isEnabled(), port, ...stats, openAtLogin, windowVisible: window.isVisible(), exportFormat, connected: connectedClients() };
  };
  let quitting: Promise<void> | undefined;
  const quit = (): Promise<void> =>
    (quitting ??= (async () => {
      try {
        await running.close();
      } catch (err) {
        console.error(`gateway did not close cleanly: ${errorText(err)}`);
      }
      clearInterval(clock);
      offBudgetAlert();
      if (timer) clearTimeout(timer);
      tray.destroy();
      window.destroy();
      p.app.exit(0);
    })());

  const tray: TrayController = new TrayController((icon) => p.createTray(icon), icons, {
    setEnabled: (on) => {
      running.setEnabled(on).then(refresh, fail('Could not switch the bridge'));
    },
    openDashboard: () => window.show(),
    copyClaudeCodeSetup: () => {
      p.writeClipboardText(claudeCodeSetup(running.url));
      p.notify('Claude Code setup copied', 'Paste it into your shell, then put a bridge token from the dashboard in place of the placeholder.');
    },
    copyCodexSetup: () => {
      p.writeClipboardText(codexSetup(running.url));
      p.notify('Codex setup copied', 'Add it to ~/.codex/config.toml and set AIBRIDGE_TOKEN to a bridge token from the dashboard.');
    },
    toggleConnect: (client) => {
      const st = running.connect.status().find((x) => x.client === client);
      const undo = Boolean(st?.connected && st.points_here);
      (undo ? running.connect.undo(client) : running.connect.connect(client)).then((r) => {
        p.notify(
          undo ? `${r.label} disconnected` : `${r.label} connected`,
          undo ? `${r.file} is back as it was.` : `New ${client === 'codex' ? 'codex' : 'claude'} sessions go through the bridge (${r.file}).`,
        );
        refresh();
      }, fail(`Could not ${undo ? 'undo' : 'connect'} ${st?.label ?? client}`));
    },
    setExportFormat: (format) => {
      exportFormat = format;
      refresh();
    },
    exportLogs: (range) => {
      const target = { platform: p, running, defaultDir: p.app.getPath('downloads'), now };
      exportLogs(target, range, exportFormat).catch(fail('Export failed'));
    },
    setOpenAtLogin: (on) => {
      try {
        loginItem.set(on);
        openAtLogin = on;
      } catch (err) {
        fail('Could not change "Start at login"')(err);
      }
      refresh();
    },
    toggleWindow: () => window.toggle(),
    quit: () => void quit(),
  }, p.app.os !== 'darwin');

  function refresh(): void {
    if (!quitting) tray.render(state());
  }
  let timer: NodeJS.Timeout | undefined;
  running.onChange(() => {
    timer ??= setTimeout(() => {
      timer = undefined;
      refresh();
    }, TRAY_REFRESH_MS);
    timer.unref();
  });
  // A budget alert (80 % / 100 %, SPEC §11) becomes a desktop notification, once per alert.
  const offBudgetAlert = running.onBudgetAlert((a) => {
    const n = budgetAlertNotice(a);
    p.notify(n.title, n.body);
  });
  // "requests today" rolls over at midnight without any gateway event.
  const clock = setInterval(refresh, 60_000);
  clock.unref();
  window.onVisibilityChange(refresh);
  // Quit from the OS (Cmd+Q, logout) takes the same path as the menu, so the store is flushed.
  p.app.onBeforeQuit((event) => {
    event.preventDefault();
    void quit();
  });
  refresh();
  if (!p.app.argv.includes(HIDDEN_FLAG)) window.show();
  return { running, window, tray, refresh, quit };
}
