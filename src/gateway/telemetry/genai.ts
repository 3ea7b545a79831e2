/**
 * A finished record as OpenTelemetry GenAI data (SPEC §14): the span's name, times, attributes and
 * events, and the metric points. Pure: no SDK objects, so it is tested on its own and the exporter
 * (./otlp.ts) only copies what this returns.
 *
 * Names come from `@opentelemetry/semantic-conventions` where the package has them (the GenAI ones
 * copied into ./semconv.ts, checked against the package by a test). The GenAI conventions are
 * still "Development" status (the package's `incubating` entry point, pinned to an exact version
 * for that reason): `gen_ai.provider.name` replaced `gen_ai.system` in 2025, the
 * content attributes (`gen_ai.input.messages` / `gen_ai.output.messages`) replaced `gen_ai.prompt`
 * span events, and there is no constant for the tool-call span event, so `gen_ai.tool.call` is
 * spelled here (SPEC §14's name).
 */
import type { Attributes } from '@opentelemetry/api';
import { ATTR_ERROR_TYPE } from '@opentelemetry/semantic-conventions';
import {
  ATTR_GEN_AI_CONVERSATION_ID,
  ATTR_GEN_AI_INPUT_MESSAGES,
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_OUTPUT_MESSAGES,
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_REQUEST_STREAM,
  ATTR_GEN_AI_RESPONSE_ID,
  ATTR_GEN_AI_RESPONSE_MODEL,
  ATTR_GEN_AI_TOKEN_TYPE,
  ATTR_GEN_AI_TOOL_CALL_ARGUMENTS,
  ATTR_GEN_AI_TOOL_CALL_ID,
  ATTR_GEN_AI_TOOL_NAME,
  ATTR_GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_OUTPUT_TOKENS,
  ATTR_GEN_AI_USAGE_REASONING_OUTPUT_TOKENS,
  GEN_AI_OPERATION_NAME_VALUE_CHAT,
  GEN_AI_PROVIDER_NAME_VALUE_ANTHROPIC,
  GEN_AI_PROVIDER_NAME_VALUE_AWS_BEDROCK,
  GEN_AI_PROVIDER_NAME_VALUE_OPENAI,
  GEN_AI_TOKEN_TYPE_VALUE_INPUT,
  GEN_AI_TOKEN_TYPE_VALUE_OUTPUT,
} from './semconv.js';
import type { FinishedRecord } from '../../record/fanout.js';
import type { Metadata, ProviderKind } from '../../record/types.js';
import { isoMs } from '../../record/iso-time.js';

/** The span event for one tool call (no semantic-conventions constant yet). */
export const EVENT_GEN_AI_TOOL_CALL = 'gen_ai.tool.call';

const PROVIDER_NAME: Record<ProviderKind, string> = {
  anthropic: GEN_AI_PROVIDER_NAME_VALUE_ANTHROPIC,
  openai: GEN_AI_PROVIDER_NAME_VALUE_OPENAI,
  bedrock: GEN_AI_PROVIDER_NAME_VALUE_AWS_BEDROCK,
};

/**
 * The part of a finished record the mapping reads: what crosses to the export thread
 * (./otlp-thread.ts `telemetryRecord`), so that only this is cloned, not the whole record.
 * A {@link FinishedRecord} is one.
 */
export interface TelemetryRecord {
  id: string;
  initiator: { id: string; name: string };
  provider: ProviderKind;
  model: string;
  api: string;
  streaming: boolean;
  client: string;
  client_session_id: string | null;
  started_at: string;
  ended_at: string | null;
  status: FinishedRecord['status'];
  http_status: number | null;
  error: string | null;
  /** `response_model` is read. */
  metadata: Metadata;
  /** `metadata.reasoning_tokens` is read. */
  token_usages: readonly Pick<FinishedRecord['token_usages'][number], 'provider_response_id' | 'input_tokens' | 'output_tokens' | 'cache_read_input_tokens' | 'cache_write_input_tokens' | 'metadata'>[];
  /** Read only with `content`. */
  user_prompts: readonly { prompt: string }[];
  /** Read only with `content`. */
  model_thoughts: readonly { content: string }[];
  /** `input` is read only with `content`. */
  tool_usages: readonly { tool: string; tool_call_id: string; input: unknown; created_at: string }[];
}

