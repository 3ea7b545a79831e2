/**
 * OCSF mapping of an interception (SPEC §14, `aibridge export --format ocsf`, `GET /api/v1/export?format=ocsf`):
 * one OCSF 1.3.0 **API Activity** event (`class_uid` 6003, category 6 Application Activity) per
 * ended interception, for Amazon Security Lake and SIEMs that read OCSF. Every field is listed in
 * docs/ocsf.md next to its ECS counterpart; the tests check events against the published OCSF
 * 1.3.0 schema (test/fixtures/ocsf/, test/helpers/ocsf-validate.ts).
 *
 * What OCSF has no place for (token counts, the GenAI names, tool calls, content) goes under
 * `unmapped` with the OpenTelemetry GenAI names, as OCSF asks for source data it does not model.
 */
import { appVersion } from '../app-paths.js';
import type { Interception } from '../record/types.js';

/** The OCSF schema version the events declare in `metadata.version`. */
export const OCSF_VERSION = '1.3.0';

type Json = string | number | boolean | null | Json[] | { [k: string]: Json };
/** One OCSF event. */
export type OcsfEvent = { [k: string]: Json };

const PROVIDER_GEN_AI: Readonly<Record<string, string>> = { anthropic: 'anthropic', openai: 'openai', bedrock: 'aws.bedrock' };

/** OCSF `status_id` / `status` for an end status (0 Unknown, 1 Success, 2 Failure, 99 Other). */
function status(s: Interception['status']): { id: number; caption: string } {
  if (s === 'completed') return { id: 1, caption: 'Success' };
  if (s === 'failed') return { id: 2, caption: 'Failure' };
  if (s === 'cancelled') return { id: 99, caption: 'Cancelled' };
  if (s === 'interrupted') return { id: 99, caption: 'Interrupted' };
  return { id: 0, caption: 'Unknown' };
}

/** OCSF 1.3.0's `string_t` `max_len`; the schema calls a string a "UTF-8 encoded byte sequence", so bytes. */
const OCSF_MAX_STRING_BYTES = 65_535;

/** `s` within OCSF's string bound: cut on a character boundary, ending in `…`, when longer. */
function fitString(s: string): string {
  if (s.length * 3 <= OCSF_MAX_STRING_BYTES || Buffer.byteLength(s) <= OCSF_MAX_STRING_BYTES) return s;
  const bytes = Buffer.from(s);
  let end = OCSF_MAX_STRING_BYTES - 3; // room for `…` (3 bytes)
  while (end > 0 && (bytes[end]! & 0xc0) === 0x80) end--; // never split a character
  return bytes.subarray(0, end).toString('utf8') + '…';
}

function fitStrings(v: Json): Json {
  if (typeof v === 'string') return fitString(v);
  if (Array.isArray(v)) return v.map(fitStrings);
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, fitStrings(x)]));
  return v;
}

const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : 0);

