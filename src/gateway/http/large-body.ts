/**
 * Parsing a large request body without holding it three times (issue #13: memory per large body).
 *
 * `JSON.parse` needs the whole body as text, and its tree holds every string again: for a 30 MB
 * prompt the bytes (kept to go upstream as they are), their text and the parsed prompt live at
 * once. When the adapter forwards the bytes untouched and nothing reads the whole tree (the facts
 * the record needs are the model, the stream flag and the prompt, cut to `max_stored_field`), a
 * large body is parsed differently:
 *
 * - every string of more than {@link LONG_STRING} bytes is checked where it lies in the bytes
 *   (UTF-8, escapes, control characters: the same 400s as `JSON.parse`) and stands in the text
 *   given to `JSON.parse` as a short placeholder, so the tree is small;
 * - the few strings the record takes (`RequestFacts`) are then expanded from the bytes: the prompt
 *   only up to the cap (its first `max_stored_field` bytes and the exact count of bytes cut), the
 *   model whole.
 *
 * The placeholder is `\u0000` + a per-process random tag + its number + `\u0000`: a client cannot
 * write one without knowing the tag. Object keys that long are placeholders too (only known keys
 * are ever read).
 */
import { randomBytes } from 'node:crypto';
import { isUtf8 } from 'node:buffer';
import { truncationMark } from '../../record/field-cap.js';

/** Strings longer than this (bytes as sent) stand as placeholders in a large body's tree. */
export const LONG_STRING = 16 * 1024;

const TAG = `aib${randomBytes(6).toString('hex')}`;
const MARK = new RegExp(`\\u0000${TAG}:(\\d+)\\u0000`, 'g');

/** One string left in the bytes: its content's byte range (quotes excluded). */
interface Span {
  start: number;
  end: number;
  /** Its UTF-8 length once decoded (escapes resolved), as `Buffer.byteLength` counts it. */
  bytes: number;
}

/** The long strings of a large body, left in its bytes; expands placeholders in texts. */
export class LongStrings {
  constructor(
    private readonly raw: Buffer,
    private readonly spans: readonly Span[],
  ) {}

  /** Whether `text` holds a placeholder. */
  has(text: string): boolean {
    return text.includes(`\u0000${TAG}:`);
  }

  /**
   * `text` with its placeholders replaced by their strings. With `maxBytes`, cut like `capText`
   * (src/record/field-cap.ts): the first `maxBytes` bytes on a character boundary and
   * `…[truncated N bytes]`, N counted over the whole expanded text; only that much is decoded.
   */
  expand(text: string, maxBytes = Infinity): { text: string; truncated: boolean } {
    const pieces: string[] = [];
    let kept = 0; // UTF-8 bytes in pieces
    let total = 0; // UTF-8 bytes of the whole expansion
    const enough = () => kept >= maxBytes + 4; // a cut at maxBytes then lies inside `pieces`
    const literal = (s: string) => {
      const n = Buffer.byteLength(s, 'utf8');
      total += n;
      if (!enough()) {
        pieces.push(s);
        kept += n;
      }
    };
    let at = 0;
    for (const m of text.matchAll(MARK)) {
      literal(text.slice(at, m.index));
      at = m.index + m[0].length;
      const span = this.spans[Number(m[1])];
      if (!span) continue;
      total += span.bytes;
      for (const piece of decodePieces(this.raw, span.start, span.end)) {
        if (enough()) break;
        pieces.push(piece);
        kept += Buffer.byteLength(piece, 'utf8');
      }
    }
    literal(text.slice(at));
    const whole = pieces.join('');
    if (total <= maxBytes) return { text: whole, truncated: false };
    const head = Buffer.from(whole.length > maxBytes ? whole.slice(0, maxBytes) : whole, 'utf8');
    let cut = Math.min(maxBytes, head.length);
    while (cut > 0 && cut < head.length && (head[cut]! & 0xc0) === 0x80) cut--;
    return { text: head.toString('utf8', 0, cut) + truncationMark(total - cut), truncated: true };
  }
}

/** Decodes the body's first piece (a leading byte order mark is skipped, as `read-body` does). */
const UTF8 = new TextDecoder('utf-8', { fatal: true });
/** Decodes pieces after the first: a byte order mark there is a character, not skipped. */
const INNER_UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Bytes of a long string decoded at a time. */
const PIECE = 256 * 1024;

/** The string content at `raw[start, end)` (JSON escapes, checked already), decoded piece by piece. */
function* decodePieces(raw: Buffer, start: number, end: number): Generator<string> {
  const utf8 = new TextDecoder('utf-8');
  let at = start;
  while (at < end) {
    let cut = Math.min(at + PIECE, end);
    if (cut < end) cut = escapeSafeCut(raw, at, cut);
    const text = utf8.decode(raw.subarray(at, cut), { stream: cut < end });
    yield JSON.parse(`"${text}"`) as string;
    at = cut;
  }
}