/** One span event. */
export interface SpanEventPlan {
  name: string;
  timeMs: number;
  attributes: Attributes;
}

/** Everything the exporter needs to make one span. */
export interface SpanPlan {
  /** `chat {model}`. */
  name: string;
  startMs: number;
  endMs: number;
  attributes: Attributes;
  events: SpanEventPlan[];
  /** Set for failed calls: the span's status is ERROR with this message. */
  errorMessage: string | null;
}

/** What goes to the metric instruments for one record. */
export interface MetricPlan {
  /** Attributes shared by both instruments (`error.type` only on the duration). */
  attributes: Attributes;
  durationS: number | null;
  /** Input as the convention counts it: cache reads and writes included. */
  inputTokens: number;
  outputTokens: number;
  /** Whether the record had any token row (a call that never got an answer has none). */
  hasTokens: boolean;
  errorType: string | null;
  costUsd: number | null;
}

/** Options for {@link spanPlan}. */
export interface PlanOptions {
  /** `otlp_content`: prompts, thoughts and tool arguments on the span. */
  content: boolean;
  /** The record's price when known (SPEC §11); null or absent = not priced. */
  costUsd?: number | null;
}

const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : 0);
const ms = (iso: string | null, fallback: number): number => {
  const t = iso ? isoMs(iso) : NaN;
  return Number.isFinite(t) ? t : fallback;
};

/** Token sums the GenAI way: `input_tokens` includes cache reads and writes. */
function tokenSums(rec: TelemetryRecord) {
  let input = 0;
  let output = 0;
  let cacheRead = 0;
  let cacheWrite = 0;
  let reasoning = 0;
  let reasoningSeen = false;
  for (const u of rec.token_usages) {
    input += num(u.input_tokens);
    output += num(u.output_tokens);
    cacheRead += num(u.cache_read_input_tokens);
    cacheWrite += num(u.cache_write_input_tokens);
    const r = u.metadata?.['reasoning_tokens'];
    if (typeof r === 'number') {
      reasoningSeen = true;
      reasoning += num(r);
    }
  }
  return { input: input + cacheRead + cacheWrite, output, cacheRead, cacheWrite, reasoning, reasoningSeen };
}

/**
 * `error.type` for a failed call: the HTTP status the client got when it is an error status (as
 * the HTTP conventions do), else `_OTHER` (a 200 whose body broke, a malformed stream). Null for
 * every other end status.
 */
export function errorType(rec: TelemetryRecord): string | null {
  if (rec.status !== 'failed') return null;
  return rec.http_status !== null && rec.http_status >= 400 ? String(rec.http_status) : '_OTHER';
}

function responseModel(rec: TelemetryRecord): string {
  const m = rec.metadata?.['response_model'];
  return typeof m === 'string' && m !== '' ? m : rec.model;
}

/** The attributes both the span and the metrics carry (spanPlan writes the same four out). */
function commonAttributes(rec: TelemetryRecord): Attributes {
  return {
    [ATTR_GEN_AI_OPERATION_NAME]: GEN_AI_OPERATION_NAME_VALUE_CHAT,
    [ATTR_GEN_AI_PROVIDER_NAME]: PROVIDER_NAME[rec.provider] ?? rec.provider,
    [ATTR_GEN_AI_REQUEST_MODEL]: rec.model,
    [ATTR_GEN_AI_RESPONSE_MODEL]: responseModel(rec),
  };
}

