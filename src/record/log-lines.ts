/**
 * The structured log lines of one interception (SPEC §7), built from the record alone.
 *
 * Line identity: the live log (src/gateway/log.ts, written when a record finishes) and
 * `aibridge export --format jsonl` (src/store/export.ts) both write a record's lines with
 * `chainedInterceptionLines` (src/record/log-texts.ts: these lines from templates, or these
 * objects when a value needs the general path; the same bytes either way), so they produce
 * byte-identical lines.
 * That is why nothing here depends on the writing process: `time` is the part's own timestamp
 * (started_at / created_at / ended_at), and pino's `pid` / `hostname` are left out. `level` is
 * kept (always `"info"`) so every line of the JSON log file has the same leading shape.
 */
import type { Interception, Metadata } from './types.js';
import { recordCost, type PriceLookup } from './cost.js';

/** The `msg` every interception line carries. */
export const INTERCEPTION_LOG_MSG = 'interception log';

/** The `record_type` of a structured line (SPEC §7). */
export type RecordType =
  | 'interception_start'
  | 'prompt_usage'
  | 'token_usage'
  | 'tool_usage'
  | 'model_thought'
  | 'interception_end';

interface LineHead {
  level: 'info';
  /** ISO-8601 UTC, from the part's own timestamp. */
  time: string;
  msg: typeof INTERCEPTION_LOG_MSG;
  record_type: RecordType;
  interception_id: string;
}

/** `interception_start`: who, what, which client. */
export interface StartLine extends LineHead {
  record_type: 'interception_start';
  initiator_id: string;
  initiator_name: string;
  provider: string;
  provider_name: string;
  model: string;
  api: string;
  streaming: boolean;
  client: string;
  client_session_id: string | null;
  user_agent: string | null;
  started_at: string;
  metadata: Metadata;
}

/** `prompt_usage`: the user prompt sent. */
export interface PromptLine extends LineHead {
  record_type: 'prompt_usage';
  msg_id: string;
  prompt: string;
  created_at: string;
  metadata: Metadata;
}

/** `token_usage`: one row per upstream response. */
export interface TokenLine extends LineHead {
  record_type: 'token_usage';
  msg_id: string;
  input_tokens: number;
  output_tokens: number;
  cache_read_input_tokens: number;
  cache_write_input_tokens: number;
  created_at: string;
  metadata: Metadata;
}

/** `tool_usage`: one tool call the model made. */
export interface ToolLine extends LineHead {
  record_type: 'tool_usage';
  msg_id: string;
  tool_call_id: string;
  tool: string;
  input: unknown;
  server_url: string | null;
  injected: boolean;
  invocation_error: string | null;
  created_at: string;
  metadata: Metadata;
}

/** `model_thought`: one thinking block / reasoning summary. */
export interface ThoughtLine extends LineHead {
  record_type: 'model_thought';
  content: string;
  created_at: string;
  metadata: Metadata;
}

/** `interception_end`: how it ended. */
export interface EndLine extends LineHead {
  record_type: 'interception_end';
  ended_at: string;
  status: string;
  http_status: number | null;
  error: string | null;
  /** USD of the record's token rows at the current prices (SPEC §11); null when no price is known. */
  cost_usd: number | null;
}

/** Any structured interception log line. */
export type InterceptionLogLine = StartLine | PromptLine | TokenLine | ToolLine | ThoughtLine | EndLine;

/** Normalises an RFC 3339 timestamp to ISO-8601 UTC (`…Z`); leaves unparsable text as is. */
export function isoUtc(ts: string): string {
  // Fast path: what Date#toISOString wrote (every timestamp the gateway makes) is already it.
  if (ts.length === 24 && ts.charCodeAt(23) === 90 /* Z */ && ts.charCodeAt(10) === 84 /* T */) return ts;
  const ms = Date.parse(ts);
  return Number.isNaN(ms) ? ts : new Date(ms).toISOString();
}


