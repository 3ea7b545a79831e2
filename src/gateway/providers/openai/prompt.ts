/**
 * The `user_prompts` rule (SPEC §6) for OpenAI request bodies.
 *
 * Chat Completions `messages`: walk back from the end skipping `system` / `developer` messages
 * (OpenAI's system roles) and an `assistant` message; the first `user` message gives the prompt
 * (string whole, `text` parts joined with "\n"). Tool results have their own role here: when the
 * walk meets a `tool` (or legacy `function`) message first, the call is a tool-result turn and
 * there is no prompt (null), like an Anthropic user message holding only `tool_result` blocks.
 *
 * Responses `input`: a string is the prompt whole. An array is walked back the same way over its
 * items: `{role:'user', content}` (with or without `type:'message'`) gives the prompt (string whole,
 * `input_text` parts joined); `system` / `developer` / `assistant` messages and model-side items
 * (`reasoning`, `function_call`, `custom_tool_call`, `item_reference`, …) are skipped; a tool output
 * item (`function_call_output`, `custom_tool_call_output`, any `*_output`) means a tool-result turn
 * → null. `instructions` is never the prompt.
 */
import { asArray, asString, isObject } from '../wire-json.js';

const SKIPPED_ROLES = new Set(['system', 'developer', 'assistant']);

/** Prompt of a Chat Completions request body, or null. */
export function chatPrompt(body: unknown): string | null {
  if (!isObject(body)) return null;
  const messages = asArray(body.messages);
  for (let i = messages.length - 1; i >= 0; i--) {
    const msg = messages[i];
    if (!isObject(msg)) return null;
    const role = asString(msg.role) ?? '';
    if (SKIPPED_ROLES.has(role)) continue;
    if (role !== 'user') return null; // tool / function results, or an unknown role
    return contentText(msg.content, ['text']);
  }
  return null;
}

/** Prompt of a Responses request body, or null. */
export function responsesPrompt(body: unknown): string | null {
  if (!isObject(body)) return null;
  const input = body.input;
  if (typeof input === 'string') return input;
  const items = asArray(input);
  for (let i = items.length - 1; i >= 0; i--) {
    const item = items[i];
    if (!isObject(item)) return null;
    const type = asString(item.type);
    const role = asString(item.role);
    if (role !== undefined && (type === undefined || type === 'message')) {
      if (SKIPPED_ROLES.has(role)) continue;
      if (role !== 'user') return null;
      return contentText(item.content, ['input_text', 'text']);
    }
    if (type !== undefined && type.endsWith('_output')) return null;
    // reasoning, function_call, custom_tool_call, item_reference, …: the model's side of the turn.
  }
  return null;
}

/** String content whole; array content: the text of parts whose type is listed, joined by "\n". */
function contentText(content: unknown, textTypes: readonly string[]): string | null {
  if (typeof content === 'string') return content;
  const texts: string[] = [];
  for (const part of asArray(content)) {
    if (!isObject(part) || !textTypes.includes(asString(part.type) ?? '')) continue;
    const text = asString(part.text);
    if (text !== undefined) texts.push(text);
  }
  return texts.length > 0 ? texts.join('\n') : null;
}
