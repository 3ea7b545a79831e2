/**
 * Errors the gateway makes itself (STYLE.md §7): one base with a stable `code`, `status` and
 * `cause`, a subclass per failure, one table that says how each code looks to each provider's
 * clients, and one writer, {@link sendError}. Provider routes answer in their provider's shape
 * (SPEC §4); the admin API, `/metrics`, the dashboard's files and unroutable requests answer in the
 * OpenAI shape (`{"error":{"message","type","code"}}`, docs/admin-api.md).
 */
import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/** Which error shape a route speaks (Bedrock-native routes answer as Bedrock does). */
export type ErrorShape = 'anthropic' | 'openai' | 'bedrock';

interface Types {
  /** Anthropic `error.type`. */
  anthropic: string;
  /** OpenAI `error.type` (the `code` is the gateway's own code). */
  openai: string;
  /** Bedrock `x-amzn-errortype`. */
  bedrock: string;
}

/**
 * Every code the gateway answers with, and the error type each provider's clients expect for it.
 * The SDKs retry on the types, not on our codes: throttling and capacity must read as such.
 */
const ERROR_TYPES = {
  invalid_request: { anthropic: 'invalid_request_error', openai: 'invalid_request_error', bedrock: 'ValidationException' },
  request_too_large: { anthropic: 'request_too_large', openai: 'invalid_request_error', bedrock: 'ValidationException' },
  request_timeout: { anthropic: 'invalid_request_error', openai: 'invalid_request_error', bedrock: 'ValidationException' },
  headers_too_large: { anthropic: 'request_too_large', openai: 'invalid_request_error', bedrock: 'ValidationException' },
  invalid_api_key: { anthropic: 'authentication_error', openai: 'invalid_request_error', bedrock: 'UnrecognizedClientException' },
  admin_token_required: { anthropic: 'authentication_error', openai: 'authentication_error', bedrock: 'UnrecognizedClientException' },
  forbidden_host: { anthropic: 'permission_error', openai: 'permission_error', bedrock: 'AccessDeniedException' },
  /** The admin API or /metrics asked from another machine without `--allow-remote-admin`. */
  admin_loopback_only: { anthropic: 'permission_error', openai: 'permission_error', bedrock: 'AccessDeniedException' },
  not_found: { anthropic: 'not_found_error', openai: 'invalid_request_error', bedrock: 'ResourceNotFoundException' },
  conflict: { anthropic: 'invalid_request_error', openai: 'invalid_request_error', bedrock: 'ConflictException' },
  too_many_concurrent_requests: { anthropic: 'rate_limit_error', openai: 'rate_limit_exceeded', bedrock: 'ThrottlingException' },
  /** A bridge token's budget is used up (SPEC §11); OpenAI's own quota error reads the same. */
  insufficient_quota: { anthropic: 'rate_limit_error', openai: 'insufficient_quota', bedrock: 'ServiceQuotaExceededException' },
  bridge_disabled: { anthropic: 'overloaded_error', openai: 'service_unavailable', bedrock: 'ServiceUnavailableException' },
  provider_not_configured: { anthropic: 'api_error', openai: 'service_unavailable', bedrock: 'ServiceUnavailableException' },
  circuit_open: { anthropic: 'overloaded_error', openai: 'service_unavailable', bedrock: 'ServiceUnavailableException' },
  upstream_unreachable: { anthropic: 'api_error', openai: 'api_error', bedrock: 'InternalServerException' },
  upstream_timeout: { anthropic: 'timeout_error', openai: 'timeout', bedrock: 'ModelTimeoutException' },
  storage_unavailable: { anthropic: 'api_error', openai: 'service_unavailable', bedrock: 'ServiceUnavailableException' },
  internal_error: { anthropic: 'api_error', openai: 'api_error', bedrock: 'InternalServerException' },
  secret_in_prompt: { anthropic: 'invalid_request_error', openai: 'invalid_request_error', bedrock: 'ValidationException' },
  /** Recorded (`cancelled`), never sent: nobody is left to read it. */
  client_aborted: { anthropic: 'invalid_request_error', openai: 'invalid_request_error', bedrock: 'ValidationException' },
} as const satisfies Record<string, Types>;

