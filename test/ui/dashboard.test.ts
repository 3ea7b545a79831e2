/**
 * The dashboard in real Chromium against the real gateway (startApp) and the mock upstream
 * (issue 6 "Tests"). One browser and one gateway for the file; the cases run in order, as a
 * user would: log in, add a key, make a token, watch a call arrive, open it, switch the bridge
 * off, change retention, export. Never asserts times.
 */
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page, Response } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, openBrowser, type Browser } from './support/browser.js';
import { adminFetch, bridgeCall, gotoHash, startHarness, type Harness } from './support/harness.js';
import { EVENTUALLY } from './support/wait.js';
import { startOtlpReceiver } from '../helpers/otlp-receiver.js';

if (!hasChromium) console.warn('test/ui: skipped — /usr/bin/chromium is missing (apt-get install -y chromium; .ci/run installs it)');

const SECRET = 'sk-ant-api03-UI-SECRET-4f1c9e2d7b6a5c3e';
const OTLP_SECRET = 'otlp-UI-SECRET-7d3a9b1c5e2f';
/** A current model name (the SDK warns about retired ones). */
const MODEL = 'claude-sonnet-5-5';
const PROMPT = `Dashboard test ${Math.random().toString(36).slice(2, 8)}: say hello`;

describe.skipIf(!hasChromium)('dashboard in Chromium', { timeout: 60_000 }, () => {
  let h: Harness;
  let b: Browser;
  let page: Page;
  let bridgeToken = '';
  let recordId = '';
  /** Bodies of every admin API response the page received (the SSE stream aside). */
  const bodies: Promise<string>[] = [];
  const tmp = mkdtempSync(join(tmpdir(), 'aibridge-ui-dl-'));

  const goto = (hash: string, ready: string) => gotoHash(page, hash, ready);
  const anthropic = () => new Anthropic({ baseURL: `${h.app.url}/anthropic`, apiKey: bridgeToken, maxRetries: 0 });

  beforeAll(async () => {
    // The OpenAI key comes from the environment, so the UI must show it read-only; the Anthropic
    // key is left for the test to save through the dashboard.
    h = await startHarness({ AIBRIDGE_OPENAI_KEY: 'sk-proj-env-key-0123456789abcdef' });
    // A zone east of UTC with a half-hour offset, so local days differ from UTC days for part of the day.
    b = await openBrowser({ timezoneId: 'Asia/Kolkata' });
    page = b.page;
    page.on('response', (r: Response) => {
      const url = r.url();
      if (url.includes('/api/v1/') && !url.endsWith('/api/v1/events')) bodies.push(r.text().catch(() => ''));
    });
  });

  afterAll(async () => {
    await b?.close();
    await h?.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('logs in with the URL `aibridge serve` prints and clears the token from the address bar', async () => {
    await page.goto(h.app.loginUrl);
    await page.waitForSelector('#bridge-state');
    expect(page.url()).not.toContain(h.app.adminToken);
    expect(page.url()).not.toContain('token=');
    expect(await page.evaluate<string>('location.hash')).toBe('#/');
    expect(await page.textContent('#page-title')).toBe('Overview');
  });

  it('asks for the token again with a message when it is wrong, and accepts the right one typed in', async () => {
    await page.goto(`${h.app.url}/ui/index.html`);
    await page.evaluate('sessionStorage.clear()');
    await page.reload();
    await page.fill('input[name="admin-token"]', 'not-the-token');
    await page.click('button[type="submit"]');
    await expect.poll(() => page.textContent('[role="alert"]'), EVENTUALLY).toContain('not accepted');
    await page.fill('input[name="admin-token"]', h.app.adminToken);
    await page.click('button[type="submit"]');
    await page.waitForSelector('#bridge-state');
  });

  it('saves a provider key that is never shown again in clear, and tests the connection', async () => {
    await goto('#/providers', '#provider-anthropic');
    // Fixed by environment: shown disabled with the reason.
    expect(await page.isDisabled('#f-openai_key')).toBe(true);
    expect(await page.textContent('#provider-openai')).toContain('Read-only');

    await page.fill('#f-anthropic_key', SECRET);
    await page.click('#provider-anthropic button[type="submit"]');
    await expect.poll(() => page.textContent('#provider-anthropic [role="status"]'), EVENTUALLY).toContain('Saved');
    expect(await page.inputValue('#f-anthropic_key')).toBe('');
    const placeholder = (await page.getAttribute('#f-anthropic_key', 'placeholder')) ?? '';
    expect(placeholder).toContain('…');
    expect(SECRET.includes(placeholder.replace('…', ''))).toBe(false);

    await page.click('#provider-anthropic button:has-text("Test connection")');
    await expect.poll(() => page.textContent('#test-anthropic-result'), EVENTUALLY).toMatch(/Connected|Not working|failed/);
    expect(await page.textContent('#test-anthropic-result')).toContain('Connected');
    // The gateway called upstream with the saved key: it really was stored.
    expect(h.upstream.last().headers['x-api-key']).toBe(SECRET);

    const noSecretOnPage = async () => {
      const html = await page.content();
      // Page context (no DOM types in the Node tsconfig): every input's live value and placeholder.
      const values = await page.evaluate<string>("[...document.querySelectorAll('input')].map((i) => i.value + ' ' + i.placeholder).join('\\n')");
      const text = await page.evaluate<string>('document.body.innerText');
      return [html, values, text].some((s) => s.includes(SECRET));
    };
    expect(await noSecretOnPage()).toBe(false);
    await page.reload();
    await page.waitForSelector('#provider-anthropic');
    expect(await noSecretOnPage()).toBe(false);
    const all = await Promise.all(bodies);
    expect(all.length).toBeGreaterThan(3);
    expect(all.filter((body) => body.includes(SECRET))).toEqual([]);
  });

  it('creates a bridge token, shows it once with a copy button, and lists it', async () => {
    await goto('#/tokens', '#create-token');
    await page.fill('input[name="token-name"]', 'alice');
    await page.click('#create-token button[type="submit"]');
    await page.waitForSelector('#new-token-value');
    bridgeToken = ((await page.textContent('#new-token-value')) ?? '').trim();
    expect(bridgeToken.length).toBeGreaterThan(16);
    expect(await page.isVisible('button[aria-label="Copy the new token"]')).toBe(true);
    expect(await page.textContent('#new-token')).toContain('only time');
    await expect.poll(() => page.textContent('#token-list'), EVENTUALLY).toContain('alice');

    await page.click('#new-token button:has-text("Done")');
    expect(await page.content()).not.toContain(bridgeToken);
    const listed = await adminFetch<{ results: { name: string }[] }>(h.app, '/tokens');
    expect(listed.results.map((t) => t.name)).toContain('alice');
  });

  it('shows a streaming Anthropic SDK call in the table as it finishes, without a reload', async () => {
    await goto('#/interceptions', '.empty, table.interceptions');
    await page.waitForSelector('.live-live');
    await page.evaluate('window.notReloaded = true');

    const stream = anthropic().messages.stream({ model: MODEL, max_tokens: 64, messages: [{ role: 'user', content: PROMPT }] });
    const msg = await stream.finalMessage();
    expect(msg.content.length).toBeGreaterThan(0);

    const row = page.locator('table.interceptions tbody tr', { hasText: PROMPT.slice(0, 40) });
    await row.waitFor();
    recordId = (await row.getAttribute('data-id')) ?? '';
    expect(recordId).not.toBe('');
    const text = await row.textContent();
    expect(text).toContain('alice');
    expect(text).toContain(MODEL);
    expect(text).toContain('Completed');
    expect(await page.evaluate<boolean>('window.notReloaded === true')).toBe(true);
  });

  it('opens the interception from the keyboard and shows prompt, usage and timings', async () => {
    await page.focus(`tr[data-id="${recordId}"] a.row-anchor`);
    await page.keyboard.press('Enter');
    await page.waitForSelector('#prompts');
    expect(await page.evaluate<string>('location.hash')).toBe(`#/interceptions/${recordId}`);
    expect(await page.textContent('#prompts')).toContain(PROMPT);
    expect(await page.textContent('#usage-rows')).toMatch(/msg_/);
    expect(await page.textContent('#timing')).toContain('Duration');
    expect(await page.textContent('#call')).toContain('alice');
    await page.goBack();
    await page.waitForSelector(`tr[data-id="${recordId}"]`);
  });

  it('adds live rows only when they match the filters', async () => {
    await goto('#/interceptions?provider=openai', 'form.filters');
    await page.waitForSelector('.live-live');
    // The list for these filters, not the previous page's rows still shown (dimmed) while it loads.
    await expect.poll(() => page.textContent('.list-bar [role="status"]'), EVENTUALLY).toBe('No matches');
    const openai = new OpenAI({ baseURL: `${h.app.url}/openai/v1`, apiKey: bridgeToken, maxRetries: 0 });
    await anthropic().messages.create({ model: MODEL, max_tokens: 16, messages: [{ role: 'user', content: 'filtered out: anthropic' }] });
    // Finished (listed) means its live event was already sent, ahead of the OpenAI one below.
    await expect.poll(async () => (await adminFetch<{ count: number }>(h.app, '/interceptions?provider=anthropic&limit=1')).count, EVENTUALLY).toBe(2);
    const stream = await openai.chat.completions.create({ model: 'gpt-4o', stream: true, messages: [{ role: 'user', content: 'kept: openai' }] });
    for await (const chunk of stream) void chunk;
    // Events arrive in order on one stream: once the OpenAI row is in, the Anthropic one was seen and skipped.
    await page.locator('table.interceptions tbody tr', { hasText: 'kept: openai' }).waitFor();
    expect(await page.locator('table.interceptions tbody tr', { hasText: 'filtered out' }).count()).toBe(0);
    expect(await page.locator('table.interceptions tbody tr').count()).toBe(1);
  });

  it('keeps a live row that finished while the list for new filters was loading', async () => {
    await goto('#/interceptions', 'table.interceptions');
    await page.waitForSelector('.live-live');
    // The race on purpose: the server answers the filtered list before the call below exists, and
    // the answer reaches the page only after that call's live row did.
    const isList = (u: URL) => u.pathname === '/api/v1/interceptions' && u.searchParams.get('provider') === 'openai';
    let answered!: () => void;
    const fetched = new Promise<void>((resolve) => { answered = resolve; });
    let release!: () => void;
    const released = new Promise<void>((resolve) => { release = resolve; });
    await page.route(isList, async (route) => {
      const res = await route.fetch();
      answered();
      await released;
      await route.fulfill({ response: res });
    });
    try {
      await page.evaluate(`location.hash = '#/interceptions?provider=openai'`);
      await fetched;
      expect(await bridgeCall(h.app, bridgeToken, { api: 'chat', prompt: 'late: openai' })).toBe(200);
      await page.locator('table.interceptions tbody tr', { hasText: 'late: openai' }).waitFor();
      release();
      // The held answer (1 record: the previous case's) plus the live row that came after it was asked for.
      await expect.poll(() => page.textContent('.list-bar [role="status"]'), EVENTUALLY).toBe('2 interceptions match · showing 1–2');
    } finally {
      release();
      await page.unroute(isList);
    }
    expect(await page.locator('table.interceptions tbody tr', { hasText: 'late: openai' }).count()).toBe(1);
    expect(await page.locator('table.interceptions tbody tr', { hasText: 'kept: openai' }).count()).toBe(1);
    expect(await page.locator('table.interceptions tbody tr').count()).toBe(2);
  });

  it('shows a slow streaming call as a running row while it runs, then as the finished row, without a reload', async () => {
    await goto('#/interceptions', 'table.interceptions');
    await page.waitForSelector('.live-live');
    await page.evaluate('window.notReloaded = true');
    expect(await page.locator('table.interceptions tbody tr.is-running').count()).toBe(0);

    // The mock upstream pauses 400 ms between the 9 SSE events of its text fixture (~3 s in all).
    const slowPrompt = `slow stream ${Math.random().toString(36).slice(2, 8)}`;
    const stream = anthropic().messages.stream(
      { model: MODEL, max_tokens: 64, messages: [{ role: 'user', content: slowPrompt }] },
      { headers: { 'x-mock-fixture': 'anthropic/text.sse', 'x-mock-delay-ms': '400' } },
    );
    const running = page.locator('table.interceptions tbody tr.is-running');
    await running.waitFor();
    const id = (await running.getAttribute('data-id')) ?? '';
    expect(id).not.toBe('');
    const text = (await running.textContent()) ?? '';
    expect(text).toContain('Running');
    expect(text).toContain(slowPrompt);
    expect(text).toContain('alice');
    expect(text).toContain(MODEL);
    expect(await running.locator('td').last().textContent()).toMatch(/^\d+ s$/);
    expect(await page.textContent('.list-bar [role="status"]')).toContain('1 running');
    // Reachable and labelled like the finished rows.
    expect(await running.locator('a.row-anchor').getAttribute('aria-label')).toMatch(/^Open running interception from /);

    const msg = await stream.finalMessage();
    expect(msg.content.length).toBeGreaterThan(0);
    const row = page.locator(`table.interceptions tbody tr[data-id="${id}"]`);
    await expect.poll(() => row.textContent(), EVENTUALLY).toContain('Completed');
    expect(await row.getAttribute('class')).not.toContain('is-running');
    expect(await row.textContent()).toContain(slowPrompt);
    expect(await page.locator(`table.interceptions tbody tr[data-id="${id}"]`).count()).toBe(1);
    expect(await page.locator('table.interceptions tbody tr.is-running').count()).toBe(0);
    expect(await page.textContent('.list-bar [role="status"]')).not.toContain('running');
    expect(await page.evaluate<boolean>('window.notReloaded === true')).toBe(true);
  });

  it('pages through older records with the after_id cursor', async () => {
    for (let i = 0; i < 6; i++) expect(await bridgeCall(h.app, bridgeToken, { prompt: `paging ${i}` })).toBe(200);
    const total = (await adminFetch<{ count: number }>(h.app, '/interceptions?limit=1')).count;
    expect(total).toBeGreaterThan(8);
    // A small page (any limit works in the URL; the menu offers 25–200) so a few records span pages.
    await goto('#/interceptions?limit=4', 'table.interceptions');
    await expect.poll(() => page.locator('table.interceptions tbody tr').count(), EVENTUALLY).toBe(4);
    const firstPage = await page.locator('table.interceptions tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-id')));
    await page.click('nav.pager button:has-text("Older")');
    await expect.poll(() => page.evaluate<string>('location.hash'), EVENTUALLY).toContain('after=');
    await expect.poll(() => page.locator('table.interceptions tbody tr').first().getAttribute('data-id'), EVENTUALLY).not.toBe(firstPage[0]);
    const second = await page.locator('table.interceptions tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-id')));
    expect(second.some((id) => firstPage.includes(id))).toBe(false);
    expect(await page.textContent('.list-bar [role="status"]')).toContain('showing 5–8');
    await page.click('nav.pager button:has-text("Newer")');
    await expect.poll(() => page.locator('table.interceptions tbody tr').first().getAttribute('data-id'), EVENTUALLY).toBe(firstPage[0]);
  });

  it('switches the bridge off from the overview, and clients get 503', async () => {
    await goto('#/', '#bridge-state');
    const sw = page.locator('button[role="switch"]');
    expect(await sw.getAttribute('aria-checked')).toBe('true');
    await sw.click();
    await expect.poll(() => sw.getAttribute('aria-checked'), EVENTUALLY).toBe('false');
    expect(await page.textContent('#bridge-state')).toBe('Bridge is off');

    const err = await anthropic().messages.create({ model: MODEL, max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] }).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.APIError);
    expect((err as InstanceType<typeof Anthropic.APIError>).status).toBe(503);

    await sw.click();
    await expect.poll(() => sw.getAttribute('aria-checked'), EVENTUALLY).toBe('true');
    expect(h.app.isEnabled()).toBe(true);
  });

  it('connects Codex in one click from the overview, shows it connected, and undoes it', async () => {
    await goto('#/', '#connect');
    const row = page.locator('li[data-client="codex"]');
    const file = join(h.dataDir, 'home', '.codex', 'config.toml');
    await row.getByRole('button', { name: 'Connect Codex' }).click();
    // "not connected" contains "connected": wait for the row to say connected and not "not".
    await expect.poll(async () => ((await row.textContent()) ?? '').replace('not connected', ''), EVENTUALLY).toContain('connected');
    expect(readFileSync(file, 'utf8')).toContain(`base_url = "${h.app.url}/openai/v1"`);
    expect(await row.textContent()).not.toMatch(/abr_/);
    await row.getByRole('button', { name: 'Undo' }).click();
    await expect.poll(() => row.textContent(), EVENTUALLY).toContain('not connected');
    expect(existsSync(file)).toBe(false);
  });

  it('revokes a token after confirming, and its client is refused', async () => {
    await goto('#/tokens', '#create-token');
    await page.fill('input[name="token-name"]', 'temp-laptop');
    await page.click('#create-token button[type="submit"]');
    await page.waitForSelector('#new-token-value');
    const temp = ((await page.textContent('#new-token-value')) ?? '').trim();
    await page.click('#new-token button:has-text("Done")');
    await page.click('button[aria-label="Revoke temp-laptop"]');
    await page.waitForSelector('dialog[open]');
    expect(await page.textContent('dialog[open]')).toContain('401');
    await page.click('dialog[open] button:has-text("Revoke token")');
    const row = page.locator('#token-list tr', { hasText: 'temp-laptop' });
    await expect.poll(() => row.textContent(), EVENTUALLY).toContain('Revoked');
    expect(await bridgeCall(h.app, temp)).toBe(401);
    expect(await bridgeCall(h.app, bridgeToken)).toBe(200);
  });

  it('charts tokens per day and breaks them down by model and initiator', async () => {
    const daily = page.waitForResponse((r) => r.url().includes('/api/v1/usage?') && r.url().includes('group_by=day'));
    await goto('#/usage', '.chart canvas');
    // Days are the browser's local days: it sends its own offset (minutes east of UTC, IST = +5:30)
    // and the per-day table is keyed by the local calendar day the calls started on.
    expect(new URL((await daily).url()).searchParams.get('tz')).toBe('330');
    const started = (await adminFetch<{ started_at: string }>(h.app, `/interceptions/${recordId}`)).started_at;
    const localDay = await page.evaluate<string>(`new Date(${JSON.stringify(started)}).toLocaleDateString('sv-SE')`);
    await page.click('#per-day summary');
    expect(await page.textContent('#per-day .chart-table table')).toContain(localDay);
    await expect.poll(() => page.textContent('#breakdown table'), EVENTUALLY).toContain(MODEL);
    await page.click('#breakdown button:has-text("Initiator")');
    await expect.poll(() => page.textContent('#breakdown table'), EVENTUALLY).toContain('alice');
    expect(await page.getAttribute('#breakdown a[href*="initiator=alice"]', 'href')).toBe('#/interceptions?initiator=alice');
  });

  it('explains a bad retention in words and keeps a good one across a reload', async () => {
    await goto('#/settings', '#f-retention');
    await page.fill('#f-retention', 'ten days');
    expect(await page.textContent('#f-retention-hint')).toContain('is not a duration');
    await page.click('button:has-text("Save changes")');
    await expect.poll(() => page.textContent('[role="alert"]'), EVENTUALLY).toContain('Fix the highlighted');

    await page.fill('#f-retention', '14d');
    await page.fill('#f-content_retention', '7d');
    await page.click('button:has-text("Save changes")');
    await expect.poll(() => page.textContent('.sticky-actions [role="status"]'), EVENTUALLY).toContain('Saved');
    await page.reload();
    await page.waitForSelector('#f-retention');
    expect(await page.inputValue('#f-retention')).toBe('14d');
    expect(await page.inputValue('#f-content_retention')).toBe('7d');
    const s = await adminFetch<{ settings: { retention: string } }>(h.app, '/settings');
    expect(s.settings.retention).toBe('14d');
  });

  it('exports a range as JSON lines into a downloaded file', async () => {
    await goto('#/settings', '#export');
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#export button[type="submit"]')]);
    expect(download.suggestedFilename()).toMatch(/^aibridge-\d{4}-\d{2}-\d{2}\.jsonl$/);
    const file = join(tmp, download.suggestedFilename());
    await download.saveAs(file);
    const lines = readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
    const mine = lines.filter((l) => l['interception_id'] === recordId);
    expect(mine.map((l) => l['record_type'])).toContain('interception_start');
    expect(mine[0]?.['record_type']).toBe('interception_start');
    expect(mine[mine.length - 1]?.['record_type']).toBe('interception_end');
    expect(mine.find((l) => l['record_type'] === 'prompt_usage')?.['prompt']).toBe(PROMPT);
    expect(JSON.stringify(lines)).not.toContain(SECRET);
    expect(JSON.stringify(lines)).not.toContain(bridgeToken);
    await expect.poll(() => page.textContent('#export [role="status"]'), EVENTUALLY).toMatch(/Saved aibridge-.*\d+ line/);

    await page.check('input[name="export-format"][value="ecs"]');
    const [ecs] = await Promise.all([page.waitForEvent('download'), page.click('#export button[type="submit"]')]);
    expect(ecs.suggestedFilename()).toMatch(/\.ecs\.jsonl$/);
    await ecs.saveAs(join(tmp, 'ecs.jsonl'));
    const ecsLines = readFileSync(join(tmp, 'ecs.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(ecsLines.length).toBeGreaterThan(0);
    expect(ecsLines.every((l) => typeof l['@timestamp'] === 'string')).toBe(true);

    await page.check('input[name="export-format"][value="ocsf"]');
    const [ocsf] = await Promise.all([page.waitForEvent('download'), page.click('#export button[type="submit"]')]);
    expect(ocsf.suggestedFilename()).toMatch(/\.ocsf\.jsonl$/);
    await ocsf.saveAs(join(tmp, 'ocsf.jsonl'));
    const events = readFileSync(join(tmp, 'ocsf.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(events.length).toBeGreaterThan(1);
    // SPEC §13: every export ends with a signed chain checkpoint; the rest are OCSF events.
    expect(events.at(-1)).toMatchObject({ record_type: 'chain_checkpoint' });
    expect(events.slice(0, -1).every((e) => e['class_uid'] === 6003)).toBe(true);
  });

  it('sets up OpenTelemetry export; the overview shows it healthy; the headers are never shown again', async () => {
    const recv = await startOtlpReceiver();
    try {
      await goto('#/settings', '#f-otlp_endpoint');
      await page.fill('#f-otlp_endpoint', recv.url);
      await page.selectOption('#f-otlp_protocol', 'http/json');
      await page.fill('#f-otlp_headers', `authorization=Bearer ${OTLP_SECRET}`);
      await page.click('button:has-text("Save changes")');
      await expect.poll(() => page.textContent('.sticky-actions [role="status"]'), EVENTUALLY).toContain('Saved');
      await anthropic().messages.create({ model: MODEL, max_tokens: 16, messages: [{ role: 'user', content: 'otel from the dashboard' }] });
      // The export runs on a worker thread that loads the OpenTelemetry SDK when it starts: seconds on
      // a loaded machine. A wait for the first span, not a timing assertion.
      const [span] = await recv.waitForSpans(1, 20_000);
      expect(span!.name).toBe(`chat ${MODEL}`);
      expect(recv.requests[0]!.headers['authorization']).toBe(`Bearer ${OTLP_SECRET}`);
      await goto('#/', '#telemetry');
      await expect.poll(() => page.textContent('#telemetry'), EVENTUALLY).toContain('healthy');
      expect(await page.textContent('#telemetry')).toContain(recv.url);
      await goto('#/settings', '#f-otlp_headers');
      expect(await page.inputValue('#f-otlp_headers')).toBe('');
      expect(await page.getAttribute('#f-otlp_headers', 'placeholder')).not.toContain(OTLP_SECRET);
      expect((await Promise.all(bodies)).join('\n')).not.toContain(OTLP_SECRET);
    } finally {
      await adminFetch(h.app, '/settings', { method: 'PATCH', body: { otlp_endpoint: null, otlp_headers: null } });
      await recv.close();
    }
  });

  it('ran under the strict CSP without a single violation', () => {
    expect(b.cspViolations).toEqual([]);
  });
});

describe.skipIf(!hasChromium || process.env['UPDATE_SCREENSHOTS'] !== '1')('dashboard screenshots', () => {
  it('writes docs/screenshots/*.png', { timeout: 180_000 }, async () => {
    const { takeScreenshots } = await import('./screenshots.js');
    expect((await takeScreenshots()).length).toBeGreaterThan(8);
  });
});
