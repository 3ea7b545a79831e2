/**
 * The stored-field cap (SPEC §10, `max_stored_field`) and the guarantee that a record always ends
 * (issue #13): every text field a record keeps is at most `max_stored_field` bytes of UTF-8 — a
 * capped value ends in `…[truncated N bytes]` (N = the bytes cut) and its row gets
 * `metadata.truncated: true` (the record's own `metadata` for record-level fields such as `error`).
 *
 * A tool input is whatever JSON the model produced. One nested thousands of levels deep overflows
 * the stack of `JSON.stringify` / `structuredClone` (the store, the log, the API, export): such an
 * input is kept as its raw JSON text instead (written by {@link jsonText}, which never recurses),
 * capped like any text. An object input whose JSON is over the cap becomes its capped JSON text.
 *
 * Runs as a {@link RecordTransform} first in the fan-out, so the store, the log lines, the live
 * feed and export all see the capped record; {@link storableLine} is the store's last line of
 * defence should a record still fail to serialize.
 */
import type { FinishedRecord, RecordTransform } from './fanout.js';
import type { Interception, Metadata, ModelThought, ToolUsage, UserPrompt } from './types.js';

/** `max_stored_field`'s default: 1 MiB per field. */
export const DEFAULT_MAX_STORED_FIELD = 1024 * 1024;

/**
 * Deepest tool input kept as JSON. Deeper ones are kept as text: `structuredClone` overflows near
 * 2,000 levels and `JSON.stringify` near 4,000 at the top of the stack, less inside a call chain;
 * real tool inputs nest a few levels.
 */
export const MAX_INPUT_DEPTH = 256;

/** What a capped value ends in. */
export const truncationMark = (cutBytes: number): string => `…[truncated ${cutBytes} bytes]`;

/**
 * `text` at most `maxBytes` bytes of UTF-8 (cut on a character boundary) + the truncation mark, or
 * `text` itself when it fits.
 */
export function capText(text: string, maxBytes: number): string {
  // A UTF-16 unit is at most 3 bytes of UTF-8: most texts are answered by their length alone.
  if (text.length * 3 <= maxBytes) return text;
  const total = Buffer.byteLength(text, 'utf8');
  if (total <= maxBytes) return text;
  // The first maxBytes units hold at least maxBytes bytes; encode just those.
  const head = Buffer.from(text.slice(0, maxBytes), 'utf8');
  let cut = Math.min(maxBytes, head.length);
  // Never split a character: step back over continuation bytes (10xxxxxx).
  while (cut > 0 && cut < head.length && (head[cut]! & 0xc0) === 0x80) cut--;
  return head.toString('utf8', 0, cut) + truncationMark(total - cut);
}

/** JSON text of a parsed-JSON value, like `JSON.stringify` but without recursion (any depth). */
export function jsonText(value: unknown): string {
  const out: string[] = [];
  type Frame = { arr: readonly unknown[]; i: number } | { obj: Record<string, unknown>; keys: string[]; i: number; n: number };
  const stack: Frame[] = [];
  const jsonable = (v: unknown) => v !== undefined && typeof v !== 'function' && typeof v !== 'symbol';
  const write = (v: unknown): void => {
    if (v === null || v === undefined || typeof v === 'function' || typeof v === 'symbol') out.push('null');
    else if (typeof v === 'string') out.push(JSON.stringify(v));
    else if (typeof v === 'number') out.push(Number.isFinite(v) ? String(v) : 'null');
    else if (typeof v === 'boolean') out.push(v ? 'true' : 'false');
    else if (typeof v === 'bigint') out.push(JSON.stringify(String(v)));
    else if (Array.isArray(v)) {
      out.push('[');
      stack.push({ arr: v, i: 0 });
    } else {
      out.push('{');
      const obj = v as Record<string, unknown>;
      stack.push({ obj, keys: Object.keys(obj), i: 0, n: 0 });
    }
  };
  write(value);
  while (stack.length > 0) {
    const f = stack[stack.length - 1]!;
    if ('arr' in f) {
      if (f.i >= f.arr.length) {
        out.push(']');
        stack.pop();
        continue;
      }
      if (f.i > 0) out.push(',');
      write(f.arr[f.i++]);
    } else {
      while (f.i < f.keys.length && !jsonable(f.obj[f.keys[f.i]!])) f.i++;
      if (f.i >= f.keys.length) {
        out.push('}');
        stack.pop();
        continue;
      }
      const k = f.keys[f.i++]!;
      out.push(f.n++ > 0 ? ',' : '', JSON.stringify(k), ':');
      write(f.obj[k]);
    }
  }
  return out.join('');
}

/**
 * Walks a parsed-JSON value without recursion: whether it nests deeper than `maxDepth`, and an
 * upper bound of its JSON text in bytes (so most inputs need no `JSON.stringify` to be measured).
 */
function measure(value: unknown, maxDepth: number): { tooDeep: boolean; bound: number } {
  let bound = 0;
  const stack: { v: unknown; d: number }[] = [{ v: value, d: 0 }];
  while (stack.length > 0) {
    const { v, d } = stack.pop()!;
    // Each value: its text (a string at worst 6 bytes a unit, \uXXXX, plus quotes) and a comma.
    if (typeof v === 'string') bound += v.length * 6 + 3;
    else if (typeof v !== 'object' || v === null) bound += 26;
    else {
      if (d >= maxDepth) return { tooDeep: true, bound };
      bound += 3;
      if (Array.isArray(v)) {
        for (const item of v as unknown[]) stack.push({ v: item, d: d + 1 });
      } else {
        for (const [k, item] of Object.entries(v as Record<string, unknown>)) {
          bound += k.length * 6 + 3;
          stack.push({ v: item, d: d + 1 });
        }
      }
    }
  }
  return { tooDeep: false, bound };
}