/**
 * The SPEC §7 lines of a record, in order: interception_start, prompt_usage*, token_usage*,
 * tool_usage*, model_thought*, interception_end (the end line only once the record has ended).
 * Field names and order are fixed here; keys are never added conditionally. `prices` prices the
 * end line's `cost_usd` (null without it, or when the model has no price).
 */
export function interceptionLogLines(rec: Interception, prices?: PriceLookup): InterceptionLogLine[] {
  // Objects are written out field by field (no spread of a shared head): spreads made this the
  // hottest function of a recorded call (bench profile). Key order is the line's field order.
  const lines: InterceptionLogLine[] = [];
  lines.push({
    level: 'info', time: isoUtc(rec.started_at), msg: INTERCEPTION_LOG_MSG, record_type: 'interception_start', interception_id: rec.id,
    initiator_id: rec.initiator.id,
    initiator_name: rec.initiator.name,
    provider: rec.provider,
    provider_name: rec.provider_name,
    model: rec.model,
    api: rec.api,
    streaming: rec.streaming,
    client: rec.client,
    client_session_id: rec.client_session_id ?? null,
    user_agent: rec.user_agent ?? null,
    started_at: rec.started_at,
    metadata: rec.metadata ?? {},
  });
  for (const p of rec.user_prompts) {
    lines.push({
      level: 'info', time: isoUtc(p.created_at), msg: INTERCEPTION_LOG_MSG, record_type: 'prompt_usage', interception_id: rec.id,
      msg_id: p.provider_response_id,
      prompt: p.prompt,
      created_at: p.created_at,
      metadata: p.metadata ?? {},
    });
  }
  for (const t of rec.token_usages) {
    lines.push({
      level: 'info', time: isoUtc(t.created_at), msg: INTERCEPTION_LOG_MSG, record_type: 'token_usage', interception_id: rec.id,
      msg_id: t.provider_response_id,
      input_tokens: t.input_tokens,
      output_tokens: t.output_tokens,
      cache_read_input_tokens: t.cache_read_input_tokens,
      cache_write_input_tokens: t.cache_write_input_tokens,
      created_at: t.created_at,
      metadata: t.metadata ?? {},
    });
  }
  for (const t of rec.tool_usages) {
    lines.push({
      level: 'info', time: isoUtc(t.created_at), msg: INTERCEPTION_LOG_MSG, record_type: 'tool_usage', interception_id: rec.id,
      msg_id: t.provider_response_id,
      tool_call_id: t.tool_call_id,
      tool: t.tool,
      // `input` may legitimately be undefined in a hand-built record; JSON would drop the key.
      input: t.input === undefined ? null : t.input,
      server_url: t.server_url ?? null,
      injected: t.injected,
      invocation_error: t.invocation_error ?? null,
      created_at: t.created_at,
      metadata: t.metadata ?? {},
    });
  }
  for (const m of rec.model_thoughts) {
    lines.push({
      level: 'info', time: isoUtc(m.created_at), msg: INTERCEPTION_LOG_MSG, record_type: 'model_thought', interception_id: rec.id,
      content: m.content,
      created_at: m.created_at,
      metadata: m.metadata ?? {},
    });
  }
  if (rec.status !== 'in_flight') {
    const endedAt = rec.ended_at ?? rec.started_at;
    lines.push({
      level: 'info', time: isoUtc(endedAt), msg: INTERCEPTION_LOG_MSG, record_type: 'interception_end', interception_id: rec.id,
      ended_at: endedAt,
      status: rec.status,
      http_status: rec.http_status ?? null,
      error: rec.error ?? null,
      cost_usd: prices ? recordCost(rec, prices).usd : null,
    });
  }
  return lines;
}

/**
 * The one serializer for structured lines, used by the live log and by export: compact JSON plus
 * a newline. Values JSON cannot hold (undefined, functions) drop out the same way in both places.
 */
export function formatLogLine(line: object): string {
  return `${JSON.stringify(line)}\n`;
}

/** All lines of a record, serialized and concatenated (one write per record). */
export function formatInterceptionLines(rec: Interception, prices?: PriceLookup): string {
  let out = '';
  for (const l of interceptionLogLines(rec, prices)) out += formatLogLine(l);
  return out;
}
