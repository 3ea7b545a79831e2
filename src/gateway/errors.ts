/**
 * Errors the gateway makes itself: one base with a stable `code` and `status`, a subclass per
 * failure, written in the provider's error shape by src/gateway/middleware/errors.ts (SPEC §4).
 */

/** Which error shape a route speaks (Bedrock-native routes answer as Bedrock does). */
export type ErrorShape = 'anthropic' | 'openai' | 'bedrock';

export class GatewayError extends Error {
  /** Anthropic-style error type, e.g. `authentication_error`. */
  readonly anthropicType: string;
  /** OpenAI-style error type / code. */
  readonly openaiType: string;
  readonly headers: Record<string, string>;
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    opts: { anthropicType?: string; openaiType?: string; headers?: Record<string, string>; cause?: unknown } = {},
  ) {
    super(message, { cause: opts.cause });
    this.name = new.target.name;
    this.anthropicType = opts.anthropicType ?? 'api_error';
    this.openaiType = opts.openaiType ?? 'api_error';
    this.headers = opts.headers ?? {};
  }
}

export class AuthError extends GatewayError {
  constructor(message: string) {
    super(401, 'invalid_api_key', message, { anthropicType: 'authentication_error', openaiType: 'invalid_request_error' });
  }
}

export class BridgeDisabledError extends GatewayError {
  constructor() {
    super(503, 'bridge_disabled', 'AI Bridge is switched off. Enable it from the tray, the dashboard or `PUT /api/v1/bridge`.', {
      anthropicType: 'overloaded_error',
      openaiType: 'service_unavailable',
    });
  }
}

export class ProviderNotConfiguredError extends GatewayError {
  constructor(provider: string, setting: string) {
    super(503, 'provider_not_configured', `The ${provider} provider is not configured: set ${setting}.`, {
      anthropicType: 'api_error',
      openaiType: 'service_unavailable',
    });
  }
}

export class BadRequestError extends GatewayError {
  constructor(message: string, cause?: unknown) {
    super(400, 'invalid_request', message, { anthropicType: 'invalid_request_error', openaiType: 'invalid_request_error', cause });
  }
}

export class PayloadTooLargeError extends GatewayError {
  constructor(limit: number) {
    super(413, 'request_too_large', `Request body is larger than the limit of ${limit} bytes (--max-body-size).`, {
      anthropicType: 'request_too_large',
      openaiType: 'invalid_request_error',
    });
  }
}

export class NotFoundError extends GatewayError {
  constructor(message: string) {
    super(404, 'not_found', message, { anthropicType: 'not_found_error', openaiType: 'invalid_request_error' });
  }
}

export class ForbiddenHostError extends GatewayError {
  constructor(host: string) {
    super(403, 'forbidden_host', `Host header "${host}" is not allowed (DNS rebinding guard). Use 127.0.0.1 or localhost.`, {
      anthropicType: 'permission_error',
      openaiType: 'permission_error',
    });
  }
}

export class UpstreamUnreachableError extends GatewayError {
  constructor(provider: string, cause?: unknown) {
    super(502, 'upstream_unreachable', `Could not reach the ${provider} upstream: ${describeCause(cause)}`, {
      anthropicType: 'api_error',
      openaiType: 'api_error',
      cause,
    });
  }
}

export class UpstreamTimeoutError extends GatewayError {
  constructor(provider: string, ms: number) {
    super(504, 'upstream_timeout', `The ${provider} upstream did not answer within ${ms} ms.`, {
      anthropicType: 'timeout_error',
      openaiType: 'timeout',
    });
  }
}

export class CircuitOpenError extends GatewayError {
  constructor(key: string, retryAfterS: number) {
    super(503, 'circuit_open', `Upstream ${key} is failing; requests are paused for ${retryAfterS} s.`, {
      anthropicType: 'overloaded_error',
      openaiType: 'service_unavailable',
      headers: { 'retry-after': String(retryAfterS) },
    });
  }
}

export class TooManyRequestsError extends GatewayError {
  constructor(limit: number) {
    super(429, 'too_many_concurrent_requests', `More than ${limit} requests in flight (--max-concurrency); retry shortly.`, {
      anthropicType: 'rate_limit_error',
      openaiType: 'rate_limit_exceeded',
      headers: { 'retry-after': '1' },
    });
  }
}

function describeCause(cause: unknown): string {
  if (cause instanceof Error) {
    const code = (cause as { code?: string }).code;
    return code ? `${code} (${cause.message})` : cause.message;
  }
  return String(cause ?? 'unknown error');
}

/** The body a route returns for an error, in its provider's shape (SPEC §4). */
export function errorBody(shape: ErrorShape, err: GatewayError): unknown {
  if (shape === 'anthropic') return { type: 'error', error: { type: err.anthropicType, message: err.message } };
  if (shape === 'bedrock') return { message: err.message };
  return { error: { message: err.message, type: err.openaiType, code: err.code } };
}

/** Bedrock's `x-amzn-errortype` for a gateway error. */
export function bedrockErrorType(err: GatewayError): string {
  switch (err.status) {
    case 400:
    case 413:
      return 'ValidationException';
    case 401:
      return 'UnrecognizedClientException';
    case 403:
      return 'AccessDeniedException';
    case 404:
      return 'ResourceNotFoundException';
    case 429:
      return 'ThrottlingException';
    case 503:
      return 'ServiceUnavailableException';
    case 504:
      return 'ModelTimeoutException';
    default:
      return 'InternalServerException';
  }
}
