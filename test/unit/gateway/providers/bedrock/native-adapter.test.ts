/** The Bedrock-native adapter against the mock Bedrock runtime, without the gateway around it. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventStreamCodec } from '@smithy/eventstream-codec';
import { fromUtf8, toUtf8 } from '@smithy/util-utf8';
import type { ProviderAdapter, ProviderCall, ProviderReply } from '../../../../../src/gateway/providers/adapter.js';
import type { SseEvent } from '../../../../../src/gateway/providers/codec.js';
import { createBedrockNativeAdapter } from '../../../../../src/gateway/providers/bedrock/index.js';
import type { BedrockConfig } from '../../../../../src/gateway/providers/bedrock/config.js';
import { MOCK_ERRORS, blockingMessage, fixtureEvents, startMockBedrock, type MockBedrock } from '../../../../helpers/mock-bedrock.js';

const codec = new EventStreamCodec(toUtf8, fromUtf8);
let mock: MockBedrock;
let cfg: BedrockConfig;

beforeAll(async () => {
  mock = await startMockBedrock();
  cfg = { region: 'us-west-2', model: 'us.anthropic.claude-sonnet-4-20250514-v1:0', smallFastModel: 'us.anthropic.claude-3-5-haiku-20241022-v1:0', baseUrl: mock.url, accessKey: 'AKIDNATIVE', accessKeySecret: 'secret' };
});
afterAll(async () => {
  await mock.close();
});

const bedrockBody = { anthropic_version: 'bedrock-2023-05-31', max_tokens: 100, messages: [{ role: 'user', content: [{ type: 'text', text: 'Native hello' }] }], some_new_field: 1 };

function call(adapter: ProviderAdapter, path: string, signal?: AbortSignal): ProviderCall {
  const rawBody = Buffer.from(JSON.stringify(bedrockBody));
  return {
    rawBody,
    json: bedrockBody,
    path,
    search: '',
    headers: {},
    signal: signal ?? new AbortController().signal,
    facts: adapter.requestFacts!(path, bedrockBody),
  };
}

async function collect(reply: ProviderReply, observed: SseEvent[]): Promise<Buffer> {
  reply.observer = { event: (ev) => observed.push(ev) };
  const parts: Buffer[] = [];
  for await (const c of reply.body) parts.push(Buffer.from(c));
  return Buffer.concat(parts);
}

/** Splits an event-stream body into frames (each starts with its 4-byte total length). */
function frames(buf: Buffer): ReturnType<typeof codec.decode>[] {
  const out = [];
  for (let off = 0; off < buf.length; ) {
    const len = buf.readUInt32BE(off);
    out.push(codec.decode(buf.subarray(off, off + len)));
    off += len;
  }
  return out;
}

const adapter = () => createBedrockNativeAdapter(() => cfg, { timeoutMs: 5000 });

describe('Bedrock-native adapter', () => {
  it('derives facts from the path: model id (decoded), streaming, prompt from the body', () => {
    const a = adapter();
    expect(a.requestFacts!('/model/us.anthropic.claude-3-5-haiku-20241022-v1%3A0/invoke-with-response-stream', bedrockBody)).toEqual({
      model: 'us.anthropic.claude-3-5-haiku-20241022-v1:0',
      streaming: true,
      prompt: 'Native hello',
    });
    expect(a.errorShape).toBe('bedrock');
    expect(a.kind).toBe('bedrock');
  });

  it('re-encodes the stream as AWS event-stream frames and reports each Anthropic event', async () => {
    mock.setScenario('thinking');
    const a = adapter();
    const reply = await a.send(call(a, '/model/anthropic.claude-3-7-sonnet-20250219-v1%3A0/invoke-with-response-stream'));
    expect(reply.status).toBe(200);
    expect(reply.mode).toBe('events');
    expect(reply.headers['content-type']).toBe('application/vnd.amazon.eventstream');
    expect(reply.model).toBe('anthropic.claude-3-7-sonnet-20250219-v1:0');
    const observed: SseEvent[] = [];
    const out = frames(await collect(reply, observed));
    const expected = fixtureEvents('thinking');
    expect(out).toHaveLength(expected.length);
    out.forEach((f, i) => {
      expect(f.headers[':event-type']?.value).toBe('chunk');
      const bytes = (JSON.parse(toUtf8(f.body)) as { bytes: string }).bytes;
      expect(Buffer.from(bytes, 'base64').toString('utf8')).toBe(expected[i]?.data);
    });
    expect(observed.map((e) => e.event)).toEqual(expected.map((e) => e.event));

    const up = mock.last();
    expect(up.modelId).toBe('anthropic.claude-3-7-sonnet-20250219-v1:0');
    expect(up.rawBody.equals(Buffer.from(JSON.stringify(bedrockBody)))).toBe(true);
    expect(up.credential?.accessKeyId).toBe('AKIDNATIVE');
  });

  it('answers invoke with the JSON and maps only first-party model names', async () => {
    mock.setScenario('text');
    const a = adapter();
    const reply = await a.send(call(a, '/model/claude-3-5-haiku-20241022/invoke'));
    expect(reply.mode).toBe('json');
    expect(reply.model).toBe(cfg.smallFastModel);
    const observed: SseEvent[] = [];
    expect(JSON.parse((await collect(reply, observed)).toString('utf8'))).toEqual(blockingMessage('text'));
    expect(mock.last().modelId).toBe(cfg.smallFastModel);
  });

  it('answers Bedrock errors in Bedrock shape', async () => {
    mock.setScenario('throttling');
    const a = adapter();
    const reply = await a.send(call(a, '/model/m/invoke'));
    expect(reply.status).toBe(429);
    expect(reply.headers['x-amzn-errortype']).toMatch(/^ThrottlingException:/);
    expect(JSON.parse((await collect(reply, [])).toString('utf8'))).toEqual({ message: MOCK_ERRORS.throttling.message });
  });

  it('forwards an exception frame mid-stream and reports an error event', async () => {
    mock.setScenario('exception-mid-stream', { after: 2, exceptionType: 'serviceUnavailableException', exceptionMessage: 'busy' });
    const a = adapter();
    const observed: SseEvent[] = [];
    const out = frames(await collect(await a.send(call(a, '/model/m/invoke-with-response-stream')), observed));
    expect(out).toHaveLength(3);
    const last = out[2]!;
    expect(last.headers[':message-type']?.value).toBe('exception');
    expect(last.headers[':exception-type']?.value).toBe('serviceUnavailableException');
    expect(JSON.parse(toUtf8(last.body))).toEqual({ message: 'busy' });
    expect(observed.at(-1)).toEqual({
      event: 'error',
      data: JSON.stringify({ type: 'error', error: { type: 'overloaded_error', message: 'ServiceUnavailableException: busy' } }),
      id: undefined,
    });
  });

  it('404s paths that are not invoke routes', async () => {
    const a = adapter();
    await expect(a.send(call(a, '/model/m/converse'))).rejects.toMatchObject({ status: 404 });
  });
});
