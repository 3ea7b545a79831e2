/**
 * Full-text search (SPEC §15) over the real file store: a record matches when every query word
 * (case-insensitive, whole words) is in its prompts, tool names/inputs, thoughts or error text.
 * Every expectation is checked twice — before the background index has seen the records (the
 * reader checks records itself) and after it caught up — and against a brute-force filter over
 * the records written, so counts and pages are exact whichever path answers.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openInterceptionStore, type InterceptionStore, type ListQuery } from '../../../../src/store/interceptions/index.js';
import type { FileInterceptionStore } from '../../../../src/store/interceptions/store.js';
import type { Interception } from '../../../../src/record/types.js';
import { queryWords, recordMatches, recordWords, storedRecordWords, textWords } from '../../../../src/record/search-text.js';
import { finishedRecord, startedRecord, type RecordSpec } from '../../../helpers/store-records.js';
import { DAY, DAY0, HOUR, tempDir } from '../../../helpers/store-temp.js';

let dir: string;
let cleanup: () => Promise<void>;
let store: InterceptionStore;

beforeEach(async () => {
  ({ dir, cleanup } = await tempDir('aibridge-search-'));
  // Not indexed at finish: both paths (records checked, index answers) get exercised; the
  // index-at-finish path has its own tests below.
  store = await openInterceptionStore({ dir, searchIndexDelayMs: NEVER, searchIndexOnFinish: false });
});
afterEach(async () => {
  await store.close();
  await cleanup();
});

/** The indexer only runs when a test awaits idle(), so "not indexed yet" is a state, not a race. */
const NEVER = 3_600_000;
const indexer = () => (store as FileInterceptionStore).indexer!;

/** A finished record whose searchable parts are the given texts. */
function rec(spec: RecordSpec & { prompt?: string; tool?: string; input?: unknown; thought?: string; error?: string | null; toolError?: string | null }): Interception & { status: 'completed' | 'failed' } {
  const r = finishedRecord(spec);
  return {
    ...r,
    status: spec.status === 'failed' ? 'failed' : 'completed',
    error: spec.error ?? null,
    user_prompts: r.user_prompts.map((p) => ({ ...p, prompt: spec.prompt ?? 'nothing special here' })),
    tool_usages: r.tool_usages.map((t) => ({ ...t, tool: spec.tool ?? 'Read', input: spec.input ?? { file_path: 'README.md' }, invocation_error: spec.toolError ?? null })),
    model_thoughts: r.model_thoughts.map((t) => ({ ...t, content: spec.thought ?? 'plain thought' })),
  };
}

const ids = async (q: ListQuery) => (await store.list(q)).results.map((r) => r.id);

/** Runs `check` with the index empty (records unseen), then after the indexer caught up. */
async function bothWays(check: () => Promise<void>): Promise<void> {
  expect(indexer().progress().indexed).toBe(0);
  await check();
  await indexer().idle();
  expect(indexer().progress()).toMatchObject({ waiting: 0 });
  expect(indexer().progress().indexed).toBeGreaterThan(0);
  await check();
}

describe('words', () => {
  it('are runs of letters and digits, lower-cased; a query keeps each word once', () => {
    expect(textWords('Run_Migration 0042-users.SQL; Ärger über Größe')).toEqual(['run', 'migration', '0042', 'users', 'sql', 'ärger', 'über', 'größe']);
    expect(queryWords('Foo foo BAR')).toEqual(['foo', 'bar']);
    expect(queryWords(' !! ')).toEqual([]);
  });
});

