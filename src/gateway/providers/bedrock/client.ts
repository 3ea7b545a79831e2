/**
 * The Bedrock runtime client. SigV4 is the SDK's job (never by hand, STYLE §5). The SDK's Node
 * default is an HTTP/2 handler, which cannot talk to a plain HTTP/1.1 `--bedrock-base-url` such as
 * a corporate proxy (SPEC §4, 2026-11-26), so the HTTP/1.1 NodeHttpHandler is set explicitly.
 * Retries are off: the gateway forwards one call per client call and lets the client retry.
 */
import type { BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { DEFAULT_BEDROCK_REGION, type BedrockConfig } from './config.js';
import { bedrockRuntime, nodeHttpHandler } from './sdk.js';

/** Transport options beside the Bedrock settings. */
export interface ClientOptions {
  /** Socket inactivity limit (a stalled stream, a blocking call that never answers); 0/undefined = none. */
  idleTimeoutMs?: number;
}

/** Builds a client for one configuration (exported for tests; adapters use {@link createClientCache}). */
export function createBedrockClient(cfg: BedrockConfig, opts: ClientOptions = {}): BedrockRuntimeClient {
  // A path prefix (a proxy mounting Bedrock under /x) is kept; a trailing slash would double up.
  const baseUrl = cfg.baseUrl?.trim().replace(/\/+$/, '');
  const accessKeyId = cfg.accessKey?.trim();
  const secretAccessKey = cfg.accessKeySecret?.trim();
  const { BedrockRuntimeClient } = bedrockRuntime();
  const { NodeHttpHandler } = nodeHttpHandler();
  return new BedrockRuntimeClient({
    region: cfg.region?.trim() || DEFAULT_BEDROCK_REGION,
    ...(baseUrl ? { endpoint: baseUrl } : {}),
    // Neither key set → the SDK's default credential chain (env, profile, SSO, IMDS…).
    ...(accessKeyId && secretAccessKey ? { credentials: { accessKeyId, secretAccessKey } } : {}),
    maxAttempts: 1,
    requestHandler: new NodeHttpHandler({
      httpAgent: new HttpAgent({ keepAlive: true }),
      httpsAgent: new HttpsAgent({ keepAlive: true }),
      connectionTimeout: 30_000,
      ...(opts.idleTimeoutMs ? { socketTimeout: opts.idleTimeoutMs } : {}),
    }),
  });
}

/** One client per distinct configuration, rebuilt when the settings change at runtime. */
export interface ClientCache {
  get(cfg: BedrockConfig, opts?: ClientOptions): BedrockRuntimeClient;
}

/** A cache that keeps the client for the current settings and retires the previous one. */
export function createClientCache(): ClientCache {
  let key = '';
  let client: BedrockRuntimeClient | undefined;
  return {
    get(cfg, opts = {}) {
      const next = JSON.stringify([cfg.region, cfg.baseUrl, cfg.accessKey, cfg.accessKeySecret, opts.idleTimeoutMs ?? 0]);
      if (!client || next !== key) {
        // The old client is not destroyed: calls in flight on it finish; idle sockets time out.
        client = createBedrockClient(cfg, opts);
        key = next;
      }
      return client;
    },
  };
}
