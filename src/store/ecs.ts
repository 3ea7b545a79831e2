/**
 * Elastic Common Schema mapping of the structured interception lines (SPEC §7, `--format ecs`).
 *
 * Each SPEC §7 line becomes one ECS document. Every document also carries the interception's
 * identity (user, provider, model, client) so a SIEM can filter any event without a join.
 * `gen_ai.*` names follow the OpenTelemetry GenAI semantic conventions. Every field emitted here
 * is listed in docs/logging.md; test/unit/store/export.test.ts checks output against that list.
 */
import type { Interception } from '../record/types.js';
import { interceptionLogLines, type InterceptionLogLine } from '../record/log-lines.js';

/** ECS version the documents declare in `ecs.version`. */
export const ECS_VERSION = '8.17.0';
/** `event.dataset` of every document. */
export const ECS_DATASET = 'aibridge.interception';

/** OpenTelemetry `gen_ai.provider.name` / `gen_ai.system` value for each provider kind. */
export const GEN_AI_SYSTEM: Readonly<Record<string, string>> = {
  anthropic: 'anthropic',
  openai: 'openai',
  bedrock: 'aws.bedrock',
};

type Json = string | number | boolean | null | Json[] | { [k: string]: Json };
/** One ECS document (nested objects, as Elasticsearch and Filebeat expect them). */
export type EcsDocument = { [k: string]: Json };

/** ECS `event.outcome` for an end status. */
function outcome(status: string): 'success' | 'failure' | 'unknown' {
  if (status === 'completed') return 'success';
  if (status === 'failed') return 'failure';
  return 'unknown';
}

/** Record values came from JSON (the store) or become JSON (the log): typed as such, not copied. */
function asJson(v: unknown): Json {
  return v === undefined ? null : (v as Json);
}

/**
 * Maps one SPEC §7 line of `rec` to an ECS document. `rec` supplies the interception-wide fields
 * (user, provider, model) that the per-part lines do not repeat.
 */
export function toEcs(line: InterceptionLogLine, rec: Interception): EcsDocument {
  const eventType = line.record_type === 'interception_start' ? 'start'
    : line.record_type === 'interception_end' ? 'end' : 'info';
  const system = GEN_AI_SYSTEM[rec.provider] ?? rec.provider;
  const event: { [k: string]: Json } = {
    kind: 'event',
    category: ['api'],
    type: [eventType],
    action: line.record_type,
    dataset: ECS_DATASET,
    module: 'aibridge',
  };
  const genAi: { [k: string]: Json } = {
    system,
    provider: { name: system },
    operation: { name: 'chat' },
    request: { model: rec.model },
  };
  const aibridge: { [k: string]: Json } = {
    record_type: line.record_type,
    interception_id: rec.id,
    provider: rec.provider,
    provider_name: rec.provider_name,
    api: rec.api,
    streaming: rec.streaming,
    client: rec.client,
    client_session_id: rec.client_session_id ?? null,
  };
  const doc: EcsDocument = {
    '@timestamp': line.time,
    message: line.msg,
    ecs: { version: ECS_VERSION },
    event,
    service: { name: 'aibridge' },
    user: { id: rec.initiator.id, name: rec.initiator.name },
  };
  if (rec.user_agent) doc.user_agent = { original: rec.user_agent };
  if (rec.client_session_id) genAi.conversation = { id: rec.client_session_id };

  switch (line.record_type) {
    case 'interception_start':
      event.start = line.started_at;
      aibridge.metadata = asJson(line.metadata);
      break;
    case 'interception_end': {
      event.end = line.ended_at;
      event.start = rec.started_at;
      event.outcome = outcome(line.status);
      const ns = (Date.parse(line.ended_at) - Date.parse(rec.started_at)) * 1e6;
      if (Number.isFinite(ns)) event.duration = Math.max(0, ns);
      aibridge.status = line.status;
      if (line.http_status !== null) doc.http = { response: { status_code: line.http_status } };
      if (line.error !== null) doc.error = { message: line.error };
      aibridge.cost_usd = line.cost_usd;
      break;
    }
    case 'prompt_usage':
      genAi.response = { id: line.msg_id };
      aibridge.prompt = line.prompt;
      aibridge.metadata = asJson(line.metadata);
      break;
    case 'token_usage': {
      genAi.response = { id: line.msg_id };
      // OTel: input_tokens SHOULD include cached tokens; ours (SPEC §6) exclude them.
      genAi.usage = {
        input_tokens: line.input_tokens + line.cache_read_input_tokens + line.cache_write_input_tokens,
        output_tokens: line.output_tokens,
        cache_read: { input_tokens: line.cache_read_input_tokens },
        cache_creation: { input_tokens: line.cache_write_input_tokens },
      };
      const usage: { [k: string]: Json } = {
        input_tokens: line.input_tokens,
        output_tokens: line.output_tokens,
        cache_read_input_tokens: line.cache_read_input_tokens,
        cache_write_input_tokens: line.cache_write_input_tokens,
      };
      const reasoning = line.metadata['reasoning_tokens'];
      if (typeof reasoning === 'number') usage.reasoning_tokens = reasoning;
      aibridge.usage = usage;
      aibridge.metadata = asJson(line.metadata);
      break;
    }
    case 'tool_usage':
      genAi.response = { id: line.msg_id };
      genAi.tool = { name: line.tool, call: { id: line.tool_call_id } };
      // A string keeps one mapping type whatever shape the arguments had (object or raw text).
      aibridge.tool = {
        input: typeof line.input === 'string' ? line.input : JSON.stringify(line.input) ?? 'null',
        server_url: line.server_url,
        injected: line.injected,
        invocation_error: line.invocation_error,
      };
      aibridge.metadata = asJson(line.metadata);
      break;
    case 'model_thought':
      aibridge.thought = { content: line.content };
      aibridge.metadata = asJson(line.metadata);
      break;
  }
  doc.gen_ai = genAi;
  doc.aibridge = aibridge;
  return doc;
}

/** All ECS documents of a record, in SPEC §7 line order. */
export function ecsDocuments(rec: Interception): EcsDocument[] {
  return interceptionLogLines(rec).map((l) => toEcs(l, rec));
}

/**
 * Flattens a document into dotted ECS field names (`event.kind`). Objects listed in `leaves`
 * (free-form fields such as `aibridge.metadata`) count as one field.
 */
export function ecsFieldNames(doc: EcsDocument, leaves: ReadonlySet<string>): string[] {
  const names: string[] = [];
  const walk = (v: Json, path: string): void => {
    if (v !== null && typeof v === 'object' && !Array.isArray(v) && !leaves.has(path)) {
      for (const [k, child] of Object.entries(v)) walk(child, path ? `${path}.${k}` : k);
    } else {
      names.push(path);
    }
  };
  walk(doc, '');
  return names;
}