describe('search', () => {
  beforeEach(async () => {
    store.finish(rec({ id: 'p1', startedMs: DAY0 + 1 * HOUR, prompt: 'Please run the database Migration for users' }));
    store.finish(rec({ id: 't1', startedMs: DAY0 + 2 * HOUR, tool: 'Bash', input: { command: 'psql -f migrations/0042_add_index.sql', timeout: 120000 } }));
    store.finish(rec({ id: 'h1', startedMs: DAY0 + 3 * HOUR, thought: 'The user wants a zebra-striped table' }));
    store.finish(rec({ id: 'e1', startedMs: DAY0 + 4 * HOUR, status: 'failed', error: 'upstream timeout after 30s: connection reset' }));
    store.finish(rec({ id: 'x1', startedMs: DAY0 + 5 * HOUR, tool: 'mcp__github__create_issue', input: { title: 'Crash' }, toolError: 'permission denied for repository' }));
    store.finish(rec({ id: 'n1', startedMs: DAY0 + 6 * HOUR, prompt: 'migrations are fine, nothing to do', provider: 'openai', model: 'gpt-5' }));
    await store.flush();
  });

  it('finds words in the prompt, tool names and inputs, thoughts and error text, ignoring case', async () => {
    await bothWays(async () => {
      expect(await ids({ q: 'migration' })).toEqual(['p1']); // whole words: not "migrations"
      expect(await ids({ q: 'MIGRATIONS' })).toEqual(['n1', 't1']);
      expect(await ids({ q: '0042' })).toEqual(['t1']);
      expect(await ids({ q: '120000' })).toEqual(['t1']); // numbers in tool inputs
      expect(await ids({ q: 'bash' })).toEqual(['t1']); // tool name
      expect(await ids({ q: 'zebra' })).toEqual(['h1']); // thought
      expect(await ids({ q: 'connection reset' })).toEqual(['e1']); // record error
      expect(await ids({ q: 'permission denied' })).toEqual(['x1']); // tool invocation error
      expect(await ids({ q: 'github' })).toEqual(['x1']);
      expect(await ids({ q: 'command' })).toEqual([]); // JSON keys of inputs are not text
      expect(await ids({ q: 'migrat' })).toEqual([]);
      expect(await ids({ q: 'nosuchword' })).toEqual([]);
      expect((await store.list({ q: 'nosuchword' })).count).toBe(0);
    });
  });

  it('needs every word, in any field, and combines with the other filters', async () => {
    await bothWays(async () => {
      expect(await ids({ q: 'run users' })).toEqual(['p1']);
      expect(await ids({ q: 'run zebra' })).toEqual([]);
      expect(await ids({ q: 'psql read' })).toEqual([]); // t1's tool is Bash, not Read
      expect(await ids({ q: 'readme' })).toEqual(['n1', 'e1', 'h1', 'p1']); // default input file_path
      expect(await ids({ q: 'readme', status: 'failed' })).toEqual(['e1']);
      expect(await ids({ q: 'migrations', provider: 'openai' })).toEqual(['n1']);
      expect(await ids({ q: 'migrations', model: 'claude-sonnet-4' })).toEqual(['t1']);
      expect(await ids({ q: 'readme', startedAfter: DAY0 + 3 * HOUR, startedBefore: DAY0 + 6 * HOUR })).toEqual(['e1', 'h1']);
      expect(await ids({ q: 'readme', initiator: 'nobody' })).toEqual([]);
    });
  });

  it('counts every match and pages them like any list', async () => {
    await bothWays(async () => {
      const first = await store.list({ q: 'readme', limit: 2 });
      expect(first.count).toBe(4);
      expect(first.results.map((r) => r.id)).toEqual(['n1', 'e1']);
      const second = await store.list({ q: 'readme', limit: 2, afterId: 'e1' });
      expect(second.count).toBe(4);
      expect(second.results.map((r) => r.id)).toEqual(['h1', 'p1']);
      expect((await store.list({ q: 'readme', limit: 2, afterId: 'p1' })).results).toEqual([]);
    });
  });

  it('finds a record finished a moment ago, before the index has seen it, and its new version only', async () => {
    await indexer().idle();
    store.finish(rec({ id: 'p1', startedMs: DAY0 + 1 * HOUR, prompt: 'rewritten: quokka' }));
    expect(await ids({ q: 'quokka' })).toEqual(['p1']);
    expect(await ids({ q: 'migration' })).toEqual([]); // the old version's words no longer count
    await indexer().idle();
    expect(await ids({ q: 'quokka' })).toEqual(['p1']);
    expect(await ids({ q: 'migration' })).toEqual([]);
  });

  it('in-flight records are searched only with includeInFlight', async () => {
    const started = startedRecord({ id: 'f1', startedMs: DAY0 + 7 * HOUR });
    store.begin({ ...started, user_prompts: [{ id: 'u', interception_id: 'f1', provider_response_id: '', prompt: 'ongoing wombat', metadata: {}, created_at: started.started_at }] });
    await store.flush();
    expect(await ids({ q: 'wombat' })).toEqual([]);
    expect(await ids({ q: 'wombat', includeInFlight: true })).toEqual(['f1']);
  });

  it('a word longer than the index keeps gives no false positives', async () => {
    const long = 'a'.repeat(64);
    store.finish(rec({ id: 'l1', startedMs: DAY0 + 8 * HOUR, prompt: `${long}bbbb` }));
    store.finish(rec({ id: 'l2', startedMs: DAY0 + 9 * HOUR, prompt: `${long}cccc` }));
    await store.flush();
    await bothWays(async () => {
      expect(await ids({ q: `${long}BBBB` })).toEqual(['l1']);
      expect(await ids({ q: `${long}cccc readme` })).toEqual(['l2']);
      expect(await ids({ q: `${long}dddd` })).toEqual([]);
    });
  });

  it('a read-only store (the CLI) answers the same, checking records itself', async () => {
    const ro = await openInterceptionStore({ dir, readOnly: true });
    try {
      expect((await ro.list({ q: 'migrations' })).results.map((r) => r.id)).toEqual(['n1', 't1']);
      expect((await ro.list({ q: 'readme', limit: 1 })).count).toBe(4);
    } finally {
      await ro.close();
    }
  });
});

