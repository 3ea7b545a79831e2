/**
 * SPEC §12 `block_secrets` through a running gateway, with the official SDKs as clients: off by
 * default; on (flag, environment or dashboard), a call whose prompt holds a secret is refused with
 * 400 in the route's provider shape naming the rule (never the secret), the upstream never sees
 * it, and the call is recorded `failed` with its prompt redacted. Every route: Anthropic Messages,
 * OpenAI Chat Completions and Responses, Anthropic-on-Bedrock and Bedrock-native.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Anthropic, { APIError } from '@anthropic-ai/sdk';
import { AnthropicBedrock } from '@anthropic-ai/bedrock-sdk';
import OpenAI from 'openai';
import { ANTHROPIC_KEY, startGatewayHarness, type GatewayHarness } from '../helpers/gateway-harness.js';
import { SECRET_SAMPLES } from '../helpers/secret-samples.js';
import { startBedrockHarness, type BedrockHarness } from './bedrock-harness.js';

const sample = (rule: string) => SECRET_SAMPLES.find((s) => s.rule === rule)!;
const gh = sample('github-token');
const aws = sample('aws-access-key-id');
const stripe = sample('stripe-key');

/** The error an SDK call threw (the test fails when it did not throw). */
async function thrown(p: Promise<unknown>): Promise<APIError | InstanceType<typeof OpenAI.APIError>> {
  try {
    await p;
  } catch (err) {
    if (err instanceof APIError || err instanceof OpenAI.APIError) return err;
    throw err;
  }
  throw new Error('the call was not refused');
}

