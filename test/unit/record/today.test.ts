/** Today's totals (src/record/today.ts): every token column, in-flight calls and the local-midnight roll-over, on a fake clock. */
import { describe, expect, it } from 'vitest';
import { createTodayTotals } from '../../../src/record/today.js';
import type { FinishedRecord } from '../../../src/record/fanout.js';
import { makeRecord } from '../../helpers/make-record.js';

describe('today totals', () => {
  it('adds every token column of each finished call, counts calls in flight, rolls over at local midnight', async () => {
    process.env.TZ = 'UTC';
    let now = Date.parse('2026-11-26T10:00:00Z');
    let seededSince = 0;
    const today = await createTodayTotals({
      now: () => now,
      seed: async (since) => {
        seededSince = since;
        return { requests: 2, input_tokens: 1, output_tokens: 2, cache_read_input_tokens: 3, cache_write_input_tokens: 4, reasoning_tokens: 5 };
      },
    });
    expect(seededSince).toBe(Date.parse('2026-11-26T00:00:00Z'));
    const rec = makeRecord(1, now);
    today.records.begin?.(rec);
    today.records.begin?.(makeRecord(2, now));
    expect(today.inFlight()).toBe(2);
    today.records.finish!(rec as FinishedRecord);
    expect(today.inFlight()).toBe(1);
    // makeRecord's row: input 10, output 20, cache read 3, cache write 4, reasoning 5.
    expect(today.usage()).toEqual({ requests: 3, input_tokens: 11, output_tokens: 22, cache_read_input_tokens: 6, cache_write_input_tokens: 8, reasoning_tokens: 10 });
    now = Date.parse('2026-11-27T00:00:00Z');
    expect(today.usage()).toEqual({ requests: 0, input_tokens: 0, output_tokens: 0, cache_read_input_tokens: 0, cache_write_input_tokens: 0, reasoning_tokens: 0 });
    today.records.finish!(makeRecord(2, now) as FinishedRecord);
    expect(today.usage().output_tokens).toBe(20);
    expect(today.inFlight()).toBe(0);
  });
});
