/**
 * Screenshots of every dashboard page into docs/screenshots/ (light, plus dark for the overview
 * and the list). Run: `npm run build:ui && node --import tsx test/ui/screenshots.ts`.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { openBrowser, hasChromium } from './support/browser.js';
import { adminFetch, REPO, startHarness } from './support/harness.js';
import { seed } from './support/seed.js';

const OUT = join(REPO, 'docs', 'screenshots');

export async function takeScreenshots(): Promise<string[]> {
  const clock = { offsetMs: 0 };
  const h = await startHarness({}, () => Date.now() - clock.offsetMs);
  const b = await openBrowser({ width: 1360, height: 860 });
  const written: string[] = [];
  try {
    // Keys saved as from the dashboard (editable, masked); the base URLs come from the environment (read-only).
    await adminFetch(h.app, '/settings', { method: 'PATCH', body: { anthropic_key: 'sk-ant-api03-screenshot-0000000000wxyz', openai_key: 'sk-proj-screenshot-00000000000000abcd' } });
    await seed(h.app, clock);
    // A budget on one token and a price for a self-hosted model, so the tokens and prices pages show them.
    const list = await adminFetch<{ results: { id: string; name: string }[] }>(h.app, '/tokens');
    const alice = list.results.find((t) => t.name === 'alice');
    if (alice) await adminFetch(h.app, `/tokens/${alice.id}/budget`, { method: 'PUT', body: { usd_per_day: 5, usd_per_month: 100, tokens_per_day: null } });
    await adminFetch(h.app, '/prices', { method: 'PUT', body: { overrides: { 'my-local-llama': { input: 0.2, output: 0.6 } } } });
    const page = b.page;
    mkdirSync(OUT, { recursive: true });
    const shot = async (name: string, hash: string, ready: string, opts: { full?: boolean; prepare?: () => Promise<void> } = {}) => {
      await page.goto(`${h.app.url}/ui/${hash}`);
      await page.waitForSelector(ready);
      await opts.prepare?.();
      await page.waitForTimeout(300);
      const file = join(OUT, `${name}.png`);
      await page.screenshot({ path: file, fullPage: opts.full ?? true });
      written.push(file);
    };
    await page.goto(`${h.app.url}/ui/`);
    await page.waitForSelector('form.login-card');
    await page.screenshot({ path: join(OUT, 'login.png') });
    written.push(join(OUT, 'login.png'));
    await page.goto(h.app.loginUrl);
    await page.waitForSelector('#bridge-state');

    await shot('overview', '#/', '#bridge-state');
    await shot('providers', '#/providers', '#provider-anthropic');
    await shot('tokens', '#/tokens', '#token-list table');
    await shot('token-created', '#/tokens', '#create-token', {
      full: false,
      prepare: async () => {
        await page.fill('input[name="token-name"]', 'carol-laptop');
        await page.click('#create-token button[type="submit"]');
        await page.waitForSelector('#new-token-value');
      },
    });
    await shot('interceptions', '#/interceptions', 'table.interceptions tbody tr', { full: false });
    const first = await page.getAttribute('table.interceptions tbody tr:nth-child(2)', 'data-id');
    await shot('interception-detail', `#/interceptions/${first}`, '#prompts');
    await shot('usage', '#/usage', '.chart canvas');
    await shot('prices', '#/prices', '#price-models table');
    await shot('retention-logs', '#/settings', '#retention');

    await page.emulateMedia({ colorScheme: 'dark' });
    await shot('overview-dark', '#/', '#bridge-state');
    await shot('interceptions-dark', '#/interceptions', 'table.interceptions tbody tr', { full: false });
    await shot('usage-dark', '#/usage', '.chart canvas');
    if (b.cspViolations.length) throw new Error(`CSP violations: ${b.cspViolations.join('\n')}`);
  } finally {
    await b.close();
    await h.close();
  }
  return written;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  if (!hasChromium) {
    console.error('screenshots: /usr/bin/chromium is missing (apt-get install -y chromium)');
    process.exit(1);
  }
  takeScreenshots().then((files) => console.log(files.join('\n')), (err: unknown) => { console.error(err); process.exit(1); });
}
