import { describe, expect, it } from 'vitest';
import { addUsage, emptyUsage, tokenSums } from '../../../src/record/usage.js';
import { makeRecord } from '../../helpers/make-record.js';

describe('token arithmetic', () => {
  it('sums every token row, reasoning from metadata, odd values as 0', () => {
    const rec = makeRecord(1);
    rec.token_usages = [
      { ...rec.token_usages[0]!, input_tokens: 10, output_tokens: 3, cache_read_input_tokens: 7, cache_write_input_tokens: 2, metadata: { reasoning_tokens: 5 } },
      { ...rec.token_usages[0]!, input_tokens: 1, output_tokens: Number.NaN, cache_read_input_tokens: 0, cache_write_input_tokens: 4, metadata: { cache_write_1h_input_tokens: 3 } },
    ];
    expect(tokenSums(rec)).toEqual({ input: 11, output: 3, cacheRead: 7, cacheWrite: 6, cacheWrite1h: 3, reasoning: 5 });
  });

  it('adds a record as one request into a fresh row each time', () => {
    const rec = makeRecord(1);
    rec.token_usages = [{ ...rec.token_usages[0]!, input_tokens: 2, output_tokens: 3, cache_read_input_tokens: 4, cache_write_input_tokens: 5, metadata: { reasoning_tokens: 1 } }];
    const row = emptyUsage();
    addUsage(row, rec);
    addUsage(row, rec);
    expect(row).toEqual({ requests: 2, input_tokens: 4, output_tokens: 6, cache_read_input_tokens: 8, cache_write_input_tokens: 10, reasoning_tokens: 2 });
    expect(emptyUsage()).toEqual({ requests: 0, input_tokens: 0, output_tokens: 0, cache_read_input_tokens: 0, cache_write_input_tokens: 0, reasoning_tokens: 0 });
  });
});
