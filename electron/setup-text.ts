/**
 * The text "Copy Claude Code setup" and "Copy Codex setup" put on the clipboard (SPEC §4 client
 * setup, shared/CLIENTS.md). Bridge tokens are shown only once when created, so the snippets carry
 * a placeholder the user replaces with a token from the dashboard.
 */

/** Placeholder for the bridge token in copied setups. */
export const TOKEN_PLACEHOLDER = '<bridge token from the dashboard: Bridge tokens → Create>';

/** Shell lines for Claude Code against the gateway at `baseUrl` (e.g. http://127.0.0.1:8642). */
export function claudeCodeSetup(baseUrl: string): string {
  return [
    '# AI Bridge Desktop — Claude Code',
    `export ANTHROPIC_BASE_URL=${baseUrl}/anthropic`,
    `export ANTHROPIC_AUTH_TOKEN='${TOKEN_PLACEHOLDER}'`,
    '',
  ].join('\n');
}

/** A `$CODEX_HOME/config.toml` block plus the token variable for Codex (Responses API only). */
export function codexSetup(baseUrl: string): string {
  return [
    '# AI Bridge Desktop — Codex: add to ~/.codex/config.toml',
    'model_provider = "bridge"',
    '',
    '[model_providers.bridge]',
    'name = "AI Bridge"',
    `base_url = "${baseUrl}/openai/v1"`,
    'env_key = "AIBRIDGE_TOKEN"',
    'wire_api = "responses"',
    '',
    '# and in your shell:',
    `# export AIBRIDGE_TOKEN='${TOKEN_PLACEHOLDER}'`,
    '',
  ].join('\n');
}
