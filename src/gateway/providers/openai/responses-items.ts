/**
 * Output items of one OpenAI Responses API response, accumulated from stream events or read from
 * a whole `response.output` array. Keyed by `output_index` (every item event carries it; `item_id`
 * is the fallback), so an item's deltas, its `.done` event, `response.output_item.done` and the
 * final `response.completed` output all land on the same accumulator: later whole values replace
 * joined fragments, and nothing is counted twice.
 */
import type { ApiThought, ApiToolCall } from '../codec.js';
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
  /** Reasoning summary parts by `summary_index`, or a commentary message's text parts by `content_index`. */
  parts: Map<number, TextAcc>;
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
    let type = asString(raw.type) ?? '';
    // Assistant messages with `phase: "commentary"` (Codex's progress notes) are thoughts; final
    // answers are not recorded.
    if (type === 'message') {
      if (raw.phase !== 'commentary') return;
      type = 'commentary';
    }
    if (!TOOL_ITEMS.has(type) && type !== 'reasoning' && type !== 'commentary') return;
    const acc = this.find(index, asString(raw.id), type);
    if (!acc) return;
    acc.type = type;
    acc.callId = asString(raw.call_id) || acc.callId;
    acc.name = asString(raw.name) || acc.name;
    const args = asString(raw.arguments) ?? asString(raw.input);
    // `output_item.added` carries an empty string; only a non-empty whole value is final.
    if (args) acc.args.whole = args;
    const parts = type === 'commentary' ? asArray(raw.content) : asArray(raw.summary);
    parts.forEach((part, i) => {
      const text = isObject(part) ? asString(part.text) : undefined;
      if (text !== undefined) this.summary(acc, i).whole = text;
    });
  }

  /** `response.output_text.delta`: text of a commentary message (other messages are not recorded). */
  textDelta(ev: JsonObject): void {
    const acc = this.known(ev);
    const delta = asString(ev.delta);
    if (acc?.type === 'commentary' && delta) this.summary(acc, asNumber(ev.content_index) ?? 0).fragments.push(delta);
  }

  /** `response.output_text.done` (`text`) / `response.content_part.done` (`part.text`) of a commentary message. */
  textDone(ev: JsonObject): void {
    const acc = this.known(ev);
    if (acc?.type !== 'commentary') return;
    const text = asString(ev.text) ?? (isObject(ev.part) ? asString(ev.part.text) : undefined);
    if (text !== undefined) this.summary(acc, asNumber(ev.content_index) ?? 0).whole = text;
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
  build(): { tool_calls: ApiToolCall[]; thoughts: ApiThought[] } {
    const tool_calls: ApiToolCall[] = [];
    const thoughts: ApiThought[] = [];
    const indexes = [...this.byIndex.keys()].sort((a, b) => a - b);
    for (const index of indexes) {
      const acc = this.byIndex.get(index);
      if (!acc) continue;
      if (acc.type === 'reasoning') {
        // One thought per summary part.
        for (const text of this.partTexts(acc)) thoughts.push({ content: text, source: 'reasoning_summary' });
      } else if (acc.type === 'commentary') {
        // One thought per commentary message.
        const text = this.partTexts(acc).join('\n');
        if (text !== '') thoughts.push({ content: text, source: 'commentary' });
      } else {
        tool_calls.push({ tool_call_id: acc.callId || acc.itemId, tool: acc.name, input: toolInput(textOf(acc.args)) });
      }
    }
    return { tool_calls, thoughts };
  }

  /** The non-empty texts of an item's parts, in index order. */
  private partTexts(acc: ItemAcc): string[] {
    const indexes = [...acc.parts.keys()].sort((a, b) => a - b);
    const out: string[] = [];
    for (const i of indexes) {
      const part = acc.parts.get(i);
      const text = part ? textOf(part) : '';
      if (text !== '') out.push(text);
    }
    return out;
  }

  private summary(acc: ItemAcc, index: number): TextAcc {
    let s = acc.parts.get(index);
    if (!s) {
      s = newText();
      acc.parts.set(index, s);
    }
    return s;
  }

  /** The accumulator an event refers to, only when its item was already seen. */
  private known(ev: JsonObject): ItemAcc | undefined {
    const index = asNumber(ev.output_index);
    const id = asString(ev.item_id);
    return (index !== undefined ? this.byIndex.get(index) : undefined) ?? (id !== undefined ? this.byId.get(id) : undefined);
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
      acc = { type, itemId: id ?? '', callId: '', name: '', args: newText(), parts: new Map() };
      this.byIndex.set(key, acc);
    }
    if (id) {
      acc.itemId = id;
      this.byId.set(id, acc);
    }
    return acc;
  }
}
