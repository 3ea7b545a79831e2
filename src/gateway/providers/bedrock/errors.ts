/**
 * Bedrock errors as clients expect them. The AWS SDK throws one exception class per Bedrock error
 * (`ThrottlingException`, `ValidationException`, …) for error statuses, and throws the same kinds
 * while iterating a stream when an exception frame (`:message-type: exception`) arrives. The
 * Anthropic route answers them in Anthropic's shape and a fitting status (SPEC §4, issue 4); the
 * Bedrock-native route answers them as Bedrock would (`{"message"}` + `x-amzn-errortype`).
 */
import type { BedrockRuntimeServiceException } from '@aws-sdk/client-bedrock-runtime';
import { bedrockRuntime } from './sdk.js';

/** An Anthropic error status + `error.type` for one Bedrock exception. */
export interface AnthropicErrorMapping {
  status: number;
  type: string;
}

/**
 * Bedrock exception → Anthropic status and type. Statuses follow what Anthropic clients retry on:
 * throttling 429, not-ready / unavailable 503 (Bedrock sends 429 for ModelNotReady, but it is a
 * capacity state, not the caller's rate), model timeout 504 (as Anthropic's `timeout_error`).
 */
const ANTHROPIC_MAPPING: Record<string, AnthropicErrorMapping> = {
  ThrottlingException: { status: 429, type: 'rate_limit_error' },
  ServiceQuotaExceededException: { status: 429, type: 'rate_limit_error' },
  ValidationException: { status: 400, type: 'invalid_request_error' },
  AccessDeniedException: { status: 403, type: 'permission_error' },
  ResourceNotFoundException: { status: 404, type: 'not_found_error' },
  ModelNotReadyException: { status: 503, type: 'overloaded_error' },
  ServiceUnavailableException: { status: 503, type: 'overloaded_error' },
  ModelTimeoutException: { status: 504, type: 'timeout_error' },
  ModelErrorException: { status: 500, type: 'api_error' },
  ModelStreamErrorException: { status: 500, type: 'api_error' },
  InternalServerException: { status: 500, type: 'api_error' },
};

/** The HTTP status Bedrock itself uses per exception (for frames that carry none). */
const BEDROCK_STATUS: Record<string, number> = {
  ThrottlingException: 429,
  ServiceQuotaExceededException: 400,
  ValidationException: 400,
  AccessDeniedException: 403,
  ResourceNotFoundException: 404,
  ModelNotReadyException: 429,
  ServiceUnavailableException: 503,
  ModelTimeoutException: 408,
  ModelErrorException: 424,
  ModelStreamErrorException: 424,
  InternalServerException: 500,
};

/** Anthropic error type for a status when the exception is not one we know. */
function anthropicTypeForStatus(status: number): string {
  if (status === 400) return 'invalid_request_error';
  if (status === 401) return 'authentication_error';
  if (status === 403) return 'permission_error';
  if (status === 404) return 'not_found_error';
  if (status === 413) return 'request_too_large';
  if (status === 429) return 'rate_limit_error';
  if (status === 503 || status === 529) return 'overloaded_error';
  if (status === 504) return 'timeout_error';
  return 'api_error';
}

/** One Bedrock error, from an error status or an exception frame. */
export interface BedrockErrorInfo {
  /** PascalCase exception name, e.g. `ThrottlingException`. */
  name: string;
  message: string;
  /** Status Bedrock answered with (or would have, for a frame). */
  bedrockStatus: number;
  /** `x-amzn-requestid`, when the SDK saw one. */
  requestId: string | undefined;
  /** True when the gateway describes the failure itself (a broken connection), not Bedrock. */
  local?: boolean;
}

/** The message clients see: Bedrock's exception name and message, or the gateway's own words. */
export function errorText(info: Pick<BedrockErrorInfo, 'name' | 'message' | 'local'>): string {
  return info.local ? info.message : `${info.name}: ${info.message}`;
}

/** `throttlingException` (frame header) or `ThrottlingException:http://…` (header) → `ThrottlingException`. */
export function normalizeExceptionName(raw: string): string {
  const name = raw.split(':')[0]?.split('#').pop()?.trim() ?? '';
  return name === '' ? 'InternalServerException' : name.charAt(0).toUpperCase() + name.slice(1);
}

/** The camelCase member name an exception frame carries in `:exception-type`. */
export function exceptionFrameType(name: string): string {
  return name.charAt(0).toLowerCase() + name.slice(1);
}

/** True for errors Bedrock answered (an error status or exception frame the SDK modeled or not). */
export function isBedrockServiceError(err: unknown): err is BedrockRuntimeServiceException {
  return err instanceof bedrockRuntime().BedrockRuntimeServiceException;
}

interface ErrorLike {
  name?: unknown;
  message?: unknown;
  $metadata?: { httpStatusCode?: unknown; requestId?: unknown };
}

/** Reads name, message, status and request id from an SDK exception. */
export function describeBedrockError(err: unknown): BedrockErrorInfo {
  const e = (typeof err === 'object' && err !== null ? err : {}) as ErrorLike;
  const name = normalizeExceptionName(typeof e.name === 'string' ? e.name : '');
  const rawMessage = typeof e.message === 'string' ? e.message : '';
  // The SDK puts "UnknownError" (or the name) in `message` when the body had none.
  const message = rawMessage === '' || rawMessage === 'UnknownError' ? name : rawMessage;
  const sdkStatus = typeof e.$metadata?.httpStatusCode === 'number' ? e.$metadata.httpStatusCode : undefined;
  const bedrockStatus = sdkStatus ?? BEDROCK_STATUS[name] ?? 500;
  const requestId = typeof e.$metadata?.requestId === 'string' ? e.$metadata.requestId : undefined;
  return { name, message, bedrockStatus, requestId };
}

/** Anthropic status and error type for a Bedrock error. */
export function anthropicMappingFor(info: Pick<BedrockErrorInfo, 'name' | 'bedrockStatus'>): AnthropicErrorMapping {
  const known = ANTHROPIC_MAPPING[info.name];
  if (known) return known;
  const status = info.bedrockStatus >= 400 && info.bedrockStatus < 600 ? info.bedrockStatus : 500;
  return { status, type: anthropicTypeForStatus(status) };
}

/** `{"type":"error","error":{"type":…,"message":…}}` for a Bedrock error. */
export function anthropicErrorBody(info: BedrockErrorInfo): { type: 'error'; error: { type: string; message: string } } {
  return { type: 'error', error: { type: anthropicMappingFor(info).type, message: errorText(info) } };
}

/** The `x-amzn-errortype` value Bedrock sends for an exception. */
export function amznErrorType(name: string): string {
  return `${name}:http://internal.amazon.com/coral/com.amazon.bedrock/`;
}

/** True when `err` is the SDK / fetch abort (the call's signal fired). */
export function isAbortError(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { name?: unknown }).name === 'AbortError';
}

/**
 * True for the HTTP handler's socket inactivity timeout. The SDK also names a reset connection
 * `TimeoutError` (with `code: ECONNRESET`), which is an unreachable upstream, not a timeout.
 */
export function isIdleTimeout(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const e = err as { name?: unknown; code?: unknown; message?: unknown };
  return e.name === 'TimeoutError' && e.code === undefined && typeof e.message === 'string' && /timed out/.test(e.message);
}
