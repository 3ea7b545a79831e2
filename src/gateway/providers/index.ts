/**
 * The providers, wired from the settings (read on every call, so a dashboard change applies at
 * once): the adapters the provider routes use, what `/api/v1/status` says about each provider, the
 * dashboard's "Test connection", and the Bedrock settings' rule for the config layer.
 */
import type { Settings } from '../../config/schema.js';
import type { UpstreamPool } from '../upstream/http.js';
import type { ProviderAdapter } from './adapter.js';
import type { HttpProviderConfig } from './http-adapter.js';
import { createAnthropicAdapter } from './anthropic/adapter.js';
import { createOpenAIAdapters } from './openai/adapter.js';
import {
  bedrockConfigured,
  createBedrockMessagesAdapter,
  createBedrockNativeAdapter,
  validateBedrockConfig,
  type BedrockConfig,
} from './bedrock/index.js';
import { testProvider, type ConnectionResult } from './test-connection.js';

/** The adapters behind the intercepted routes, plus the passthrough routes' upstream settings. */
export interface ProviderAdapters {
  /** Anthropic Messages: Anthropic direct, or Bedrock when only Bedrock is configured. */
  messages(): ProviderAdapter;
  openaiChat: ProviderAdapter;
  openaiResponses: ProviderAdapter;
  bedrockNative: ProviderAdapter;
  /** Upstream settings of the HTTP providers (passthrough routes). */
  http(provider: 'anthropic' | 'openai'): HttpProviderConfig;
}

/** One provider as `GET /api/v1/status` lists it. */
export interface ProviderStatus {
  name: 'anthropic' | 'openai' | 'bedrock';
  type: 'anthropic' | 'openai' | 'bedrock';
  configured: boolean;
  /** Anthropic only: which upstream serves the Anthropic routes. */
  via?: 'anthropic' | 'bedrock' | null;
}

/** What {@link createProviders} returns. */
export interface Providers {
  readonly adapters: ProviderAdapters;
  status(): ProviderStatus[];
  /** One cheap real call with the configured key (dashboard "Test connection"). */
  test(name: string): Promise<ConnectionResult>;
}

/** The Bedrock part of the settings. */
export function bedrockSettings(s: Settings): BedrockConfig {
  return {
    region: s.bedrock_region,
    accessKey: s.bedrock_access_key,
    accessKeySecret: s.bedrock_access_key_secret,
    model: s.bedrock_model,
    smallFastModel: s.bedrock_small_fast_model,
    baseUrl: s.bedrock_base_url,
  };
}

/** A settings check for the config layer: an error message naming the Bedrock setting, or null. */
export function validateProviderSettings(s: Settings): string | null {
  return validateBedrockConfig(bedrockSettings(s));
}

export function createProviders(settings: () => Settings, pool: UpstreamPool): Providers {
  const http = (provider: 'anthropic' | 'openai'): HttpProviderConfig => {
    const s = settings();
    return {
      baseUrl: provider === 'anthropic' ? s.anthropic_base_url : s.openai_base_url,
      key: provider === 'anthropic' ? s.anthropic_key : s.openai_key,
      headersTimeoutMs: s.upstream_timeout,
      bodyTimeoutMs: s.stream_idle_timeout,
      injectStreamUsage: s.inject_stream_usage,
    };
  };
  const bedrock = () => bedrockSettings(settings());
  const bedrockOpts = {
    get timeoutMs() {
      return settings().upstream_timeout;
    },
    get idleTimeoutMs() {
      return settings().stream_idle_timeout;
    },
  };
  const anthropic = createAnthropicAdapter(pool, () => http('anthropic'));
  const openai = createOpenAIAdapters(pool, () => http('openai'));
  const bedrockMessages = createBedrockMessagesAdapter(bedrock, bedrockOpts);
  const bedrockNative = createBedrockNativeAdapter(bedrock, bedrockOpts);
  // The Anthropic routes go to Bedrock only when no Anthropic key is set and Bedrock is.
  const anthropicVia = (): 'anthropic' | 'bedrock' | null =>
    settings().anthropic_key ? 'anthropic' : bedrockConfigured(bedrock()) ? 'bedrock' : null;

  return {
    adapters: {
      messages: () => (anthropicVia() === 'bedrock' ? bedrockMessages : anthropic),
      openaiChat: openai.chat,
      openaiResponses: openai.responses,
      bedrockNative,
      http,
    },
    status() {
      const via = anthropicVia();
      return [
        { name: 'anthropic', type: 'anthropic', configured: via !== null, via },
        { name: 'openai', type: 'openai', configured: Boolean(settings().openai_key) },
        { name: 'bedrock', type: 'bedrock', configured: bedrockConfigured(bedrock()) },
      ];
    },
    test: (name) => testProvider(name, { http, bedrock, pool }),
  };
}
