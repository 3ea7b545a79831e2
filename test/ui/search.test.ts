/**
 * Search and sessions in the dashboard (SPEC §15), in real Chromium against the real gateway and
 * the mock upstream: the search box (debounced: typing sends one search per pause, not one per key),
 * the matches highlighted in the detail, the link from a record to its session, the session view
 * (calls in order, time between calls, cost) and the sessions list. Never asserts times.
 * `SCREENSHOTS=1` also writes docs/screenshots/search.png, search-detail.png, session.png.
 */
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, openBrowser, type Browser } from './support/browser.js';
import { adminFetch, REPO, startHarness, type Harness } from './support/harness.js';
import { EVENTUALLY } from './support/wait.js';
import type { Interception } from '../../src/record/types.js';
import type { SessionRow } from '../../src/gateway/routes/usage.js';
import { usd } from '../../src/ui/lib/cost.js';
import { SEARCH_DEBOUNCE_MS } from '../../src/ui/lib/filters.js';

const SESSION = '3f6d2c1a-7b8e-4c9d-a1b2-5e6f7a8b9c0d';
const CLAUDE_CODE = 'claude-cli/2.0.14 (external, cli)';
const shots = process.env['SCREENSHOTS'] === '1';

describe.skipIf(!hasChromium)('search and sessions in Chromium', { timeout: 60_000 }, () => {
  let h: Harness;
  let b: Browser;
  let page: Page;
  const clock = { offsetMs: 0 };
  const searches: string[] = [];
  let sessionIds: string[] = [];

  const call = async (token: string, prompt: string, fixture: string, session?: string) => {
    const headers: Record<string, string> = {
      'content-type': 'application/json', authorization: `Bearer ${token}`, 'anthropic-version': '2023-06-01',
      'x-mock-fixture': fixture, 'user-agent': CLAUDE_CODE,
    };
    if (session) headers['x-claude-code-session-id'] = session;
    const res = await fetch(`${h.app.url}/anthropic/v1/messages`, {
      method: 'POST', headers, body: JSON.stringify({ model: 'claude-sonnet-4-5', max_tokens: 256, stream: true, messages: [{ role: 'user', content: prompt }] }),
    });
    await res.arrayBuffer();
    expect(res.status).toBe(200);
  };

  beforeAll(async () => {
    h = await startHarness({ AIBRIDGE_ANTHROPIC_KEY: 'sk-ant-api03-ui-search-0000000000000000' }, () => Date.now() - clock.offsetMs);
    const token = (await adminFetch<{ token: string }>(h.app, '/tokens', { method: 'POST', body: { name: 'alice' } })).token;
    // A session of four calls a few minutes apart, and two calls outside it.
    const plan: [string, string, string | undefined, number][] = [
      ['Write a migration that adds an index on interceptions(started_at, id).', 'anthropic/thinking.sse', SESSION, 40],
      ['Run the migration against the dev database and show me the plan.', 'anthropic/tool-parallel.sse', SESSION, 33],
      ['The index name is too long for Postgres; shorten it.', 'anthropic/text.sse', SESSION, 31],
      ['Now update the docs for the new index.', 'anthropic/tool-single.sse', SESSION, 22],
      ['Explain what this regex does: ^(\\d+(\\.\\d+)?[smhdw])+$', 'anthropic/text.sse', undefined, 12],
      ['Is the migration from last week safe to revert?', 'anthropic/text.sse', undefined, 5],
    ];
    for (const [prompt, fixture, session, minutesAgo] of plan) {
      clock.offsetMs = minutesAgo * 60_000;
      await call(token, prompt, fixture, session);
    }
    clock.offsetMs = 0;
    const listed = await adminFetch<{ results: Interception[] }>(h.app, `/interceptions?session=${SESSION}`);
    sessionIds = listed.results.map((r) => r.id).reverse();
    expect(sessionIds).toHaveLength(4);
    b = await openBrowser({ width: 1360, height: 860 });
    page = b.page;
    page.on('request', (r) => {
      const m = /\/api\/v1\/interceptions\?(.*)$/.exec(r.url());
      const q = m ? new URLSearchParams(m[1]).get('q') : null;
      if (q) searches.push(q);
    });
    await page.goto(h.app.loginUrl);
    await page.waitForSelector('#bridge-state');
  });

  afterAll(async () => {
    await b?.close();
    await h?.close();
  });

  const shot = async (name: string) => {
    if (shots) await page.screenshot({ path: join(REPO, 'docs', 'screenshots', `${name}.png`), fullPage: false });
  };
  const rowIds = () => page.$$eval('table.interceptions tbody tr', (rows) => rows.map((r) => r.getAttribute('data-id')));
  /** The last search sent, the list's summary and the rows it shows. */
  const listed = async () => ({ q: searches.at(-1), status: await page.textContent('.list-bar [role="status"]'), rows: await rowIds() });

  it('the search box searches as you type, once per pause, not once per key', async () => {
    await page.evaluate('location.hash = "#/interceptions"');
    await page.waitForSelector('table.interceptions tbody tr');
    expect(await rowIds()).toHaveLength(6);
    await page.click('input[name="filter-q"]');
    // When each keystroke reached the page, to tell a pause in the typing from a debounce that broke.
    // (On the document, before the box's own handler, so it holds even if the box is rendered anew.)
    await page.evaluate(`window.__inputAt = [];
      document.addEventListener('input', (e) => { if (e.target.name === 'filter-q') window.__inputAt.push(performance.now()); }, true)`);
    const text = 'migration index';
    await page.keyboard.type(text); // one key after another, no delay between them
    // The list once the search for the whole text went out and its answer is shown (a search for a
    // part of it, sent in a stall, can show first).
    await expect.poll(listed, EVENTUALLY).toEqual({ q: text, status: expect.stringContaining('1 interception match'), rows: [sessionIds[0]] });
    // Debounced: a search goes out once the typing has paused for SEARCH_DEBOUNCE_MS. Typed in one go
    // that is once, for the whole text. A loaded machine can stall between two keys for longer than
    // that, and each such stall may add one search for the text so far, but never one per key: the
    // count is at most 1 + the stalls the page saw (a keystroke that came sooner cleared the timer
    // before it was due), which is 1 on an idle machine; without the debounce it would be about one per
    // key (14 for these 15).
    const inputAt = await page.evaluate<number[]>('window.__inputAt');
    expect(inputAt).toHaveLength(text.length);
    const gaps = inputAt.slice(1).map((t, i) => Math.round(t - inputAt[i]!));
    const stalls = gaps.filter((g) => g >= SEARCH_DEBOUNCE_MS).length;
    expect(searches.length, JSON.stringify({ searches, gaps })).toBeLessThanOrEqual(1 + stalls);
    expect(searches.every((q) => text.startsWith(q))).toBe(true);
    expect(await page.evaluate('location.hash')).toContain('q=migration+index');
    await page.fill('input[name="filter-q"]', 'MIGRATION');
    await expect.poll(async () => ({ ...(await listed()), rows: (await rowIds()).length }), EVENTUALLY)
      .toEqual({ q: 'MIGRATION', status: expect.stringContaining('3 interceptions match'), rows: 3 });
    await shot('search');
  });

  it('the detail highlights the searched words and links to the session', async () => {
    await page.click(`table.interceptions tbody tr[data-id="${sessionIds[1]}"] a.row-anchor`);
    await page.waitForSelector('mark.hit');
    const marks = await page.$$eval('mark.hit', (ms) => ms.map((m) => m.textContent));
    expect(marks.length).toBeGreaterThan(0);
    expect(marks.every((t) => t?.toLowerCase() === 'migration')).toBe(true);
    expect(await page.textContent('.search-note')).toContain('MIGRATION');
    await shot('search-detail');
    await page.click('#session-link');
    await page.waitForSelector('.session-call');
  });

  it('the session view lists its calls in order with prompts, tools, tokens, cost and the time between calls', async () => {
    expect(await page.$$eval('.session-call', (li) => li.map((x) => x.getAttribute('data-id')))).toEqual(sessionIds);
    const gaps = await page.$$eval('.session-gap', (g) => g.map((x) => x.textContent ?? ''));
    expect(gaps).toHaveLength(3);
    expect(gaps.every((g) => /later$/.test(g))).toBe(true);
    expect(await page.textContent('.session-call:nth-child(1) .session-prompt')).toContain('Write a migration');
    expect(await page.$$eval('.session-call:nth-child(2) .session-tools .tool-name', (t) => t.map((x) => x.textContent))).toEqual(['Bash', 'Grep', 'TodoRead']);
    const [row] = (await adminFetch<{ results: SessionRow[] }>(h.app, '/sessions')).results;
    expect(row).toMatchObject({ client_session_id: SESSION, interceptions: 4 });
    const cost = await page.textContent('#session-cost');
    // The page adds up its calls' costs; the API sums the same calls on the server.
    expect(row!.cost_usd).not.toBeNull();
    expect(cost).toBe(usd(row!.cost_usd!));
    expect(await page.textContent('#session-summary')).toContain('4');
    await page.evaluate('window.scrollTo(0, 0)');
    await shot('session');
  });

  it('the sessions page lists the session and opens it', async () => {
    await page.evaluate('location.hash = "#/sessions"');
    await page.waitForSelector('table.sessions tbody tr');
    expect(await page.$$eval('table.sessions tbody tr', (r) => r.length)).toBe(1);
    expect(await page.textContent('table.sessions tbody tr td:nth-child(4)')).toBe('4');
    await page.click('table.sessions tbody tr a');
    await page.waitForSelector('.session-call');
    expect(await page.$$eval('.session-call', (li) => li.length)).toBe(4);
  });
  it('typing on after a search went out keeps every key (a pause after a space does not eat the space)', async () => {
    await page.evaluate('location.hash = "#/interceptions"');
    await page.waitForSelector('input[name="filter-q"]');
    await page.fill('input[name="filter-q"]', '');
    await page.click('input[name="filter-q"]');
    // A pause after "migration ": the search for "migration" goes out and its answer is shown.
    await page.keyboard.type('migration ');
    await expect.poll(listed, EVENTUALLY).toEqual({ q: 'migration', status: expect.stringContaining('3 interceptions match'), rows: expect.any(Array) });
    // Then the rest: the box keeps the space typed before the pause.
    await page.keyboard.type('index');
    expect(await page.inputValue('input[name="filter-q"]')).toBe('migration index');
    await expect.poll(listed, EVENTUALLY).toEqual({ q: 'migration index', status: expect.stringContaining('1 interception match'), rows: [sessionIds[0]] });
  });
});
