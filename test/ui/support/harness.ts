/**
 * The real gateway (startApp from src/app.ts, temp data dir, port 0) in front of the mock upstream,
 * with the built dashboard from dist/ui — what a user gets from `aibridge serve`.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startApp } from '../../../src/app.js';
import type { RunningApp } from '../../../src/app-types.js';
import { startMockUpstream, type MockUpstream } from '../../helpers/mock-upstream.js';
import type { Page } from 'playwright-core';
import { openBrowser, type Browser } from './browser.js';

export const REPO = fileURLToPath(new URL('../../../', import.meta.url));

/** `npm test` builds first; a lone `vitest run test/ui` builds the dashboard if it is missing. */
export function ensureUiBuilt(): void {
  if (existsSync(join(REPO, 'dist', 'ui', 'index.html'))) return;
  execFileSync('npx', ['vite', 'build', '--config', 'src/ui/vite.config.ts'], { cwd: REPO, stdio: 'ignore' });
}

export interface Harness {
  app: RunningApp;
  upstream: MockUpstream;
  dataDir: string;
  close(): Promise<void>;
}

export async function startHarness(env: Record<string, string> = {}, now?: () => number): Promise<Harness> {
  ensureUiBuilt();
  const upstream = await startMockUpstream();
  const dataDir = mkdtempSync(join(tmpdir(), 'aibridge-ui-data-'));
  const app = await startApp({
    dataDir,
    port: 0,
    argv: ['--enabled'],
    now,
    // "Connect" on the overview edits this folder, never the real home.
    connectHome: join(dataDir, 'home'),
    env: {
      AIBRIDGE_ANTHROPIC_BASE_URL: upstream.url,
      AIBRIDGE_OPENAI_BASE_URL: `${upstream.url}/v1/`,
      ...env,
    },
  });
  return {
    app,
    upstream,
    dataDir,
    async close() {
      await app.close().catch(() => {});
      await upstream.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** One call through the bridge with fetch (any client header); returns the status and drains the body. */
export async function bridgeCall(
  app: RunningApp,
  token: string,
  opts: { api?: 'messages' | 'chat' | 'responses'; fixture?: string; prompt?: string; model?: string; userAgent?: string; status?: number } = {},
): Promise<number> {
  const api = opts.api ?? 'messages';
  const path = api === 'messages' ? '/anthropic/v1/messages' : api === 'chat' ? '/openai/v1/chat/completions' : '/openai/v1/responses';
  const prompt = opts.prompt ?? 'Say hello';
  const model = opts.model ?? (api === 'messages' ? 'claude-sonnet-4-5' : 'gpt-4o');
  const body =
    api === 'messages'
      ? { model, max_tokens: 256, stream: true, messages: [{ role: 'user', content: prompt }] }
      : api === 'chat'
        ? { model, stream: true, messages: [{ role: 'user', content: prompt }] }
        : { model, stream: true, input: prompt };
  const headers: Record<string, string> = { 'content-type': 'application/json', authorization: `Bearer ${token}` };
  if (api === 'messages') headers['anthropic-version'] = '2023-06-01';
  if (opts.fixture) headers['x-mock-fixture'] = opts.fixture;
  if (opts.status) headers['x-mock-status'] = String(opts.status);
  if (opts.userAgent) headers['user-agent'] = opts.userAgent;
  const res = await fetch(`${app.url}${path}`, { method: 'POST', headers, body: JSON.stringify(body) });
  await res.arrayBuffer();
  return res.status;
}

export async function adminFetch<T>(app: RunningApp, path: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
  const res = await fetch(`${app.url}/api/v1${path}`, {
    method: init.method ?? 'GET',
    headers: { authorization: `Bearer ${app.adminToken}`, 'content-type': 'application/json' },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  if (!res.ok) throw new Error(`${init.method ?? 'GET'} ${path}: ${res.status} ${await res.text()}`);
  return (res.status === 204 ? undefined : await res.json()) as T;
}

/** The newest record the store lists (the one a call just made). */
export async function newestRecord<T>(app: RunningApp): Promise<T> {
  return (await adminFetch<{ results: T[] }>(app, '/interceptions?limit=1')).results[0]!;
}

/** Chromium on the dashboard, signed in through the login URL the gateway printed. */
export async function openSignedIn(h: Harness): Promise<Browser> {
  const b = await openBrowser();
  await b.page.goto(h.app.loginUrl);
  await b.page.waitForSelector('#bridge-state');
  return b;
}

/** Moves the dashboard to `hash` and waits for `ready` (a selector of the page it shows). */
export async function gotoHash(page: Page, hash: string, ready: string): Promise<void> {
  await page.evaluate(`location.hash = ${JSON.stringify(hash)}`);
  await page.waitForSelector(ready);
}