/** The OCSF API Activity event of one ended interception. */
export function toOcsf(rec: Interception, opts: { costUsd?: number | null } = {}): OcsfEvent {
  const start = Date.parse(rec.started_at);
  const end = rec.ended_at ? Date.parse(rec.ended_at) : start;
  const st = status(rec.status);
  let input = 0, output = 0, cacheRead = 0, cacheWrite = 0, reasoning = 0, reasoningSeen = false;
  for (const u of rec.token_usages) {
    input += num(u.input_tokens);
    output += num(u.output_tokens);
    cacheRead += num(u.cache_read_input_tokens);
    cacheWrite += num(u.cache_write_input_tokens);
    if (typeof u.metadata?.['reasoning_tokens'] === 'number') {
      reasoningSeen = true;
      reasoning += num(u.metadata['reasoning_tokens']);
    }
  }
  const responseId = rec.token_usages.find((u) => u.provider_response_id)?.provider_response_id ?? null;
  const responseModel = typeof rec.metadata?.['response_model'] === 'string' ? rec.metadata['response_model'] : rec.model;
  const failed = rec.status === 'failed';

  const actor: OcsfEvent = {
    user: { uid: rec.initiator.id, name: rec.initiator.name, type_id: 99, type: 'Bridge token' },
    app_name: rec.client,
  };
  if (rec.client_session_id) actor['session'] = { uid: rec.client_session_id };

  const api: OcsfEvent = {
    operation: rec.api,
    service: { name: rec.provider_name },
    request: { uid: rec.id },
  };
  const response: OcsfEvent = {};
  // OCSF 1.3.0's Response Elements have no `uid`: the provider's response id is `unmapped.gen_ai.response.id`.
  if (rec.http_status !== null) response['code'] = rec.http_status;
  if (failed) {
    response['error'] = rec.http_status !== null && rec.http_status >= 400 ? String(rec.http_status) : '_OTHER';
    if (rec.error) response['error_message'] = rec.error;
  }
  if (Object.keys(response).length > 0) api['response'] = response;

  const httpRequest: OcsfEvent = { http_method: 'POST' };
  if (rec.user_agent) httpRequest['user_agent'] = rec.user_agent;

  const event: OcsfEvent = {
    activity_id: 1,
    activity_name: 'Create',
    category_uid: 6,
    category_name: 'Application Activity',
    class_uid: 6003,
    class_name: 'API Activity',
    type_uid: 600301,
    type_name: 'API Activity: Create',
    severity_id: 1,
    severity: 'Informational',
    time: start,
    start_time: start,
    end_time: end,
    duration: Math.max(0, end - start),
    timezone_offset: 0,
    status_id: st.id,
    status: st.caption,
    message: `${rec.api} ${rec.model} by ${rec.initiator.name} (${rec.client}): ${rec.status}`,
    metadata: {
      version: OCSF_VERSION,
      uid: rec.id,
      log_name: 'interceptions',
      product: { name: 'AI Bridge Desktop', vendor_name: 'AI Bridge Desktop', version: appVersion() },
    },
    actor,
    api,
    src_endpoint: { name: rec.client },
    dst_endpoint: { svc_name: rec.provider_name },
    http_request: httpRequest,
    resources: [{ type: 'AI model', name: rec.model, uid: rec.model }],
    unmapped: {
      gen_ai: {
        operation: { name: 'chat' },
        provider: { name: PROVIDER_GEN_AI[rec.provider] ?? rec.provider },
        request: { model: rec.model },
        response: { model: responseModel, id: responseId },
        conversation: { id: rec.client_session_id },
        usage: {
          input_tokens: input + cacheRead + cacheWrite,
          output_tokens: output,
          cache_read: { input_tokens: cacheRead },
          cache_creation: { input_tokens: cacheWrite },
          ...(reasoningSeen ? { reasoning: { output_tokens: reasoning } } : {}),
        },
      },
      aibridge: {
        interception_id: rec.id,
        provider: rec.provider,
        api: rec.api,
        streaming: rec.streaming,
        status: rec.status,
        cost_usd: typeof opts.costUsd === 'number' ? opts.costUsd : null,
        prompts: rec.user_prompts.map((p) => p.prompt),
        // Arguments as a JSON string (as in ECS): one column type whatever their shape.
        tool_calls: rec.tool_usages.map((t) => ({ tool: t.tool, tool_call_id: t.tool_call_id, input: typeof t.input === 'string' ? t.input : JSON.stringify(t.input ?? null), injected: t.injected })),
        thoughts: rec.model_thoughts.map((m) => m.content),
      },
    },
  };
  if (rec.http_status !== null) event['status_code'] = String(rec.http_status);
  if (rec.error) event['status_detail'] = rec.error;
  // No `http_response`: API Activity has none in OCSF 1.3.0 (added after it); the status is in
  // `api.response.code` and `status_code`.
  // Every typed string within string_t's bound (an upstream error can be up to the field cap,
  // 1 MiB); `unmapped` is OCSF's untyped object, so its content stays whole.
  for (const k of Object.keys(event)) if (k !== 'unmapped') event[k] = fitStrings(event[k]!);
  return event;
}
