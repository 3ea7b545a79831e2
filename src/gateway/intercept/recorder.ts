/**
 * Turns what the pipeline saw (request facts + the reducer's outcome) into the SPEC §6 record.
 * Pure: no I/O; the pipeline hands the result to the store and the log.
 */
import { randomUUID } from 'node:crypto';
import type { ApiOutcome, RequestFacts } from '../providers/codec.js';
import type { Api, EndStatus, Initiator, Interception, ProviderKind } from '../../record/types.js';
import { isoTime } from '../../record/iso-time.js';

export interface StartFacts {
  initiator: Initiator;
  provider: ProviderKind;
  providerName: string;
  api: Api;
  facts: RequestFacts;
  client: string;
  clientSessionId: string | null;
  userAgent: string | null;
  startedAt: number;
  /** The prompt in `facts` was capped already (max_stored_field): its row is marked truncated. */
  promptTruncated?: boolean;
}

/**
 * The in-flight record written when a call starts. It already carries the prompt (its response id
 * is not known yet): the dashboard's running row shows it, and a call cut off by a crash keeps it.
 */
export function startRecord(s: StartFacts): Interception {
  const id = randomUUID();
  const startedAt = isoTime(s.startedAt);
  return {
    id,
    initiator: s.initiator,
    provider: s.provider,
    provider_name: s.providerName,
    model: s.facts.model,
    api: s.api,
    streaming: s.facts.streaming,
    client: s.client,
    client_session_id: s.clientSessionId,
    user_agent: s.userAgent,
    started_at: startedAt,
    ended_at: null,
    status: 'in_flight',
    http_status: null,
    error: null,
    metadata: {},
    token_usages: [],
    user_prompts:
      s.facts.prompt === null
        ? []
        : [{ id: randomUUID(), interception_id: id, provider_response_id: '', prompt: s.facts.prompt, metadata: s.promptTruncated ? { truncated: true } : {}, created_at: startedAt }],
    tool_usages: [],
    model_thoughts: [],
  };
}

export interface EndFacts {
  status: EndStatus;
  httpStatus: number | null;
  error: string | null;
  endedAt: number;
  prompt: string | null;
  /** See {@link StartFacts.promptTruncated}. */
  promptTruncated?: boolean;
  outcome: ApiOutcome | null;
  /** The model actually used, when the adapter replaced the client's. */
  model?: string;
  /** Added to the record's metadata (e.g. `response_not_parsed`). */
  metadata?: Record<string, unknown>;
}

/** The finished record: whole, with every part (SPEC §6). */
export function endRecord(rec: Interception, e: EndFacts): Interception & { status: EndStatus } {
  const id = rec.id;
  const ended = isoTime(e.endedAt);
  const responses = e.outcome?.responses ?? [];
  const firstResponseId = responses[0]?.provider_response_id ?? '';
  const model = e.model ?? rec.model;
  // SPEC §10 2026-12-04: `model` is what the client asked for (Bedrock: the mapped id); the model
  // the upstream answered with (a dated id, a Bedrock-side name) is kept when it differs.
  const answered = responses.find((r) => r.model !== undefined && r.model !== '')?.model;
  // Field by field (no spread): this runs once per call on the hot path. Key order = SPEC §6 order.
  const out: Interception & { status: EndStatus } = {
    id,
    initiator: rec.initiator,
    provider: rec.provider,
    provider_name: rec.provider_name,
    model,
    api: rec.api,
    streaming: rec.streaming,
    client: rec.client,
    client_session_id: rec.client_session_id,
    user_agent: rec.user_agent,
    started_at: rec.started_at,
    ended_at: ended,
    status: e.status,
    http_status: e.httpStatus,
    error: e.error,
    metadata:
      (answered !== undefined && answered !== model) || e.metadata
        ? { ...rec.metadata, ...(answered !== undefined && answered !== model ? { response_model: answered } : {}), ...e.metadata }
        : rec.metadata,
    token_usages: [],
    user_prompts: [],
    tool_usages: [],
    model_thoughts: [],
  };
  if (e.prompt !== null) {
    out.user_prompts.push({
      // The row begun with the call keeps its id.
      id: rec.user_prompts[0]?.id ?? randomUUID(),
      interception_id: id,
      provider_response_id: firstResponseId,
      prompt: e.prompt,
      metadata: e.promptTruncated ? { truncated: true } : {},
      created_at: rec.started_at,
    });
  }
  for (const r of responses) {
    if (r.usage) {
      out.token_usages.push({
        id: randomUUID(),
        interception_id: id,
        provider_response_id: r.provider_response_id,
        input_tokens: r.usage.input_tokens,
        output_tokens: r.usage.output_tokens,
        cache_read_input_tokens: r.usage.cache_read_input_tokens,
        cache_write_input_tokens: r.usage.cache_write_input_tokens,
        metadata: r.usage.metadata,
        created_at: ended,
      });
    }
    for (const t of r.tool_calls) {
      out.tool_usages.push({
        id: randomUUID(),
        interception_id: id,
        provider_response_id: r.provider_response_id,
        tool_call_id: t.tool_call_id,
        tool: t.tool,
        input: t.input,
        server_url: null,
        injected: false,
        invocation_error: null,
        metadata: {},
        created_at: ended,
      });
    }
    for (const t of r.thoughts) {
      out.model_thoughts.push({ id: randomUUID(), interception_id: id, content: t.content, metadata: { source: t.source }, created_at: ended });
    }
  }
  return out;
}

/** A short, readable error text from an upstream error body (either provider's shape, or text). */
export function upstreamErrorText(status: number, body: string): string {
  let message = body.trim().slice(0, 2000);
  try {
    const j: unknown = JSON.parse(body);
    if (typeof j === 'object' && j !== null) {
      const o = j as { error?: { message?: unknown; type?: unknown } | string; message?: unknown };
      if (typeof o.error === 'object' && o.error && typeof o.error.message === 'string') message = o.error.message;
      else if (typeof o.error === 'string') message = o.error;
      else if (typeof o.message === 'string') message = o.message;
    }
  } catch {
    // not JSON: keep the text
  }
  return `upstream answered ${status}${message ? `: ${message}` : ''}`;
}
