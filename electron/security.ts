/**
 * Web-content hardening for every renderer the app creates (STYLE.md §9):
 * - `window.open` / target=_blank is denied; http(s) links go to the OS browser through
 *   {@link openExternalSafely}, the one opener;
 * - navigation and redirects are allowed only to the dashboard's exact origin, compared on parsed
 *   URLs (a substring test lets `http://127.0.0.1:8642.evil.com` through; parsing does not);
 * - `<webview>` is refused;
 * - dashboard responses carry a strict Content-Security-Policy ({@link DASHBOARD_CSP}).
 */
import type { ContentsHandle, Platform, SessionHandle } from './platform.js';

/** The CSP the dashboard is served with inside the app, whatever the server sent. */
export const DASHBOARD_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

/** The origin (`scheme://host:port`) of a URL, or undefined when it does not parse. */
export function originOf(url: string): string | undefined {
  try {
    return new URL(url).origin;
  } catch {
    return undefined;
  }
}

/**
 * True only when `url` is an http(s) URL whose origin is exactly `dashboardOrigin`
 * (scheme, host and port; no credentials in the URL).
 */
export function isDashboardUrl(url: string, dashboardOrigin: string | undefined): boolean {
  if (!dashboardOrigin) return false;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return false;
  if (parsed.username !== '' || parsed.password !== '') return false;
  return parsed.origin === dashboardOrigin;
}

/** True for URLs the OS browser may open: http and https only (no file:, smb:, custom schemes). */
export function isExternalWebUrl(url: string): boolean {
  try {
    const { protocol } = new URL(url);
    return protocol === 'http:' || protocol === 'https:';
  } catch {
    return false;
  }
}

/** The one way the app hands a URL to the OS. Anything but http(s) is dropped. */
export async function openExternalSafely(platform: Pick<Platform, 'openExternal'>, url: string): Promise<boolean> {
  if (!isExternalWebUrl(url)) return false;
  await platform.openExternal(url);
  return true;
}

/** Applies the guard to one web contents (exported for tests; installed by {@link setupSecurity}). */
export function guardContents(
  contents: ContentsHandle,
  dashboardOrigin: () => string | undefined,
  openExternal: (url: string) => void,
): void {
  contents.setWindowOpenHandler((url) => {
    openExternal(url);
    return 'deny';
  });
  contents.onWillNavigate((url, isMainFrame) => {
    if (isDashboardUrl(url, dashboardOrigin())) return true;
    // A plain link out of the dashboard (docs, provider consoles) belongs in the browser; a frame
    // trying to go elsewhere is just stopped.
    if (isMainFrame) openExternal(url);
    return false;
  });
  contents.onWillRedirect((url) => isDashboardUrl(url, dashboardOrigin()));
  contents.onWillAttachWebview((event) => event.preventDefault());
}

/**
 * Installs the global `web-contents-created` guard. `dashboardOrigin` is read at each event, so it
 * can be set up before the gateway has a port.
 */
export function setupSecurity(platform: Platform, dashboardOrigin: () => string | undefined): void {
  const open = (url: string): void => {
    openExternalSafely(platform, url).catch((err: unknown) => {
      console.warn(`could not open ${url} in the browser: ${String(err)}`);
    });
  };
  platform.app.onWebContentsCreated((contents) => guardContents(contents, dashboardOrigin, open));
}

/** Sets the CSP on every response from the dashboard origin, replacing any the server sent. */
export function withDashboardCsp(
  url: string,
  headers: Record<string, string[]> | undefined,
  dashboardOrigin: string,
): Record<string, string[]> | undefined {
  if (originOf(url) !== dashboardOrigin) return headers;
  const next: Record<string, string[]> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (name.toLowerCase() !== 'content-security-policy') next[name] = value;
  }
  next['Content-Security-Policy'] = [DASHBOARD_CSP];
  return next;
}

/**
 * Permissions for the dashboard session: only clipboard writes (its copy buttons), and only from
 * the dashboard itself; everything else (camera, notifications, geolocation, …) is refused.
 */
export function setupSessionPermissions(ses: SessionHandle, dashboardOrigin: string): void {
  ses.setPermissionHandler(
    (permission, requestingUrl) => permission === 'clipboard-sanitized-write' && originOf(requestingUrl) === dashboardOrigin,
  );
}
