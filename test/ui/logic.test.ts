/** The dashboard's pure logic, in Node: durations, live-row filter matching, day filling, file names. */
import { describe, expect, it } from 'vitest';
import type { Interception } from '../../src/ui/api/types.js';
import { describeDuration, durationProblem, parseDuration } from '../../src/ui/lib/duration.js';
import { exportFileName } from '../../src/ui/lib/export-name.js';
import { apiQuery, filtersFrom, hasFilters, matches } from '../../src/ui/lib/filters.js';
import { dayKeyAt, emptyRow, toDays } from '../../src/ui/lib/usage-days.js';

const NOW = Date.parse('2026-11-26T12:00:00Z');

function rec(over: Partial<Interception> = {}): Interception {
  return {
    id: 'i1', initiator: { id: 't1', name: 'alice' }, provider: 'anthropic', provider_name: 'anthropic', model: 'claude-sonnet-4-5',
    api: 'messages', streaming: true, client: 'Claude Code', client_session_id: null, user_agent: null,
    started_at: '2026-11-26T11:59:00Z', ended_at: '2026-11-26T11:59:01Z', status: 'completed', http_status: 200, error: null,
    metadata: {}, token_usages: [], user_prompts: [], tool_usages: [], model_thoughts: [], ...over,
  };
}

describe('durations (SPEC §3)', () => {
  it('accepts what the gateway accepts', () => {
    expect(parseDuration('0')).toBe(0);
    expect(parseDuration('90d')).toBe(90 * 86_400_000);
    expect(parseDuration('1h30m')).toBe(5_400_000);
    expect(parseDuration('2w')).toBe(14 * 86_400_000);
    expect(parseDuration('1s')).toBe(1000);
    for (const ok of ['0', '60d', '1h30m', '1s']) expect(durationProblem(ok)).toBeNull();
  });
  it('explains bad values in words', () => {
    expect(durationProblem('ten days')).toMatch(/is not a duration.*60d/);
    expect(durationProblem('60')).toMatch(/not a duration/);
    expect(durationProblem('')).toMatch(/Enter a duration/);
    expect(durationProblem('0d')).toMatch(/written as 0/);
  });
  it('describes them for people', () => {
    expect(describeDuration('60d')).toBe('60 days');
    expect(describeDuration('2w')).toBe('2 weeks');
    expect(describeDuration('1h30m')).toBe('90 minutes');
    expect(describeDuration('0')).toBe('forever');
    expect(describeDuration('1d')).toBe('1 day');
  });
});

describe('interception filters', () => {
  it('read from the URL and become API parameters', () => {
    const f = filtersFrom(new URLSearchParams('model=gpt-5&range=24h'));
    expect(hasFilters(f)).toBe(true);
    expect(hasFilters(filtersFrom(new URLSearchParams()))).toBe(false);
    const q = apiQuery(f, NOW);
    expect(q['model']).toBe('gpt-5');
    expect(q['started_after']).toBe('2026-11-25T12:00:00.000Z');
    expect(q['started_before']).toBeNull();
  });
  it('decide which live records belong on the first page', () => {
    const none = filtersFrom(new URLSearchParams());
    expect(matches(none, rec(), NOW)).toBe(true);
    expect(matches(filtersFrom(new URLSearchParams('provider=openai')), rec(), NOW)).toBe(false);
    expect(matches(filtersFrom(new URLSearchParams('initiator=alice')), rec(), NOW)).toBe(true);
    expect(matches(filtersFrom(new URLSearchParams('initiator=t1')), rec(), NOW)).toBe(true);
    expect(matches(filtersFrom(new URLSearchParams('status=failed')), rec(), NOW)).toBe(false);
    expect(matches(filtersFrom(new URLSearchParams('client=Codex')), rec(), NOW)).toBe(false);
    expect(matches(filtersFrom(new URLSearchParams('range=1h')), rec({ started_at: '2026-11-26T10:00:00Z' }), NOW)).toBe(false);
    expect(matches(filtersFrom(new URLSearchParams('range=custom&to=2026-11-20T00:00')), rec(), NOW)).toBe(false);
  });
});

