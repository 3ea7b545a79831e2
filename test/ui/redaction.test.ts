/**
 * Secret redaction on the dashboard (SPEC §12, issue 16) in real Chromium against the real gateway
 * (startApp) and the mock upstream: markers shown set apart in the detail (prompt, tool arguments,
 * thoughts), the count per call in the table and the detail, and both switches (redact_secrets,
 * block_secrets) on the settings page, saved and applied to the next call.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { hasChromium, type Browser } from './support/browser.js';
import { adminFetch, gotoHash, newestRecord, openSignedIn, startHarness, type Harness } from './support/harness.js';
import { EVENTUALLY } from './support/wait.js';
import { SECRET_SAMPLES } from '../helpers/secret-samples.js';

if (!hasChromium) console.warn('test/ui: skipped — /usr/bin/chromium is missing (apt-get install -y chromium; .ci/run installs it)');

const sample = (rule: string) => SECRET_SAMPLES.find((s) => s.rule === rule)!;
const gh = sample('github-token');
const stripe = sample('stripe-key');
const slack = sample('slack-token');
const MODEL = 'claude-sonnet-5-5';

interface Rec { id: string; status: string; http_status: number | null; metadata: Record<string, unknown> }
interface SettingsView { settings: { redact_secrets: boolean; block_secrets: boolean }; sources: Record<string, string> }

describe.skipIf(!hasChromium)('redaction on the dashboard in Chromium', { timeout: 60_000 }, () => {
  let h: Harness;
  let b: Browser;
  let page: Page;
  let token = '';
  let secretId = '';

  const goto = (hash: string, ready: string) => gotoHash(page, hash, ready);
  /** One Messages call with the bridge token; `reply` is the mock's JSON answer when given. */
  const call = async (prompt: string, reply?: object) => {
    const headers: Record<string, string> = { 'content-type': 'application/json', 'x-api-key': token, 'anthropic-version': '2023-06-01' };
    if (reply) headers['x-mock-reply'] = JSON.stringify({ kind: 'json', body: reply });
    const res = await fetch(`${h.app.url}/anthropic/v1/messages`, { method: 'POST', headers, body: JSON.stringify({ model: MODEL, max_tokens: 64, messages: [{ role: 'user', content: prompt }] }) });
    await res.arrayBuffer();
    return res.status;
  };
  const newest = () => newestRecord<Rec>(h.app);

  beforeAll(async () => {
    h = await startHarness({ AIBRIDGE_ANTHROPIC_KEY: 'sk-ant-api03-redaction-ui-000000000' });
    ({ token } = await adminFetch<{ token: string }>(h.app, '/tokens', { method: 'POST', body: { name: 'dana' } }));
    b = await openSignedIn(h);
    page = b.page;
  });

  afterAll(async () => {
    await b?.close();
    await h?.close();
  });

  it('the table shows how many secrets were removed from a call, and nothing for a clean one', async () => {
    expect(await call('a clean prompt about code review')).toBe(200);
    const reply = {
      id: 'msg_ui_redact', type: 'message', role: 'assistant', model: MODEL, stop_reason: 'tool_use', stop_sequence: null,
      content: [
        { type: 'thinking', thinking: `I will notify with ${slack.secret}`, signature: 'sig' },
        { type: 'tool_use', id: 'toolu_ui1', name: 'Bash', input: { command: `curl -u ${stripe.secret}: https://api.stripe.com` } },
      ],
      usage: { input_tokens: 10, output_tokens: 5 },
    };
    expect(await call(`deploy with ${gh.secret} please, and again ${gh.secret}`, reply)).toBe(200);
    await expect.poll(async () => (await newest()).metadata['redactions'], EVENTUALLY).toBeDefined();
    const rec = await newest();
    secretId = rec.id;
    expect(rec.metadata['redactions']).toEqual(expect.arrayContaining([{ rule: 'github-token', count: 2 }, { rule: 'stripe-key', count: 1 }, { rule: 'slack-token', count: 1 }]));

    await goto('#/interceptions', `tr[data-id="${secretId}"]`);
    const row = `tr[data-id="${secretId}"]`;
    expect((await page.textContent(`${row} .redaction-count`))?.trim()).toBe('4 redacted');
    expect(await page.getAttribute(`${row} .redaction-count`, 'title')).toContain('github-token ×2');
    // The prompt preview shows the marker set apart too.
    expect(await page.locator(`${row} .prompt-cell mark.redacted`).count()).toBe(2);
    const clean = (await adminFetch<{ results: Rec[] }>(h.app, '/interceptions?limit=2')).results[1]!;
    expect(await page.locator(`tr[data-id="${clean.id}"] .redaction-count`).count()).toBe(0);
  });

  it('the detail sets every marker apart (styled, rule named) and gives the count by rule', async () => {
    await goto(`#/interceptions/${encodeURIComponent(secretId)}`, '#call-redactions');
    await expect.poll(() => page.textContent('#call-redactions'), EVENTUALLY).toBe('4 (github-token ×2, slack-token ×1, stripe-key ×1)');
    const prompt = page.locator('#prompts pre');
    expect(await prompt.textContent()).toBe('deploy with [REDACTED:github-token] please, and again [REDACTED:github-token]');
    const marks = page.locator('#prompts mark.redacted');
    expect(await marks.count()).toBe(2);
    expect(await marks.first().getAttribute('data-rule')).toBe('github-token');
    expect(await marks.first().getAttribute('title')).toContain('rule github-token');
    // Styled apart from the text around it: its own background and border.
    const style = await page.evaluate<{ mark: string; pre: string; border: string }>(`(() => {
      const m = document.querySelector('#prompts mark.redacted');
      const p = document.querySelector('#prompts pre');
      return { mark: getComputedStyle(m).backgroundColor, pre: getComputedStyle(p).backgroundColor, border: getComputedStyle(m).borderTopStyle };
    })()`);
    expect(style.mark).not.toBe(style.pre);
    expect(style.mark).not.toBe('rgba(0, 0, 0, 0)');
    expect(style.border).toBe('dashed');
    expect(await page.getAttribute('#tools mark.redacted', 'data-rule')).toBe('stripe-key');
    expect(await page.getAttribute('#thoughts mark.redacted', 'data-rule')).toBe('slack-token');
    const text = await page.evaluate<string>('document.body.innerText');
    for (const s of [gh.secret, stripe.secret, slack.secret]) expect(text).not.toContain(s);
  });

  it('a clean call says none', async () => {
    const clean = (await adminFetch<{ results: Rec[] }>(h.app, '/interceptions?limit=2')).results[1]!;
    // The previous call's detail stays on screen until this one arrives: poll.
    await goto(`#/interceptions/${encodeURIComponent(clean.id)}`, '#call-redactions');
    await expect.poll(() => page.textContent('#call-redactions'), EVENTUALLY).toBe('none');
    expect(await page.locator('mark.redacted').count()).toBe(0);
  });

  it('the settings page has both switches; blocking switched on there refuses the next call with a secret', async () => {
    await goto('#/settings', 'input[name="block_secrets"]');
    expect(await page.isChecked('input[name="redact_secrets"]')).toBe(true);
    expect(await page.isChecked('input[name="block_secrets"]')).toBe(false);
    await page.check('input[name="block_secrets"]');
    await page.click('form[aria-label="Retention and logging"] button[type="submit"]');
    await expect.poll(() => page.textContent('form[aria-label="Retention and logging"] [role="status"]'), EVENTUALLY).toContain('Saved');
    const s = await adminFetch<SettingsView>(h.app, '/settings');
    expect(s.settings.block_secrets).toBe(true);
    expect(s.sources['block_secrets']).toBe('dashboard');

    const before = h.upstream.requests.length;
    expect(await call(`here is ${gh.secret}`)).toBe(400);
    expect(h.upstream.requests.length).toBe(before);
    await expect.poll(async () => (await newest()).http_status, EVENTUALLY).toBe(400);

    await page.reload();
    await page.waitForSelector('input[name="block_secrets"]');
    expect(await page.isChecked('input[name="block_secrets"]')).toBe(true);
  });

  it('redaction switched off there keeps the rule set off; blocking off lets the call through', async () => {
    await page.uncheck('input[name="redact_secrets"]');
    await page.uncheck('input[name="block_secrets"]');
    await page.click('form[aria-label="Retention and logging"] button[type="submit"]');
    await expect.poll(() => page.textContent('form[aria-label="Retention and logging"] [role="status"]'), EVENTUALLY).toContain('Saved');
    const s = await adminFetch<SettingsView>(h.app, '/settings');
    expect(s.settings).toMatchObject({ redact_secrets: false, block_secrets: false });
    expect(await call(`stored as typed: ${stripe.secret}`)).toBe(200);
    await expect.poll(async () => (await newest()).status, EVENTUALLY).toBe('completed');
    // Back on, for whatever runs after.
    await adminFetch(h.app, '/settings', { method: 'PATCH', body: { redact_secrets: true } });
  });

  it('a switch fixed by the environment is read-only with the reason', async () => {
    const h2 = await startHarness({ AIBRIDGE_BLOCK_SECRETS: 'true' });
    try {
      await page.goto(h2.app.loginUrl);
      await page.waitForSelector('#bridge-state');
      await goto('#/settings', 'input[name="block_secrets"]');
      expect(await page.isDisabled('input[name="block_secrets"]')).toBe(true);
      expect(await page.isChecked('input[name="block_secrets"]')).toBe(true);
      expect(await page.textContent('#secrets')).toContain('Read-only');
      expect(await page.isDisabled('input[name="redact_secrets"]')).toBe(false);
    } finally {
      await h2.close();
    }
  });
});
