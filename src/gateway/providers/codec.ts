/**
 * What each provider API contributes to an interception, as pure functions over the wire format.
 * The proxy pipeline (src/gateway/intercept) forwards bytes untouched and feeds a parsed copy to a
 * {@link StreamReducer}; blocking bodies go to {@link ApiCodec.parseBlocking}. Neither ever sees
 * secrets and neither may throw on odd input: unknown shapes are ignored.
 */
import type { Api, Metadata } from '../../record/types.js';

/** One parsed server-sent event (see src/gateway/sse). */
export interface SseEvent {
  /** `event:` field, or undefined when absent. */
  event: string | undefined;
  data: string;
  id: string | undefined;
}

export interface ApiUsage {
  /** Input tokens excluding cache reads (SPEC §6). */
  input_tokens: number;
  output_tokens: number;
  cache_read_input_tokens: number;
  cache_write_input_tokens: number;
  /** e.g. `{ reasoning_tokens: 12 }` */
  metadata: Metadata;
}

export interface ApiToolCall {
  tool_call_id: string;
  tool: string;
  /** Parsed JSON arguments, or the raw string when not valid JSON. */
  input: unknown;
}

/** Where a model thought came from (SPEC §10 2026-12-04: every thought has `metadata.source`). */
export type ThoughtSource = 'thinking' | 'reasoning_summary' | 'commentary';

export interface ApiThought {
  content: string;
  /** `thinking` (Anthropic thinking blocks), `reasoning_summary` (Responses reasoning summary parts), `commentary` (Responses assistant messages with `phase: "commentary"`). */
  source: ThoughtSource;
}

/** Everything one upstream response (one message / completion / response object) yielded. */
export interface ApiResponse {
  /** The upstream response id (`msg_…`, `chatcmpl-…`, `resp_…`), '' if none was seen. */
  provider_response_id: string;
  /** Whole usage for this response, or null when the upstream never reported it. */
  usage: ApiUsage | null;
  tool_calls: ApiToolCall[];
  /** Model thoughts (Anthropic thinking blocks, Responses reasoning summaries and commentary), in order. */
  thoughts: ApiThought[];
  /** Model name the upstream reported, when it did. */
  model?: string;
}

export interface ApiOutcome {
  responses: ApiResponse[];
  /**
   * An error the upstream reported inside a 2xx answer (Anthropic `event: error`, Responses
   * `response.failed`, an OpenAI error chunk) or a body that is not the API's format; null if none.
   */
  error: string | null;
  /**
   * Streams only: whether the API's terminal event was seen (Anthropic `message_stop`, Chat
   * `data: [DONE]`, Responses `response.completed` / `response.incomplete` / `response.failed`).
   * A stream that ends without it is not an error by itself: the pipeline decides whether the call
   * was cancelled or completed. Blocking parses leave it undefined.
   */
  complete?: boolean;
}

/** Incremental state for one streamed response. Must be O(event) per call: never re-scan. */
export interface StreamReducer {
  event(ev: SseEvent): void;
  /** Called once when the stream ends (normally or not); returns what was seen so far. */
  finish(): ApiOutcome;
}

/** The request-side facts the recorder needs from a client body. */
export interface RequestFacts {
  model: string;
  streaming: boolean;
  /** SPEC §6 `user_prompts` rule; null when the last user message holds only tool results. */
  prompt: string | null;
}

/** One provider API's wire knowledge. */
export interface ApiCodec {
  api: Api;
  /** Reads model / stream flag / prompt from a parsed client request body. Never throws. */
  requestFacts(body: unknown): RequestFacts;
  createStreamReducer(): StreamReducer;
  /** Parses a blocking 2xx JSON body. Never throws: a non-API body gives `error`. */
  parseBlocking(body: unknown): ApiOutcome;
}
