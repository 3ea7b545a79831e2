import { describe, expect, it } from 'vitest';
import { isoDay, isoTime } from '../../../src/record/iso-time.js';

describe('isoTime', () => {
  it('writes what toISOString writes: random times, minute and day edges, the ends of four-digit years', () => {
    const times = [0, 1, 59_999, 60_000, 86_399_999, 86_400_000, 951_782_400_000 /* 2000-02-29 */, 253_402_300_799_999, 1_765_000_000_000];
    let x = 12345;
    for (let i = 0; i < 20_000; i++) {
      x = (x * 1103515245 + 12345) % 2 ** 31;
      times.push(Math.floor((x / 2 ** 31) * 253_402_300_799_999));
      times.push(1_765_000_000_000 + i * 997); // runs of the same minute, as a gateway makes them
    }
    for (const ms of times) expect(isoTime(ms), String(ms)).toBe(new Date(ms).toISOString());
    for (const ms of times.slice(0, 500)) expect(isoDay(ms)).toBe(new Date(ms).toISOString().slice(0, 10));
  });

  it('leaves what it does not cover to toISOString: negative, extended years, fractions, invalid', () => {
    for (const ms of [-1, -62_198_755_200_000, 253_402_300_800_000, 8.64e15, 1_765_000_000_000.5]) expect(isoTime(ms)).toBe(new Date(ms).toISOString());
    expect(() => isoTime(Number.NaN)).toThrow(RangeError);
  });
});
