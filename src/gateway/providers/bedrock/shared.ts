/** Small pieces both Bedrock adapters use. */
import { GatewayError, ProviderNotConfiguredError } from '../../errors.js';
import { bedrockConfigured, validateBedrockConfig, type BedrockConfig } from './config.js';
import { describeBedrockError, isBedrockServiceError, type BedrockErrorInfo } from './errors.js';
import type { ClientCache } from './client.js';
import { invokeBedrock, type InvokeArgs, type InvokeResult } from './invoke.js';

/** Options the gateway passes to the Bedrock adapter factories. */
export interface BedrockAdapterOptions {
  /** How long Bedrock may take to answer: the whole body when blocking, the headers when streaming. */
  timeoutMs: number;
  /**
   * Longest silence on the connection (between stream events, or while a blocking call is being
   * answered) before the call is given up; 0 or undefined = no limit. Read on every call.
   */
  idleTimeoutMs?: number;
}

/** Throws a 503 naming the setting to fill when Bedrock cannot be called with these settings. */
export function assertUsable(cfg: BedrockConfig): void {
  if (!bedrockConfigured(cfg)) throw new ProviderNotConfiguredError('Bedrock', '--bedrock-region or --bedrock-base-url');
  const problem = validateBedrockConfig(cfg);
  if (problem) {
    throw new GatewayError(503, 'provider_not_configured', `The Bedrock provider is not configured: ${problem}.`);
  }
}

/** `x-amzn-requestid` (and Anthropic's `request-id` for Anthropic clients) when Bedrock sent one. */
export function requestIdHeaders(requestId: string | undefined, anthropic: boolean): Record<string, string> {
  if (!requestId) return {};
  return anthropic ? { 'request-id': requestId, 'x-amzn-requestid': requestId } : { 'x-amzn-requestid': requestId };
}

/** Describes a failure while reading a stream: a Bedrock exception frame or a broken connection. */
export function midStreamError(err: unknown): BedrockErrorInfo {
  if (isBedrockServiceError(err)) return describeBedrockError(err);
  const e = err instanceof Error ? err : new Error(String(err));
  const code = (e as { code?: unknown }).code;
  const detail = typeof code === 'string' ? `${code} (${e.message})` : e.message;
  return { name: 'InternalServerException', message: `Bedrock stream broke: ${detail}`, bedrockStatus: 500, requestId: undefined, local: true };
}

/** Calls Bedrock for an adapter: the client for these settings, with the adapter's timeouts. */
export function callBedrock(
  clients: ClientCache,
  cfg: BedrockConfig,
  opts: BedrockAdapterOptions,
  args: Pick<InvokeArgs, 'modelId' | 'body' | 'streaming' | 'signal'>,
): Promise<InvokeResult> {
  const idleTimeoutMs = opts.idleTimeoutMs;
  return invokeBedrock(clients.get(cfg, { idleTimeoutMs }), { ...args, timeoutMs: opts.timeoutMs, idleTimeoutMs });
}

/** A reply body of one chunk (a blocking answer or an error body). */
export async function* singleChunk(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  yield bytes;
}
