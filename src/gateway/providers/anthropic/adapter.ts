/** Anthropic direct: `POST {base}/v1/messages` with `x-api-key` (SPEC §4). */
import type { ProviderAdapter } from '../adapter.js';
import { createHttpAdapter, type HttpAdapterSpec, type HttpProviderConfig } from '../http-adapter.js';
import type { UpstreamPool } from '../../upstream/http.js';
import { messagesCodec } from './codec.js';

/** The API version sent when a client sends none (the SDKs and Claude Code always do). */
const DEFAULT_ANTHROPIC_VERSION = '2023-06-01';

export const anthropicAuth: Pick<HttpAdapterSpec, 'name' | 'keySetting' | 'authorize'> = {
  name: 'anthropic',
  keySetting: '--anthropic-key (AIBRIDGE_ANTHROPIC_KEY) or the Bedrock settings',
  authorize(headers, key) {
    headers['x-api-key'] = key;
    headers['anthropic-version'] ??= DEFAULT_ANTHROPIC_VERSION;
  },
};

export function createAnthropicAdapter(pool: UpstreamPool, getCfg: () => HttpProviderConfig): ProviderAdapter {
  return createHttpAdapter(
    { ...anthropicAuth, kind: 'anthropic', codec: messagesCodec, errorShape: 'anthropic', upstreamPath: 'v1/messages' },
    pool,
    getCfg,
  );
}
