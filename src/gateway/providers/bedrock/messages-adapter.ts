/**
 * `POST /anthropic/v1/messages` served by Amazon Bedrock (when Bedrock is configured and Anthropic
 * is not, SPEC §4). The client speaks Anthropic Messages and gets Anthropic Messages back: SSE event
 * for event when streaming, the message JSON when blocking, Anthropic-shaped errors otherwise.
 */
import type { CallSignal } from '../../upstream/call-abort.js';
import type { ProviderAdapter, ProviderCall, ProviderReply } from '../adapter.js';
import { messagesCodec } from '../anthropic/codec.js';
import { createClientCache } from './client.js';
import type { BedrockConfig } from './config.js';
import { anthropicErrorBody, anthropicMappingFor, errorText, isAbortError, type BedrockErrorInfo } from './errors.js';
import { streamExceptionMember } from './invoke.js';
import { mapModel, toBedrockBody } from './request.js';
import { assertUsable, callBedrock, midStreamError, requestIdHeaders, singleChunk, type BedrockAdapterOptions } from './shared.js';
import { anthropicErrorData, chunkEvent, encodeSse, unreadableChunk } from './stream.js';
import type { ResponseStream } from '@aws-sdk/client-bedrock-runtime';

const encoder = new TextEncoder();

/**
 * The Anthropic Messages route over Bedrock. `getCfg` is read on every call, so settings changed
 * from the dashboard apply to the next request. Replies use mode `sse` (the pipeline parses the
 * SSE bytes produced here with the Anthropic codec) or `json`.
 */
export function createBedrockMessagesAdapter(getCfg: () => BedrockConfig, opts: BedrockAdapterOptions): ProviderAdapter {
  const clients = createClientCache();
  return {
    kind: 'bedrock',
    name: 'bedrock',
    codec: messagesCodec,
    errorShape: 'anthropic',
    readsWholeBody: true, // re-encoded for Bedrock (toBedrockBody)
    async send(call: ProviderCall): Promise<ProviderReply> {
      const cfg = getCfg();
      assertUsable(cfg);
      const clientModel = call.facts.model || (typeof call.json['model'] === 'string' ? call.json['model'] : '');
      const model = mapModel(clientModel, cfg);
      const body = encoder.encode(JSON.stringify(toBedrockBody(call.json, call.headers, model)));
      const res = await callBedrock(clients, cfg, opts, { modelId: model, body, streaming: call.facts.streaming, signal: call.signal });
      if (res.kind === 'error') return errorReply(res.info, model);
      if (res.kind === 'blocking') {
        return {
          status: 200,
          headers: { 'content-type': 'application/json', ...requestIdHeaders(res.requestId, true) },
          body: singleChunk(res.body),
          mode: 'json',
          model,
        };
      }
      return {
        status: 200,
        headers: {
          'content-type': 'text/event-stream; charset=utf-8',
          'cache-control': 'no-cache',
          ...requestIdHeaders(res.requestId, true),
        },
        body: sseBody(res.events, call.signal),
        mode: 'sse',
        model,
      };
    },
  };
}

function errorReply(info: BedrockErrorInfo, model: string): ProviderReply {
  const { status } = anthropicMappingFor(info);
  return {
    status,
    headers: { 'content-type': 'application/json', 'x-amzn-errortype': info.name, ...requestIdHeaders(info.requestId, true) },
    body: singleChunk(encoder.encode(JSON.stringify(anthropicErrorBody(info)))),
    mode: 'json',
    model,
  };
}

/**
 * Bedrock events → Anthropic SSE bytes. An exception frame, a broken connection or a stream that
 * stops before `message_stop` ends with an Anthropic `event: error` so the client (and the record)
 * see the failure; a client abort just ends the body.
 */
export async function* sseBody(events: AsyncIterable<ResponseStream>, signal: CallSignal): AsyncGenerator<Uint8Array> {
  let stopped = false;
  try {
    for await (const ev of events) {
      if (ev.chunk) {
        if (!ev.chunk.bytes) continue;
        const parsed = chunkEvent(ev.chunk.bytes);
        if (!parsed) {
          yield unreadableChunk(ev.chunk.bytes).sse;
          continue;
        }
        if (parsed.type === 'message_stop') stopped = true;
        yield encodeSse(parsed.type, parsed.data);
        continue;
      }
      const exc = streamExceptionMember(ev);
      if (exc) {
        const info = { name: exc.name, message: exc.message, bedrockStatus: 500, requestId: undefined };
        yield encodeSse('error', anthropicErrorData(anthropicMappingFor(info).type, errorText(exc)));
        return;
      }
    }
  } catch (err) {
    if (signal.aborted || isAbortError(err)) return;
    const info = midStreamError(err);
    yield encodeSse('error', anthropicErrorData(anthropicMappingFor(info).type, errorText(info)));
    return;
  }
  if (!stopped && !signal.aborted) {
    yield encodeSse('error', anthropicErrorData('api_error', 'Bedrock stream ended before message_stop'));
  }
}
