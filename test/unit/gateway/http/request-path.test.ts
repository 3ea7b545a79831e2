import { describe, expect, it } from 'vitest';
import { RequestPaths, parseTarget } from '../../../../src/gateway/http/request-path.js';

const odd = [
  '/anthropic/v1/messages',
  '/anthropic/v1/messages?beta=true',
  '/openai/v1/../v1/responses',
  '/openai/./v1/chat/completions',
  '/openai/v1/%2e%2e/models',
  '/openai\\v1\\responses',
  '/anthropic/v1/messages#frag',
  '//evil.example/anthropic/v1/messages',
  '/bedrock/model/anthropic.claude-3%3A0/invoke',
  '/ünïcode/päth?q=ä',
  '*',
  '',
];

describe('RequestPaths', () => {
  it('gives what new URL gives, for odd targets too', () => {
    const paths = new RequestPaths();
    for (const t of odd) {
      const url = new URL(t, 'http://gateway.invalid');
      for (let i = 0; i < 2; i++) {
        const p = paths.of(t);
        expect({ pathname: p.pathname, search: p.search }, t).toEqual({ pathname: url.pathname, search: url.search });
      }
    }
  });

  it('parses a target once, and hands out frozen parts', () => {
    const paths = new RequestPaths();
    const a = paths.of('/anthropic/v1/messages');
    expect(paths.of('/anthropic/v1/messages')).toBe(a);
    expect(Object.isFrozen(a)).toBe(true);
    expect(() => {
      (a as { pathname: string }).pathname = '/x';
    }).toThrow();
  });

  it('stays bounded under a scan of distinct targets and does not keep long ones', () => {
    const paths = new RequestPaths();
    for (let i = 0; i < 5000; i++) paths.of(`/scan/${i}`);
    expect(paths.size).toBeLessThanOrEqual(256);
    const before = paths.size;
    const long = '/anthropic/v1/messages?' + 'x'.repeat(600);
    expect(paths.of(long).search.length).toBe(601);
    expect(paths.size).toBe(before);
  });

  it('throws as new URL does for a target it cannot parse', () => {
    expect(() => parseTarget('http://[')).toThrow();
    expect(() => new RequestPaths().of('http://[')).toThrow();
  });
});
