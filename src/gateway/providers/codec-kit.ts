/**
 * Builds an {@link ApiCodec} from its API-specific parts. Every API reads `model` and `stream`
 * the same way, and a blocking parse that throws on an odd body becomes the API's "not our
 * format" error instead of an exception (codecs never throw, types.ts).
 */
import type { Api } from '../../record/types.js';
import type { ApiCodec, ApiOutcome, RequestFacts, SseEvent, StreamReducer } from './codec.js';
import { asString, isObject } from './wire-json.js';

export interface CodecParts {
  api: Api;
  /** SPEC §6 prompt rule for this API's request body. */
  prompt(body: unknown): string | null;
  createStreamReducer(): StreamReducer;
  /** May throw on a body that is not this API's format. */
  parseBlocking(body: unknown): ApiOutcome;
  /** The error recorded when `parseBlocking` throws. */
  notApiError: string;
}

export function defineCodec(parts: CodecParts): ApiCodec {
  return {
    api: parts.api,
    requestFacts(body: unknown): RequestFacts {
      const obj = isObject(body) ? body : {};
      return { model: asString(obj['model']) ?? '', streaming: obj['stream'] === true, prompt: parts.prompt(body) };
    },
    createStreamReducer: parts.createStreamReducer,
    parseBlocking(body: unknown): ApiOutcome {
      try {
        return parts.parseBlocking(body);
      } catch {
        return { responses: [], error: parts.notApiError };
      }
    },
  };
}

/**
 * Base for stream reducers: an event that cannot be read is skipped, never thrown to the pipeline
 * (types.ts), and the next event is read as usual.
 */
export abstract class TolerantReducer implements StreamReducer {
  event(ev: SseEvent): void {
    try {
      this.apply(ev);
    } catch {
      // An odd event is ignored; the stream keeps flowing and later events still count.
    }
  }

  /** Folds one event into the state; may throw on shapes it does not expect. */
  protected abstract apply(ev: SseEvent): void;

  abstract finish(): ApiOutcome;
}
