import { describe, expect, it } from 'vitest';
import { isoDay, isoMs, isoTime } from '../../../src/record/iso-time.js';

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

describe('isoMs', () => {
  it('reads what Date.parse reads, for its own form and every other', () => {
    const texts: string[] = [];
    let x = 777;
    for (let i = 0; i < 20_000; i++) {
      x = (x * 1103515245 + 12345) % 2 ** 31;
      texts.push(new Date(Math.floor((x / 2 ** 31) * 253_402_300_799_999)).toISOString());
      texts.push(new Date(1_765_000_000_000 + i * 997).toISOString());
    }
    texts.push(
      '2026-12-06T10:00:60.000Z', // a 60th second
      '2026-12-06T10:00:5x.000Z',
      '2026-02-30T10:00:00.000Z', // no such day
      '2026-13-01T10:00:00.000Z',
      '2026-12-06T24:00:00.000Z',
      '2026-12-06T10:00:00.000+01:00',
      '2026-12-06T10:00:00Z',
      '2026-12-06T10:00:00.0000Z',
      '2026-12-06 10:00:00.000Z',
      'not a time at all, 24 ch',
      '',
      '+002026-12-06T10:00:00.000Z',
    );
    for (const t of texts) expect(isoMs(t), t).toBe(Date.parse(t));
    // The same minute after an unparsable one, and an unparsable one after a kept minute.
    for (const t of ['2026-02-30T10:00:00.000Z', '2026-02-28T10:00:01.000Z', '2026-02-30T10:00:02.000Z', '2026-02-28T10:00:03.999Z']) expect(isoMs(t), t).toBe(Date.parse(t));
  });
});