/**
 * A tool input as stored: unchanged when it fits; otherwise its (capped) JSON text. `truncated`
 * says whether bytes were cut.
 */
export function capToolInput(input: unknown, maxBytes: number): { input: unknown; truncated: boolean } {
  if (typeof input === 'string') {
    const c = capText(input, maxBytes);
    return { input: c, truncated: c !== input };
  }
  if (typeof input !== 'object' || input === null) return { input, truncated: false };
  const m = measure(input, MAX_INPUT_DEPTH);
  if (!m.tooDeep && m.bound <= maxBytes) return { input, truncated: false };
  const text = m.tooDeep ? jsonText(input) : JSON.stringify(input);
  const capped = capText(text, maxBytes);
  if (capped !== text) return { input: capped, truncated: true };
  return m.tooDeep ? { input: text, truncated: false } : { input, truncated: false };
}

const marked = (meta: Metadata | undefined): Metadata => ({ ...meta, truncated: true });

/** Caps one record's text fields; returns the record itself when nothing is over the cap. */
export function capRecord<T extends Interception>(rec: T, maxBytes: number): T {
  let recordCut = false;
  const field = <V extends string | null>(v: V): V => {
    if (v === null) return v;
    const c = capText(v, maxBytes);
    if (c !== v) recordCut = true;
    return c as V;
  };
  const error = field(rec.error);
  const model = field(rec.model);
  const userAgent = field(rec.user_agent);
  const sessionId = field(rec.client_session_id);

  let prompts: UserPrompt[] | null = null;
  rec.user_prompts.forEach((p, i) => {
    // Capped already where it was read (the pipeline caps a prompt at once, to hold less of it).
    if (p.metadata?.['truncated'] === true) return;
    const c = capText(p.prompt, maxBytes);
    if (c === p.prompt) return;
    prompts ??= rec.user_prompts.slice();
    prompts[i] = { ...p, prompt: c, metadata: marked(p.metadata) };
  });
  let thoughts: ModelThought[] | null = null;
  rec.model_thoughts.forEach((t, i) => {
    const c = capText(t.content, maxBytes);
    if (c === t.content) return;
    thoughts ??= rec.model_thoughts.slice();
    thoughts[i] = { ...t, content: c, metadata: marked(t.metadata) };
  });
  let tools: ToolUsage[] | null = null;
  rec.tool_usages.forEach((t, i) => {
    const input = capToolInput(t.input, maxBytes);
    const tool = capText(t.tool, maxBytes);
    const callId = capText(t.tool_call_id, maxBytes);
    const invocationError = t.invocation_error === null ? null : capText(t.invocation_error, maxBytes);
    const cut = input.truncated || tool !== t.tool || callId !== t.tool_call_id || invocationError !== t.invocation_error;
    if (!cut && input.input === t.input) return;
    tools ??= rec.tool_usages.slice();
    tools[i] = {
      ...t,
      tool,
      tool_call_id: callId,
      input: input.input,
      invocation_error: invocationError,
      metadata: cut ? marked(t.metadata) : t.metadata,
    };
  });

  if (!recordCut && !prompts && !thoughts && !tools) return rec;
  return {
    ...rec,
    error,
    model,
    user_agent: userAgent,
    client_session_id: sessionId,
    metadata: recordCut ? marked(rec.metadata) : rec.metadata,
    user_prompts: prompts ?? rec.user_prompts,
    model_thoughts: thoughts ?? rec.model_thoughts,
    tool_usages: tools ?? rec.tool_usages,
  };
}

/** The field cap as the fan-out's transform; `maxBytes` is read per record (a settings change applies at once). */
export function createFieldCap(maxBytes: () => number): RecordTransform {
  return {
    name: 'field-cap',
    begin: (rec) => capRecord(rec, maxBytes()),
    finish: (rec: FinishedRecord) => capRecord(rec, maxBytes()),
  };
}

/**
 * A record's JSON line, whatever it holds: `JSON.stringify` when it can; when it cannot (a fault
 * upstream of the store let a too-deep value through), the record with every tool input as its
 * capped JSON text, and `metadata.record_fault` saying so. `onFault` is told (to log it).
 */
export function storableLine(rec: Interception, onFault?: (err: unknown) => void): string {
  try {
    return JSON.stringify(rec);
  } catch (err) {
    onFault?.(err);
  }
  const fault = 'a field could not be serialized; tool inputs kept as text';
  const tools = rec.tool_usages.map((t) => {
    const text = typeof t.input === 'string' ? t.input : jsonText(t.input);
    const capped = capText(text, DEFAULT_MAX_STORED_FIELD);
    return { ...t, input: capped, metadata: capped !== text ? marked(t.metadata) : t.metadata };
  });
  try {
    return JSON.stringify({ ...rec, tool_usages: tools, metadata: { ...rec.metadata, record_fault: fault } });
  } catch {
    // Still not serializable (metadata of our own going wrong): keep what identifies the call.
    return JSON.stringify({
      ...rec,
      metadata: { record_fault: 'the record could not be serialized; its parts were dropped' },
      token_usages: [],
      user_prompts: [],
      tool_usages: [],
      model_thoughts: [],
    });
  }
}
