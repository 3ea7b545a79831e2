import { describe, expect, it } from 'vitest';
import {
  DASHBOARD_CSP,
  guardContents,
  isDashboardUrl,
  openExternalSafely,
  setupSessionPermissions,
  withDashboardCsp,
} from '../../electron/security.js';
import { FakeContents, FakeSession } from './fake-platform.js';

const ORIGIN = 'http://127.0.0.1:8642';

describe('isDashboardUrl', () => {
  it.each([
    'http://127.0.0.1:8642/ui/',
    'http://127.0.0.1:8642/ui/#/interceptions',
    'http://127.0.0.1:8642/api/v1/status?x=1',
    'HTTP://127.0.0.1:8642/ui/',
    'http://127.0.0.1:8642',
  ])('allows %s', (url) => {
    expect(isDashboardUrl(url, ORIGIN)).toBe(true);
  });

  it.each([
    'http://127.0.0.1:8642.evil.com/ui/',
    'http://127.0.0.1:86420/ui/',
    'http://127.0.0.1:864/ui/',
    'http://127.0.0.1.evil.com:8642/ui/',
    'http://evil.com/?http://127.0.0.1:8642/ui/',
    'http://evil.com/http://127.0.0.1:8642',
    'http://127.0.0.1:8642@evil.com/ui/',
    'http://user:pw@127.0.0.1:8642/ui/',
    'https://127.0.0.1:8642/ui/',
    'http://localhost:8642/ui/',
    'http://127.0.0.2:8642/ui/',
    'http://[::1]:8642/ui/',
    'ws://127.0.0.1:8642/',
    'file:///etc/passwd',
    'javascript:alert(1)',
    'data:text/html,<script>1</script>',
    'about:blank',
    'not a url',
    '',
  ])('blocks %s', (url) => {
    expect(isDashboardUrl(url, ORIGIN)).toBe(false);
  });

  it('blocks everything before the dashboard origin is known', () => {
    expect(isDashboardUrl('http://127.0.0.1:8642/ui/', undefined)).toBe(false);
  });
});

describe('guardContents', () => {
  function guarded(): { contents: FakeContents; opened: string[] } {
    const contents = new FakeContents();
    const opened: string[] = [];
    guardContents(contents, () => ORIGIN, (url) => opened.push(url));
    return { contents, opened };
  }

  it('denies window.open and hands the URL to the one opener', () => {
    const { contents, opened } = guarded();
    expect(contents.openHandler?.('https://docs.anthropic.com/')).toBe('deny');
    expect(contents.openHandler?.('http://127.0.0.1:8642/ui/')).toBe('deny');
    expect(opened).toEqual(['https://docs.anthropic.com/', 'http://127.0.0.1:8642/ui/']);
  });

  it('allows navigation only to the exact dashboard origin', () => {
    const { contents, opened } = guarded();
    expect(contents.navigate?.('http://127.0.0.1:8642/ui/#/tokens')).toBe(true);
    expect(contents.navigate?.('http://127.0.0.1:8642.evil.com/')).toBe(false);
    expect(contents.navigate?.('http://127.0.0.1:86420/')).toBe(false);
    expect(contents.navigate?.('https://example.com/')).toBe(false);
    expect(opened).toEqual(['http://127.0.0.1:8642.evil.com/', 'http://127.0.0.1:86420/', 'https://example.com/']);
    // A sub-frame is stopped without opening anything.
    expect(contents.navigate?.('https://frame.example/', false)).toBe(false);
    expect(opened).toHaveLength(3);
    expect(contents.redirect?.('http://127.0.0.1:8642/ui/')).toBe(true);
    expect(contents.redirect?.('https://evil.com/')).toBe(false);
  });

  it('refuses <webview>', () => {
    const { contents } = guarded();
    let prevented = false;
    contents.webview?.({ preventDefault: () => (prevented = true) });
    expect(prevented).toBe(true);
  });
});

describe('openExternalSafely', () => {
  it('opens http and https only', async () => {
    const opened: string[] = [];
    const platform = { openExternal: async (url: string) => void opened.push(url) };
    for (const url of ['https://a.example/', 'http://b.example/x', 'file:///etc/passwd', 'smb://host/share', 'javascript:alert(1)', 'vscode://x', 'garbage']) {
      await openExternalSafely(platform, url);
    }
    expect(opened).toEqual(['https://a.example/', 'http://b.example/x']);
  });
});

describe('dashboard CSP and permissions', () => {
  it('is the strict policy', () => {
    expect(DASHBOARD_CSP).toBe(
      "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
    );
  });

  it('replaces any server CSP on dashboard responses and leaves other origins alone', () => {
    const headers = { 'content-security-policy': ["default-src *"], 'Content-Type': ['text/html'] };
    expect(withDashboardCsp(`${ORIGIN}/ui/`, headers, ORIGIN)).toEqual({
      'Content-Type': ['text/html'],
      'Content-Security-Policy': [DASHBOARD_CSP],
    });
    expect(withDashboardCsp('http://127.0.0.1:9999/', headers, ORIGIN)).toBe(headers);
    expect(withDashboardCsp(`${ORIGIN}/api/v1/status`, undefined, ORIGIN)).toEqual({ 'Content-Security-Policy': [DASHBOARD_CSP] });
  });

  it('grants clipboard writes to the dashboard only, nothing else', () => {
    const session = new FakeSession();
    setupSessionPermissions(session, ORIGIN);
    expect(session.permission?.('clipboard-sanitized-write', `${ORIGIN}/ui/`)).toBe(true);
    expect(session.permission?.('clipboard-sanitized-write', 'http://127.0.0.1:8642.evil.com/')).toBe(false);
    for (const p of ['media', 'geolocation', 'notifications', 'clipboard-read', 'openExternal']) {
      expect(session.permission?.(p, `${ORIGIN}/ui/`)).toBe(false);
    }
  });
});
