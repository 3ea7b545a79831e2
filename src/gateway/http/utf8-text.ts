/**
 * The text of a body's UTF-8 bytes, exactly as the checked decoder gives it, on the hot path.
 *
 * `new TextDecoder('utf-8', { fatal: true })` is slow on text that is not all ASCII: a 59 KB
 * Claude Code-sized body with 187 non-ASCII characters took 95–101 µs here, `Buffer#toString`
 * about the same. Checking the bytes (`isUtf8`, ~1.5 µs) and converting them to UTF-16 in one
 * native pass (`transcode` to UTF-16LE) gives the same string in ~27 µs; with the parse, that body
 * went from 159–173 to 100–112 µs, a 78 KB CJK one from 368–423 to 46–59 µs (best – median of
 * 9 rounds). An all-ASCII body is read as Latin-1, which is the same text (~3 µs).
 */
import { isAscii, isUtf8, transcode } from 'node:buffer';

const CHECKED = new TextDecoder('utf-8', { fatal: true });
/**
 * The sizes `transcode` is used for. Below 2 KB its fixed cost is more than it saves (1.4 against
 * 0.4 µs for 139 bytes, 3.9 against 2.9 for 1.1 KB; 4.0 against 6.8 for 2.2 KB); from a megabyte
 * a body is not worth holding a third time while it is converted (issue #13: memory per body).
 */
const TRANSCODE_FROM = 2 * 1024;
const TRANSCODE_BELOW = 1024 * 1024;

/**
 * `bytes` as text, as `new TextDecoder('utf-8', { fatal: true }).decode(bytes)` gives it (a
 * leading byte order mark dropped), or undefined when they are not valid UTF-8 (where that
 * decoder throws).
 */
export function utf8Text(bytes: Buffer): string | undefined {
  if (isAscii(bytes)) return bytes.toString('latin1');
  // Outside the sizes it pays for, and in a Node without ICU (no `transcode`): the checked decoder.
  if (bytes.length < TRANSCODE_FROM || bytes.length >= TRANSCODE_BELOW || typeof transcode !== 'function') {
    try {
      return CHECKED.decode(bytes);
    } catch {
      return undefined;
    }
  }
  if (!isUtf8(bytes)) return undefined;
  const from = bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  return transcode(from === 0 ? bytes : bytes.subarray(from), 'utf8', 'utf16le').toString('utf16le');
}
