/**
 * `POST /bedrock/model/{id}/invoke[-with-response-stream]` through the real gateway to the mock
 * Bedrock runtime, driven by `@anthropic-ai/bedrock-sdk` the way Bedrock-native clients (Claude Code
 * with CLAUDE_CODE_USE_BEDROCK=1 + ANTHROPIC_BEDROCK_BASE_URL) reach it: the bridge token as the
 * key, AWS's binary event stream back.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AnthropicBedrock } from '@anthropic-ai/bedrock-sdk';
import { APIError } from '@anthropic-ai/sdk';
import { MOCK_ERRORS, blockingMessage, fixtureEvents } from '../helpers/mock-bedrock.js';
import { BEDROCK_SMALL_MODEL, BRIDGE_AKID, startBedrockHarness, type BedrockHarness } from './bedrock-harness.js';

let h: BedrockHarness;
const NATIVE_MODEL = 'us.anthropic.claude-3-7-sonnet-20250219-v1:0';

beforeAll(async () => {
  h = await startBedrockHarness();
});
afterAll(async () => {
  await h.close();
});

/** Three ways a native client can carry the bridge token. */
function clients(): [string, AnthropicBedrock][] {
  const baseURL = `${h.app.url}/bedrock`;
  return [
    ['skipAuth + x-api-key header', new AnthropicBedrock({ baseURL, awsRegion: 'us-east-1', skipAuth: true, defaultHeaders: { 'x-api-key': h.token }, maxRetries: 0 })],
    ['SigV4 with the token as access key id', new AnthropicBedrock({ baseURL, awsRegion: 'us-east-1', awsAccessKey: h.token, awsSecretKey: 'unused', maxRetries: 0 })],
    ['Bedrock API key (Bearer)', new AnthropicBedrock({ baseURL, awsRegion: 'us-east-1', apiKey: h.token, maxRetries: 0 })],
  ];
}

describe('Bedrock-native routes', () => {
  it.each([0, 1, 2])('streams through the AWS event stream (client %i) and records the call', async (i) => {
    const [, client] = clients()[i]!;
    h.mock.setScenario('tool-use');
    const stream = await client.messages.create({
      model: NATIVE_MODEL,
      max_tokens: 256,
      stream: true,
      messages: [{ role: 'user', content: 'native stream please' }],
    });
    const received: string[] = [];
    for await (const ev of stream) received.push(JSON.stringify(ev));
    expect(received).toEqual(fixtureEvents('tool-use').map((e) => JSON.stringify(JSON.parse(e.data))));

    const up = h.mock.last();
    expect(up.operation).toBe('invoke-with-response-stream');
    expect(up.modelId).toBe(NATIVE_MODEL);
    expect(up.authProblem).toBeNull();
    expect(up.credential?.accessKeyId).toBe(BRIDGE_AKID);
    expect(JSON.stringify(up.headers)).not.toContain(h.token);
    // Byte for byte: whatever anthropic_version the SDK put in the body goes up unchanged.
    expect(up.body).toMatchObject({ anthropic_version: expect.any(String), max_tokens: 256 });
    expect(up.body).not.toHaveProperty('model');

    const rec = await h.next();
    expect(rec).toMatchObject({ provider: 'bedrock', model: NATIVE_MODEL, api: 'messages', streaming: true, status: 'completed', http_status: 200 });
    expect(rec.user_prompts.map((p) => p.prompt)).toEqual(['native stream please']);
    expect(rec.token_usages[0]).toMatchObject({ provider_response_id: 'msg_bdrk_02ToolXyz', input_tokens: 410, output_tokens: 87 });
    expect(rec.tool_usages.map((t) => [t.tool, t.input])).toEqual([
      ['get_weather', { city: 'Paris', unit: 'celsius' }],
      ['get_time', { tz: 'Europe/Paris' }],
    ]);
  });

  it('answers invoke with JSON; a first-party haiku name is mapped to the small fast model', async () => {
    const [, client] = clients()[0]!;
    h.mock.setScenario('thinking');
    const msg = await client.messages.create({ model: 'claude-3-5-haiku-20241022', max_tokens: 256, messages: [{ role: 'user', content: 'blocking' }] });
    expect(msg).toEqual(blockingMessage('thinking'));
    expect(h.mock.last().operation).toBe('invoke');
    expect(h.mock.last().modelId).toBe(BEDROCK_SMALL_MODEL);
    const rec = await h.next();
    expect(rec).toMatchObject({ model: BEDROCK_SMALL_MODEL, streaming: false, status: 'completed' });
    expect(rec.model_thoughts.map((t) => t.content)).toEqual(['The user wants 2+2. That is 4.']);
    expect(rec.token_usages[0]).toMatchObject({ input_tokens: 60, output_tokens: 31 });
  });

  it('passes Bedrock errors through in Bedrock shape and records them failed', async () => {
    const [, client] = clients()[0]!;
    h.mock.setScenario('access-denied');
    const err = await client.messages.create({ model: NATIVE_MODEL, max_tokens: 10, messages: [{ role: 'user', content: 'denied' }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(APIError);
    expect((err as APIError).status).toBe(403);
    expect((err as APIError).error).toEqual({ message: MOCK_ERRORS['access-denied'].message });
    expect((err as APIError).headers?.get('x-amzn-errortype')).toMatch(/^AccessDeniedException/);
    const rec = await h.next();
    expect(rec).toMatchObject({ status: 'failed', http_status: 403, model: NATIVE_MODEL });
  });

  it('forwards an exception frame mid-stream; the client sees the error and the record is failed', async () => {
    const [, client] = clients()[0]!;
    h.mock.setScenario('exception-mid-stream', { after: 4 });
    const stream = await client.messages.create({ model: NATIVE_MODEL, max_tokens: 10, stream: true, messages: [{ role: 'user', content: 'boom' }] });
    const types: string[] = [];
    const err = await (async () => {
      for await (const ev of stream) types.push(ev.type);
    })().catch((e: unknown) => e);
    expect(types).toEqual(['message_start', 'content_block_start', 'content_block_delta', 'content_block_delta']);
    expect(String((err as Error).message)).toContain('throttlingException');
    const rec = await h.next();
    expect(rec.status).toBe('failed');
    expect(rec.error).toContain('ThrottlingException');
  });

  it('refuses a call without a bridge token in Bedrock shape', async () => {
    const res = await fetch(`${h.app.url}/bedrock/model/${encodeURIComponent(NATIVE_MODEL)}/invoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(res.status).toBe(401);
    expect(res.headers.get('x-amzn-errortype')).toBeTruthy();
    expect(Object.keys((await res.json()) as object)).toEqual(['message']);
  });
});
