/**
 * SPEC §10's field cap and issue #13's "a record always ends", as pure functions: byte-exact
 * truncation marks, a recursion-free JSON writer, deep tool inputs kept as text, and records left
 * alone (same object) when nothing is over the cap.
 */
import { describe, expect, it } from 'vitest';
import {
  capRecord, capText, capToolInput, createFieldCap, jsonText, MAX_INPUT_DEPTH, storableLine, truncationMark,
} from '../../../src/record/field-cap.js';
import type { FinishedRecord } from '../../../src/record/fanout.js';
import { makeRecord } from '../../helpers/make-record.js';

const deep = (depth: number): unknown => {
  let v: unknown = 1;
  for (let i = 0; i < depth; i++) v = { a: v };
  return v;
};
const deepArrays = (depth: number): unknown => {
  let v: unknown = 'x';
  for (let i = 0; i < depth; i++) v = [v, i];
  return v;
};

describe('capText', () => {
  it('leaves text within the cap alone (bytes, not characters)', () => {
    expect(capText('abc', 3)).toBe('abc');
    expect(capText('é'.repeat(1024), 2048)).toBe('é'.repeat(1024));
  });

  it('cuts to the cap in UTF-8 bytes and says how many bytes were cut', () => {
    expect(capText('a'.repeat(10), 4)).toBe('aaaa' + truncationMark(6));
    expect(truncationMark(6)).toBe('…[truncated 6 bytes]');
  });

  it('never splits a character: 2-, 3- and 4-byte characters stay whole', () => {
    expect(capText('é'.repeat(10), 5)).toBe('éé…[truncated 16 bytes]');
    expect(capText('€'.repeat(10), 7)).toBe('€€…[truncated 24 bytes]');
    expect(capText('😀'.repeat(10), 7)).toBe('😀…[truncated 36 bytes]');
    expect(capText('a😀😀', 4)).toBe('a…[truncated 8 bytes]');
  });
});

describe('jsonText: JSON.stringify without recursion', () => {
  it('writes the same text as JSON.stringify for ordinary values', () => {
    const values: unknown[] = [
      null, 0, -1.5e-7, 3, true, false, 'q"\\\n\u2028é😀', [], {}, [1, [2, [3]], { a: null }],
      { a: 1, b: undefined, c: () => 1, d: [undefined, Number.NaN, Infinity], 'k"ey': { x: 'y' } },
      makeRecord(1),
    ];
    for (const v of values) expect(jsonText(v)).toBe(JSON.stringify(v));
  });

  it('writes values nested far deeper than the stack allows JSON.stringify', () => {
    const v = deep(20_000);
    expect(() => JSON.stringify(v)).toThrow(RangeError);
    const text = jsonText(v);
    expect(text).toBe('{"a":'.repeat(20_000) + '1' + '}'.repeat(20_000));
    expect(jsonText(deepArrays(20_000)).startsWith('[[[')).toBe(true);
  });
});

describe('capToolInput', () => {
  it('keeps an object within the cap and depth as it is (same object)', () => {
    const input = { path: '/tmp/x', opts: { n: [1, 2] } };
    expect(capToolInput(input, 1024)).toEqual({ input, truncated: false });
    expect(capToolInput(input, 1024).input).toBe(input);
    expect(capToolInput(deep(MAX_INPUT_DEPTH - 1), 1 << 20).input).toEqual(deep(MAX_INPUT_DEPTH - 1));
  });

  it('keeps an input nested deeper than MAX_INPUT_DEPTH as its JSON text', () => {
    const r = capToolInput(deep(6000), 1 << 20);
    expect(r).toEqual({ input: '{"a":'.repeat(6000) + '1' + '}'.repeat(6000), truncated: false });
    const arrays = capToolInput(deepArrays(MAX_INPUT_DEPTH + 1), 1 << 20);
    expect(typeof arrays.input).toBe('string');
  });

  it('an input over the cap becomes its capped JSON text (deep or not)', () => {
    const big = { s: 'x'.repeat(100) };
    const text = JSON.stringify(big);
    expect(capToolInput(big, 50)).toEqual({ input: text.slice(0, 50) + truncationMark(text.length - 50), truncated: true });
    const d = capToolInput(deep(6000), 1024);
    expect(d.truncated).toBe(true);
    expect(d.input).toBe('{"a":'.repeat(6000).slice(0, 1024) + truncationMark(6000 * 6 + 1 - 1024));
  });

  it('caps a string input; leaves numbers and null alone', () => {
    expect(capToolInput('z'.repeat(20), 10)).toEqual({ input: 'z'.repeat(10) + truncationMark(10), truncated: true });
    expect(capToolInput(42, 1)).toEqual({ input: 42, truncated: false });
    expect(capToolInput(null, 1)).toEqual({ input: null, truncated: false });
  });
});

