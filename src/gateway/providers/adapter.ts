/**
 * How a provider is plugged into the proxy pipeline (src/gateway/intercept/intercept.ts).
 * An adapter turns the client's call into an upstream call and hands back the bytes for the client
 * plus how the pipeline may watch them. It never sees the bridge token; it adds the provider key.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { ApiCodec, RequestFacts, SseEvent } from './codec.js';
import type { ProviderKind } from '../../record/types.js';
import type { ErrorShape } from '../errors.js';
import type { CallSignal } from '../upstream/call-abort.js';

export interface ProviderCall {
  /** The client's raw body, forwarded byte for byte where the provider allows. */
  rawBody: Buffer;
  /**
   * The parsed body (always a JSON object for intercepted routes). Read it before `send`'s first
   * `await`: the pipeline drops it right after calling `send`, so a large body is not held twice.
   * Unless the adapter {@link ProviderAdapter.readsWholeBody}, a large body's long strings are
   * placeholders here; `rawBody` is the body.
   */
  json: Record<string, unknown>;
  /** Path after the provider prefix, e.g. `/v1/messages` or `/model/xyz/invoke`. */
  path: string;
  /** Query string including the leading `?`, or ''. Kept as sent (`?beta=true`). */
  search: string;
  /** Client headers with auth, cookies and hop-by-hop headers already removed. */
  headers: IncomingHttpHeaders;
  /** Aborted when the client goes away or the gateway times out; pass it to every upstream call. */
  signal: CallSignal;
  facts: RequestFacts;
}

export interface ProviderReply {
  status: number;
  /** Response headers for the client (hop-by-hop dropped; content-length only when `body` is the upstream's bytes). */
  headers: Record<string, string>;
  /** Bytes for the client, forwarded chunk by chunk as they arrive. */
  body: AsyncIterable<Uint8Array>;
  /**
   * How the pipeline watches the bytes: `sse` parses them as server-sent events, `json` buffers a
   * blocking body, `events` means the adapter reports parsed events itself through `observer`
   * (the pipeline sets `observer` before reading `body`), e.g. Bedrock's binary event stream.
   */
  mode: 'sse' | 'json' | 'events';
  observer?: { event(ev: SseEvent): void };
  /** The model actually used when the adapter replaced the client's (Bedrock). */
  model?: string;
}

export interface ProviderAdapter {
  /** `provider` in the record. */
  readonly kind: ProviderKind;
  /** `provider_name` in the record. */
  readonly name: string;
  readonly codec: ApiCodec;
  readonly errorShape: ErrorShape;
  /**
   * Overrides `codec.requestFacts` when the path carries facts the body does not (Bedrock-native
   * routes put the model id and the streaming choice in the URL).
   */
  requestFacts?(path: string, json: Record<string, unknown>): RequestFacts;
  /**
   * True when `send` reads the parsed body's strings whole (it re-encodes the body, Bedrock's
   * Anthropic route): a large body is then parsed whole. Otherwise a body of 1 MiB or more may
   * reach `send` with its long strings as placeholders (src/gateway/http/large-body.ts): `send`
   * forwards `rawBody` and reads only short fields of `json`.
   */
  readonly readsWholeBody?: boolean;
  /**
   * Throws a GatewayError when the provider is not configured (503), unreachable (502) or timed
   * out before answering (504). Any HTTP answer, error statuses included, is a reply.
   */
  send(call: ProviderCall): Promise<ProviderReply>;
}

/**
 * A guard's `guard(adapter)`: the adapter with `wrap` in front of it, made once per adapter and
 * reused (the request path asks for it on every call).
 */
export function wrapperPerAdapter(wrap: (adapter: ProviderAdapter) => ProviderAdapter): (adapter: ProviderAdapter) => ProviderAdapter {
  const wrapped = new WeakMap<ProviderAdapter, ProviderAdapter>();
  return (adapter) => {
    let w = wrapped.get(adapter);
    if (!w) {
      w = wrap(adapter);
      wrapped.set(adapter, w);
    }
    return w;
  };
}
