/**
 * Wire knowledge of the Anthropic Messages API (`POST /v1/messages`), also spoken by Bedrock's
 * Claude models. Streaming events (https://docs.anthropic.com/en/api/messages-streaming):
 * `message_start` (id, model, first usage) → per content block `content_block_start` /
 * `content_block_delta` (`text_delta`, `input_json_delta`, `thinking_delta`, `signature_delta`,
 * `citations_delta`) / `content_block_stop` → `message_delta` (stop reason, cumulative usage) →
 * `message_stop`; `ping` may come anywhere and `error` ends a failing stream.
 *
 * Records (SPEC §6): one usage row per message, `message_start` usage merged with every
 * `message_delta` usage (later numbers win: output_tokens is cumulative); `input_tokens` already
 * excludes cache reads on this API. Tool calls are `tool_use`, `server_tool_use` and
 * `mcp_tool_use` blocks, their `input_json_delta` fragments joined and parsed once. Thoughts are
 * `thinking` blocks; `redacted_thinking` carries only encrypted data and is not recorded.
 */
import type { ApiCodec, ApiOutcome, ApiResponse, ApiThought, ApiToolCall, ApiUsage, SseEvent } from '../codec.js';
import { anthropicPrompt } from './prompt.js';
import { asArray, asNumber, asString, isObject, parseJson, toolInputFromFragments, type JsonObject } from '../wire-json.js';
import { TolerantReducer, defineCodec } from '../codec-kit.js';
import { CACHE_WRITE_1H_KEY } from '../../../record/cost.js';

/** Block types whose `input` is a tool call the model made. */
const TOOL_BLOCKS = new Set(['tool_use', 'server_tool_use', 'mcp_tool_use']);

interface UsageAcc {
  input_tokens?: number;
  output_tokens?: number;
  cache_read_input_tokens?: number;
  cache_creation_input_tokens?: number;
  /** `usage.cache_creation.ephemeral_1h_input_tokens`: the 1-hour part of the cache writes (SPEC §11). */
  cache_write_1h?: number;
}

const USAGE_FIELDS = ['input_tokens', 'output_tokens', 'cache_read_input_tokens', 'cache_creation_input_tokens'] as const;

interface ToolBlock {
  kind: 'tool';
  id: string;
  name: string;
  /** `input` from content_block_start, kept when no fragment follows. */
  initial: unknown;
  fragments: string[];
}

interface ThinkingBlock {
  kind: 'thinking';
  fragments: string[];
}

type Block = ToolBlock | ThinkingBlock;

interface MessageState {
  id: string;
  model: string | undefined;
  usage: UsageAcc | null;
  /** Open blocks by their `index`, for deltas. */
  open: Map<number, Block>;
  /** Every recorded block in start order (tool calls and thoughts keep the model's order). */
  blocks: Block[];
}

function mergeUsage(acc: UsageAcc | null, raw: unknown): UsageAcc | null {
  if (!isObject(raw)) return acc;
  const next: UsageAcc = acc ?? {};
  for (const field of USAGE_FIELDS) {
    const n = asNumber(raw[field]);
    if (n !== undefined) next[field] = n;
  }
  const w1h = isObject(raw.cache_creation) ? asNumber(raw.cache_creation.ephemeral_1h_input_tokens) : undefined;
  if (w1h !== undefined) next.cache_write_1h = w1h;
  return next;
}

function toApiUsage(acc: UsageAcc | null): ApiUsage | null {
  if (!acc) return null;
  return {
    input_tokens: acc.input_tokens ?? 0,
    output_tokens: acc.output_tokens ?? 0,
    cache_read_input_tokens: acc.cache_read_input_tokens ?? 0,
    cache_write_input_tokens: acc.cache_creation_input_tokens ?? 0,
    // Only when there were any (a 0 says nothing the price needs, and keeps rows as they were).
    metadata: acc.cache_write_1h ? { [CACHE_WRITE_1H_KEY]: acc.cache_write_1h } : {},
  };
}

function blockFromStart(cb: JsonObject): Block | null {
  const type = asString(cb.type) ?? '';
  if (TOOL_BLOCKS.has(type)) {
    return { kind: 'tool', id: asString(cb.id) ?? '', name: asString(cb.name) ?? '', initial: cb.input ?? {}, fragments: [] };
  }
  if (type === 'thinking') {
    const first = asString(cb.thinking);
    return { kind: 'thinking', fragments: first ? [first] : [] };
  }
  return null;
}

