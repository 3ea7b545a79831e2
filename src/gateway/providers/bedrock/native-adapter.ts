/**
 * `POST /bedrock/model/{id}/invoke` and `/bedrock/model/{id}/invoke-with-response-stream` for
 * Bedrock-native clients (`@anthropic-ai/bedrock-sdk`, Claude Code with `CLAUDE_CODE_USE_BEDROCK=1`,
 * `ANTHROPIC_BEDROCK_BASE_URL=http://127.0.0.1:PORT/bedrock`, `CLAUDE_CODE_SKIP_BEDROCK_AUTH=1`).
 * The client authenticates with the bridge token; the gateway signs the upstream call with its own
 * AWS credentials. The body is already Bedrock's and goes up byte for byte. Answers are Bedrock's
 * own wire format: JSON for invoke, the AWS binary event stream for the stream, and errors as
 * `{"message"}` with `x-amzn-errortype`.
 *
 * Model: the id in the URL is kept (the client chose a Bedrock model or inference profile), except
 * first-party names like `claude-…-haiku-…` that Bedrock cannot resolve, which are mapped as on
 * the Anthropic route (see {@link nativeModelId}).
 */
import type { CallSignal } from '../../upstream/call-abort.js';
import type { ResponseStream } from '@aws-sdk/client-bedrock-runtime';
import { NotFoundError } from '../../errors.js';
import type { ProviderAdapter, ProviderCall, ProviderReply } from '../adapter.js';
import { messagesCodec } from '../anthropic/codec.js';
import type { RequestFacts, SseEvent } from '../codec.js';
import { createClientCache } from './client.js';
import type { BedrockConfig } from './config.js';
import { amznErrorType, anthropicMappingFor, errorText, isAbortError, type BedrockErrorInfo } from './errors.js';
import { streamExceptionMember } from './invoke.js';
import { nativeModelId, parseNativePath } from './request.js';
import { assertUsable, callBedrock, midStreamError, requestIdHeaders, singleChunk, type BedrockAdapterOptions } from './shared.js';
import { anthropicErrorData, chunkEvent, encodeChunkFrame, encodeExceptionFrame, sseEvent, unreadableChunk } from './stream.js';

const encoder = new TextEncoder();

/** Facts for a native route: model and streaming from the URL, the prompt from the body. */
export function nativeRequestFacts(path: string, json: Record<string, unknown>): RequestFacts {
  const parsed = parseNativePath(path);
  const fromBody = messagesCodec.requestFacts(json);
  return { model: parsed?.modelId ?? fromBody.model, streaming: parsed?.streaming ?? false, prompt: fromBody.prompt };
}

/**
 * The Bedrock-native routes. Streams use mode `events`: the adapter reports each decoded Anthropic
 * event to `observer` (set by the pipeline before it reads `body`) so the record is complete.
 */
export function createBedrockNativeAdapter(getCfg: () => BedrockConfig, opts: BedrockAdapterOptions): ProviderAdapter {
  const clients = createClientCache();
  return {
    kind: 'bedrock',
    name: 'bedrock',
    codec: messagesCodec,
    errorShape: 'bedrock',
    requestFacts: nativeRequestFacts,
    async send(call: ProviderCall): Promise<ProviderReply> {
      const parsed = parseNativePath(call.path);
      if (!parsed) throw new NotFoundError(`Unknown Bedrock route ${call.path}: use /model/{id}/invoke or /model/{id}/invoke-with-response-stream.`);
      const cfg = getCfg();
      assertUsable(cfg);
      const model = nativeModelId(parsed.modelId, cfg);
      const res = await callBedrock(clients, cfg, opts, { modelId: model, body: call.rawBody, streaming: parsed.streaming, signal: call.signal });
      if (res.kind === 'error') return errorReply(res.info, model);
      if (res.kind === 'blocking') {
        return {
          status: 200,
          headers: { 'content-type': res.contentType, ...requestIdHeaders(res.requestId, false) },
          body: singleChunk(res.body),
          mode: 'json',
          model,
        };
      }
      const reply: ProviderReply = {
        status: 200,
        headers: {
          'content-type': 'application/vnd.amazon.eventstream',
          'x-amzn-bedrock-content-type': 'application/json',
          ...requestIdHeaders(res.requestId, false),
        },
        body: frameBody(res.events, call.signal, (ev) => reply.observer?.event(ev)),
        mode: 'events',
        model,
      };
      return reply;
    },
  };
}

function errorReply(info: BedrockErrorInfo, model: string): ProviderReply {
  return {
    status: info.bedrockStatus,
    headers: {
      'content-type': 'application/json',
      'x-amzn-errortype': amznErrorType(info.name),
      ...requestIdHeaders(info.requestId, false),
    },
    body: singleChunk(encoder.encode(JSON.stringify({ message: info.message }))),
    mode: 'json',
    model,
  };
}

/**
 * Bedrock events → event-stream frames for the client, reporting each Anthropic event to `observe`.
 * Failures become an exception frame for the client and an Anthropic `error` event for the record;
 * a recorder fault never breaks the client's stream.
 */
export async function* frameBody(
  events: AsyncIterable<ResponseStream>,
  signal: CallSignal,
  observe: (ev: SseEvent) => void,
): AsyncGenerator<Uint8Array> {
  const report = (ev: SseEvent): void => {
    try {
      observe(ev);
    } catch {
      // The record is best effort; the client's stream is not.
    }
  };
  const fail = (info: BedrockErrorInfo): Uint8Array => {
    report(sseEvent('error', anthropicErrorData(anthropicMappingFor(info).type, errorText(info))));
    return encodeExceptionFrame(info.name, info.message);
  };
  let stopped = false;
  try {
    for await (const ev of events) {
      if (ev.chunk) {
        const bytes = ev.chunk.bytes ?? new Uint8Array();
        const parsed = chunkEvent(bytes);
        if (parsed) {
          if (parsed.type === 'message_stop') stopped = true;
          report(sseEvent(parsed.type, parsed.data));
        } else if (bytes.length > 0) {
          report(unreadableChunk(bytes).event);
        }
        yield encodeChunkFrame(bytes);
        continue;
      }
      const exc = streamExceptionMember(ev);
      if (exc) {
        yield fail({ name: exc.name, message: exc.message, bedrockStatus: 500, requestId: undefined });
        return;
      }
    }
  } catch (err) {
    if (signal.aborted || isAbortError(err)) return;
    yield fail(midStreamError(err));
    return;
  }
  if (!stopped && !signal.aborted) {
    yield fail({ name: 'InternalServerException', message: 'Bedrock stream ended before message_stop', bedrockStatus: 500, requestId: undefined, local: true });
  }
}
