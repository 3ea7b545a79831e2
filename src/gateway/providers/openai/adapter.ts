/** OpenAI: `POST {base}/chat/completions` and `{base}/responses` with `Authorization: Bearer` (SPEC §4). */
import type { ProviderAdapter } from '../adapter.js';
import { createHttpAdapter, type HttpAdapterSpec, type HttpProviderConfig } from '../http-adapter.js';
import type { UpstreamPool } from '../../upstream/http.js';
import { chatCompletionsCodec } from './chat-codec.js';
import { responsesCodec } from './responses-codec.js';
import { withStreamUsage } from './stream-usage.js';

export const openaiAuth: Pick<HttpAdapterSpec, 'name' | 'keySetting' | 'authorize'> = {
  name: 'openai',
  keySetting: '--openai-key (AIBRIDGE_OPENAI_KEY)',
  authorize(headers, key) {
    headers['authorization'] = `Bearer ${key}`;
  },
};

export function createOpenAIAdapters(
  pool: UpstreamPool,
  getCfg: () => HttpProviderConfig,
): { chat: ProviderAdapter; responses: ProviderAdapter } {
  const base = { ...openaiAuth, kind: 'openai' as const, errorShape: 'openai' as const };
  return {
    chat: createHttpAdapter(
      {
        ...base,
        codec: chatCompletionsCodec,
        upstreamPath: 'chat/completions',
        upstreamBody: (call, cfg) => (cfg.injectStreamUsage === false ? undefined : withStreamUsage(call.rawBody, call.json)),
      },
      pool,
      getCfg,
    ),
    responses: createHttpAdapter({ ...base, codec: responsesCodec, upstreamPath: 'responses' }, pool, getCfg),
  };
}