/** The span for one finished record. */
export function spanPlan(rec: TelemetryRecord, opts: PlanOptions): SpanPlan {
  const startMs = ms(rec.started_at, Date.now());
  const endMs = Math.max(startMs, ms(rec.ended_at, startMs));
  const t = tokenSums(rec);
  // Written out, not `...commonAttributes(rec)`: a spread followed by new keys takes V8's slow
  // path (~30 µs a span on Node 20, 10 % of a recorded call's CPU in the issue #20 profile).
  const attributes: Attributes = {
    [ATTR_GEN_AI_OPERATION_NAME]: GEN_AI_OPERATION_NAME_VALUE_CHAT,
    [ATTR_GEN_AI_PROVIDER_NAME]: PROVIDER_NAME[rec.provider] ?? rec.provider,
    [ATTR_GEN_AI_REQUEST_MODEL]: rec.model,
    [ATTR_GEN_AI_RESPONSE_MODEL]: responseModel(rec),
    [ATTR_GEN_AI_REQUEST_STREAM]: rec.streaming,
    'aibridge.interception_id': rec.id,
    'aibridge.initiator': rec.initiator.name,
    'aibridge.initiator_id': rec.initiator.id,
    'aibridge.client': rec.client,
    'aibridge.api': rec.api,
    'aibridge.status': rec.status,
  };
  const responseId = rec.token_usages.find((u) => u.provider_response_id)?.provider_response_id;
  if (responseId) attributes[ATTR_GEN_AI_RESPONSE_ID] = responseId;
  if (rec.token_usages.length > 0) {
    attributes[ATTR_GEN_AI_USAGE_INPUT_TOKENS] = t.input;
    attributes[ATTR_GEN_AI_USAGE_OUTPUT_TOKENS] = t.output;
    attributes[ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS] = t.cacheRead;
    attributes[ATTR_GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS] = t.cacheWrite;
    if (t.reasoningSeen) attributes[ATTR_GEN_AI_USAGE_REASONING_OUTPUT_TOKENS] = t.reasoning;
  }
  if (rec.client_session_id) attributes[ATTR_GEN_AI_CONVERSATION_ID] = rec.client_session_id;
  if (rec.http_status !== null) attributes['http.response.status_code'] = rec.http_status;
  const et = errorType(rec);
  if (et !== null) attributes[ATTR_ERROR_TYPE] = et;
  if (typeof opts.costUsd === 'number' && Number.isFinite(opts.costUsd)) attributes['aibridge.cost_usd'] = opts.costUsd;

  if (opts.content) {
    if (rec.user_prompts.length > 0) {
      attributes[ATTR_GEN_AI_INPUT_MESSAGES] = JSON.stringify(
        rec.user_prompts.map((p) => ({ role: 'user', parts: [{ type: 'text', content: p.prompt }] })),
      );
    }
    if (rec.model_thoughts.length > 0) {
      attributes[ATTR_GEN_AI_OUTPUT_MESSAGES] = JSON.stringify([
        { role: 'assistant', parts: rec.model_thoughts.map((m) => ({ type: 'reasoning', content: m.content })) },
      ]);
    }
  }

  const events: SpanEventPlan[] = rec.tool_usages.map((u) => {
    const a: Attributes = { [ATTR_GEN_AI_TOOL_NAME]: u.tool, [ATTR_GEN_AI_TOOL_CALL_ID]: u.tool_call_id };
    if (opts.content) a[ATTR_GEN_AI_TOOL_CALL_ARGUMENTS] = typeof u.input === 'string' ? u.input : JSON.stringify(u.input ?? null);
    return { name: EVENT_GEN_AI_TOOL_CALL, timeMs: Math.min(endMs, Math.max(startMs, ms(u.created_at, endMs))), attributes: a };
  });

  return {
    name: `${GEN_AI_OPERATION_NAME_VALUE_CHAT} ${rec.model}`,
    startMs,
    endMs,
    attributes,
    events,
    errorMessage: rec.status === 'failed' ? (rec.error ?? `failed with HTTP ${rec.http_status ?? 'no status'}`) : null,
  };
}

/** The metric points for one finished record. */
export function metricPlan(rec: TelemetryRecord, costUsd?: number | null): MetricPlan {
  const t = tokenSums(rec);
  const start = isoMs(rec.started_at);
  const end = isoMs(rec.ended_at ?? '');
  const secs = (end - start) / 1000;
  return {
    attributes: commonAttributes(rec),
    durationS: Number.isFinite(secs) && secs >= 0 ? secs : null,
    inputTokens: t.input,
    outputTokens: t.output,
    hasTokens: rec.token_usages.length > 0,
    errorType: errorType(rec),
    costUsd: typeof costUsd === 'number' && Number.isFinite(costUsd) ? costUsd : null,
  };
}

/** `gen_ai.token.type` values. */
export const TOKEN_TYPE = { input: GEN_AI_TOKEN_TYPE_VALUE_INPUT, output: GEN_AI_TOKEN_TYPE_VALUE_OUTPUT } as const;
export { ATTR_GEN_AI_TOKEN_TYPE, ATTR_ERROR_TYPE };
