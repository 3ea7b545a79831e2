/**
 * Wire knowledge of the OpenAI Responses API (`POST /v1/responses`), the only API Codex speaks.
 *
 * Streaming: named events (`event: response.output_text.delta` + `data: {"type": same, …}`).
 * `response.created` / `response.in_progress` carry the response id and model;
 * `response.output_item.added` opens an item (`function_call`, `custom_tool_call`, `reasoning`,
 * `message`, …) at an `output_index`; `response.function_call_arguments.delta` / `.done` and
 * `response.custom_tool_call_input.delta` / `.done` stream tool input;
 * `response.reasoning_summary_text.delta` / `.done` stream each reasoning summary part
 * (`summary_index`); `response.output_item.done` repeats the whole item. The response ends with
 * `response.completed` (or `response.incomplete`, e.g. max_output_tokens), both with `usage`
 * (`input_tokens_details.cached_tokens`, `output_tokens_details.reasoning_tokens`), or with
 * `response.failed` (`response.error.message`); a top-level `error` event reports a stream error.
 *
 * Records: tool calls from `function_call`, `custom_tool_call` and `mcp_call` items (id = the
 * `call_id` the client answers with); thoughts = reasoning summary parts, one per part
 * (`source: reasoning_summary`), and assistant messages with `phase: "commentary"`, one per message
 * (`source: commentary`; `response.output_text.delta` / `.done` stream their text).
 */
import type { ApiCodec, ApiOutcome, ApiResponse, ApiUsage, SseEvent } from '../codec.js';
import { responsesPrompt } from './prompt.js';
import { ResponseItems } from './responses-items.js';
import { openaiErrorText, openaiUsage } from './usage.js';
import { asArray, asNumber, asString, isObject, parseJson, type JsonObject } from '../wire-json.js';
import { TolerantReducer, defineCodec } from '../codec-kit.js';

const NOT_RESPONSES = 'upstream answered 200 with a body that is not a Responses API response';

/** Everything learned about one response object. */
class ResponseState {
  id = '';
  model: string | undefined;
  usage: ApiUsage | null = null;
  readonly items = new ResponseItems();
  seen = false;

  /** Reads a whole or partial `response` object (created / completed / failed / blocking body). */
  absorb(res: JsonObject, withOutput: boolean): void {
    this.seen = true;
    this.id = asString(res.id) || this.id;
    this.model = asString(res.model) ?? this.model;
    const usage = openaiUsage(res.usage);
    if (usage) this.usage = usage;
    if (withOutput) asArray(res.output).forEach((item, i) => this.items.item(i, item));
  }

  build(): ApiResponse {
    const { tool_calls, thoughts } = this.items.build();
    const out: ApiResponse = { provider_response_id: this.id, usage: this.usage, tool_calls, thoughts };
    if (this.model !== undefined) out.model = this.model;
    return out;
  }
}

/** `error` of a failed response object, or null. */
function failedText(res: JsonObject): string | null {
  if (isObject(res.error)) return openaiErrorText(res.error);
  return res.status === 'failed' ? 'response failed' : null;
}

class ResponsesStreamReducer extends TolerantReducer {
  private readonly state = new ResponseState();
  private error: string | null = null;
  private complete = false;


  protected apply(ev: SseEvent): void {
    const data = this.json(ev);
    if (!data) return;
    const type = asString(data.type) ?? ev.event ?? '';
    const items = this.state.items;
    switch (type) {
      case 'response.created':
      case 'response.in_progress':
      case 'response.queued':
        if (isObject(data.response)) this.state.absorb(data.response, false);
        return;
      case 'response.output_item.added':
      case 'response.output_item.done':
        this.state.seen = true;
        items.item(asNumber(data.output_index), data.item);
        return;
      case 'response.function_call_arguments.delta':
      case 'response.custom_tool_call_input.delta':
      case 'response.mcp_call_arguments.delta':
        items.argsDelta(data);
        return;
      case 'response.function_call_arguments.done':
      case 'response.custom_tool_call_input.done':
      case 'response.mcp_call_arguments.done':
        items.argsDone(data);
        return;
      case 'response.output_text.delta':
        items.textDelta(data);
        return;
      case 'response.output_text.done':
      case 'response.content_part.done':
        items.textDone(data);
        return;
      case 'response.reasoning_summary_text.delta':
        items.summaryDelta(data);
        return;
      case 'response.reasoning_summary_text.done':
      case 'response.reasoning_summary_part.done':
        items.summaryDone(data);
        return;
      case 'response.completed':
      case 'response.incomplete':
        this.complete = true;
        if (isObject(data.response)) this.state.absorb(data.response, true);
        return;
      case 'response.failed':
        this.complete = true;
        if (isObject(data.response)) {
          this.state.absorb(data.response, true);
          this.error = failedText(data.response) ?? 'response failed';
        } else {
          this.error = 'response failed';
        }
        return;
      case 'error':
        this.error = openaiErrorText(data);
        return;
      default:
        if (type === '' && isObject(data.error)) this.error = openaiErrorText(data);
        return;
    }
  }

  protected outcome(): ApiOutcome {
    return { responses: this.state.seen ? [this.state.build()] : [], error: this.error, complete: this.complete };
  }
}

function parseBlockingResponse(body: unknown): ApiOutcome {
  if (!isObject(body)) return { responses: [], error: NOT_RESPONSES };
  if (isObject(body.error) && body.object !== 'response' && body.output === undefined) {
    return { responses: [], error: openaiErrorText(body) };
  }
  if (body.object !== 'response' && !(typeof body.id === 'string' && Array.isArray(body.output))) {
    return { responses: [], error: NOT_RESPONSES };
  }
  const state = new ResponseState();
  state.absorb(body, true);
  return { responses: [state.build()], error: failedText(body) };
}

/** OpenAI Responses API codec (`api: 'responses'`). */
export const responsesCodec: ApiCodec = defineCodec({
  api: 'responses',
  prompt: responsesPrompt,
  createStreamReducer: () => new ResponsesStreamReducer(),
  parseBlocking: parseBlockingResponse,
  notApiError: NOT_RESPONSES,
});