/** A code the gateway answers with (a key of the table above). */
export type ErrorCode = keyof typeof ERROR_TYPES;

export class GatewayError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
    opts: { headers?: Readonly<Record<string, string>>; cause?: unknown } = {},
  ) {
    super(message, { cause: opts.cause });
    this.name = new.target.name;
    this.headers = opts.headers ?? {};
  }

  /** Extra response headers (`retry-after`). */
  readonly headers: Readonly<Record<string, string>>;
}

export class AuthError extends GatewayError {
  constructor(message: string) {
    super(401, 'invalid_api_key', message);
  }
}

export class AdminAuthError extends GatewayError {
  constructor() {
    super(401, 'admin_token_required', 'admin token required: send Authorization: Bearer <admin token> (see `aibridge admin-token`)');
  }
}

export class BridgeDisabledError extends GatewayError {
  constructor() {
    super(503, 'bridge_disabled', 'AI Bridge is switched off. Enable it from the tray, the dashboard or `PUT /api/v1/bridge`.');
  }
}

export class ProviderNotConfiguredError extends GatewayError {
  constructor(provider: string, setting: string) {
    super(503, 'provider_not_configured', `The ${provider} provider is not configured: set ${setting}.`);
  }
}

export class BadRequestError extends GatewayError {
  constructor(message: string, cause?: unknown) {
    super(400, 'invalid_request', message, { cause });
  }
}

export class PayloadTooLargeError extends GatewayError {
  constructor(limit: number) {
    super(413, 'request_too_large', `Request body is larger than the limit of ${limit} bytes (--max-body-size).`);
  }
}

/** The request body stalled (`--body-idle-timeout`) or took too long (`--body-timeout`): 408. */
export class BodyTimeoutError extends GatewayError {
  constructor(message: string) {
    super(408, 'request_timeout', message);
  }
}

export class NotFoundError extends GatewayError {
  constructor(message: string) {
    super(404, 'not_found', message);
  }
}

export class ForbiddenHostError extends GatewayError {
  constructor(host: string) {
    super(403, 'forbidden_host', `Host header "${host}" is not allowed (DNS rebinding guard). Use 127.0.0.1 or localhost.`);
  }
}

/** Issue #13: the admin API and `/metrics` answer this machine only, unless `--allow-remote-admin`. */
export class RemoteAdminError extends GatewayError {
  constructor(peer: string) {
    super(
      403,
      'admin_loopback_only',
      `The admin API and /metrics answer only on this machine (loopback), not ${peer}: open the dashboard on the gateway's machine (or through an SSH tunnel), or start it with --allow-remote-admin (AIBRIDGE_ALLOW_REMOTE_ADMIN).`,
    );
  }
}

export class UpstreamUnreachableError extends GatewayError {
  constructor(provider: string, cause?: unknown) {
    super(502, 'upstream_unreachable', `Could not reach the ${provider} upstream: ${describeCause(cause)}`, { cause });
  }
}

export class UpstreamTimeoutError extends GatewayError {
  constructor(provider: string, ms: number) {
    super(504, 'upstream_timeout', `The ${provider} upstream did not answer within ${ms} ms.`);
  }
}

export class CircuitOpenError extends GatewayError {
  constructor(key: string, retryAfterS: number) {
    super(503, 'circuit_open', `Upstream ${key} is failing; requests are paused for ${retryAfterS} s.`, {
      headers: { 'retry-after': String(retryAfterS) },
    });
  }
}

export class TooManyRequestsError extends GatewayError {
  constructor(limit: number) {
    super(429, 'too_many_concurrent_requests', `More than ${limit} requests in flight (--max-concurrency); retry shortly.`, {
      headers: { 'retry-after': '1' },
    });
  }
}