function responseOf(msg: MessageState): ApiResponse {
  const tool_calls: ApiToolCall[] = [];
  const thoughts: ApiThought[] = [];
  for (const block of msg.blocks) {
    if (block.kind === 'tool') {
      tool_calls.push({ tool_call_id: block.id, tool: block.name, input: toolInputFromFragments(block.fragments, block.initial) });
    } else {
      const text = block.fragments.join('');
      if (text !== '') thoughts.push({ content: text, source: 'thinking' });
    }
  }
  const out: ApiResponse = { provider_response_id: msg.id, usage: toApiUsage(msg.usage), tool_calls, thoughts };
  if (msg.model !== undefined) out.model = msg.model;
  return out;
}

/** The error text of an Anthropic error object (`{"type":"error","error":{type,message}}`). */
export function anthropicErrorText(obj: JsonObject): string {
  const err = isObject(obj.error) ? obj.error : obj;
  return asString(err.message) || asString(err.type) || 'upstream reported an error';
}

class MessagesStreamReducer extends TolerantReducer {
  private readonly messages: MessageState[] = [];
  private error: string | null = null;
  private complete = false;


  private current(): MessageState {
    const last = this.messages[this.messages.length - 1];
    if (last) return last;
    // Events before any message_start (odd upstream): keep them under an id-less message.
    const msg: MessageState = { id: '', model: undefined, usage: null, open: new Map(), blocks: [] };
    this.messages.push(msg);
    return msg;
  }

  protected apply(ev: SseEvent): void {
    const data = this.json(ev);
    if (!data) return;
    const type = asString(data.type) ?? ev.event;
    if (type === undefined) {
      this.malformed(ev, 'no event type');
      return;
    }
    switch (type) {
      case 'message_start': {
        const m = isObject(data.message) ? data.message : {};
        this.messages.push({
          id: asString(m.id) ?? '',
          model: asString(m.model),
          usage: mergeUsage(null, m.usage),
          open: new Map(),
          blocks: [],
        });
        return;
      }
      case 'content_block_start': {
        const index = asNumber(data.index);
        if (index === undefined || !isObject(data.content_block)) return;
        const block = blockFromStart(data.content_block);
        if (!block) return;
        const msg = this.current();
        msg.open.set(index, block);
        msg.blocks.push(block);
        return;
      }
      case 'content_block_delta': {
        const index = asNumber(data.index);
        if (index === undefined || !isObject(data.delta)) return;
        const block = this.current().open.get(index);
        if (!block) return;
        const d = data.delta;
        if (block.kind === 'tool' && d.type === 'input_json_delta') {
          const part = asString(d.partial_json);
          if (part) block.fragments.push(part);
        } else if (block.kind === 'thinking' && d.type === 'thinking_delta') {
          const part = asString(d.thinking);
          if (part) block.fragments.push(part);
        }
        return;
      }
      case 'content_block_stop': {
        const index = asNumber(data.index);
        if (index !== undefined) this.current().open.delete(index);
        return;
      }
      case 'message_delta': {
        const msg = this.current();
        msg.usage = mergeUsage(msg.usage, data.usage);
        return;
      }
      case 'message_stop':
        this.complete = true;
        return;
      case 'error':
        this.error = anthropicErrorText(data);
        return;
      default:
        return; // ping and anything newer
    }
  }

  protected outcome(): ApiOutcome {
    return { responses: this.messages.map(responseOf), error: this.error, complete: this.complete };
  }
}

function parseBlockingMessage(body: unknown): ApiOutcome {
  if (!isObject(body)) return { responses: [], error: notMessages() };
  if (body.type === 'error') return { responses: [], error: anthropicErrorText(body) };
  if (body.type !== 'message' && !(body.role === 'assistant' && Array.isArray(body.content))) {
    return { responses: [], error: notMessages() };
  }
  const msg: MessageState = { id: asString(body.id) ?? '', model: asString(body.model), usage: mergeUsage(null, body.usage), open: new Map(), blocks: [] };
  for (const cb of asArray(body.content)) {
    if (!isObject(cb)) continue;
    const block = blockFromStart(cb);
    if (block) msg.blocks.push(block);
  }
  return { responses: [responseOf(msg)], error: null };
}

function notMessages(): string {
  return 'upstream answered 200 with a body that is not a Messages API response';
}

/** Anthropic Messages API codec (`api: 'messages'`), also used for Bedrock's Claude models. */
export const messagesCodec: ApiCodec = defineCodec({
  api: 'messages',
  prompt: anthropicPrompt,
  createStreamReducer: () => new MessagesStreamReducer(),
  parseBlocking: parseBlockingMessage,
  notApiError: notMessages(),
});

