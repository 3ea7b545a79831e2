/**
 * Realistic-looking records for the screenshots: a few people and tools over two weeks.
 * The app runs on a movable clock (`startApp({ now })`), so older days are recorded as such.
 */
import type { RunningApp } from '../../../src/app-types.js';
import { adminFetch, bridgeCall } from './harness.js';

const CLAUDE_CODE = 'claude-cli/2.0.14 (external, cli)';
const CODEX = 'codex_cli_rs/0.46.0 (Debian 12; x86_64) xterm-256color';

const PROMPTS = [
  'Refactor the retry loop in src/gateway/upstream/pool.ts so it respects retry-after and add a test for 429s.',
  'Why does the settings page flash the old value after saving? Look at provider-form.tsx.',
  'Write a migration that adds an index on interceptions(started_at, id).',
  'Summarise the failing CI log and propose a fix.',
  'Add keyboard navigation to the interceptions table (arrow keys between rows).',
  'Explain what this regex does: ^(\\d+(\\.\\d+)?[smhdw])+$',
  'Rename `visibleAfter` to `retentionCutoff` across the codebase and update the docs.',
];

interface Plan { token: string; ua?: string; api: 'messages' | 'chat' | 'responses'; fixture: string; model: string; status?: number }

export async function seed(app: RunningApp, clock: { offsetMs: number }): Promise<{ tokens: Record<string, string> }> {
  const tokens: Record<string, string> = {};
  for (const name of ['alice', 'bob', 'ci-bot', 'old-laptop']) {
    tokens[name] = (await adminFetch<{ token: string }>(app, '/tokens', { method: 'POST', body: { name } })).token;
  }
  const plans: Plan[] = [
    { token: tokens['alice']!, ua: CLAUDE_CODE, api: 'messages', fixture: 'anthropic/tool-parallel.sse', model: 'claude-sonnet-4-5' },
    { token: tokens['alice']!, ua: CLAUDE_CODE, api: 'messages', fixture: 'anthropic/thinking.sse', model: 'claude-sonnet-4-5' },
    { token: tokens['alice']!, ua: CLAUDE_CODE, api: 'messages', fixture: 'anthropic/cache-tokens.sse', model: 'claude-haiku-4-5' },
    { token: tokens['bob']!, ua: CODEX, api: 'responses', fixture: 'openai-responses/reasoning.sse', model: 'gpt-5' },
    { token: tokens['bob']!, ua: CODEX, api: 'responses', fixture: 'openai-responses/tool-single.sse', model: 'gpt-5' },
    { token: tokens['ci-bot']!, api: 'chat', fixture: 'openai-chat/cache-reasoning.sse', model: 'o4-mini' },
    { token: tokens['ci-bot']!, api: 'chat', fixture: 'openai-chat/tool-parallel.sse', model: 'gpt-4o' },
  ];
  const day = 86_400_000;
  let n = 0;
  for (let d = 13; d >= 0; d--) {
    const calls = 2 + ((d * 7) % 5) + (d < 5 ? 3 : 0);
    for (let i = 0; i < calls; i++) {
      const p = plans[(d + i) % plans.length]!;
      clock.offsetMs = d * day - i * 97_000 + 3_600_000;
      if (d === 0) clock.offsetMs = (calls - i) * 60_000;
      await bridgeCall(app, p.token, { api: p.api, fixture: p.fixture, model: p.model, userAgent: p.ua, prompt: PROMPTS[n++ % PROMPTS.length] });
    }
  }
  clock.offsetMs = 0;
  await bridgeCall(app, tokens['alice']!, { api: 'messages', fixture: 'anthropic/error-429.json', status: 429, userAgent: CLAUDE_CODE, prompt: 'Run the full test suite and fix what fails.' });
  await adminFetch(app, '/tokens/old-laptop', { method: 'DELETE' });
  return { tokens };
}
