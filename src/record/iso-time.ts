/**
 * `new Date(ms).toISOString()` without a Date: the UTC minute's text is kept and the seconds and
 * milliseconds appended. `toISOString` costs ~0.65 µs here and a call made two of them (its start
 * and end, issue #20); this is ~0.05 µs while the minute stays the same. Times outside years
 * 0000–9999 or not whole milliseconds go to `toISOString` itself (throws alike when invalid).
 */

/** Last ms that `toISOString` writes with a four-digit year (9999-12-31T23:59:59.999Z). */
const MAX_FOUR_DIGIT_YEAR_MS = 253_402_300_799_999;

let minuteNo = Number.NaN;
/** `YYYY-MM-DDTHH:MM:` of {@link minuteNo}. */
let minuteText = '';

export function isoTime(ms: number): string {
  if (!(Number.isInteger(ms) && ms >= 0 && ms <= MAX_FOUR_DIGIT_YEAR_MS)) return new Date(ms).toISOString();
  const minute = Math.floor(ms / 60_000);
  if (minute !== minuteNo) {
    minuteText = new Date(minute * 60_000).toISOString().slice(0, 17);
    minuteNo = minute;
  }
  const rest = ms - minute * 60_000;
  const s = Math.floor(rest / 1000);
  const milli = rest - s * 1000;
  return `${minuteText}${s < 10 ? '0' : ''}${s}.${milli < 10 ? '00' : milli < 100 ? '0' : ''}${milli}Z`;
}

/** The UTC day (`YYYY-MM-DD`) of `ms`. */
export function isoDay(ms: number): string {
  return isoTime(ms).slice(0, 10);
}
