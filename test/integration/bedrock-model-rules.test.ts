/**
 * Issue 14: a Claude Code body on the Anthropic route, served by Bedrock with Claude Opus 4.5 or
 * Opus 4.6 as the configured model, reaches Bedrock cleaned by that model's row in
 * src/gateway/providers/bedrock/model-rules.ts. The mock Bedrock answers 400 to a field or beta
 * flag the model does not take (as Bedrock does), so the client's 200 proves the cleaning too.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBedrockHarness, type BedrockHarness } from './bedrock-harness.js';

/** What Claude Code 2.x sends for an Opus call with effort and context editing. */
const claudeCodeBody = {
  model: 'claude-opus-4-6',
  max_tokens: 32000,
  stream: true,
  messages: [{ role: 'user', content: [{ type: 'text', text: 'tidy the repo' }] }],
  metadata: { user_id: 'user_abc_account__session_1' },
  thinking: { type: 'adaptive' },
  output_config: { effort: 'medium' },
  context_management: { edits: [{ type: 'clear_thinking_20251015', keep: 'all' }] },
};
const betaHeader = 'claude-code-20250219,interleaved-thinking-2025-05-14,context-management-2025-06-27,effort-2025-11-24,prompt-caching-scope-2026-01-05';

async function send(h: BedrockHarness): Promise<number> {
  const res = await fetch(`${h.app.url}/anthropic/v1/messages?beta=true`, {
    method: 'POST',
    headers: {
      'x-api-key': h.token,
      'content-type': 'application/json',
      'anthropic-version': '2023-06-01',
      'anthropic-beta': betaHeader,
      'user-agent': 'claude-cli/2.1.197 (external, cli)',
    },
    body: JSON.stringify(claudeCodeBody),
  });
  await res.text();
  return res.status;
}

describe.each([
  {
    model: 'global.anthropic.claude-opus-4-5-20251101-v1:0',
    expected: {
      thinking: { type: 'enabled', budget_tokens: 16000 },
      output_config: { effort: 'medium' },
      anthropic_beta: ['interleaved-thinking-2025-05-14', 'effort-2025-11-24'],
    },
  },
  {
    model: 'global.anthropic.claude-opus-4-6-v1',
    expected: { thinking: { type: 'adaptive' }, anthropic_beta: ['interleaved-thinking-2025-05-14'] },
  },
])('Claude Code body to Bedrock $model', ({ model, expected }) => {
  let h: BedrockHarness;
  beforeAll(async () => {
    h = await startBedrockHarness({ AIBRIDGE_BEDROCK_MODEL: model });
    h.mock.setScenario('text');
  });
  afterAll(async () => {
    await h.close();
  });

  it('reaches Bedrock with only what the model takes and completes', async () => {
    expect(await send(h)).toBe(200);
    const up = h.mock.last();
    expect(up.modelId).toBe(model);
    expect(up.body).toEqual({
      anthropic_version: 'bedrock-2023-05-31',
      max_tokens: 32000,
      messages: claudeCodeBody.messages,
      ...expected,
    });
    const rec = await h.next();
    expect(rec).toMatchObject({ provider: 'bedrock', model, status: 'completed', http_status: 200 });
  });
});