describe('retention removes content from the index', () => {
  it('purge drops the purged records\' words', async () => {
    store.finish(rec({ id: 'old', startedMs: DAY0, prompt: 'ancient platypus secret' }));
    store.finish(rec({ id: 'new', startedMs: DAY0 + 2 * DAY, prompt: 'fresh platypus' }));
    await store.flush();
    await indexer().idle();
    expect(indexer().search.has('ancient')).toBe(true);
    expect(await ids({ q: 'platypus' })).toEqual(['new', 'old']);
    expect(await store.purge(DAY0 + DAY)).toBe(1);
    expect(await ids({ q: 'platypus' })).toEqual(['new']);
    expect(await ids({ q: 'ancient' })).toEqual([]);
    await indexer().idle();
    expect(indexer().search.has('ancient')).toBe(false);
    expect(indexer().search.has('platypus')).toBe(true);
    expect(await ids({ q: 'platypus' })).toEqual(['new']);
  });

  it('stripContent drops prompt, tool input and thought words; tool names and errors stay searchable', async () => {
    store.finish(rec({ id: 'old', startedMs: DAY0, prompt: 'echidna hunt', input: { path: 'narwhal.txt' }, thought: 'axolotl', tool: 'Grep', error: 'kaput', status: 'failed' }));
    store.finish(rec({ id: 'new', startedMs: DAY0 + 2 * DAY, prompt: 'echidna again' }));
    await store.flush();
    await indexer().idle();
    expect(await store.stripContent(DAY0 + DAY)).toBe(1);
    for (const w of ['hunt', 'narwhal', 'axolotl']) expect(await ids({ q: w })).toEqual([]);
    expect(await ids({ q: 'echidna' })).toEqual(['new']);
    expect(await ids({ q: 'grep kaput' })).toEqual(['old']);
    await indexer().idle();
    for (const w of ['hunt', 'narwhal', 'axolotl']) expect(indexer().search.has(w)).toBe(false);
    expect(await ids({ q: 'grep kaput' })).toEqual(['old']);
    expect(await ids({ q: 'echidna' })).toEqual(['new']);
  });
});

