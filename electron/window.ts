/**
 * The dashboard window: the gateway's own `/ui/` in a hardened BrowserWindow.
 *
 * Admin auth stays in the main process. The window lives in an in-memory session partition and
 * every request to the dashboard's exact origin gets `Authorization: Bearer <admin token>` added by
 * `webRequest.onBeforeSendHeaders`. The page itself is opened with a placeholder in the login
 * fragment (`#token=desktop-shell`) so the dashboard's normal login path runs, but the real token
 * never enters the renderer: not in a URL, not in history, not in sessionStorage, not on disk, and
 * script in the page cannot read it. Closing the window hides it; the app stays in the tray.
 */
import type { DashboardWebPreferences, ImageHandle, Platform, WindowHandle } from './platform.js';
import { originOf, setupSessionPermissions, withDashboardCsp } from './security.js';

/** In-memory partition (no `persist:` prefix): nothing the page stores reaches the disk. */
export const DASHBOARD_PARTITION = 'aibridge-dashboard';

/** What the renderer holds instead of the admin token; the main process swaps in the real one. */
export const SHELL_TOKEN_PLACEHOLDER = 'desktop-shell';

/** The dashboard window's webPreferences, set explicitly (STYLE.md §9). */
export function dashboardWebPreferences(preloadPath: string): DashboardWebPreferences {
  return {
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    webviewTag: false,
    preload: preloadPath,
    partition: DASHBOARD_PARTITION,
  };
}

/** Request headers for a dashboard-origin request: any Authorization replaced by the admin token's. */
export function withAdminAuth(
  url: string,
  headers: Record<string, string>,
  dashboardOrigin: string,
  adminToken: string,
): Record<string, string> {
  if (originOf(url) !== dashboardOrigin) return headers;
  const next: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (name.toLowerCase() !== 'authorization') next[name] = value;
  }
  next['Authorization'] = `Bearer ${adminToken}`;
  return next;
}

/** The gateway facts the window needs. */
export interface DashboardTarget {
  /** Gateway base URL, e.g. http://127.0.0.1:8642 */
  url: string;
  adminToken: string;
}

export interface DashboardWindowOptions {
  preloadPath: string;
  /** Window icon, made when the window is first created (after the app is ready). */
  icon?: () => ImageHandle;
}

/** The one dashboard window, created on first show and hidden (not closed) by its close button. */
export class DashboardWindow {
  private win: WindowHandle | undefined;
  private target: DashboardTarget | undefined;
  private origin: string | undefined;
  private showWhenAttached = false;
  private closing = false;
  private readonly visibilityListeners: (() => void)[] = [];

  constructor(
    private readonly platform: Platform,
    private readonly options: DashboardWindowOptions,
  ) {}

  /** The dashboard origin once attached (used by the navigation guard). */
  get dashboardOrigin(): string | undefined {
    return this.origin;
  }

  /** Points the window at the running gateway and installs the session's auth, CSP and permissions. */
  attach(target: DashboardTarget): void {
    if (this.target) throw new Error('dashboard window is already attached to a gateway');
    const origin = originOf(target.url);
    if (!origin) throw new Error(`gateway URL does not parse: ${target.url}`);
    this.target = target;
    this.origin = origin;
    const ses = this.platform.session(DASHBOARD_PARTITION);
    ses.onBeforeSendHeaders(({ url, requestHeaders }) => withAdminAuth(url, requestHeaders, origin, target.adminToken));
    ses.onHeadersReceived(({ url, responseHeaders }) => withDashboardCsp(url, responseHeaders, origin));
    setupSessionPermissions(ses, origin);
    if (this.showWhenAttached) this.show();
  }

  /** Shows and focuses the window, creating it on first use. Before attach, shows once attached. */
  show(): void {
    if (!this.target) {
      this.showWhenAttached = true;
      return;
    }
    const win = this.ensureWindow(this.target);
    if (win.isMinimized()) win.restore();
    win.show();
    win.focus();
  }

  hide(): void {
    if (this.win && !this.win.isDestroyed()) this.win.hide();
  }

  isVisible(): boolean {
    return this.win !== undefined && !this.win.isDestroyed() && this.win.isVisible();
  }

  /** Show/Hide from the tray. */
  toggle(): void {
    if (this.isVisible()) this.hide();
    else this.show();
  }

  onVisibilityChange(listener: () => void): void {
    this.visibilityListeners.push(listener);
  }

  /** From now on closing really closes (the app is quitting). */
  destroy(): void {
    this.closing = true;
    if (this.win && !this.win.isDestroyed()) this.win.destroy();
    this.win = undefined;
  }

  private ensureWindow(target: DashboardTarget): WindowHandle {
    if (this.win && !this.win.isDestroyed()) return this.win;
    const win = this.platform.createWindow({
      title: 'AI Bridge Desktop',
      width: 1200,
      height: 800,
      minWidth: 760,
      minHeight: 520,
      show: false,
      backgroundColor: '#f7f7f8',
      autoHideMenuBar: true,
      ...(this.options.icon ? { icon: this.options.icon() } : {}),
      webPreferences: dashboardWebPreferences(this.options.preloadPath),
    });
    win.onClose((event) => {
      if (this.closing) return;
      event.preventDefault();
      win.hide();
    });
    win.onVisibilityChange(() => {
      for (const listener of this.visibilityListeners) listener();
    });
    this.win = win;
    win.loadURL(dashboardUrl(target)).catch((err: unknown) => {
      // The gateway is in this process, so this is rare (e.g. it was closed); say so in the window.
      console.error(`dashboard failed to load: ${String(err)}`);
    });
    return win;
  }
}

/** The URL the window opens: the dashboard with the placeholder login fragment, never the token. */
export function dashboardUrl(target: Pick<DashboardTarget, 'url'>): string {
  return `${target.url}/ui/#token=${SHELL_TOKEN_PLACEHOLDER}`;
}
