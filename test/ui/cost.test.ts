/**
 * Cost and budgets on the dashboard (SPEC §11, issue 15) in real Chromium against the real gateway
 * (startApp) and the mock upstream: cost per call in the table and the detail ("no price", never $0,
 * for a model without a price), today's cost on the overview, cost per day and per initiator on the
 * usage page, the Prices page re-pricing an old call and removing the override, and a token's budget
 * set, enforced (429, banner from the live feed) and removed from the tokens page. Never asserts times.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { hasChromium, type Browser } from './support/browser.js';
import { adminFetch, bridgeCall, gotoHash, newestRecord, openSignedIn, startHarness, type Harness } from './support/harness.js';
import { EVENTUALLY } from './support/wait.js';
import { NO_PRICE, usd } from '../../src/ui/lib/cost.js';

if (!hasChromium) console.warn('test/ui: skipped — /usr/bin/chromium is missing (apt-get install -y chromium; .ci/run installs it)');

/** A model no catalog knows: its calls have no price until an override gives one. */
const LOCAL_MODEL = 'my-local-llama-7b';
const PRICED_MODEL = 'claude-sonnet-4-5';

interface Rec { id: string; model: string; cost: { usd: number | null; priced_model: string; source: string } }
interface Token { id: string; name: string; budget: Record<string, number | null> | null; spend: { usd_today: number; usd_month: number; tokens_today: number } }

