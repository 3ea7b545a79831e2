/**
 * OpenAI usage → one token-usage row (SPEC §6): cached prompt tokens are reported inside the
 * prompt/input count, so `input_tokens = prompt − cached`, `cache_read = cached`, no cache writes;
 * reasoning tokens go to `metadata.reasoning_tokens` when the upstream reports them.
 */
import type { ApiUsage } from '../codec.js';
import { asNumber, isObject } from '../wire-json.js';

/**
 * Reads a Chat Completions `usage` (`prompt_tokens`, `completion_tokens`, `*_tokens_details`) or a
 * Responses `usage` (`input_tokens`, `output_tokens`, `*_tokens_details`); null when not an object.
 */
export function openaiUsage(raw: unknown): ApiUsage | null {
  if (!isObject(raw)) return null;
  const input = asNumber(raw.prompt_tokens) ?? asNumber(raw.input_tokens) ?? 0;
  const output = asNumber(raw.completion_tokens) ?? asNumber(raw.output_tokens) ?? 0;
  const inDetails = isObject(raw.prompt_tokens_details) ? raw.prompt_tokens_details : isObject(raw.input_tokens_details) ? raw.input_tokens_details : {};
  const outDetails = isObject(raw.completion_tokens_details)
    ? raw.completion_tokens_details
    : isObject(raw.output_tokens_details)
      ? raw.output_tokens_details
      : {};
  const cached = asNumber(inDetails.cached_tokens) ?? 0;
  const reasoning = asNumber(outDetails.reasoning_tokens);
  return {
    input_tokens: Math.max(0, input - cached),
    output_tokens: output,
    cache_read_input_tokens: cached,
    cache_write_input_tokens: 0,
    metadata: reasoning === undefined ? {} : { reasoning_tokens: reasoning },
  };
}

/** Error text of an OpenAI error object: `{"error":{"message",…}}` or a bare `{message,…}`. */
export function openaiErrorText(raw: unknown): string {
  const err = isObject(raw) && isObject(raw.error) ? raw.error : raw;
  if (!isObject(err)) return typeof err === 'string' && err !== '' ? err : 'upstream reported an error';
  const message = err.message;
  if (typeof message === 'string' && message !== '') return message;
  const code = err.code ?? err.type;
  return typeof code === 'string' && code !== '' ? code : 'upstream reported an error';
}
