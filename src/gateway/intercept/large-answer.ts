/**
 * A blocking answer too large to parse for the record (issue #13: a 200 MB answer was buffered
 * whole, then decoded and parsed — three copies and a tree). Past {@link MAX_BLOCKING_PARSE} the
 * tee keeps only the answer's first and last bytes (tee.ts `keepTail`); the record then gets what
 * those hold: the response id and model from the start, the token usage from the end (every API
 * we speak puts `usage` after the content), and `metadata.response_not_parsed` saying what is
 * missing (tool calls and thoughts). The client's bytes are untouched either way.
 */
import type { ApiCodec, ApiOutcome } from '../providers/codec.js';
import type { Overflow } from './tee.js';

/** Most bytes of a blocking 2xx answer kept to be parsed whole. */
export const MAX_BLOCKING_PARSE = 32 * 1024 * 1024;
/** Bytes of the end of a larger answer kept for its usage. */
export const BLOCKING_TAIL = 256 * 1024;

/** The note the record carries when its answer was not parsed. */
export function notParsedNote(total: number): string {
  return `answer of ${total} bytes is larger than the ${MAX_BLOCKING_PARSE / 1024 / 1024} MiB parse limit: tokens read from its end; tool calls and thoughts not recorded`;
}

/** What the start and end of an answer too large to parse tell, through the API's own codec. */
export function outcomeFromEnds(codec: ApiCodec, o: Overflow): ApiOutcome {
  const head = o.head.toString('utf8');
  const tail = o.tail.toString('utf8');
  const id = /"id"\s*:\s*"((?:[^"\\]|\\.){0,300})"/.exec(head)?.[1];
  const model = /"model"\s*:\s*"((?:[^"\\]|\\.){0,300})"/.exec(head)?.[1];
  const usage = lastObjectAfter(tail, '"usage"');
  // One stub every codec reads as its own shape (Messages: type; Chat: choices; Responses: id + output).
  const stub = { id: id ?? '', model, type: 'message', role: 'assistant', content: [], choices: [], output: [], usage };
  const out = codec.parseBlocking(stub);
  return out.error === null ? out : { responses: [], error: null };
}

/** The JSON object that follows the last `key:` in `text`, parsed; undefined when none is whole. */
function lastObjectAfter(text: string, key: string): unknown {
  let at = text.lastIndexOf(key);
  while (at >= 0) {
    const m = /^\s*:\s*\{/.exec(text.slice(at + key.length, at + key.length + 64));
    if (m) {
      const start = at + key.length + m[0].length - 1;
      const end = objectEnd(text, start);
      if (end > 0) {
        try {
          return JSON.parse(text.slice(start, end)) as unknown;
        } catch {
          // not JSON after all: look further back
        }
      }
    }
    at = text.lastIndexOf(key, at - 1);
  }
  return undefined;
}

/** Index just past the object starting at `start` (a `{`), skipping strings; -1 if it does not close. */
function objectEnd(text: string, start: number): number {
  let depth = 0;
  for (let i = start; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      // a string: skip to its closing quote
      for (i++; i < text.length; i++) {
        const d = text.charCodeAt(i);
        if (d === 0x5c) i++;
        else if (d === 0x22) break;
      }
    } else if (c === 0x7b) depth++;
    else if (c === 0x7d && --depth === 0) return i + 1;
  }
  return -1;
}
