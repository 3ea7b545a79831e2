/**
 * The adapter shape shared by providers reached over plain HTTPS (Anthropic direct, OpenAI):
 * same body, provider key added as the provider expects, answer handed back untouched.
 */
import type { ProviderAdapter, ProviderCall, ProviderReply } from './adapter.js';
import type { ApiCodec } from './codec.js';
import type { ProviderKind } from '../../record/types.js';
import type { ErrorShape } from '../errors.js';
import { ProviderNotConfiguredError } from '../errors.js';
import { joinUrl, type UpstreamPool } from '../upstream/http.js';
import { upstreamDispatch } from '../upstream/dispatch.js';
import { downstreamHeaders, upstreamRequestHeaders } from '../upstream/headers.js';

export interface HttpProviderConfig {
  baseUrl: string;
  key: string | undefined;
  headersTimeoutMs: number;
  bodyTimeoutMs: number;
  /** `inject_stream_usage` (OpenAI Chat Completions only). */
  injectStreamUsage?: boolean;
}

export interface HttpAdapterSpec {
  kind: ProviderKind;
  name: string;
  codec: ApiCodec;
  errorShape: ErrorShape;
  /** The setting a user must fill, named in the 503 message. */
  keySetting: string;
  /** Upstream path for a call, relative to the base URL. */
  upstreamPath: string;
  /** Adds the provider key (and any required default headers). */
  authorize(headers: Record<string, string>, key: string): void;
  /** The body sent upstream when it is not the client's bytes (undefined: the client's bytes). */
  upstreamBody?(call: ProviderCall, cfg: HttpProviderConfig): Buffer | undefined;
}

/** The upstream URL and headers for a call; used by intercepted and passthrough routes alike. */
export function prepareUpstream(
  spec: Pick<HttpAdapterSpec, 'name' | 'keySetting' | 'authorize'>,
  cfg: HttpProviderConfig,
  call: Pick<ProviderCall, 'headers' | 'search'>,
  path: string,
): { url: string; headers: Record<string, string> } {
  if (!cfg.key) throw new ProviderNotConfiguredError(spec.name, spec.keySetting);
  const headers = upstreamRequestHeaders(call.headers);
  spec.authorize(headers, cfg.key);
  return { url: joinUrl(cfg.baseUrl, path, call.search), headers };
}

export function createHttpAdapter(spec: HttpAdapterSpec, pool: UpstreamPool, getCfg: () => HttpProviderConfig): ProviderAdapter {
  return {
    kind: spec.kind,
    name: spec.name,
    codec: spec.codec,
    errorShape: spec.errorShape,
    async send(call: ProviderCall): Promise<ProviderReply> {
      const cfg = getCfg();
      const { url, headers } = prepareUpstream(spec, cfg, call, spec.upstreamPath);
      if (!headers['content-type']) headers['content-type'] = 'application/json';
      const answer = await upstreamDispatch(pool, {
        provider: spec.name,
        url,
        method: 'POST',
        headers,
        body: spec.upstreamBody?.(call, cfg) ?? call.rawBody,
        signal: call.signal,
        headersTimeoutMs: cfg.headersTimeoutMs,
        bodyTimeoutMs: cfg.bodyTimeoutMs,
      });
      const contentType = String(answer.headers['content-type'] ?? '');
      return {
        status: answer.status,
        headers: downstreamHeaders(answer.headers),
        body: answer.body,
        mode: answer.status < 300 && contentType.includes('text/event-stream') ? 'sse' : 'json',
      };
    },
  };
}
