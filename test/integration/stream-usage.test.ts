/**
 * `inject_stream_usage` (issue 14, SPEC §10 2026-12-04). The mock upstream answers a Chat
 * Completions stream like OpenAI does: the final `choices: []` usage chunk only when the request
 * says `stream_options.include_usage: true`. A client that did not ask (Cursor, most SDK users)
 * still gets a record with its token row, and the official openai SDK reads the stream with the
 * extra chunk; with the setting off the body goes upstream byte for byte and no usage comes back.
 */
import OpenAI from 'openai';
import { readFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGatewayHarness, type GatewayHarness } from '../helpers/gateway-harness.js';

const fixture = readFileSync(new URL('../fixtures/openai-chat/text.sse', import.meta.url), 'utf8');
/** The fixture's events without the usage chunk, as OpenAI streams when usage was not asked for. */
const withoutUsage = fixture
  .split('\n\n')
  .filter((e) => !e.includes('"choices":[]'))
  .join('\n\n');

/** Answers like OpenAI: the usage chunk only when the request asked for it. */
const openaiLike = {
  kind: 'handler' as const,
  handle(res: ServerResponse, body: unknown): void {
    const opts = (body as { stream_options?: { include_usage?: unknown } } | undefined)?.stream_options;
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8' });
    res.end(opts?.include_usage === true ? fixture : withoutUsage);
  },
};

async function consume(openai: OpenAI, body: OpenAI.Chat.ChatCompletionCreateParamsStreaming): Promise<{ text: string; chunks: OpenAI.Chat.ChatCompletionChunk[] }> {
  const stream = await openai.chat.completions.create(body);
  const chunks: OpenAI.Chat.ChatCompletionChunk[] = [];
  let text = '';
  for await (const c of stream) {
    chunks.push(c);
    text += c.choices[0]?.delta.content ?? '';
  }
  return { text, chunks };
}

describe('inject_stream_usage on (default)', () => {
  let h: GatewayHarness;
  let openai: OpenAI;
  beforeAll(async () => {
    h = await startGatewayHarness();
    h.up.setReply('chat', openaiLike);
    openai = new OpenAI({ baseURL: h.openaiBase, apiKey: h.token, maxRetries: 0 });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('asks upstream for usage, the SDK reads the extra chunk, and the record has its token row', async () => {
    const { text, chunks } = await consume(openai, { model: 'gpt-4o', stream: true, messages: [{ role: 'user', content: 'hi' }] });
    expect(text).toBe('Hello héllo — 👋 world!');
    // The one difference from a direct call: a last chunk with no choices and the usage.
    const last = chunks[chunks.length - 1]!;
    expect(last.choices).toEqual([]);
    expect(last.usage).toMatchObject({ prompt_tokens: 19, completion_tokens: 10 });

    const up = h.up.requests[h.up.requests.length - 1]!;
    expect(up.json).toMatchObject({ stream: true, stream_options: { include_usage: true } });
    // Spliced in: every other byte is the client's.
    expect(up.body.replace('"stream_options":{"include_usage":true},', '')).toBe(JSON.stringify({ model: 'gpt-4o', stream: true, messages: [{ role: 'user', content: 'hi' }] }));

    const [rec] = await h.nextRecords();
    expect(rec).toMatchObject({ status: 'completed', api: 'chat_completions', streaming: true });
    expect(rec!.token_usages).toHaveLength(1);
    expect(rec!.token_usages[0]).toMatchObject({ provider_response_id: 'chatcmpl-CTextHello01', input_tokens: 19, output_tokens: 10 });
  });

  it('keeps the client’s other stream options and sets include_usage when it was false', async () => {
    await consume(openai, { model: 'gpt-4o', stream: true, stream_options: { include_usage: false, include_obfuscation: false }, messages: [{ role: 'user', content: 'x' }] });
    const up = h.up.requests[h.up.requests.length - 1]!;
    expect(up.json).toMatchObject({ stream_options: { include_usage: true, include_obfuscation: false } });
    const [rec] = await h.nextRecords();
    expect(rec!.token_usages).toHaveLength(1);
  });

  it('leaves a body that already asks for usage, and blocking calls, byte for byte', async () => {
    const raw = '{"model":"gpt-4o","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"y"}]}';
    const res = await fetch(`${h.openaiBase}/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${h.token}`, 'content-type': 'application/json' }, body: raw });
    await res.text();
    expect(h.up.requests[h.up.requests.length - 1]!.body).toBe(raw);
    await h.nextRecords();
  });
});

describe('inject_stream_usage off', () => {
  let h: GatewayHarness;
  beforeAll(async () => {
    h = await startGatewayHarness({ argv: ['--inject-stream-usage', 'false'] });
    h.up.setReply('chat', openaiLike);
  });
  afterAll(async () => {
    await h?.close();
  });

  it('sends the body untouched; the stream then carries no usage and the record no token row', async () => {
    const raw = '{ "model": "gpt-4o", "stream": true, "messages": [{"role": "user", "content": "z"}] }';
    const res = await fetch(`${h.openaiBase}/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${h.token}`, 'content-type': 'application/json' }, body: raw });
    expect(await res.text()).toBe(withoutUsage);
    expect(h.up.requests[h.up.requests.length - 1]!.body).toBe(raw);
    const [rec] = await h.nextRecords();
    expect(rec).toMatchObject({ status: 'completed' });
    expect(rec!.token_usages).toEqual([]);
  });
});