/** `block_secrets` (SPEC §12): the prompt holds a secret; names the rule, never the secret. */
export class SecretInPromptError extends GatewayError {
  constructor(rule: string) {
    super(
      400,
      'secret_in_prompt',
      `The prompt holds a secret (rule ${rule}), so the call was not sent upstream (block_secrets is on). Remove the secret from the prompt and try again.`,
    );
  }
}

/**
 * A user error of a lower floor (a settings patch, a token, a query: they carry a status, not a
 * code) as a GatewayError.
 */
export function userError(status: 400 | 404 | 409 | 503, message: string, cause?: unknown): GatewayError {
  const code = status === 404 ? 'not_found' : status === 409 ? 'conflict' : status === 503 ? 'storage_unavailable' : 'invalid_request';
  return new GatewayError(status, code, message, { cause });
}

/** Anything thrown that is not a GatewayError becomes a 500 that says nothing of its inside. */
export function asGatewayError(err: unknown): GatewayError {
  return err instanceof GatewayError ? err : new GatewayError(500, 'internal_error', 'internal gateway error', { cause: err });
}

function describeCause(cause: unknown): string {
  if (cause instanceof Error) {
    const code = (cause as { code?: string }).code;
    return code ? `${code} (${cause.message})` : cause.message;
  }
  return String(cause ?? 'unknown error');
}

/** The body for an error in a provider's shape (SPEC §4). */
export function errorBody(shape: ErrorShape, err: GatewayError): unknown {
  const types: Types = ERROR_TYPES[err.code];
  if (shape === 'anthropic') return { type: 'error', error: { type: types.anthropic, message: err.message } };
  if (shape === 'bedrock') return { message: err.message };
  return { error: { message: err.message, type: types.openai, code: err.code } };
}

/**
 * Writes a gateway error in `shape`: status, headers (`retry-after`, Bedrock's
 * `x-amzn-errortype`) and body. When the headers are out already, the honest signal left is a
 * broken connection.
 */
export function sendError(res: ServerResponse, shape: ErrorShape, err: GatewayError): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const headers: Record<string, string> = { 'content-type': 'application/json', ...err.headers };
  // Answered before the request's body was read to its end (401, 403, 413, 408, a refused gate…):
  // close instead of draining, so a client trickling a large body cannot hold the socket.
  if (res.req && !res.req.complete) {
    headers['connection'] = 'close';
    lingerOnClose(res);
  }
  if (shape === 'bedrock') headers['x-amzn-errortype'] = ERROR_TYPES[err.code].bedrock;
  res.writeHead(err.status, headers);
  res.end(JSON.stringify(errorBody(shape, err)));
}

/** How long a connection answered mid-body keeps reading (and discarding) before it is closed. */
export const LINGER_MS = 2000;

/**
 * A lingering close (as nginx and Apache do it): after an answer sent before the request's body
 * was read, Node closes the socket at once, and a client still writing its body gets a reset
 * (EPIPE/ECONNRESET) that can hide the answer — `fetch` with a 40 MB body reports "fetch failed"
 * instead of the 413. So the write side is closed (the client sees the answer and the end), the
 * rest of the body is read and thrown away, and the socket is destroyed when the client closes or
 * after {@link LINGER_MS}, whichever is first: a trickling client still loses its socket in
 * seconds.
 */
function lingerOnClose(res: ServerResponse): void {
  const socket = res.socket;
  if (!socket) return;
  socket.destroySoon = function lingeringClose(this: Socket): void {
    if (this.writable) this.end();
    const timer = setTimeout(() => this.destroy(), LINGER_MS);
    timer.unref();
    this.once('close', () => clearTimeout(timer));
    this.once('end', () => this.destroy());
    // Node's parser dumps the rest of the request; make sure the socket keeps flowing.
    this.resume();
  };
}