describe('block_secrets on the Anthropic and OpenAI routes', () => {
  let h: GatewayHarness;
  let anthropic: Anthropic;
  let openai: OpenAI;
  const admin = async (method: string, path: string, body?: unknown) => {
    const r = await h.request(method, `/api/v1${path}`, {
      headers: { authorization: `Bearer ${h.app.adminToken}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: r.status, json: JSON.parse(r.text) as Record<string, unknown> };
  };

  beforeAll(async () => {
    // A small max_stored_field: the record's copy of a prompt is cut, the check must read it whole.
    h = await startGatewayHarness({ argv: ['--max-stored-field', '4096'] });
    anthropic = new Anthropic({ apiKey: h.token, baseURL: h.anthropicBase, maxRetries: 0 });
    openai = new OpenAI({ apiKey: h.token, baseURL: h.openaiBase, maxRetries: 0 });
  }, 30_000);
  afterAll(async () => {
    await h?.close();
  });

  it('is off by default: a prompt with a secret goes upstream (redacted only in the record)', async () => {
    const s = await admin('GET', '/settings');
    expect((s.json['settings'] as Record<string, unknown>)['block_secrets']).toBe(false);
    const before = h.up.requests.length;
    await anthropic.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 16, messages: [{ role: 'user', content: `use ${gh.secret}` }] });
    expect(h.up.requests.length).toBe(before + 1);
    const [rec] = await h.nextRecords();
    expect(rec).toMatchObject({ status: 'completed' });
    expect(rec!.user_prompts[0]!.prompt).toBe('use [REDACTED:github-token]');
  });

  it('switched on from the dashboard (PATCH /api/v1/settings), applies to the next call', async () => {
    const r = await admin('PATCH', '/settings', { block_secrets: true });
    expect(r.status).toBe(200);
    expect((r.json['settings'] as Record<string, unknown>)['block_secrets']).toBe(true);
    expect((r.json['sources'] as Record<string, unknown>)['block_secrets']).toBe('dashboard');
  });

  it('Anthropic Messages: 400 invalid_request_error naming the rule, upstream untouched, recorded failed', async () => {
    const before = h.up.requests.length;
    const err = await thrown(anthropic.messages.create({
      model: 'claude-sonnet-4-5',
      max_tokens: 16,
      stream: true,
      messages: [{ role: 'user', content: [{ type: 'text', text: 'deploy with' }, { type: 'text', text: gh.text }] }],
    }));
    expect(err.status).toBe(400);
    expect(err.error).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
    const message = (err.error as { error: { message: string } }).error.message;
    expect(message).toContain('rule github-token');
    expect(message).toContain('block_secrets');
    expect(message).not.toContain(gh.secret);
    expect(h.up.requests.length).toBe(before);

    const [rec] = await h.nextRecords();
    expect(rec).toMatchObject({ status: 'failed', http_status: 400, provider: 'anthropic', model: 'claude-sonnet-4-5', streaming: true });
    expect(rec!.error).toContain('rule github-token');
    expect(rec!.user_prompts[0]!.prompt).toBe(`deploy with\n${gh.text.replace(gh.secret, '[REDACTED:github-token]')}`);
    expect(JSON.stringify(rec)).not.toContain(gh.secret);
    expect(h.logText()).not.toContain(gh.secret);
  });

  it('OpenAI Chat Completions and Responses: 400 invalid_request_error with code secret_in_prompt', async () => {
    const before = h.up.requests.length;
    const chat = await thrown(openai.chat.completions.create({ model: 'gpt-5', messages: [{ role: 'system', content: 'be brief' }, { role: 'user', content: `charge ${stripe.secret}` }] }));
    expect(chat.status).toBe(400);
    expect(chat).toMatchObject({ type: 'invalid_request_error', code: 'secret_in_prompt' });
    expect(chat.message).toContain('rule stripe-key');
    expect(chat.message).not.toContain(stripe.secret);

    const responses = await thrown(openai.responses.create({ model: 'gpt-5', input: `my key ${aws.secret}`, stream: true }));
    expect(responses.status).toBe(400);
    expect(responses).toMatchObject({ type: 'invalid_request_error', code: 'secret_in_prompt' });
    expect(responses.message).toContain('rule aws-access-key-id');
    expect(h.up.requests.length).toBe(before);

    const recs = await h.nextRecords(2);
    expect(recs.map((r) => [r.api, r.status, r.http_status])).toEqual([
      ['chat_completions', 'failed', 400],
      ['responses', 'failed', 400],
    ]);
    expect(recs[1]!.user_prompts[0]!.prompt).toBe('my key [REDACTED:aws-access-key-id]');
  });

  it('our own provider key and a bridge token in a prompt are blocked too', async () => {
    const before = h.up.requests.length;
    const own = await thrown(anthropic.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 16, messages: [{ role: 'user', content: `key=${ANTHROPIC_KEY}` }] }));
    expect(own.message).toContain('rule provider-key');
    const token = await thrown(openai.chat.completions.create({ model: 'gpt-5', messages: [{ role: 'user', content: `token ${h.token}` }] }));
    expect(token.message).toContain('rule bridge-token');
    expect(h.up.requests.length).toBe(before);
    await h.nextRecords(2);
  });

  it('a secret past max_stored_field in a long prompt is still found', async () => {
    const before = h.up.requests.length;
    const long = `${'lorem ipsum dolor sit amet '.repeat(2000)}\nand finally ${gh.secret}`;
    const err = await thrown(anthropic.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 16, messages: [{ role: 'user', content: long }] }));
    expect(err.status).toBe(400);
    expect(err.message).toContain('rule github-token');
    expect(h.up.requests.length).toBe(before);
    const [rec] = await h.nextRecords();
    expect(rec).toMatchObject({ status: 'failed', http_status: 400 });
    expect(rec!.user_prompts[0]!.metadata['truncated']).toBe(true);
  });

  it('a clean prompt passes; an earlier turn, a tool result or the system prompt holding a secret is not the prompt', async () => {
    const before = h.up.requests.length;
    const msg = await anthropic.messages.create({
      model: 'claude-sonnet-4-5',
      max_tokens: 16,
      system: `repo context: ${gh.secret}`,
      messages: [
        { role: 'user', content: `earlier: ${gh.secret}` },
        { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'Read', input: { path: '.env' } }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: `GH=${gh.secret}` }] },
      ],
    });
    expect(msg.type).toBe('message');
    const chat = await openai.chat.completions.create({ model: 'gpt-5', messages: [{ role: 'user', content: 'nothing secret here, just code review' }] });
    expect(chat.object).toBe('chat.completion');
    expect(h.up.requests.length).toBe(before + 2);
    const recs = await h.nextRecords(2);
    expect(recs.map((r) => r.status)).toEqual(['completed', 'completed']);
  });

  it('counts refusals in /metrics and switches off again from the dashboard', async () => {
    const metrics = await h.request('GET', '/metrics', { headers: { authorization: `Bearer ${h.app.adminToken}` } });
    expect(metrics.text).toMatch(/aibridge_requests_rejected_total\{reason="secret_in_prompt"\} 6/);
    expect((await admin('PATCH', '/settings', { block_secrets: false })).status).toBe(200);
    const before = h.up.requests.length;
    await anthropic.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 16, messages: [{ role: 'user', content: `use ${gh.secret}` }] });
    expect(h.up.requests.length).toBe(before + 1);
    await h.nextRecords();
  });
});

describe('block_secrets on the Bedrock routes (set by --block-secrets / AIBRIDGE_BLOCK_SECRETS)', () => {
  let b: BedrockHarness;
  beforeAll(async () => {
    b = await startBedrockHarness({ AIBRIDGE_BLOCK_SECRETS: 'true' });
  }, 30_000);
  afterAll(async () => {
    await b?.close();
  });

  it('Bedrock-native invoke: 400 ValidationException naming the rule, the runtime never called', async () => {
    const client = new AnthropicBedrock({ baseURL: `${b.app.url}/bedrock`, awsRegion: 'us-east-1', skipAuth: true, defaultHeaders: { 'x-api-key': b.token }, maxRetries: 0 });
    const before = b.mock.requests.length;
    const err = await thrown(client.messages.create({ model: 'us.anthropic.claude-3-7-sonnet-20250219-v1:0', max_tokens: 16, stream: true, messages: [{ role: 'user', content: `aws ${aws.secret}` }] }));
    expect(err.status).toBe(400);
    expect(err.headers?.get('x-amzn-errortype')).toMatch(/^ValidationException/);
    expect(JSON.stringify(err.error)).toContain('rule aws-access-key-id');
    expect(JSON.stringify(err.error)).not.toContain(aws.secret);
    expect(b.mock.requests.length).toBe(before);
    const rec = await b.next();
    expect(rec).toMatchObject({ provider: 'bedrock', status: 'failed', http_status: 400 });
    expect(rec.user_prompts[0]!.prompt).toBe('aws [REDACTED:aws-access-key-id]');
  });

  it('Anthropic Messages served by Bedrock: 400 in the Anthropic shape', async () => {
    const client = new Anthropic({ apiKey: b.token, baseURL: `${b.app.url}/anthropic`, maxRetries: 0 });
    const before = b.mock.requests.length;
    const err = await thrown(client.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 16, messages: [{ role: 'user', content: gh.text }] }));
    expect(err.status).toBe(400);
    expect(err.error).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
    expect(err.message).toContain('rule github-token');
    expect(b.mock.requests.length).toBe(before);
    const rec = await b.next();
    expect(rec).toMatchObject({ provider: 'bedrock', status: 'failed', http_status: 400 });
  });
});
