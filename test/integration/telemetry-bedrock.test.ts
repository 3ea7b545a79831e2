/**
 * SPEC §14 for Bedrock: both the Anthropic route served by Bedrock and the native route leave a
 * span with `gen_ai.provider.name` = `aws.bedrock` and the record's exact token numbers.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import Anthropic from '@anthropic-ai/sdk';
import { AnthropicBedrock } from '@anthropic-ai/bedrock-sdk';
import { startBedrockHarness, type BedrockHarness } from './bedrock-harness.js';
import { startOtlpReceiver, type OtlpReceiver } from '../helpers/otlp-receiver.js';
import type { Interception } from '../../src/record/types.js';

let h: BedrockHarness;
let recv: OtlpReceiver;
beforeAll(async () => {
  recv = await startOtlpReceiver();
  h = await startBedrockHarness({ AIBRIDGE_OTLP_ENDPOINT: recv.url, OTEL_BSP_SCHEDULE_DELAY: '20' });
});
afterAll(async () => {
  await h?.close();
  await recv?.close();
});

const spanOf = async (rec: Interception) => {
  await recv.waitForSpans(1);
  const deadline = Date.now() + 10_000;
  for (;;) {
    const s = recv.spans.find((x) => x.attributes['aibridge.interception_id'] === rec.id);
    if (s) return s;
    if (Date.now() > deadline) throw new Error(`no span for ${rec.id}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

it('Anthropic route via Bedrock and the native route: aws.bedrock spans with exact tokens', async () => {
  h.mock.setScenario('tool-use');
  const viaAnthropic = new Anthropic({ baseURL: `${h.app.url}/anthropic`, apiKey: h.token, maxRetries: 0 });
  const s1 = await viaAnthropic.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 64, stream: true, messages: [{ role: 'user', content: 'via messages' }] });
  for await (const _ of s1) { /* drain */ }
  const r1 = await h.next();

  h.mock.setScenario('thinking');
  const native = new AnthropicBedrock({ baseURL: `${h.app.url}/bedrock`, awsRegion: 'us-east-1', skipAuth: true, defaultHeaders: { 'x-api-key': h.token }, maxRetries: 0 });
  const s2 = await native.messages.create({ model: 'us.anthropic.claude-3-7-sonnet-20250219-v1:0', max_tokens: 64, stream: true, messages: [{ role: 'user', content: 'native' }] });
  for await (const _ of s2) { /* drain */ }
  const r2 = await h.next();

  for (const rec of [r1, r2]) {
    expect(rec.provider).toBe('bedrock');
    expect(rec.token_usages.length).toBeGreaterThan(0);
    const span = await spanOf(rec);
    const u = rec.token_usages.reduce(
      (a, t) => ({ input: a.input + t.input_tokens + t.cache_read_input_tokens + t.cache_write_input_tokens, output: a.output + t.output_tokens }),
      { input: 0, output: 0 },
    );
    expect(span.name).toBe(`chat ${rec.model}`);
    expect(span.attributes).toMatchObject({
      'gen_ai.provider.name': 'aws.bedrock',
      'gen_ai.request.model': rec.model,
      'gen_ai.usage.input_tokens': u.input,
      'gen_ai.usage.output_tokens': u.output,
      'aibridge.api': 'messages',
    });
    expect(span.events.map((e) => e.attributes['gen_ai.tool.name'])).toEqual(rec.tool_usages.map((t) => t.tool));
  }
});
