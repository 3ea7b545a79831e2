/**
 * The redactor as the gateway runs it (SPEC §12, docs/redaction.md): the rule set of
 * src/record/secret-rules.ts, the gateway's own secrets by value (every secret setting that is set,
 * the OTLP header values, the admin token) and bridge tokens by their shape. `startApp` puts its
 * transform first in the record fan-out and its `scrub` on ordinary log lines.
 */
import { SECRET_KEYS, parseOtlpHeaders, type Settings } from '../config/schema.js';
import { createRedactor, type KnownSecret, type Redactor } from '../record/redaction.js';
import { BRIDGE_TOKEN_PATTERN, TOKEN_PREFIX, type TokenStore } from '../store/tokens.js';

export async function createGatewayRedactor(deps: {
  settings: () => Settings;
  adminToken: string;
  tokens: Pick<TokenStore, 'isActive'>;
}): Promise<Redactor> {
  // The rule set is imported here, not at the top: CLI commands that import this module never load it.
  const { createSecretScanner } = await import('../record/secret-rules.js');
  let knownFor: Settings | undefined;
  let known: KnownSecret[] = [];
  return createRedactor({
    scanner: createSecretScanner(),
    enabled: () => deps.settings().redact_secrets,
    known: () => {
      // Built once per settings object (a new one comes with every change), not once per record.
      const s = deps.settings();
      if (s !== knownFor) known = knownSecrets((knownFor = s), deps.adminToken);
      return known;
    },
    candidates: [{ rule: 'bridge-token', pattern: BRIDGE_TOKEN_PATTERN, hint: TOKEN_PREFIX, accept: (t) => deps.tokens.isActive(t) }],
  });
}

const PROVIDER_KEYS: ReadonlySet<string> = new Set(['openai_key', 'anthropic_key', 'bedrock_access_key', 'bedrock_access_key_secret']);

/**
 * The gateway's own secrets by value: every secret setting that is set, and the admin token. The
 * OTLP headers also by each value (a collector that rejects a token quotes the value, not `k=v,…`).
 */
function knownSecrets(s: Settings, adminToken: string): KnownSecret[] {
  const out: KnownSecret[] = [{ rule: 'admin-token', value: adminToken }];
  for (const k of SECRET_KEYS) {
    const v = s[k];
    if (typeof v === 'string' && v) out.push({ rule: PROVIDER_KEYS.has(k) ? 'provider-key' : 'configured-secret', value: v });
  }
  if (s.otlp_headers) {
    for (const v of Object.values(parseOtlpHeaders(s.otlp_headers) ?? {})) {
      out.push({ rule: 'configured-secret', value: v });
      // `Bearer abc…`: the credential alone is quoted too
      const cred = /^\S+\s+(\S.*)$/.exec(v)?.[1];
      if (cred) out.push({ rule: 'configured-secret', value: cred });
    }
  }
  return out;
}
