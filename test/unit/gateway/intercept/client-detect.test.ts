/** detectClient: SPEC §6 `client` and `client_session_id` from request headers. */
import { describe, expect, it } from 'vitest';
import type { IncomingHttpHeaders } from 'node:http';
import { detectClient } from '../../../../src/gateway/intercept/client-detect.js';

const client = (headers: IncomingHttpHeaders): string => detectClient(headers).client;

describe('detectClient', () => {
  it.each([
    ['claude-cli/2.0.67 (external, cli)', 'Claude Code'],
    ['claude-cli/1.0.119 (external, sdk-ts)', 'Claude Code'],
    ['codex_cli_rs/0.87.0 (Mac OS 26.2.0; arm64) ghostty/1.3.0-main_250877ef', 'Codex'],
    ['codex_exec/0.63.0 (Ubuntu 24.4.0; x86_64) dumb (codex_exec; 0.63.0)', 'Codex'],
    // issue 14: the Codex app/IDE agent; Coder matches any `codex` prefix.
    ['codex/1.0.0', 'Codex'],
    ['claude-vscode/2.0.1', 'Claude Code'],
    ['Zed/0.219.4+stable.119.abc123 (macos; aarch64)', 'Zed'],
    ['GitHubCopilotChat/0.37.2026011603', 'GitHub Copilot'],
    ['copilot/0.0.403 (client/cli linux v24.11.1)', 'GitHub Copilot'],
    ['kilo-code/5.1.0 (darwin 25.2.0; arm64) node/22.21.1', 'Kilo Code'],
    ['Kilo-Code/4.90.0', 'Kilo Code'],
    ['roo-code/3.45.0 (darwin 25.2.0; arm64) node/22.21.1', 'Roo Code'],
    ['RooCode/3.25.1', 'Roo Code'],
    ['Cline/3.30.0', 'Cline'],
    // The rest of Coder AI Bridge's list (coder/aibridge GuessClient).
    ['xum/0.20.0 ai-sdk/openai/3.0.36 ai-sdk/provider-utils/4.0.15 runtime/node.js/22', 'Xum'],
    ['mux/0.19.0-next.2.gcceff159 ai-sdk/openai/3.0.36 runtime/node.js/22', 'Xum'],
    ['coder-agents/v2.24.0 (linux/amd64)', 'Coder Agents'],
    ['Charm Crush/0.1.11', 'Charm Crush'],
    ['Charm-Crush/0.2.0 (https://charm.land/crush)', 'Charm Crush'],
    ['opencode/1.16.0 ai-sdk/provider-utils/4.0.23 runtime/bun/1.3.14', 'OpenCode'],
    ['Junie:SNAPSHOT', 'Junie'],
    ['Cursor/1.2.0', 'Cursor'],
    ['codexx', 'Codex'],
    ['my-codex/1.0', 'Unknown'],
    ['opencodex/1.0', 'Unknown'],
    ['Anthropic/JS 0.68.0', 'Unknown'],
    ['OpenAI/JS 6.9.0', 'Unknown'],
    ['ccclaude-cli/wrong-prefix', 'Unknown'],
    ['', 'Unknown'],
  ])('User-Agent %j → %s', (ua, expected) => {
    expect(client({ 'user-agent': ua })).toBe(expected);
  });

  it('recognises client-specific headers when the User-Agent is generic', () => {
    expect(client({ 'user-agent': 'node', 'x-app': 'cli' })).toBe('Claude Code');
    expect(client({ 'user-agent': 'reqwest', originator: 'codex_cli_rs' })).toBe('Codex');
    expect(client({ originator: 'codex_exec' })).toBe('Codex');
    expect(client({ 'user-agent': 'connect-es/1.6.1', 'x-cursor-client-version': '0.50.0' })).toBe('Cursor');
    expect(client({ 'user-agent': 'OpenAI/JS 5.0.0', originator: 'kilo-code' })).toBe('Kilo Code');
    expect(client({ 'user-agent': 'OpenAI/JS 5.0.0', 'x-kilocode-version': '4.90.0', 'x-title': 'Kilo Code' })).toBe('Kilo Code');
    expect(client({ 'user-agent': 'OpenAI/JS 5.0.0', originator: 'roo-code' })).toBe('Roo Code');
    expect(client({ 'user-agent': 'OpenAI/JS 5.0.0', 'x-title': 'Roo Code', 'http-referer': 'https://github.com/RooVetGit/Roo-Cline' })).toBe('Roo Code');
    expect(client({ 'user-agent': 'OpenAI/JS 5.0.0', 'x-title': 'Cline', 'http-referer': 'https://cline.bot' })).toBe('Cline');
    expect(client({ 'copilot-integration-id': 'vscode-chat' })).toBe('GitHub Copilot');
    // Kilo's OpenCode-based CLI keeps OpenCode's agent but names itself in X-Title.
    expect(client({ 'user-agent': 'opencode/7.8.3 (darwin 25.0.0; arm64)', 'x-title': 'Kilo Code' })).toBe('Kilo Code');
    expect(client({ 'user-agent': 'opencode/7.8.3', 'x-cursor-client-version': '1.0' })).toBe('Cursor');
    expect(client({})).toBe('Unknown');
  });

  it('takes the session id from X-Claude-Code-Session-Id or Codex session_id', () => {
    expect(detectClient({ 'user-agent': 'claude-cli/2.0.67 (external, cli)', 'x-claude-code-session-id': 'a1b2c3d4-0000-4000-8000-000000000001' })).toEqual({
      client: 'Claude Code',
      client_session_id: 'a1b2c3d4-0000-4000-8000-000000000001',
    });
    expect(detectClient({ 'user-agent': 'codex_cli_rs/0.87.0', session_id: '0199a213-81c0-7800-8aa1-bbab2a035a53' })).toEqual({
      client: 'Codex',
      client_session_id: '0199a213-81c0-7800-8aa1-bbab2a035a53',
    });
    expect(detectClient({ 'user-agent': 'claude-cli/2.0.67' }).client_session_id).toBeNull();
    expect(detectClient({ 'x-claude-code-session-id': ['s1', 's2'] }).client_session_id).toBe('s1');
    expect(detectClient({ session_id: '' }).client_session_id).toBeNull();
  });
});