describe.skipIf(!hasChromium)('cost and budgets in Chromium', { timeout: 60_000 }, () => {
  let h: Harness;
  let b: Browser;
  let page: Page;
  let token = '';
  let pricedId = '';
  let localId = '';

  const goto = (hash: string, ready: string) => gotoHash(page, hash, ready);
  const record = (id: string) => adminFetch<Rec>(h.app, `/interceptions/${id}`);
  const newest = () => newestRecord<Rec>(h.app);

  beforeAll(async () => {
    h = await startHarness({ AIBRIDGE_ANTHROPIC_KEY: 'sk-ant-api03-cost-ui-0000000000', AIBRIDGE_OPENAI_KEY: 'sk-proj-cost-ui-000000000000' });
    b = await openSignedIn(h);
    page = b.page;
  });

  afterAll(async () => {
    await b?.close();
    await h?.close();
  });

  it('creates a token with a budget from the tokens page; the list shows the budget and the spend', async () => {
    await goto('#/tokens', '#create-token');
    await page.fill('input[name="token-name"]', 'carol');
    await page.click('#create-token summary');
    await page.fill('#budget-new-usd_per_month', '250');
    await page.click('#create-token button[type="submit"]');
    await page.waitForSelector('#new-token-value');
    token = ((await page.textContent('#new-token-value')) ?? '').trim();
    await page.click('#new-token button:has-text("Done")');
    const listed = (await adminFetch<{ results: Token[] }>(h.app, '/tokens')).results.find((t) => t.name === 'carol')!;
    expect(listed.budget).toEqual({ usd_per_day: null, usd_per_month: 250, tokens_per_day: null });
    const row = page.locator('#token-list tr', { hasText: 'carol' });
    await expect.poll(() => row.textContent(), EVENTUALLY).toContain('$0.00 of $250.00 this month');
  });

  it('shows each call\'s cost in the table and the detail, and "no price" (not $0) for an unknown model', async () => {
    await goto('#/interceptions', '.empty, table.interceptions');
    await page.waitForSelector('.live-live');
    expect(await bridgeCall(h.app, token, { model: PRICED_MODEL, prompt: 'priced call' })).toBe(200);
    pricedId = (await newest()).id;
    expect(await bridgeCall(h.app, token, { model: LOCAL_MODEL, prompt: 'local model call' })).toBe(200);
    localId = (await newest()).id;

    const priced = await record(pricedId);
    expect(priced.cost.usd).toBeGreaterThan(0);
    const local = await record(localId);
    expect(local.cost.usd).toBeNull();

    const pricedCell = page.locator(`tr[data-id="${pricedId}"] td.cost-cell`);
    const localCell = page.locator(`tr[data-id="${localId}"] td.cost-cell`);
    await expect.poll(() => pricedCell.textContent(), EVENTUALLY).toBe(usd(priced.cost.usd!));
    expect(await localCell.textContent()).toBe(NO_PRICE);
    expect(await page.textContent('table.interceptions thead')).toContain('Cost');

    // The detail view keeps #call-cost from the call shown before until the new record arrives: poll.
    await goto(`#/interceptions/${localId}`, '#call-cost');
    await expect.poll(() => page.textContent('#call-cost'), EVENTUALLY).toContain(NO_PRICE);
    expect(await page.textContent('#call-cost')).not.toContain('$0');
    await goto(`#/interceptions/${pricedId}`, '#call-cost');
    await expect.poll(() => page.textContent('#call-cost'), EVENTUALLY).toContain(usd(priced.cost.usd!));
    expect(await page.textContent('#call-cost')).toContain('catalog price');
  });

  it('shows today\'s cost on the overview', async () => {
    await goto('#/', '#today-cost');
    const status = await adminFetch<{ today: { cost_usd: number } }>(h.app, '/status');
    expect(status.today.cost_usd).toBeGreaterThan(0);
    await expect.poll(() => page.textContent('#today-cost'), EVENTUALLY).toBe(usd(status.today.cost_usd));
  });

  it('charts cost per day and breaks cost down by model and by initiator', async () => {
    await goto('#/usage', '#cost-per-day .chart canvas');
    const byModel = await adminFetch<{ results: { key: string; cost_usd: number | null }[] }>(h.app, '/usage?group_by=model');
    const pricedRow = byModel.results.find((r) => r.key === PRICED_MODEL)!;
    const table = page.locator('#breakdown table');
    await expect.poll(() => table.textContent(), EVENTUALLY).toContain(LOCAL_MODEL);
    expect(await page.locator('#breakdown tr', { hasText: PRICED_MODEL }).locator('td[data-cost]').textContent()).toBe(usd(pricedRow.cost_usd!));
    expect(await page.locator('#breakdown tr', { hasText: LOCAL_MODEL }).locator('td[data-cost]').textContent()).toBe(NO_PRICE);
    expect(await page.textContent('#cost-per-day')).toContain('had no price');
    await page.click('#breakdown button:has-text("Initiator")');
    const byInitiator = await adminFetch<{ results: { key: string; cost_usd: number | null; unpriced_requests: number }[] }>(h.app, '/usage?group_by=initiator');
    const carol = byInitiator.results.find((r) => r.key === 'carol')!;
    expect(carol.unpriced_requests).toBe(1);
    await expect.poll(() => page.locator('#breakdown tr', { hasText: 'carol' }).locator('td[data-cost]').textContent(), EVENTUALLY).toBe(`${usd(carol.cost_usd!)} + 1 unpriced`);
    await page.click('#breakdown button:has-text("Cost")');
    expect(await page.getAttribute('#breakdown button:has-text("Cost")', 'aria-pressed')).toBe('true');
  });

  it('sets a price for the unknown model on the Prices page, which re-prices the old call, and removes it again', async () => {
    await goto('#/prices', '#price-models table');
    const row = page.locator(`#price-models tr[data-model="${LOCAL_MODEL}"]`);
    expect(await row.textContent()).toContain(NO_PRICE);
    await row.getByRole('button', { name: `Set a price for ${LOCAL_MODEL}` }).click();
    expect(await page.inputValue('#price-model')).toBe(LOCAL_MODEL);
    await page.fill('input[name="price-input"]', 'lots');
    await page.click('#price-form button[type="submit"]');
    await expect.poll(() => page.textContent('#price-form [role="alert"]'), EVENTUALLY).toContain('is not a price');
    await page.fill('input[name="price-input"]', '100');
    await page.fill('input[name="price-output"]', '200');
    await page.click('#price-form button[type="submit"]');
    await expect.poll(() => page.textContent('#price-form [role="status"]'), EVENTUALLY).toContain('Saved the price');
    await expect.poll(() => row.textContent(), EVENTUALLY).toContain('override');
    expect(await page.textContent(`#price-overrides tr[data-override="${LOCAL_MODEL}"]`)).toContain('$100');
    const prices = await adminFetch<{ overrides: Record<string, unknown> }>(h.app, '/prices');
    expect(prices.overrides[LOCAL_MODEL]).toEqual({ input: 100, output: 200 });

    // The old call is priced at the new rate now.
    const repriced = await record(localId);
    expect(repriced.cost.usd).toBeGreaterThan(0);
    expect(repriced.cost.source).toBe('override');
    await goto(`#/interceptions/${localId}`, '#call-cost');
    await expect.poll(() => page.textContent('#call-cost'), EVENTUALLY).toContain(usd(repriced.cost.usd!));
    expect(await page.textContent('#call-cost')).toContain('your override');

    await goto('#/prices', '#price-overrides table');
    await page.click(`button[aria-label="Remove the override of ${LOCAL_MODEL}"]`);
    await page.waitForSelector('dialog[open]');
    await page.click('dialog[open] button:has-text("Remove override")');
    await expect.poll(() => page.textContent('#price-overrides'), EVENTUALLY).toContain('No overrides');
    expect((await adminFetch<{ overrides: Record<string, unknown> }>(h.app, '/prices')).overrides).toEqual({});
    expect((await record(localId)).cost.usd).toBeNull();
  });

  it('sets a daily budget from the tokens page; the call that reaches it raises the banner live, the next gets 429; removing it lets calls through', async () => {
    await goto('#/tokens', '#token-list table');
    await page.click('button[aria-label="Budget of carol"]');
    await page.waitForSelector('dialog.budget-dialog[open]');
    expect(await page.inputValue('#budget-edit-usd_per_month')).toBe('250');
    await page.fill('#budget-edit-tokens_per_day', '1.5');
    await page.click('dialog.budget-dialog button[type="submit"]');
    await expect.poll(() => page.textContent('dialog.budget-dialog [role="alert"]'), EVENTUALLY).toContain('whole number');
    const spent = (await adminFetch<{ results: Token[] }>(h.app, '/tokens')).results.find((t) => t.name === 'carol')!.spend;
    // One more call of the mock's size passes the limit.
    await page.fill('#budget-edit-tokens_per_day', String(spent.tokens_today + 1));
    await page.click('dialog.budget-dialog button[type="submit"]');
    await page.waitForSelector('dialog.budget-dialog[open]', { state: 'detached' }).catch(() => {});
    await expect.poll(async () => (await adminFetch<{ results: Token[] }>(h.app, '/tokens')).results.find((t) => t.name === 'carol')!.budget?.tokens_per_day, EVENTUALLY).toBe(spent.tokens_today + 1);
    const row = page.locator('#token-list tr', { hasText: 'carol' });
    await expect.poll(() => row.locator('li[data-budget="tokens_per_day"]').textContent(), EVENTUALLY).toContain(`of ${(spent.tokens_today + 1).toLocaleString('en-US')} tokens today`);
    expect(await page.locator('#budget-banner').count()).toBe(0);

    expect(await bridgeCall(h.app, token, { model: PRICED_MODEL, prompt: 'reaches the budget' })).toBe(200);
    // The alert arrives over the live feed: the banner shows without a reload.
    await expect.poll(() => page.textContent('#budget-banner'), EVENTUALLY).toContain('carol reached its budget');
    expect(await page.textContent('#budget-banner')).toContain('tokens per day');
    const before = h.upstream.requests.length;
    expect(await bridgeCall(h.app, token, { model: PRICED_MODEL, prompt: 'refused' })).toBe(429);
    expect(h.upstream.requests.length).toBe(before);

    await page.reload();
    await page.waitForSelector('#token-list table');
    // From /status after a reload too.
    await page.waitForSelector('#budget-banner');
    await expect.poll(() => row.locator('li[data-budget="tokens_per_day"]').getAttribute('title'), EVENTUALLY).toMatch(/tokens per day: \d+ % used/);
    await page.click('button[aria-label="Budget of carol"]');
    await page.waitForSelector('dialog.budget-dialog[open]');
    await page.click('dialog.budget-dialog button:has-text("Remove budget")');
    await expect.poll(() => row.textContent(), EVENTUALLY).toContain('No budget');
    expect((await adminFetch<{ results: Token[] }>(h.app, '/tokens')).results.find((t) => t.name === 'carol')!.budget).toBeNull();
    expect(await bridgeCall(h.app, token, { model: PRICED_MODEL, prompt: 'allowed again' })).toBe(200);

    await page.click('#budget-banner button:has-text("Dismiss")');
    expect(await page.locator('#budget-banner').count()).toBe(0);
  });

  it('ran under the strict CSP without a single violation', () => {
    expect(b.cspViolations).toEqual([]);
  });
});
