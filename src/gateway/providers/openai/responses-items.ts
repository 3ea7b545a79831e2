/**
 * Output items of one OpenAI Responses API response, accumulated from stream events or read from
 * a whole `response.output` array. Keyed by `output_index` (every item event carries it; `item_id`
 * is the fallback), so an item's deltas, its `.done` event, `response.output_item.done` and the
 * final `response.completed` output all land on the same accumulator: later whole values replace
 * joined fragments, and nothing is counted twice.
 */
import type { ApiToolCall } from '../codec.js';
import { asArray, asNumber, asString, isObject, toolInput, type JsonObject } from '../wire-json.js';

/** Item types recorded as tool calls: function tools, custom (free-text) tools, remote MCP tools. */
const TOOL_ITEMS = new Set(['function_call', 'custom_tool_call', 'mcp_call']);

interface TextAcc {
  fragments: string[];
  /** The whole text from a `.done` event or a whole item; wins over fragments. */
  whole: string | undefined;
}

interface ItemAcc {
  type: string;
  itemId: string;
  callId: string;
  name: string;
  /** Tool arguments / custom tool input. */
  args: TextAcc;
  /** Reasoning summary parts by `summary_index`. */
  summaries: Map<number, TextAcc>;
}

function newText(): TextAcc {
  return { fragments: [], whole: undefined };
}

function textOf(acc: TextAcc): string {
  return acc.whole ?? acc.fragments.join('');
}

/** Accumulates the recorded items (tool calls, reasoning summaries) of one response. */
export class ResponseItems {
  private readonly byIndex = new Map<number, ItemAcc>();
  private readonly byId = new Map<string, ItemAcc>();

  /** `response.output_item.added` / `.done`, or entry `index` of a whole `output` array. */
  item(index: number | undefined, raw: unknown): void {
    if (!isObject(raw)) return;
    const type = asString(raw.type) ?? '';
    if (!TOOL_ITEMS.has(type) && type !== 'reasoning') return;
    const acc = this.find(index, asString(raw.id), type);
    if (!acc) return;
    acc.type = type;
    acc.callId = asString(raw.call_id) || acc.callId;
    acc.name = asString(raw.name) || acc.name;
    const args = asString(raw.arguments) ?? asString(raw.input);
    // `output_item.added` carries an empty string; only a non-empty whole value is final.
    if (args) acc.args.whole = args;
    const summary = asArray(raw.summary);
    summary.forEach((part, i) => {
      const text = isObject(part) ? asString(part.text) : undefined;
      if (text !== undefined) this.summary(acc, i).whole = text;
    });
  }

  /** `response.function_call_arguments.delta`, `response.custom_tool_call_input.delta`, … */
  argsDelta(ev: JsonObject): void {
    const acc = this.lookup(ev);
    const delta = asString(ev.delta);
    if (acc && delta) acc.args.fragments.push(delta);
  }

  /** `response.function_call_arguments.done` (`arguments`) / `custom_tool_call_input.done` (`input`). */
  argsDone(ev: JsonObject): void {
    const acc = this.lookup(ev);
    if (!acc) return;
    const whole = asString(ev.arguments) ?? asString(ev.input);
    if (whole !== undefined) acc.args.whole = whole;
    acc.name = asString(ev.name) || acc.name;
  }

  /** `response.reasoning_summary_text.delta`. */
  summaryDelta(ev: JsonObject): void {
    const acc = this.lookup(ev, 'reasoning');
    const delta = asString(ev.delta);
    if (acc && delta) this.summary(acc, asNumber(ev.summary_index) ?? 0).fragments.push(delta);
  }

  /** `response.reasoning_summary_text.done` (`text`) / `response.reasoning_summary_part.done` (`part.text`). */
  summaryDone(ev: JsonObject): void {
    const acc = this.lookup(ev, 'reasoning');
    if (!acc) return;
    const text = asString(ev.text) ?? (isObject(ev.part) ? asString(ev.part.text) : undefined);
    if (text !== undefined) this.summary(acc, asNumber(ev.summary_index) ?? 0).whole = text;
  }

  /** Tool calls and thoughts in output order. */
  build(): { tool_calls: ApiToolCall[]; thoughts: string[] } {
    const tool_calls: ApiToolCall[] = [];
    const thoughts: string[] = [];
    const indexes = [...this.byIndex.keys()].sort((a, b) => a - b);
    for (const index of indexes) {
      const acc = this.byIndex.get(index);
      if (!acc) continue;
      if (acc.type === 'reasoning') {
        const parts = [...acc.summaries.keys()].sort((a, b) => a - b);
        for (const p of parts) {
          const s = acc.summaries.get(p);
          const text = s ? textOf(s) : '';
          if (text !== '') thoughts.push(text);
        }
      } else {
        tool_calls.push({ tool_call_id: acc.callId || acc.itemId, tool: acc.name, input: toolInput(textOf(acc.args)) });
      }
    }
    return { tool_calls, thoughts };
  }

  private summary(acc: ItemAcc, index: number): TextAcc {
    let s = acc.summaries.get(index);
    if (!s) {
      s = newText();
      acc.summaries.set(index, s);
    }
    return s;
  }

  /** The accumulator an item event refers to, created from the event when it is the first one. */
  private lookup(ev: JsonObject, type?: string): ItemAcc | undefined {
    const index = asNumber(ev.output_index);
    const id = asString(ev.item_id);
    const known = (index !== undefined ? this.byIndex.get(index) : undefined) ?? (id !== undefined ? this.byId.get(id) : undefined);
    if (known) return known;
    // Deltas without a prior `output_item.added` (a trimmed stream): still record them.
    return this.find(index, id, type ?? 'function_call');
  }

  private find(index: number | undefined, id: string | undefined, type: string): ItemAcc | undefined {
    let acc = (index !== undefined ? this.byIndex.get(index) : undefined) ?? (id ? this.byId.get(id) : undefined);
    if (!acc) {
      const key = index ?? this.byIndex.size + 1_000_000;
      acc = { type, itemId: id ?? '', callId: '', name: '', args: newText(), summaries: new Map() };
      this.byIndex.set(key, acc);
    }
    if (id) {
      acc.itemId = id;
      this.byId.set(id, acc);
    }
    return acc;
  }
}