describe('capRecord', () => {
  it('returns the very same record when nothing is over the cap', () => {
    const rec = makeRecord(1);
    expect(capRecord(rec, 1 << 20)).toBe(rec);
  });

  it('caps prompt, thought, tool input and error; marks the rows (and the record for error)', () => {
    const rec = makeRecord(2, undefined, { error: 'E'.repeat(100) });
    rec.user_prompts[0]!.prompt = 'p'.repeat(100);
    rec.model_thoughts[0]!.content = 't'.repeat(100);
    rec.model_thoughts[0]!.metadata = { source: 'thinking' };
    rec.tool_usages[0]!.input = { s: 'i'.repeat(100) };
    const before = JSON.stringify(rec);
    const out = capRecord(rec, 64);
    expect(JSON.stringify(rec)).toBe(before); // never mutated
    expect(out.user_prompts[0]!.prompt).toBe('p'.repeat(64) + truncationMark(36));
    expect(out.user_prompts[0]!.metadata).toEqual({ truncated: true });
    expect(out.model_thoughts[0]!.content).toBe('t'.repeat(64) + truncationMark(36));
    expect(out.model_thoughts[0]!.metadata).toEqual({ source: 'thinking', truncated: true });
    expect(out.tool_usages[0]!.metadata).toEqual({ truncated: true });
    expect(typeof out.tool_usages[0]!.input).toBe('string');
    expect(out.error).toBe('E'.repeat(64) + truncationMark(36));
    expect(out.metadata).toEqual({ route: '/anthropic/v1/messages', truncated: true });
    // Untouched parts are the same objects.
    expect(out.token_usages).toBe(rec.token_usages);
  });

  it('a deep tool input under the cap becomes text without a truncation mark', () => {
    const rec = makeRecord(3);
    rec.tool_usages[0]!.input = deep(6000);
    const out = capRecord(rec, 1 << 20);
    expect(out.tool_usages[0]!.input).toBe('{"a":'.repeat(6000) + '1' + '}'.repeat(6000));
    expect(out.tool_usages[0]!.metadata).toEqual({});
    expect(() => JSON.stringify(out)).not.toThrow();
    expect(() => structuredClone(out)).not.toThrow();
  });

  it('as a transform reads the cap per record', () => {
    let max = 1 << 20;
    const t = createFieldCap(() => max);
    const rec = makeRecord(4) as FinishedRecord;
    rec.user_prompts[0]!.prompt = 'q'.repeat(2000);
    expect(t.finish!(rec)).toBe(rec);
    max = 1024;
    expect(t.finish!(rec).user_prompts[0]!.prompt).toBe('q'.repeat(1024) + truncationMark(976));
    expect(t.begin!(rec).user_prompts[0]!.metadata).toEqual({ truncated: true });
  });
});

describe('storableLine: the store\'s last line of defence', () => {
  it('is JSON.stringify for an ordinary record, without a fault', () => {
    const rec = makeRecord(5);
    const faults: unknown[] = [];
    expect(storableLine(rec, (e) => faults.push(e))).toBe(JSON.stringify(rec));
    expect(faults).toEqual([]);
  });

  it('a record that cannot be serialized is stored with its tool inputs as text, the fault reported', () => {
    const rec = makeRecord(6);
    rec.tool_usages[0]!.input = deep(20_000);
    const faults: unknown[] = [];
    const back = JSON.parse(storableLine(rec, (e) => faults.push(e))) as typeof rec;
    expect(faults).toHaveLength(1);
    expect(back.status).toBe('completed');
    expect(back.tool_usages[0]!.input === '{"a":'.repeat(20_000) + '1' + '}'.repeat(20_000)).toBe(true);
    expect(back.metadata['record_fault']).toMatch(/could not be serialized/);
    expect(back.user_prompts).toEqual(rec.user_prompts);
  });
});
