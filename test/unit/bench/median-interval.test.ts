import { describe, expect, it } from 'vitest';
import { median, medianInterval } from '../../../bench/load.js';

/** A fixed spread of paired per-round figures (per cent), as an A/B run gives them. */
function rounds(n: number, seed: number): number[] {
  let x = seed >>> 0;
  return Array.from({ length: n }, () => {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    return ((x / 2 ** 32) * 2 - 1) * 10; // −10 … +10 %
  });
}

describe('median', () => {
  it('takes the middle value, or the mean of the middle two', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([5])).toBe(5);
  });
});

describe('medianInterval', () => {
  it('gives the median and an interval around it, within the rounds', () => {
    const r = rounds(40, 7);
    const m = medianInterval(r);
    expect(m.median).toBe(median(r));
    expect(m.low).toBeLessThanOrEqual(m.median);
    expect(m.high).toBeGreaterThanOrEqual(m.median);
    expect(m.low).toBeGreaterThanOrEqual(Math.min(...r));
    expect(m.high).toBeLessThanOrEqual(Math.max(...r));
    expect(m.high - m.low).toBeGreaterThan(0);
  });

  it('is the same for the same rounds (a fixed seed)', () => {
    const r = rounds(24, 3);
    expect(medianInterval(r)).toEqual(medianInterval([...r]));
  });

  it('narrows as rounds are added', () => {
    const width = (n: number) => {
      const m = medianInterval(rounds(n, 11));
      return m.high - m.low;
    };
    expect(width(240)).toBeLessThan(width(60) * 0.8);
    expect(width(60)).toBeLessThan(width(12) * 0.8);
  });

  it('collapses to the value when every round agrees', () => {
    expect(medianInterval([2, 2, 2, 2, 2])).toEqual({ median: 2, low: 2, high: 2 });
  });
});
