/**
 * Every upstream HTTP call goes through undici here, on one keep-alive pool per gateway.
 * Timeouts are per request (settings can change at runtime): `headersTimeout` → 504 before the
 * answer starts, `bodyTimeout` = the idle time allowed between two chunks of a stream.
 * Network failures become GatewayErrors (502/504); an abort by the client is passed through as is.
 */
import { createRequire } from 'node:module';
import type { Agent, Dispatcher } from 'undici';
import { BadRequestError, GatewayError, UpstreamTimeoutError, UpstreamUnreachableError } from '../errors.js';
import type { CallSignal } from './call-abort.js';

const load = createRequire(import.meta.url);
let undiciModule: typeof import('undici') | undefined;
/**
 * undici, loaded at first use: ~0.2 s of module loading that `aibridge serve` need not pay before
 * it listens (issue #18); `startApp` warms it a moment after. CommonJS, so a synchronous require
 * gives the same module (and error classes) an `import` would.
 */
export const undici = (): typeof import('undici') => (undiciModule ??= load('undici') as typeof import('undici'));

export interface UpstreamPool {
  readonly dispatcher: Dispatcher;
  close(): Promise<void>;
}

/** One keep-alive pool, made at its first use (or {@link UpstreamPool.dispatcher} read to warm it). */
export function createUpstreamPool(): UpstreamPool {
  let agent: Agent | undefined;
  return {
    get dispatcher() {
      agent ??= new (undici().Agent)({ keepAliveTimeout: 30_000, keepAliveMaxTimeout: 600_000, connections: 256 });
      return agent;
    },
    close: () => agent?.close() ?? Promise.resolve(),
  };
}

export interface UpstreamRequest {
  provider: string;
  url: string;
  method: 'GET' | 'POST' | 'DELETE' | 'HEAD';
  headers: Record<string, string>;
  body?: Buffer;
  signal: CallSignal;
  headersTimeoutMs: number;
  bodyTimeoutMs: number;
}

export interface UpstreamAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: AsyncIterable<Uint8Array> & { destroy(err?: Error): void };
}

export async function upstreamRequest(pool: UpstreamPool, r: UpstreamRequest): Promise<UpstreamAnswer> {
  try {
    const res = await undici().request(r.url, {
      method: r.method,
      headers: r.body ? { ...r.headers, 'content-length': String(r.body.length) } : r.headers,
      body: r.body,
      signal: r.signal,
      dispatcher: pool.dispatcher,
      headersTimeout: r.headersTimeoutMs,
      bodyTimeout: r.bodyTimeoutMs,
    });
    return { status: res.statusCode, headers: res.headers, body: res.body };
  } catch (err) {
    throw mapUpstreamError(r.provider, err, r.headersTimeoutMs, r.signal);
  }
}

/** Turns an undici failure into the gateway's error family; aborts stay aborts. */
export function mapUpstreamError(provider: string, err: unknown, timeoutMs: number, signal?: CallSignal): unknown {
  if (signal?.aborted) return signal.reason ?? err;
  if (err instanceof GatewayError) return err;
  const undiciErrors = undici().errors;
  if (err instanceof undiciErrors.HeadersTimeoutError || err instanceof undiciErrors.BodyTimeoutError) {
    return new UpstreamTimeoutError(provider, timeoutMs);
  }
  if (err instanceof undiciErrors.ConnectTimeoutError) return new UpstreamTimeoutError(provider, timeoutMs);
  // undici refused the request before any byte left (a header or method it will not send): the
  // request's fault, not the upstream's, so no 502 and nothing for the circuit breaker (issue #13).
  if (err instanceof undiciErrors.InvalidArgumentError || err instanceof undiciErrors.NotSupportedError) {
    return new BadRequestError(`the request cannot be forwarded to ${provider}: ${(err as Error).message}`, err);
  }
  return new UpstreamUnreachableError(provider, err);
}

/** Joins a configured base URL and a path the way users expect (`https://x/v1/` + `/chat` → `https://x/v1/chat`). */
export function joinUrl(base: string, path: string, search = ''): string {
  return base.replace(/\/+$/, '') + '/' + path.replace(/^\/+/, '') + search;
}
