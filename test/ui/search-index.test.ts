/**
 * Searching right after start, while the full-text index is still being built (SPEC §15): the
 * dashboard says so next to the results (which are exact all along), and stops saying so once the
 * index has caught up. Real Chromium, the real gateway restarted on the same data, the index build
 * held back by the test-only AIBRIDGE_TEST_SEARCH_INDEX_DELAY_MS. Never asserts times.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp } from '../../src/app.js';
import type { RunningApp } from '../../src/app-types.js';
import type { AppStatus } from '../../src/gateway/status.js';
import { hasChromium, openBrowser, type Browser } from './support/browser.js';
import { adminFetch, bridgeCall, gotoHash, startHarness, type Harness } from './support/harness.js';
import { EVENTUALLY } from './support/wait.js';

/**
 * How long the restarted gateway holds the index build back: long enough for the page to look
 * first even on a loaded machine (with three copies of the browser tests at once, Chromium took
 * over 10 s to sign in and show the list).
 */
const HOLD_MS = 30_000;

describe.skipIf(!hasChromium)('search while the index is being built', { timeout: HOLD_MS + 60_000 }, () => {
  let h: Harness;
  let app: RunningApp | undefined;
  let b: Browser;

  beforeAll(async () => {
    h = await startHarness({ AIBRIDGE_ANTHROPIC_KEY: 'sk-ant-api03-ui-index-0000000000000000' });
    const token = (await adminFetch<{ token: string }>(h.app, '/tokens', { method: 'POST', body: { name: 'alice' } })).token;
    for (const prompt of ['Write a migration for the sessions table.', 'Explain this stack trace.', 'Is the migration safe to revert?']) {
      expect(await bridgeCall(h.app, token, { prompt, fixture: 'anthropic/text.sse' })).toBe(200);
    }
    await h.app.close();
    b = await openBrowser();
  });

  afterAll(async () => {
    await b?.close();
    await app?.close();
    await h?.close();
  });

  it('says the index is being built while a search is on, with exact results, and stops once it is built', async () => {
    // The same data, a new start: the stored records wait for the index build.
    app = await startApp({
      dataDir: h.dataDir,
      port: 0,
      argv: ['--enabled'],
      connectHome: join(h.dataDir, 'home'),
      env: { AIBRIDGE_ANTHROPIC_BASE_URL: h.upstream.url, AIBRIDGE_ANTHROPIC_KEY: 'sk-ant-api03-ui-index-0000000000000000', AIBRIDGE_TEST_SEARCH_INDEX_DELAY_MS: String(HOLD_MS) },
    });
    expect((await adminFetch<AppStatus>(app, '/status')).search_index).toEqual({ building: true, indexed: 0, waiting: 3 });
    const page = b.page;
    await page.goto(app.loginUrl);
    await page.waitForSelector('#bridge-state');

    // No search: nothing to say.
    await gotoHash(page, '#/interceptions', 'table.interceptions tbody tr');
    expect(await page.$('[data-search-index]')).toBeNull();

    await gotoHash(page, '#/interceptions?q=migration', 'table.interceptions tbody tr');
    // `$` answers at once when the note is not there (textContent would wait for it on each poll).
    const note = async () => (await page.$('[data-search-index]'))?.textContent() ?? null;
    await expect.poll(note, EVENTUALLY).toContain('The search index is still being built (0 of 3 records so far)');
    // The note comes from the status, the rows from the search: the unfiltered list stays on screen until its answer.
    const rowCount = () => page.$$eval('table.interceptions tbody tr', (rows) => rows.length);
    await expect.poll(rowCount, EVENTUALLY).toBe(2);

    // Once the build has run, the note goes by itself; the results stay the same.
    await expect.poll(() => page.$('[data-search-index]'), { timeout: HOLD_MS + 15_000 }).toBeNull();
    expect((await adminFetch<AppStatus>(app, '/status')).search_index).toEqual({ building: false, indexed: 3, waiting: 0 });
    expect(await rowCount()).toBe(2);
  });
});