describe('exact against a brute-force filter', () => {
  it('random records, random queries, filters and pages: same ids and counts as checking every record', async () => {
    let seed = 7;
    const rnd = (n: number) => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) % n);
    const vocab = ['alpha', 'beta', 'gamma', 'delta', 'epsilon', 'zeta', 'eta', 'theta', 'iota', 'kappa', 'lambda', 'mu'];
    const text = (n: number) => Array.from({ length: n }, () => vocab[rnd(vocab.length)]).join(' ');
    const all: Interception[] = [];
    for (let i = 0; i < 300; i++) {
      const r = rec({
        id: `r${String(i).padStart(3, '0')}`, startedMs: DAY0 + (i % 40) * HOUR + rnd(3), // some share a time
        provider: (['anthropic', 'openai', 'bedrock'] as const)[i % 3], prompt: text(1 + rnd(4)), thought: text(rnd(2)),
        input: { q: text(rnd(2)) }, tool: vocab[rnd(12)], error: rnd(5) === 0 ? text(2) : null, status: rnd(5) === 0 ? 'failed' : 'completed',
      });
      store.finish(r);
      all.push(r);
      if (i === 150) await store.flush();
    }
    const queries: ListQuery[] = [];
    for (let i = 0; i < 20; i++) {
      const q = text(1 + rnd(3));
      queries.push({ q }, { q, provider: 'openai' }, { q, status: 'failed', limit: 5 }, { q: q.toUpperCase(), startedAfter: DAY0 + 10 * HOUR, startedBefore: DAY0 + 30 * HOUR, limit: 7 });
    }
    const order = (a: Interception, b: Interception) => Date.parse(b.started_at) - Date.parse(a.started_at) || (a.id < b.id ? 1 : -1);
    const expected = (q: ListQuery) => all
      .filter((r) => recordMatches(r, queryWords(q.q!)) && (!q.provider || r.provider === q.provider) && (!q.status || r.status === q.status)
        && (q.startedAfter === undefined || Date.parse(r.started_at) >= q.startedAfter) && (q.startedBefore === undefined || Date.parse(r.started_at) < q.startedBefore))
      .sort(order).map((r) => r.id);
    const check = async () => {
      for (const q of queries) {
        const want = expected(q);
        const got = await store.list(q);
        expect(got.count, JSON.stringify(q)).toBe(want.length);
        expect(got.results.map((r) => r.id), JSON.stringify(q)).toEqual(want.slice(0, q.limit ?? 100));
        if (want.length > (q.limit ?? 100)) {
          const next = await store.list({ ...q, afterId: got.results.at(-1)!.id });
          expect(next.results.map((r) => r.id)).toEqual(want.slice(q.limit ?? 100, 2 * (q.limit ?? 100)));
        }
      }
    };
    await bothWays(check);
    // And again after reopening: the index is rebuilt from the files.
    await store.close();
    store = await openInterceptionStore({ dir, searchIndexDelayMs: NEVER, searchIndexOnFinish: false });
    await bothWays(check);
  });
});

