/**
 * Builds an {@link ApiCodec} from its API-specific parts. Every API reads `model` and `stream`
 * the same way, and a blocking parse that throws on an odd body becomes the API's "not our
 * format" error instead of an exception (codecs never throw, types.ts).
 */
import type { Api } from '../../record/types.js';
import type { ApiCodec, ApiOutcome, RequestFacts, SseEvent, StreamReducer } from './codec.js';
import { asString, isObject, parseJson, type JsonObject } from './wire-json.js';

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
 * Base for stream reducers: an event whose shape is odd is skipped, never thrown to the pipeline
 * (codec.ts), and the next event is read as usual. An event whose data cannot be parsed at all (not
 * a JSON object) is skipped too, but remembered: the outcome then carries an error naming the first
 * such event (SPEC §10 2026-12-04: the call is `failed`), while later valid events still count
 * (their tokens and tool calls stay in the record). An error the upstream reported itself wins.
 */
export abstract class TolerantReducer implements StreamReducer {
  private seenEvents = 0;
  private unreadable: string | null = null;

  event(ev: SseEvent): void {
    this.seenEvents++;
    try {
      this.apply(ev);
    } catch {
      // An odd event is ignored; the stream keeps flowing and later events still count.
    }
  }

  finish(): ApiOutcome {
    const out = this.outcome();
    if (out.error === null && this.unreadable !== null) out.error = this.unreadable;
    return out;
  }

  /**
   * The event's data as a JSON object; undefined (and the event remembered as malformed) when it is
   * not one. Blank data is no event of the API and is ignored.
   */
  protected json(ev: SseEvent): JsonObject | undefined {
    const text = ev.data.trim();
    if (text === '') return undefined;
    const value = parseJson(text);
    if (isObject(value)) return value;
    this.malformed(ev, value === undefined ? 'not valid JSON' : 'not a JSON object');
    return undefined;
  }

  /** Remembers the first event that cannot be read as an event of the API. */
  protected malformed(ev: SseEvent, why: string): void {
    if (this.unreadable !== null) return;
    const name = ev.event !== undefined && ev.event !== '' ? ` "${ev.event}"` : '';
    const text = ev.data.trim();
    const snippet = text.length > 80 ? `${text.slice(0, 80)}…` : text;
    this.unreadable = `malformed stream event #${this.seenEvents}${name}: ${why}: ${snippet}`;
  }

  /** Folds one event into the state; may throw on shapes it does not expect. */
  protected abstract apply(ev: SseEvent): void;

  /** What the stream yielded (before the malformed-event check). */
  protected abstract outcome(): ApiOutcome;
}
