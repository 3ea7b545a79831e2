/**
 * Which coding tool made a call, from its request headers (SPEC §6 `client`, `client_session_id`).
 * Best effort: tools are matched by the User-Agent prefix or a header only that tool sends; the
 * first rule that matches wins, so forks are checked before the tool they forked (Kilo Code
 * before Roo Code before Cline).
 *
 * Coder AI Bridge's list (coder/aibridge `GuessClient`, checked 2026-12-05) is matched in full, with
 * its names, except that both Copilot flavours are `GitHub Copilot` (SPEC §6 names one). Where each
 * signature comes from:
 * - Claude Code: any User-Agent starting `claude` (`claude-cli/2.0.67 (external, cli)`,
 *   `claude-code/…`, `claude-vscode/…`) and `x-app: cli`; session in `X-Claude-Code-Session-Id`.
 *   (Observed from the npm CLI; Coder matches the bare `claude` prefix.)
 * - Codex: any User-Agent starting `codex` (`codex_cli_rs/0.87.0 (…)`, `codex_exec/…`,
 *   `codex/1.0.0`) and `originator: codex_cli_rs | codex_exec | codex_vscode`; session in
 *   `session_id` (older) or `session-id` (seen from codex-cli 0.171.0 through the gateway,
 *   test/clients/run.ts). (openai/codex default_client; Coder matches the bare `codex` prefix.)
 * - Xum (formerly Mux): `xum/0.20.0 ai-sdk/…` or the older `mux/…`. (Coder.)
 * - Zed: `User-Agent: Zed/0.219.4+stable… (macos; aarch64)`. (Coder.)
 * - GitHub Copilot: `User-Agent: GitHubCopilotChat/0.37…` (VS Code) or `copilot/0.0.403 (client/cli
 *   …)` (Copilot CLI); Copilot also sends `Copilot-Integration-Id` / `Editor-Plugin-Version:
 *   copilot-chat/…`. (Coder; Copilot API proxies.)
 * - Kilo Code: `User-Agent: Kilo-Code/<v>` (older) or `kilo-code/5.1.0 (…)`, `originator: kilo-code`,
 *   `X-KiloCode-Version`, `X-Title: Kilo Code`. (Kilo-Org/kilocode src/api/providers/constants.ts.)
 *   Checked before OpenCode: Kilo's newer CLI is an OpenCode fork that keeps an `opencode/…` agent.
 * - Roo Code: `User-Agent: RooCode/<v>` (older) or `roo-code/3.45.0 (…)`, `originator: roo-code`,
 *   `X-Title: Roo Code`. (RooCodeInc/Roo-Code src/api/providers/constants.ts.)
 * - Cline: `User-Agent: Cline/<v>`, `X-Title: Cline`, `HTTP-Referer: https://cline.bot`.
 *   (cline/cline DEFAULT_HEADERS.)
 * - Coder Agents: `coder-agents/v2.24.0 (linux/amd64)`. (Coder.)
 * - Charm Crush: `Charm-Crush/0.2.0 (https://charm.land/crush)` or `Charm Crush/0.1.11`. (Coder.)
 * - Cursor: `x-cursor-client-version` (its backend calls BYOK endpoints with a generic
 *   `connect-es/…` agent) or a `Cursor/…` User-Agent. (Coder.)
 * - OpenCode: `opencode/1.16.0 ai-sdk/provider-utils/…`. (Coder.)
 * - Junie: `Junie:SNAPSHOT` (JetBrains Junie CLI; a colon, not a slash). (Coder.)
 */
import type { IncomingHttpHeaders } from 'node:http';

/** The detected tool and its session id, as stored on the interception. */
export interface ClientInfo {
  /**
   * `Claude Code`, `Codex`, `Cursor`, `Roo Code`, `Cline`, `Kilo Code`, `Zed`, `GitHub Copilot`,
   * `Xum`, `Coder Agents`, `Charm Crush`, `OpenCode`, `Junie` or `Unknown`.
   */
  client: string;
  /** `X-Claude-Code-Session-Id` or Codex's `session_id` header when present, else null. */
  client_session_id: string | null;
}

interface Rule {
  client: string;
  match(ua: string, h: (name: string) => string): boolean;
}

const RULES: readonly Rule[] = [
  { client: 'Xum', match: (ua) => ua.startsWith('xum/') || ua.startsWith('mux/') },
  { client: 'Claude Code', match: (ua, h) => ua.startsWith('claude') || h('x-app') === 'cli' },
  // codex_cli_rs/…, codex_exec/…, codex_vscode/…, codex/1.0.0
  { client: 'Codex', match: (ua, h) => ua.startsWith('codex') || h('originator').startsWith('codex_') },
  { client: 'Zed', match: (ua) => ua.startsWith('zed/') },
  {
    client: 'GitHub Copilot',
    match: (ua, h) =>
      ua.startsWith('githubcopilotchat/') || ua.startsWith('copilot/') || h('copilot-integration-id') !== '' || h('editor-plugin-version').startsWith('copilot'),
  },
  {
    client: 'Kilo Code',
    match: (ua, h) => ua.startsWith('kilo-code/') || h('originator') === 'kilo-code' || h('x-kilocode-version') !== '' || h('x-title') === 'kilo code',
  },
  {
    client: 'Roo Code',
    match: (ua, h) => ua.startsWith('roo-code/') || ua.startsWith('roocode/') || h('originator') === 'roo-code' || h('x-title') === 'roo code',
  },
  { client: 'Cline', match: (ua, h) => ua.startsWith('cline/') || h('x-title') === 'cline' || h('http-referer').startsWith('https://cline.bot') },
  { client: 'Coder Agents', match: (ua) => ua.startsWith('coder-agents/') },
  { client: 'Charm Crush', match: (ua) => ua.startsWith('charm-crush/') || ua.startsWith('charm crush/') },
  { client: 'Cursor', match: (ua, h) => h('x-cursor-client-version') !== '' || ua.startsWith('cursor/') },
  { client: 'OpenCode', match: (ua) => ua.startsWith('opencode/') },
  { client: 'Junie', match: (ua) => ua.startsWith('junie:') },
];

function headerValue(headers: IncomingHttpHeaders, name: string): string {
  const v = headers[name];
  const first = Array.isArray(v) ? v[0] : v;
  return typeof first === 'string' ? first.trim() : '';
}

/** Detects the calling tool from request headers (node lower-cases header names). Never throws. */
export function detectClient(headers: IncomingHttpHeaders): ClientInfo {
  const ua = headerValue(headers, 'user-agent').toLowerCase();
  const lower = (name: string): string => headerValue(headers, name).toLowerCase();
  const rule = RULES.find((r) => r.match(ua, lower));
  const session =
    headerValue(headers, 'x-claude-code-session-id') ||
    headerValue(headers, 'session_id') ||
    // Codex 0.171 (npm, 2026-11) sends `session-id`, not `session_id`; a generic name, so Codex only.
    (rule?.client === 'Codex' ? headerValue(headers, 'session-id') : '');
  return { client: rule?.client ?? 'Unknown', client_session_id: session === '' ? null : session };
}
