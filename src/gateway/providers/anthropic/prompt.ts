/**
 * The `user_prompts` rule (SPEC §6) for Anthropic Messages request bodies.
 *
 * - Walk back from the last message, skipping trailing `system` messages (Claude Code appends one)
 *   and a trailing `assistant` prefill: the prompt is the last message whose role is `user`.
 * - `content` string → whole. `content` array → its `text` blocks joined with "\n".
 * - A user message with no text block (only `tool_result` blocks, the turn after a tool call) is
 *   not a prompt → null. So is anything that is not a messages array.
 */
import { asArray, asString, isObject } from '../wire-json.js';

/** Prompt text of an Anthropic Messages request body, or null when there is none. */
export function anthropicPrompt(body: unknown): string | null {
  if (!isObject(body)) return null;
  const messages = asArray(body.messages);
  for (let i = messages.length - 1; i >= 0; i--) {
    const msg = messages[i];
    if (!isObject(msg)) return null;
    const role = msg.role;
    if (role === 'system' || role === 'assistant') continue;
    if (role !== 'user') return null;
    return userContentText(msg.content);
  }
  return null;
}

/** Text of a user `content` field: string whole, text blocks joined, null when there is no text. */
export function userContentText(content: unknown): string | null {
  if (typeof content === 'string') return content;
  const texts: string[] = [];
  for (const block of asArray(content)) {
    if (typeof block === 'string') {
      texts.push(block);
      continue;
    }
    if (!isObject(block) || block.type !== 'text') continue;
    const text = asString(block.text);
    if (text !== undefined) texts.push(text);
  }
  return texts.length > 0 ? texts.join('\n') : null;
}
