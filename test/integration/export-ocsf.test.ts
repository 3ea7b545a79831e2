/**
 * SPEC §14: `aibridge export --format ocsf` and `GET /api/v1/export?format=ocsf` write one valid
 * OCSF API Activity event per interception (real calls through the gateway, a real CLI process).
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startGatewayHarness, ANTHROPIC_KEY, OPENAI_KEY, type GatewayHarness } from '../helpers/gateway-harness.js';
import { assertOcsfEvent } from '../helpers/ocsf-schema.js';
import { BUILT_CLI } from '../helpers/built-cli.js';
import { startBedrockHarness } from './bedrock-harness.js';

const run = promisify(execFile);
let h: GatewayHarness;
beforeAll(async () => {
  h = await startGatewayHarness();
});
afterAll(async () => {
  await h?.close();
});

it('one valid event per interception, over the API and from the CLI', async () => {
  await h.post('/anthropic/v1/messages', { model: 'claude-sonnet-4-5', max_tokens: 64, stream: true, messages: [{ role: 'user', content: 'use tools' }] }, { 'x-mock-fixture': 'anthropic/tool-parallel.sse' });
  await h.post('/openai/v1/chat/completions', { model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] }, { 'x-mock-fixture': 'openai-chat/error-429.json' });
  await h.post('/anthropic/v1/messages', { model: 'claude-sonnet-4-5', max_tokens: 64, stream: true, messages: [{ role: 'user', content: 'think' }] }, { 'x-mock-fixture': 'anthropic/thinking.sse' });
  const recs = await h.nextRecords(3);
  expect(recs[2]!.model_thoughts.length).toBeGreaterThan(0);

  const res = await fetch(`${h.url}/api/v1/export?format=ocsf&since=1h`, { headers: { authorization: `Bearer ${h.app.adminToken}` } });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-disposition')).toMatch(/\.ocsf\.jsonl"$/);
  const apiText = await res.text();
  const lines = apiText.trim().split('\n').map((l) => JSON.parse(l) as Record<string, any>);
  // SPEC §13: the export ends with a signed chain checkpoint, which is not an OCSF event.
  expect(lines.at(-1)).toMatchObject({ record_type: 'chain_checkpoint' });
  const events = lines.filter((l) => l['record_type'] !== 'chain_checkpoint');
  expect(events.map((e) => e['metadata'].uid)).toEqual(recs.map((r) => r.id));
  for (const { chain, ...event } of events) {
    // `chain` (SPEC §13) is outside OCSF: an OCSF-strict ingest drops it (docs/ocsf.md).
    expect(chain).toMatchObject({ seq: expect.any(Number), hash: expect.stringMatching(/^[0-9a-f]{64}$/) });
    assertOcsfEvent(event);
  }
  expect(events[0]!['unmapped'].aibridge.tool_calls.map((t: { tool: string }) => t.tool)).toEqual(recs[0]!.tool_usages.map((t) => t.tool));
  // SPEC §11: the event carries the record's price (claude-sonnet-4-5 is in the bundled catalog).
  expect(events[0]!['unmapped'].aibridge.cost_usd).toBeGreaterThan(0);
  expect(events[1]).toMatchObject({ status_id: 2, status: 'Failure', api: { response: { code: 429, error: '429' } } });
  expect(events[2]!['unmapped'].aibridge.thoughts).toEqual(recs[2]!.model_thoughts.map((m) => m.content));
  for (const secret of [ANTHROPIC_KEY, OPENAI_KEY, h.token]) expect(apiText).not.toContain(secret);

  const { stdout, stderr } = await run(process.execPath, [BUILT_CLI, 'export', '--data-dir', h.dataDir, '--format', 'ocsf', '--since', '1h', '--out', '-'], { env: { ...process.env, AIBRIDGE_ADMIN_TOKEN: '' } });
  expect(stderr).toContain('exported 4 lines');
  expect(stdout).toBe(apiText);
});

it('an unknown format is refused, naming the choices', async () => {
  const res = await fetch(`${h.url}/api/v1/export?format=cef`, { headers: { authorization: `Bearer ${h.app.adminToken}` } });
  expect(res.status).toBe(400);
  expect(await res.text()).toContain('jsonl, ecs or ocsf');
});

it('Bedrock: tool calls, thoughts and a refused call export as valid events', async () => {
  const b = await startBedrockHarness();
  try {
    const call = (content: string) => fetch(`${b.app.url}/anthropic/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': b.token },
      body: JSON.stringify({ model: 'claude-sonnet-4-5', max_tokens: 64, stream: true, messages: [{ role: 'user', content }] }),
    }).then((r) => r.text());
    b.mock.setScenario('tool-use');
    await call('tools');
    b.mock.setScenario('thinking');
    await call('think');
    b.mock.setScenario('throttling');
    await call('again');
    const recs = (await b.ended(3)).reverse();
    expect(recs.map((r) => [r.provider, r.status])).toEqual([['bedrock', 'completed'], ['bedrock', 'completed'], ['bedrock', 'failed']]);
    expect(recs[0]!.tool_usages.length).toBeGreaterThan(0);
    expect(recs[1]!.model_thoughts.length).toBeGreaterThan(0);

    const res = await fetch(`${b.app.url}/api/v1/export?format=ocsf&since=1h`, { headers: { authorization: `Bearer ${b.app.adminToken}` } });
    expect(res.status).toBe(200);
    const events = (await res.text()).trim().split('\n').map((l) => JSON.parse(l) as Record<string, any>).filter((l) => l['record_type'] !== 'chain_checkpoint');
    expect(events.map((e) => e['metadata'].uid)).toEqual(recs.map((r) => r.id));
    for (const { chain: _chain, ...event } of events) {
      assertOcsfEvent(event);
      expect(event['unmapped'].gen_ai.provider.name).toBe('aws.bedrock');
    }
    expect(events[2]).toMatchObject({ status_id: 2, status: 'Failure', status_code: '429', api: { response: { code: 429, error: '429' } } });
  } finally {
    await b.close();
  }
});