describe('usage per day', () => {
  it('fills the days without calls with zero, oldest first', () => {
    const row = { ...emptyRow('2026-11-24'), requests: 3, input_tokens: 10 };
    const days = toDays([row], 3, NOW, 0);
    expect(days.map((d) => d.row.key)).toEqual(['2026-11-24', '2026-11-25', '2026-11-26']);
    expect(days[0]?.row.requests).toBe(3);
    expect(days[1]?.row.requests).toBe(0);
    expect(days[1]!.t).toBeGreaterThan(days[0]!.t);
  });
  it('fills local days in the zone the API was asked for (tz = minutes east of UTC)', () => {
    const lateUtc = Date.parse('2026-11-26T23:30:00Z');
    expect(dayKeyAt(lateUtc, 0)).toBe('2026-11-26');
    expect(dayKeyAt(lateUtc, 60)).toBe('2026-11-27');
    expect(dayKeyAt(Date.parse('2026-11-27T03:00:00Z'), -300)).toBe('2026-11-26');
    // At 23:30 UTC in UTC+1 it is already the 27th: that is the last day shown, not the 26th.
    const row = { ...emptyRow('2026-11-27'), requests: 1 };
    expect(toDays([row], 2, lateUtc, 60).map((d) => d.row.key)).toEqual(['2026-11-26', '2026-11-27']);
    expect(toDays([], 2, lateUtc, 0).map((d) => d.row.key)).toEqual(['2026-11-25', '2026-11-26']);
  });
});

describe('export file names', () => {
  it('carry the date and the format', () => {
    expect(exportFileName('jsonl', new Date(2026, 10, 26))).toBe('aibridge-2026-11-26.jsonl');
    expect(exportFileName('ecs', new Date(2026, 10, 26))).toBe('aibridge-2026-11-26.ecs.jsonl');
  });
});

describe('search on the dashboard side (src/ui/lib/search.ts)', () => {
  it('agrees with the server\'s definition of a word and a match, and cuts text into highlight pieces', async () => {
    const { queryWords, recordMatches } = await import('../../src/record/search-text.js');
    const { highlightPieces, recordHasWords, searchWords } = await import('../../src/ui/lib/search.js');
    const r = rec();
    const withText = {
      ...r,
      error: 'Upstream said: Overloaded',
      user_prompts: [{ id: 'u', interception_id: r.id, provider_response_id: '', prompt: 'Run the Migration 0042_users', metadata: {}, created_at: r.started_at }],
      tool_usages: [{ id: 't', interception_id: r.id, provider_response_id: '', tool_call_id: 'c', tool: 'Bash', input: { command: 'psql -f x.sql', n: 7 }, server_url: null, injected: false, invocation_error: 'denied', metadata: {}, created_at: r.started_at }],
      model_thoughts: [{ id: 'm', interception_id: r.id, content: 'Größe matters', metadata: {}, created_at: r.started_at }],
    };
    for (const q of ['migration', 'MIGRATION 0042', 'users psql', 'command', 'größe', 'overloaded denied 7', 'migrat', 'bash sql', 'nothing']) {
      expect(searchWords(q)).toEqual(queryWords(q));
      expect(recordHasWords(withText, searchWords(q)), q).toBe(recordMatches(withText, queryWords(q)));
    }
    expect(highlightPieces('Run the Migration, migrations too', ['migration'])).toEqual([['Run the ', false], ['Migration', true], [', migrations too', false]]);
    expect(highlightPieces('abc', [])).toEqual([['abc', false]]);
  });
  it('a search and a session are filters of the list, sent to the API and applied to live records', () => {
    const f = filtersFrom(new URLSearchParams('q=Hello+world&session=S1'));
    expect(hasFilters(f)).toBe(true);
    expect(apiQuery(f, NOW)).toMatchObject({ q: 'Hello world', session: 'S1' });
    expect(matches(f, { ...rec(), client_session_id: 'S2' }, NOW)).toBe(false);
  });
});
