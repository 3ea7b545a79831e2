/**
 * Amazon Bedrock settings (SPEC §3): `--bedrock-region`, `--bedrock-access-key`,
 * `--bedrock-access-key-secret`, `--bedrock-model`, `--bedrock-small-fast-model`,
 * `--bedrock-base-url`. Bedrock counts as configured once a region or a base URL is set; then
 * both models are required and the keys come as a pair (neither = the AWS default credential chain).
 */

/** The Bedrock settings as the config layer resolved them; empty strings count as unset. */
export interface BedrockConfig {
  region?: string;
  accessKey?: string;
  accessKeySecret?: string;
  /** Bedrock model id (or inference profile) for every model name without `haiku`. */
  model?: string;
  /** Bedrock model id for client model names containing `haiku` (Claude Code's background model). */
  smallFastModel?: string;
  /** Endpoint used instead of `https://bedrock-runtime.<region>.amazonaws.com` (e.g. a corporate proxy). */
  baseUrl?: string;
}

/** Region SigV4 signs for when only a base URL was given. */
export const DEFAULT_BEDROCK_REGION = 'us-east-1';

function isSet(v: string | undefined): v is string {
  return typeof v === 'string' && v.trim() !== '';
}

/** True when Bedrock is configured at all: a region or a base URL is set. */
export function bedrockConfigured(cfg: BedrockConfig): boolean {
  return isSet(cfg.region) || isSet(cfg.baseUrl);
}

/**
 * Checks a Bedrock configuration; returns an error message naming the setting, or null when it is
 * usable (or Bedrock is simply not configured and no key was given half-way).
 */
export function validateBedrockConfig(cfg: BedrockConfig): string | null {
  const hasKey = isSet(cfg.accessKey);
  const hasSecret = isSet(cfg.accessKeySecret);
  if (hasKey && !hasSecret) return 'bedrock-access-key-secret is required when bedrock-access-key is set';
  if (hasSecret && !hasKey) return 'bedrock-access-key is required when bedrock-access-key-secret is set';
  if (isSet(cfg.baseUrl)) {
    let url: URL | undefined;
    try {
      url = new URL(cfg.baseUrl);
    } catch {
      url = undefined;
    }
    if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
      return `bedrock-base-url must be an http(s) URL, got "${cfg.baseUrl}"`;
    }
  }
  // Models or keys without a region/base URL leave Bedrock unconfigured rather than failing: the
  // dashboard may save the settings one at a time.
  if (!bedrockConfigured(cfg)) return null;
  if (!isSet(cfg.model)) return 'bedrock-model is required when Bedrock is configured (bedrock-region or bedrock-base-url is set)';
  if (!isSet(cfg.smallFastModel)) {
    return 'bedrock-small-fast-model is required when Bedrock is configured (bedrock-region or bedrock-base-url is set)';
  }
  return null;
}
