/** The dashboard's redaction helpers (src/ui/lib/redaction.ts), in Node. */
import { describe, expect, it } from 'vitest';
import { redactionCounts, redactionSummary, redactionTotal, splitMarkers } from '../../src/ui/lib/redaction.js';

describe('redaction markers and counts on the dashboard (SPEC §12)', () => {
  it('splits a text into plain runs and [REDACTED:RULE] markers, in order', () => {
    expect(splitMarkers('deploy with [REDACTED:github-token] and [REDACTED:private-key]')).toEqual([
      { text: 'deploy with ' },
      { text: '[REDACTED:github-token]', rule: 'github-token' },
      { text: ' and ' },
      { text: '[REDACTED:private-key]', rule: 'private-key' },
    ]);
    expect(splitMarkers('[REDACTED:jwt]')).toEqual([{ text: '[REDACTED:jwt]', rule: 'jwt' }]);
    expect(splitMarkers('[REDACTED:a][REDACTED:1password-service-account-token]x')).toEqual([
      { text: '[REDACTED:a]', rule: 'a' },
      { text: '[REDACTED:1password-service-account-token]', rule: '1password-service-account-token' },
      { text: 'x' },
    ]);
  });
  it('leaves text without a whole marker as it is', () => {
    expect(splitMarkers('')).toEqual([{ text: '' }]);
    expect(splitMarkers('plain')).toEqual([{ text: 'plain' }]);
    expect(splitMarkers('cut [REDACTED:githu')).toEqual([{ text: 'cut [REDACTED:githu' }]);
    expect(splitMarkers('[REDACTED:] [REDACTED:a b]')).toEqual([{ text: '[REDACTED:] [REDACTED:a b]' }]);
  });
  it('counts from metadata.redactions, ignoring anything malformed', () => {
    const metadata = { redactions: [{ rule: 'github-token', count: 2 }, { rule: 'private-key', count: 1 }, { rule: 'x' }, null, { rule: 'y', count: -1 }] };
    expect(redactionCounts(metadata)).toEqual([{ rule: 'github-token', count: 2 }, { rule: 'private-key', count: 1 }]);
    expect(redactionTotal(metadata)).toBe(3);
    expect(redactionSummary(metadata)).toBe('github-token ×2, private-key ×1');
    expect(redactionTotal({})).toBe(0);
    expect(redactionTotal(null)).toBe(0);
    expect(redactionTotal({ redactions: 'lots' })).toBe(0);
    expect(redactionSummary({ redactions: [{ rule: 'b', count: 1 }, { rule: 'a', count: 1 }, { rule: 'c', count: 4 }] })).toBe('c ×4, a ×1, b ×1');
  });
});
