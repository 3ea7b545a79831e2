/**
 * The one SSE parser (STYLE.md §5): bytes in, {@link SseEvent}s out. Handles a BOM, CR/LF/CRLF
 * line ends and events split across chunks (eventsource-parser does the line state machine;
 * TextDecoder in streaming mode keeps multi-byte characters split across chunks whole).
 * Providers consume parsed events and never split raw text themselves.
 */
import { createParser, type EventSourceParser } from 'eventsource-parser';
import type { SseEvent } from '../providers/codec.js';

export interface SseParser {
  /** Feed one raw chunk as it arrived from upstream. */
  push(chunk: Uint8Array): void;
  /** End of stream: a final event without its blank line is still delivered. */
  end(): void;
}

/** Longest single event we will buffer while parsing the tee (the client stream is never limited). */
const MAX_EVENT_BYTES = 16 * 1024 * 1024;

export function createSseParser(onEvent: (ev: SseEvent) => void, onError?: (err: Error) => void): SseParser {
  const decoder = new TextDecoder('utf-8');
  let broken = false;
  const parser: EventSourceParser = createParser({
    onEvent: (m) => onEvent({ event: m.event, data: m.data, id: m.id }),
    onError: (err) => {
      // Field errors (unknown field, bad retry) are harmless; an oversized event stops parsing the
      // tee, never the client's stream.
      if (err.type === 'max-buffer-size-exceeded') {
        broken = true;
        onError?.(err);
      }
    },
    maxBufferSize: MAX_EVENT_BYTES,
  });
  return {
    push(chunk) {
      if (broken) return;
      parser.feed(decoder.decode(chunk, { stream: true }));
    },
    end() {
      if (broken) return;
      // eventsource-parser's reset({consume:true}) parses a pending line but never dispatches it;
      // a blank line ends the last event as a server would have (a no-op if it already ended).
      parser.feed(decoder.decode() + '\n\n');
    },
  };
}