/** `cut`, or the start of an escape sequence that would straddle it (a `\u` pair counts as one). */
function escapeSafeCut(raw: Buffer, from: number, cut: number): number {
  // Walk forward from a point no escape can straddle into: back from `cut - 12` over backslashes.
  let i = Math.max(from, cut - 12);
  while (i > from && raw[i - 1] === 0x5c) i--;
  while (i < cut) {
    if (raw[i] !== 0x5c) {
      i++;
      continue;
    }
    const len = raw[i + 1] === 0x75 ? (isHighSurrogateEscape(raw, i) && raw[i + 6] === 0x5c && raw[i + 7] === 0x75 ? 12 : 6) : 2;
    if (i + len > cut) return i;
    i += len;
  }
  return cut;
}

function isHighSurrogateEscape(raw: Buffer, i: number): boolean {
  const code = parseInt(raw.toString('latin1', i + 2, i + 6), 16);
  return code >= 0xd800 && code <= 0xdbff;
}

/** The reason {@link withoutLongStrings} gives for a long string whose bytes are not UTF-8. */
export const NOT_UTF8 = 'not valid UTF-8';

/** Why a long string is not valid JSON, or its decoded UTF-8 length. */
function checkString(raw: Buffer, start: number, end: number): number | string {
  if (!isUtf8(raw.subarray(start, end))) return NOT_UTF8;
  let bytes = end - start;
  let highEnd = -1; // where the last `\uD800`–`\uDBFF` escape ended
  for (let i = start; i < end; i++) {
    const b = raw[i]!;
    if (b < 0x20) return `bad control character in string literal at byte ${i}`;
    if (b !== 0x5c) continue;
    const e = raw[i + 1];
    if (e === 0x75) {
      let code = 0;
      for (let k = i + 2; k < i + 6; k++) {
        const h = hexValue(raw[k]);
        if (h < 0 || k >= end) return `bad Unicode escape in string at byte ${i}`;
        code = code * 16 + h;
      }
      // `\uXXXX` (6 bytes) is 1–3 bytes of UTF-8; a lone surrogate counts 3 (Buffer.byteLength's
      // U+FFFD), a pair 4 in all (3 + 1 here, the low half's 3 below).
      bytes -= 6 - (code < 0x80 ? 1 : code < 0x800 ? 2 : 3);
      if (code >= 0xdc00 && code <= 0xdfff && highEnd === i) bytes -= 2; // the pair is 4 bytes, not 3 + 3
      highEnd = code >= 0xd800 && code <= 0xdbff ? i + 6 : -1;
      i += 5;
    } else if (e === 0x22 || e === 0x5c || e === 0x2f || e === 0x62 || e === 0x66 || e === 0x6e || e === 0x72 || e === 0x74) {
      bytes -= 1;
      i += 1;
    } else return `bad escaped character in string at byte ${i}`;
  }
  return bytes;
}

function hexValue(b: number | undefined): number {
  if (b === undefined) return -1;
  if (b >= 0x30 && b <= 0x39) return b - 0x30;
  if (b >= 0x61 && b <= 0x66) return b - 0x57;
  if (b >= 0x41 && b <= 0x46) return b - 0x37;
  return -1;
}

/**
 * The text to give `JSON.parse` for `raw`, with its long strings as placeholders, and those strings;
 * or why the body is not JSON (a long string that is not a valid JSON string, a string never closed).
 * The rest is left to `JSON.parse`: a body that is not JSON stays not JSON with placeholders in it.
 */
export function withoutLongStrings(raw: Buffer): { text: string; long: LongStrings } | { error: string } {
  // Only the body's first piece may start with a byte order mark (as when decoded whole).
  const decode = (from: number, to: number) => (from === 0 ? UTF8 : INNER_UTF8).decode(raw.subarray(from, to));
  const parts: string[] = [];
  const spans: Span[] = [];
  let copied = 0;
  let i = 0;
  for (;;) {
    const open = raw.indexOf(0x22, i);
    if (open < 0) break;
    let close = open;
    for (;;) {
      close = raw.indexOf(0x22, close + 1);
      if (close < 0) return { error: `unterminated string in JSON at byte ${open}` };
      let k = close - 1;
      while (raw[k] === 0x5c) k--;
      if ((close - 1 - k) % 2 === 0) break; // an even run of backslashes: this quote ends the string
    }
    if (close - open - 1 > LONG_STRING) {
      const checked = checkString(raw, open + 1, close);
      if (typeof checked === 'string') return { error: checked };
      parts.push(decode(copied, open), `"\\u0000${TAG}:${spans.length}\\u0000"`);
      spans.push({ start: open + 1, end: close, bytes: checked });
      copied = close + 1;
    }
    i = close + 1;
  }
  parts.push(decode(copied, raw.length));
  return { text: parts.join(''), long: new LongStrings(raw, spans) };
}
