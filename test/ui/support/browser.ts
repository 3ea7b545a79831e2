/**
 * Debian's Chromium driven by playwright-core (CLIENTS.md "Browser tests"): a fresh profile per
 * run, downloads accepted, console CSP violations collected.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
export const hasChromium = existsSync(CHROMIUM);

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-sync',
  '--disable-quic',
];

export interface Browser {
  context: BrowserContext;
  page: Page;
  /** Console messages that report a Content-Security-Policy violation. */
  cspViolations: string[];
  /** Console errors of any kind (for diagnostics). */
  consoleErrors: string[];
  close(): Promise<void>;
}

/** `timezoneId`: the browser's zone (IANA name), UTC unless given. */
export async function openBrowser(opts: { width?: number; height?: number; timezoneId?: string } = {}): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), 'aibridge-ui-profile-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
    acceptDownloads: true,
    viewport: { width: opts.width ?? 1360, height: opts.height ?? 900 },
    deviceScaleFactor: 1,
    colorScheme: 'light',
    locale: 'en-US',
    timezoneId: opts.timezoneId ?? 'UTC',
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const cspViolations: string[] = [];
  const consoleErrors: string[] = [];
  context.on('console', (msg) => {
    if (msg.type() !== 'error') return;
    const text = msg.text();
    consoleErrors.push(text);
    if (/Content Security Policy/i.test(text)) cspViolations.push(text);
  });
  return {
    context,
    page,
    cspViolations,
    consoleErrors,
    async close() {
      await context.close().catch(() => {});
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
