/**
 * Claude Code through the bridge to the mock Bedrock runtime, both ways it can be set up (issue 4,
 * "Done when"): `ANTHROPIC_BASE_URL=…/anthropic` (messages route served by Bedrock) and
 * `CLAUDE_CODE_USE_BEDROCK=1` + `ANTHROPIC_BEDROCK_BASE_URL=…/bedrock` +
 * `CLAUDE_CODE_SKIP_BEDROCK_AUTH=1` (native route; the bridge token goes in `ANTHROPIC_CUSTOM_HEADERS`).
 * Claude Code is not a project dependency: the test runs when `AIBRIDGE_TEST_CLAUDE` names its
 * binary (e.g. after `npm install @anthropic-ai/claude-code` somewhere), else it is skipped.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BEDROCK_MODEL, startBedrockHarness, type BedrockHarness } from './bedrock-harness.js';
import { tempDirs } from '../helpers/temp-dirs.js';

const claude = process.env['AIBRIDGE_TEST_CLAUDE'] ?? '';
const temps = tempDirs();

function run(env: Record<string, string>): Promise<{ ok: boolean; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile(
      claude,
      ['-p', 'say hi', '--output-format', 'json'],
      {
        env: { PATH: process.env['PATH'] ?? '', HOME: temps.make('aibridge-cc-home-'), CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1', ...env },
        timeout: 120_000,
      },
      (error, out, err) => resolve({ ok: !error, out, err }),
    ).stdin?.end();
  });
}

describe.skipIf(!claude || !existsSync(claude))('Claude Code over Bedrock', () => {
  let h: BedrockHarness;
  beforeAll(async () => {
    h = await startBedrockHarness();
    h.mock.setScenario('text');
  });
  afterAll(async () => {
    await h.close();
    temps.removeAll();
  });

  it('streams through the Anthropic route and is recorded as bedrock', { timeout: 150_000 }, async () => {
    const r = await run({ ANTHROPIC_BASE_URL: `${h.app.url}/anthropic`, ANTHROPIC_API_KEY: h.token });
    expect(r.ok, r.err).toBe(true);
    expect((JSON.parse(r.out) as { result: string }).result).toBe('Hello from Bedrock! ünïcødé ✓');
    const rec = await h.next();
    expect(rec).toMatchObject({ provider: 'bedrock', model: BEDROCK_MODEL, client: 'Claude Code', status: 'completed' });
    expect(rec.user_prompts[0]?.prompt).toContain('say hi');
    expect(rec.token_usages[0]).toMatchObject({ input_tokens: 25, output_tokens: 12, cache_read_input_tokens: 100, cache_write_input_tokens: 7 });
    expect(h.mock.last().authProblem).toBeNull();
  });

  it('streams through the Bedrock-native route and is recorded as bedrock', { timeout: 150_000 }, async () => {
    const r = await run({
      CLAUDE_CODE_USE_BEDROCK: '1',
      ANTHROPIC_BEDROCK_BASE_URL: `${h.app.url}/bedrock`,
      CLAUDE_CODE_SKIP_BEDROCK_AUTH: '1',
      AWS_REGION: 'us-east-1',
      ANTHROPIC_CUSTOM_HEADERS: `x-api-key: ${h.token}`,
    });
    expect(r.ok, r.err).toBe(true);
    expect((JSON.parse(r.out) as { result: string }).result).toBe('Hello from Bedrock! ünïcødé ✓');
    const rec = await h.next();
    expect(rec).toMatchObject({ provider: 'bedrock', client: 'Claude Code', status: 'completed', streaming: true });
    expect(rec.model).toBe(h.mock.last().modelId);
    expect(rec.token_usages[0]).toMatchObject({ input_tokens: 25, output_tokens: 12 });
  });
});
