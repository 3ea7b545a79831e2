import { describe, expect, it } from 'vitest';
import { createSseParser } from '../../../../src/gateway/sse/parser.js';
import type { SseEvent } from '../../../../src/gateway/providers/codec.js';

const enc = new TextEncoder();

function parse(chunks: Array<string | Uint8Array>): SseEvent[] {
  const out: SseEvent[] = [];
  const p = createSseParser((e) => out.push(e));
  for (const c of chunks) p.push(typeof c === 'string' ? enc.encode(c) : c);
  p.end();
  return out;
}

describe('SSE parser', () => {
  it('handles a BOM, CR, LF and CRLF line ends', () => {
    for (const nl of ['\n', '\r', '\r\n']) {
      const evs = parse([`\uFEFFevent: a${nl}data: 1${nl}${nl}event: b${nl}data: 2${nl}${nl}`]);
      expect(evs.map((e) => [e.event, e.data])).toEqual([
        ['a', '1'],
        ['b', '2'],
      ]);
    }
  });

  it('joins events split anywhere, including inside a multi-byte character', () => {
    const text = 'event: t\ndata: {"x":"héllo 👋"}\n\n: ping\n\ndata: [DONE]\n\n';
    const bytes = enc.encode(text);
    const oneByOne = Array.from(bytes, (b) => new Uint8Array([b]));
    expect(parse(oneByOne)).toEqual(parse([text]));
    expect(parse(oneByOne).map((e) => e.data)).toEqual(['{"x":"héllo 👋"}', '[DONE]']);
  });

  it('delivers a last event that lacks its blank line, once', () => {
    expect(parse(['data: a\n\ndata: [DONE]']).map((e) => e.data)).toEqual(['a', '[DONE]']);
    expect(parse(['data: a\n\ndata: [DONE]\n']).map((e) => e.data)).toEqual(['a', '[DONE]']);
    expect(parse(['data: a\n\n']).map((e) => e.data)).toEqual(['a']);
  });

  it('joins multi-line data with newlines and ignores comments', () => {
    expect(parse([': keep-alive\ndata: a\ndata: b\n\n'])).toEqual([{ event: undefined, data: 'a\nb', id: undefined }]);
  });
});
