/** SPEC §6 `user_prompts` and request facts for the three APIs. */
import { describe, expect, it } from 'vitest';
import { messagesCodec } from '../../../../src/gateway/providers/anthropic/codec.js';
import { chatCompletionsCodec } from '../../../../src/gateway/providers/openai/chat-codec.js';
import { responsesCodec } from '../../../../src/gateway/providers/openai/responses-codec.js';

const anthropic = (messages: unknown): string | null => messagesCodec.requestFacts({ model: 'm', messages }).prompt;
const chat = (messages: unknown): string | null => chatCompletionsCodec.requestFacts({ model: 'm', messages }).prompt;
const responses = (input: unknown, extra: Record<string, unknown> = {}): string | null =>
  responsesCodec.requestFacts({ model: 'm', input, ...extra }).prompt;

describe('Anthropic Messages prompt', () => {
  it('takes string content whole', () => {
    expect(anthropic([{ role: 'user', content: '  hi\nthere ' }])).toBe('  hi\nthere ');
  });
  it('joins the text blocks of a content array with a newline, ignoring images and documents', () => {
    expect(
      anthropic([
        {
          role: 'user',
          content: [
            { type: 'text', text: 'first' },
            { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'AAAA' } },
            { type: 'text', text: 'second', cache_control: { type: 'ephemeral' } },
          ],
        },
      ]),
    ).toBe('first\nsecond');
  });
  it('looks past trailing system messages (Claude Code appends one)', () => {
    expect(anthropic([{ role: 'user', content: 'do it' }, { role: 'system', content: 'reminder' }, { role: 'system', content: 'x' }])).toBe('do it');
  });
  it('is the last user message, not an earlier one, and looks past an assistant prefill', () => {
    expect(
      anthropic([
        { role: 'user', content: 'old' },
        { role: 'assistant', content: 'ok' },
        { role: 'user', content: 'new' },
        { role: 'assistant', content: '{' },
      ]),
    ).toBe('new');
  });
  it('has no prompt when the last user message holds only tool results', () => {
    const messages = [
      { role: 'user', content: 'list files' },
      { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'Bash', input: { command: 'ls' } }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'a.txt' }] },
    ];
    expect(anthropic(messages)).toBeNull();
    expect(anthropic([...messages, { role: 'system', content: 'reminder' }])).toBeNull();
  });
  it('keeps the text of a user message mixing tool results and text', () => {
    expect(
      anthropic([{ role: 'user', content: [{ type: 'tool_result', tool_use_id: 't', content: 'x' }, { type: 'text', text: 'now fix it' }] }]),
    ).toBe('now fix it');
  });
  it('gives null for odd shapes and never throws', () => {
    for (const messages of [undefined, null, 'x', 42, [], [null], [{ role: 'user' }], [{ role: 'user', content: 7 }], [{ role: 'tool', content: 'x' }]]) {
      expect(anthropic(messages)).toBeNull();
    }
    expect(messagesCodec.requestFacts(null)).toEqual({ model: '', streaming: false, prompt: null });
    expect(messagesCodec.requestFacts('nope')).toEqual({ model: '', streaming: false, prompt: null });
  });
  it('reads model and stream flag (only `true` streams)', () => {
    expect(messagesCodec.requestFacts({ model: 'claude-x', stream: true, messages: [] })).toEqual({ model: 'claude-x', streaming: true, prompt: null });
    expect(messagesCodec.requestFacts({ model: 'claude-x', stream: 'true', messages: [] }).streaming).toBe(false);
  });
});

describe('Chat Completions prompt', () => {
  it('takes string content whole and joins text parts', () => {
    expect(chat([{ role: 'system', content: 'sys' }, { role: 'user', content: 'hello' }])).toBe('hello');
    expect(
      chat([{ role: 'user', content: [{ type: 'text', text: 'a' }, { type: 'image_url', image_url: { url: 'data:' } }, { type: 'text', text: 'b' }] }]),
    ).toBe('a\nb');
  });
  it('looks past trailing system and developer messages', () => {
    expect(chat([{ role: 'user', content: 'q' }, { role: 'developer', content: 'd' }, { role: 'system', content: 's' }])).toBe('q');
  });
  it('has no prompt on a tool-result turn (role tool, or legacy role function)', () => {
    const base = [
      { role: 'user', content: 'weather?' },
      { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'w', arguments: '{}' } }] },
    ];
    expect(chat([...base, { role: 'tool', tool_call_id: 'call_1', content: 'sunny' }])).toBeNull();
    expect(chat([...base, { role: 'function', name: 'w', content: 'sunny' }])).toBeNull();
    expect(chat([...base, { role: 'tool', tool_call_id: 'call_1', content: 'sunny' }, { role: 'user', content: 'thanks' }])).toBe('thanks');
  });
  it('gives null for odd shapes', () => {
    for (const messages of [undefined, {}, [], [{ role: 'user', content: null }], [{ role: 'user', content: [{ type: 'image_url' }] }]]) {
      expect(chat(messages)).toBeNull();
    }
  });
});

describe('Responses prompt', () => {
  it('takes an input string whole, never the instructions', () => {
    expect(responses('say hi', { instructions: 'You are Codex' })).toBe('say hi');
    expect(responses(undefined, { instructions: 'You are Codex' })).toBeNull();
  });
  it('takes the last user message item, with or without type message, string or input_text parts', () => {
    expect(responses([{ role: 'user', content: 'plain' }])).toBe('plain');
    expect(
      responses([
        { type: 'message', role: 'user', content: [{ type: 'input_text', text: '<environment_context/>' }] },
        { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'hi' }, { type: 'input_image', image_url: 'data:' }, { type: 'input_text', text: 'there' }] },
      ]),
    ).toBe('hi\nthere');
  });
  it('looks past trailing developer/system messages and the model side of earlier turns', () => {
    expect(
      responses([
        { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'fix it' }] },
        { type: 'reasoning', summary: [{ type: 'summary_text', text: 'thinking' }], encrypted_content: 'x' },
        { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'done' }] },
        { type: 'message', role: 'developer', content: [{ type: 'input_text', text: 'dev note' }] },
      ]),
    ).toBe('fix it');
  });
  it('has no prompt when the input ends with tool outputs', () => {
    const turn = [
      { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'ls' }] },
      { type: 'function_call', call_id: 'call_1', name: 'shell', arguments: '{}' },
    ];
    expect(responses([...turn, { type: 'function_call_output', call_id: 'call_1', output: 'a.txt' }])).toBeNull();
    expect(responses([{ type: 'custom_tool_call_output', call_id: 'c', output: 'ok' }])).toBeNull();
  });
  it('gives null for odd shapes', () => {
    for (const input of [42, {}, [], [null], [{ type: 'message', role: 'user', content: 5 }], [{ type: 'item_reference', id: 'x' }]]) {
      expect(responses(input)).toBeNull();
    }
  });
});
