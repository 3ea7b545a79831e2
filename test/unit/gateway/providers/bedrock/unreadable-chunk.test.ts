/**
 * Issue 14: a Bedrock stream chunk that is not an Anthropic event no longer vanishes. On both
 * Bedrock routes the record's reducer sees it, so the call is `failed` with an error naming it, and
 * the tokens of later chunks still count; the Anthropic-route client gets it as an unnamed SSE
 * event (which SDKs skip), the native client gets the chunk frame as Bedrock sent it.
 */
import { describe, expect, it } from 'vitest';
import type { ResponseStream } from '@aws-sdk/client-bedrock-runtime';
import { messagesCodec } from '../../../../../src/gateway/providers/anthropic/codec.js';
import { sseBody } from '../../../../../src/gateway/providers/bedrock/messages-adapter.js';
import { frameBody } from '../../../../../src/gateway/providers/bedrock/native-adapter.js';
import type { SseEvent } from '../../../../../src/gateway/providers/codec.js';
import { runSseText } from '../../../../helpers/codec-harness.js';

const enc = new TextEncoder();
const chunk = (text: string): ResponseStream => ({ chunk: { bytes: enc.encode(text) } }) as ResponseStream;
const events = (): ResponseStream[] => [
  chunk(JSON.stringify({ type: 'message_start', message: { id: 'msg_bad', model: 'claude-x', usage: { input_tokens: 11, output_tokens: 1 } } })),
  chunk('{"type":"content_block_delta","index":0,"delta":{"type":"text_de'),
  chunk(JSON.stringify({ type: 'message_delta', delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 42 } })),
  chunk(JSON.stringify({ type: 'message_stop' })),
];
async function* from(list: ResponseStream[]): AsyncGenerator<ResponseStream> {
  for (const ev of list) yield ev;
}

describe('unreadable Bedrock chunks', () => {
  it('Anthropic route: the record is failed naming the event, later tokens kept; the chunk reaches the client unnamed', async () => {
    let text = '';
    for await (const bytes of sseBody(from(events()), new AbortController().signal)) text += Buffer.from(bytes).toString('utf8');
    expect(text).toContain('\n\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_de\n\n');
    const out = runSseText(messagesCodec, text);
    expect(out.error).toBe('malformed stream event #2: not valid JSON: {"type":"content_block_delta","index":0,"delta":{"type":"text_de');
    expect(out.responses[0]?.usage).toMatchObject({ input_tokens: 11, output_tokens: 42 });
    expect(out.complete).toBe(true);
  });

  it('native route: the observer sees it, so the record is failed; tokens kept', async () => {
    const reducer = messagesCodec.createStreamReducer();
    let frames = 0;
    for await (const _ of frameBody(from(events()), new AbortController().signal, (ev: SseEvent) => reducer.event(ev))) frames++;
    expect(frames).toBe(4);
    const out = reducer.finish();
    expect(out.error).toMatch(/^malformed stream event #2: not valid JSON: /);
    expect(out.responses[0]?.usage).toMatchObject({ input_tokens: 11, output_tokens: 42 });
  });

  it('a JSON chunk without a type is malformed too', () => {
    const out = runSseText(messagesCodec, 'data: {"hello":1}\n\n');
    expect(out.error).toBe('malformed stream event #1: no event type: {"hello":1}');
  });
});