describe('indexing a finished record from memory (no read-back)', () => {
  beforeEach(async () => {
    await store.close();
    store = await openInterceptionStore({ dir, searchIndexDelayMs: NEVER });
  });

  it('a finished record is in the index as it is handed in, and searches stay exact', async () => {
    store.finish(rec({ id: 'm1', startedMs: DAY0 + HOUR, prompt: 'Deploy the Quokka service', input: { cmd: 'kubectl apply', n: 3.5 } }));
    store.finish(rec({ id: 'm2', startedMs: DAY0 + 2 * HOUR, prompt: 'nothing to see' }));
    // No idle(), no flush: the background look never ran, nothing was read back.
    expect(indexer().progress()).toEqual({ indexed: 2, waiting: 0 });
    expect(await ids({ q: 'quokka' })).toEqual(['m1']);
    expect(await ids({ q: 'kubectl 3 5' })).toEqual(['m1']);
    expect(await ids({ q: 'readme' })).toEqual(['m2']);
    // A new version replaces the old one's words.
    store.finish(rec({ id: 'm1', startedMs: DAY0 + HOUR, prompt: 'now about wombats' }));
    expect(indexer().progress()).toEqual({ indexed: 2, waiting: 0 });
    expect(await ids({ q: 'quokka' })).toEqual([]);
    expect(await ids({ q: 'wombats' })).toEqual(['m1']);
    await store.flush();
    expect(await ids({ q: 'wombats' })).toEqual(['m1']);
  });

  it('a value JSON would store differently (NaN, Infinity, a Date, a bigint) is not indexed from memory: no false match', async () => {
    store.finish(rec({ id: 'n1', startedMs: DAY0 + HOUR, input: { x: NaN, y: [Infinity] } }));
    store.finish(rec({ id: 'd1', startedMs: DAY0 + 2 * HOUR, input: { when: new Date(0) } }));
    store.finish(rec({ id: 'b1', startedMs: DAY0 + 3 * HOUR, input: { big: 10n } }));
    expect(indexer().progress()).toEqual({ indexed: 0, waiting: 3 });
    // In memory these would give "nan", "infinity"; stored, they are null (and the Date a string).
    expect(await ids({ q: 'nan' })).toEqual([]);
    expect(await ids({ q: 'infinity' })).toEqual([]);
    expect(await ids({ q: '1970' })).toEqual(['d1']);
    await store.flush();
    await indexer().idle();
    expect(indexer().progress()).toEqual({ indexed: 3, waiting: 0 });
    expect(await ids({ q: 'nan' })).toEqual([]);
    expect(await ids({ q: '1970' })).toEqual(['d1']);
    expect(await ids({ q: 'readme' })).toEqual([]);
  });

  it('storedRecordWords equals the words of the record read back, or declines (random records)', () => {
    let seed = 11;
    const rnd = (n: number) => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) % n);
    const leaves: (() => unknown)[] = [
      () => 'Alpha beta_GAMMA 42', () => 'ünïcödé Wörter', () => '\ud800 lone surrogate', () => rnd(1000) - 500, () => rnd(1000) / 7,
      () => -0, () => 1e21, () => 5e-324, () => true, () => null, () => undefined, () => NaN, () => -Infinity, () => new Date(rnd(1e12)),
      () => BigInt(rnd(100)), () => Object.assign(Object.create(null) as object, { k: 'null proto' }), () => ({ toJSON: () => 'replaced' }),
      () => new String('boxed'), () => [undefined, 'holes', , 'x'],
    ];
    const value = (depth: number): unknown => {
      const k = rnd(10);
      if (depth > 3 || k < 6) return leaves[rnd(leaves.length)]!();
      if (k < 8) return Array.from({ length: rnd(4) }, () => value(depth + 1));
      return Object.fromEntries(Array.from({ length: rnd(4) }, (_, i) => [`key${i} word${rnd(9)}`, value(depth + 1)]));
    };
    let declined = 0;
    let agreed = 0;
    for (let i = 0; i < 2000; i++) {
      const r = rec({ id: `r${i}`, startedMs: DAY0, prompt: `prompt ${rnd(50)}`, input: value(0), error: rnd(3) === 0 ? 'Err 1' : null });
      let stored: Interception;
      try {
        stored = JSON.parse(JSON.stringify(r)) as Interception;
      } catch {
        expect(storedRecordWords(r)).toBeNull(); // the store writes its fallback line: read back
        declined++;
        continue;
      }
      const got = storedRecordWords(r);
      if (got === null) {
        declined++;
        continue;
      }
      expect([...got].sort(), JSON.stringify(stored.tool_usages[0]?.input)).toEqual([...recordWords(stored)].sort());
      agreed++;
    }
    expect(agreed).toBeGreaterThan(500);
    expect(declined).toBeGreaterThan(100);
  });
});
