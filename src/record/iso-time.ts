/**
 * `new Date(ms).toISOString()` without a Date: the UTC minute's text is kept and the seconds and
 * milliseconds appended. `toISOString` costs ~0.65 µs here and a call made two of them (its start
 * and end, issue #20); this is 0.05–0.07 µs while the minute stays the same. Times before 1970 or
 * past year 9999, and fractions of a millisecond, go to `toISOString` itself (which throws alike
 * when the time is invalid).
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

const DAY_MS = 86_400_000;
let lastDayNo = Number.NaN;
let lastDay = '';

/** The UTC day (`YYYY-MM-DD`) of `ms`; nearly every caller asks for the same day, so the last answer is kept. */
export function isoDay(ms: number): string {
  const dayNo = Math.floor(ms / DAY_MS);
  if (dayNo !== lastDayNo) {
    lastDay = new Date(dayNo * DAY_MS).toISOString().slice(0, 10);
    lastDayNo = dayNo;
  }
  return lastDay;
}

let parsedMinute = '';
/** `Date.parse` of {@link parsedMinute} + `00.000Z`. */
let parsedBase = Number.NaN;

/**
 * `Date.parse(text)`, with the ISO form {@link isoTime} writes (`YYYY-MM-DDTHH:MM:SS.mmmZ`) read
 * from a kept minute: every finished record's times are parsed by several consumers (metrics,
 * budgets, cost, the store's index), ~0.2 µs a `Date.parse`. Anything else goes to `Date.parse`.
 */
export function isoMs(text: string): number {
  if (text.length === 24 && text.charCodeAt(23) === 90 /* Z */ && text.charCodeAt(19) === 46 /* . */ && text.charCodeAt(16) === 58 /* : */) {
    const s1 = text.charCodeAt(17) - 48;
    const s2 = text.charCodeAt(18) - 48;
    const m1 = text.charCodeAt(20) - 48;
    const m2 = text.charCodeAt(21) - 48;
    const m3 = text.charCodeAt(22) - 48;
    if (s1 >= 0 && s1 <= 5 && s2 >= 0 && s2 <= 9 && m1 >= 0 && m1 <= 9 && m2 >= 0 && m2 <= 9 && m3 >= 0 && m3 <= 9) {
      const minute = text.slice(0, 17);
      if (minute !== parsedMinute) {
        const base = Date.parse(`${minute}00.000Z`);
        if (Number.isNaN(base)) return Date.parse(text);
        parsedMinute = minute;
        parsedBase = base;
      }
      return parsedBase + (s1 * 10 + s2) * 1000 + m1 * 100 + m2 * 10 + m3;
    }
  }
  return Date.parse(text);
}
