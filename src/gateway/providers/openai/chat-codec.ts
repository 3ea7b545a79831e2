/**
 * Wire knowledge of OpenAI Chat Completions (`POST /v1/chat/completions`).
 *
 * Streaming: `data: {chat.completion.chunk}` lines without `event:` names, ended by `data: [DONE]`.
 * Tool calls arrive as `choices[].delta.tool_calls[]` keyed by `index`: the first delta of a call
 * carries `id` and `function.name`, later ones only `function.arguments` fragments, and several
 * calls (parallel tool calls) interleave by index. With `stream_options.include_usage` a last
 * chunk with `choices: []` carries `usage` (`prompt_tokens_details.cached_tokens`,
 * `completion_tokens_details.reasoning_tokens`); other chunks have `usage: null`. A failing stream
 * may send an error chunk `data: {"error":{"message",…}}`.
 *
 * This API has no model thoughts on OpenAI. Tool results come back as `role: 'tool'` messages, so
 * a request whose last message is a tool result has no prompt (see prompt.ts).
 */
import type { ApiCodec, ApiOutcome, ApiResponse, ApiToolCall, ApiUsage, SseEvent } from '../codec.js';
import { chatPrompt } from './prompt.js';
import { openaiErrorText, openaiUsage } from './usage.js';
import { asArray, asNumber, asString, isObject, parseJson, toolInput, type JsonObject } from '../wire-json.js';
import { TolerantReducer, defineCodec } from '../codec-kit.js';

interface CallAcc {
  id: string;
  name: string;
  fragments: string[];
}

const NOT_CHAT = 'upstream answered 200 with a body that is not a Chat Completions response';

class ChatStreamReducer extends TolerantReducer {
  private id = '';
  private model: string | undefined;
  private usage: ApiUsage | null = null;
  private seen = false;
  /** Calls in first-seen order; key `choice:index` so `n > 1` choices do not mix. */
  private readonly calls = new Map<string, CallAcc>();
  private error: string | null = null;
  private complete = false;


  protected apply(ev: SseEvent): void {
    const text = ev.data.trim();
    if (text === '[DONE]') {
      this.complete = true;
      return;
    }
    const chunk = this.json(ev);
    if (!chunk) return;
    if (chunk.error !== undefined && chunk.error !== null && chunk.choices === undefined) {
      this.error = openaiErrorText(chunk);
      return;
    }
    this.seen = true;
    if (this.id === '') this.id = asString(chunk.id) ?? '';
    this.model ??= asString(chunk.model);
    const usage = openaiUsage(chunk.usage);
    if (usage) this.usage = usage;
    for (const choice of asArray(chunk.choices)) {
      if (!isObject(choice) || !isObject(choice.delta)) continue;
      const ci = asNumber(choice.index) ?? 0;
      const delta = choice.delta;
      asArray(delta.tool_calls).forEach((tc, pos) => {
        if (isObject(tc)) this.toolDelta(`${ci}:${asNumber(tc.index) ?? pos}`, tc);
      });
      // Legacy `functions` API: one call per choice, no id.
      if (isObject(delta.function_call)) this.fnDelta(`${ci}:function_call`, '', delta.function_call);
    }
  }

  private toolDelta(key: string, tc: JsonObject): void {
    const fn = isObject(tc.function) ? tc.function : isObject(tc.custom) ? tc.custom : {};
    const fragment = asString(fn.arguments) ?? asString(fn.input);
    this.fnDelta(key, asString(tc.id) ?? '', { name: fn.name, arguments: fragment });
  }

  private fnDelta(key: string, id: string, fn: JsonObject): void {
    let acc = this.calls.get(key);
    if (!acc) {
      acc = { id: '', name: '', fragments: [] };
      this.calls.set(key, acc);
    }
    if (acc.id === '' && id !== '') acc.id = id;
    const name = asString(fn.name);
    if (acc.name === '' && name) acc.name = name;
    const part = asString(fn.arguments);
    if (part) acc.fragments.push(part);
  }

  protected outcome(): ApiOutcome {
    const responses: ApiResponse[] = [];
    if (this.seen) {
      const tool_calls: ApiToolCall[] = [];
      for (const acc of this.calls.values()) {
        tool_calls.push({ tool_call_id: acc.id, tool: acc.name, input: toolInput(acc.fragments.join('')) });
      }
      const res: ApiResponse = { provider_response_id: this.id, usage: this.usage, tool_calls, thoughts: [] };
      if (this.model !== undefined) res.model = this.model;
      responses.push(res);
    }
    return { responses, error: this.error, complete: this.complete };
  }
}

function parseBlockingChat(body: unknown): ApiOutcome {
  if (!isObject(body)) return { responses: [], error: NOT_CHAT };
  if (isObject(body.error) && body.choices === undefined) return { responses: [], error: openaiErrorText(body) };
  if (body.object !== 'chat.completion' && !Array.isArray(body.choices)) return { responses: [], error: NOT_CHAT };
  const tool_calls: ApiToolCall[] = [];
  for (const choice of asArray(body.choices)) {
    if (!isObject(choice) || !isObject(choice.message)) continue;
    for (const tc of asArray(choice.message.tool_calls)) {
      if (!isObject(tc)) continue;
      const fn = isObject(tc.function) ? tc.function : isObject(tc.custom) ? tc.custom : {};
      const raw = asString(fn.arguments) ?? asString(fn.input) ?? '';
      tool_calls.push({ tool_call_id: asString(tc.id) ?? '', tool: asString(fn.name) ?? '', input: toolInput(raw) });
    }
    const legacy = choice.message.function_call;
    if (isObject(legacy)) {
      tool_calls.push({ tool_call_id: '', tool: asString(legacy.name) ?? '', input: toolInput(asString(legacy.arguments) ?? '') });
    }
  }
  const res: ApiResponse = { provider_response_id: asString(body.id) ?? '', usage: openaiUsage(body.usage), tool_calls, thoughts: [] };
  const model = asString(body.model);
  if (model !== undefined) res.model = model;
  return { responses: [res], error: null };
}

/** OpenAI Chat Completions codec (`api: 'chat_completions'`). */
export const chatCompletionsCodec: ApiCodec = defineCodec({
  api: 'chat_completions',
  prompt: chatPrompt,
  createStreamReducer: () => new ChatStreamReducer(),
  parseBlocking: parseBlockingChat,
  notApiError: NOT_CHAT,
});

