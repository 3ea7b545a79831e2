/**
 * Wire conversions for Bedrock streams. The SDK decodes AWS's binary event stream (STYLE §5: never
 * by hand); each `chunk` event carries the bytes of one Anthropic stream event as JSON. The
 * Anthropic route turns each into one SSE event (`event: <type>\ndata: <json>\n\n`), event for
 * event; the Bedrock-native route re-encodes it as an event-stream frame for Bedrock clients.
 */
import type { EventStreamCodec, MessageHeaders } from '@smithy/eventstream-codec';
import type { SseEvent } from '../codec.js';
import { exceptionFrameType } from './errors.js';
import { eventStreamCodec, smithyUtf8 } from './sdk.js';

let frameCodec: EventStreamCodec | undefined;
/** The frame codec, made at the first frame (the SDK's modules load on first use: sdk.ts). */
function codec(): EventStreamCodec {
  if (!frameCodec) {
    const { fromUtf8, toUtf8 } = smithyUtf8();
    frameCodec = new (eventStreamCodec().EventStreamCodec)(toUtf8, fromUtf8);
  }
  return frameCodec;
}
const utf8Bytes = (s: string): Uint8Array => smithyUtf8().fromUtf8(s);
const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8');

/** One Anthropic stream event carried by a Bedrock chunk. */
export interface ChunkEvent {
  /** The payload's `type` (`message_start`, `content_block_delta`, …), used as the SSE event name. */
  type: string;
  /** The JSON text on one line, as Bedrock sent it when it already was one line. */
  data: string;
}

/**
 * Reads a chunk's bytes as an Anthropic event; null for payloads without a string `type` (nothing
 * to name the SSE event by) or that are not JSON.
 */
export function chunkEvent(bytes: Uint8Array): ChunkEvent | null {
  const text = decoder.decode(bytes);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof parsed !== 'object' || parsed === null) return null;
  const type = (parsed as { type?: unknown }).type;
  if (typeof type !== 'string' || type === '') return null;
  // SSE `data:` must be one line; re-serialize only when the upstream JSON was pretty-printed.
  const data = /[\r\n]/.test(text) ? JSON.stringify(parsed) : text.trim();
  return { type, data };
}

/**
 * A chunk that is not an Anthropic event, as an unnamed SSE event carrying its text (one `data:`
 * line per line): clients skip unnamed events, and the recorder sees it and marks the call failed
 * (SPEC §10 2026-12-04), instead of the chunk vanishing.
 */
export function unreadableChunk(bytes: Uint8Array): { sse: Uint8Array; event: SseEvent } {
  const text = decoder.decode(bytes);
  const lines = text.split(/\r\n|\r|\n/);
  return {
    sse: encoder.encode(`${lines.map((l) => `data: ${l}`).join('\n')}\n\n`),
    event: { event: undefined, data: lines.join('\n'), id: undefined },
  };
}

/** `event: <name>\ndata: <data>\n\n` as bytes. */
export function encodeSse(event: string, data: string): Uint8Array {
  return encoder.encode(`event: ${event}\ndata: ${data}\n\n`);
}

/** The parsed form of an event, for observers. */
export function sseEvent(event: string, data: string): SseEvent {
  return { event, data, id: undefined };
}

/** An Anthropic stream `error` event's data for a Bedrock failure. */
export function anthropicErrorData(type: string, message: string): string {
  return JSON.stringify({ type: 'error', error: { type, message } });
}

function stringHeaders(h: Record<string, string>): MessageHeaders {
  const out: MessageHeaders = {};
  for (const [k, v] of Object.entries(h)) out[k] = { type: 'string', value: v };
  return out;
}

/** A Bedrock `chunk` frame: `{"bytes":"<base64 of the Anthropic event JSON>"}`. */
export function encodeChunkFrame(bytes: Uint8Array): Uint8Array {
  const payload = JSON.stringify({ bytes: Buffer.from(bytes).toString('base64') });
  return codec().encode({
    headers: stringHeaders({ ':event-type': 'chunk', ':content-type': 'application/json', ':message-type': 'event' }),
    body: utf8Bytes(payload),
  });
}

/** A Bedrock exception frame (`:message-type: exception`) such as a mid-stream throttling. */
export function encodeExceptionFrame(name: string, message: string): Uint8Array {
  return codec().encode({
    headers: stringHeaders({
      ':exception-type': exceptionFrameType(name),
      ':content-type': 'application/json',
      ':message-type': 'exception',
    }),
    body: utf8Bytes(JSON.stringify({ message })),
  });
}
