/**
 * The read side of the interception store: pages, single records, ranges and usage sums, answered
 * from the in-memory index with whole records read back by byte offset. In read-only mode (the
 * CLI next to a running server) each read first picks up what the writer process appended or
 * rewrote since the last look.
 */
import type { Interception } from '../../record/types.js';
import { emptyUsage, tokenSums } from '../../record/usage.js';
import type { CostSum, SumsPricer } from '../../record/cost.js';
import { queryWords, recordMatches } from '../../record/search-text.js';
import { LIST_BYTE_BUDGET, type ListQuery, type ListResult, type SessionSums, type UsageFields, type UsageSums } from './types.js';
import { pendingRecord, setTokens, type Entry, type StringPool } from './entry.js';
import { matches, type MemoryIndex, type Selection } from './memory-index.js';
import { MAX_WORD, type SearchIndex } from './search-index.js';
import { checkLimit } from './options.js';
import { refreshSegments } from './refresh.js';
import { dataPath, parseRecordLine, readLines } from './segment-files.js';

/** About how many bytes an entry's record takes as JSON (its line; an in-flight record: its prompt). */
function storedBytes(e: Entry): number {
  const p = e.pending;
  if (p === null) return e.len;
  if (typeof p === 'string') return p.length;
  let n = 1024;
  for (const u of p.user_prompts) n += u.prompt.length;
  return n;
}

/** Records read from disk at a time (bounded memory for ranges of any size). */
export const READ_CHUNK = 256;

export class SegmentReader {
  /** Serialises refreshes (read-only mode). */
  private refreshing: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly dir: string,
    private readonly index: MemoryIndex,
    private readonly pool: StringPool,
    /** Known data end and inode per segment: the writer's sizes, the reader's refresh baseline. */
    private readonly segs: Map<string, { end: number; ino: number }>,
    private readonly readOnly: boolean,
    /** The full-text index the writer keeps (search-worker.ts); none in read-only mode. */
    private readonly search: () => SearchIndex | null = () => null,
    /**
     * Resolves once the segments that can hold records started at `since` or later are loaded
     * (the writer loads older segments after start-up; store.ts `ready`).
     */
    private readonly ready: (since: number | undefined) => Promise<void> = () => Promise.resolve(),
  ) {}

  async list(q: ListQuery): Promise<ListResult> {
    const limit = checkLimit(q.limit);
    await this.refresh();
    await this.ready(q.startedAfter);
    // A cursor from a segment not loaded yet: answered once it is.
    if (q.afterId !== undefined && this.index.get(q.afterId) === undefined) await this.ready(undefined);
    if (q.session !== undefined) await this.learn(this.index.range(q.startedAfter, q.startedBefore));
    const words = q.q === undefined ? [] : queryWords(q.q);
    const { count, page } = words.length === 0 ? this.index.select(q, limit, q.afterId) : await this.searchSelect(q, words, limit);
    // The byte budget is applied to the index's line lengths, before any record is read: a page of
    // large records never sits in memory (or in one response string) whole.
    const budget = q.maxBytes ?? LIST_BYTE_BUDGET;
    let bytes = 0;
    let n = 0;
    while (n < page.length) {
      bytes += storedBytes(page[n]!);
      if (n > 0 && bytes > budget) break;
      n++;
    }
    const results = await this.readEntries(n < page.length ? page.slice(0, n) : page);
    return n < page.length ? { count, results, partial: true } : { count, results };
  }

  async get(id: string): Promise<Interception | undefined> {
    await this.refresh();
    // Not among the segments loaded so far: it may be in one still loading after start-up.
    if (this.index.get(id) === undefined) await this.ready(undefined);
    const e = this.index.get(id);
    if (!e) return undefined;
    const [rec] = await this.readEntries([e]);
    return rec;
  }

  async *iterate(range: { since?: number; until?: number }): AsyncIterable<Interception> {
    await this.refresh();
    await this.ready(range.since);
    // A snapshot of pointers (8 bytes each); the records themselves are read a chunk at a time.
    const snap = this.index.range(range.since, range.until);
    for (let i = 0; i < snap.length; i += READ_CHUNK) {
      const chunk = snap.slice(i, i + READ_CHUNK).filter((e) => !e.deleted && e.status !== 'in_flight');
      for (const rec of await this.readEntries(chunk)) yield rec;
    }
  }

  /**
   * A list page of the records holding every one of `words` (SPEC §15), exact whatever the
   * full-text index has caught up with: entries the index cannot answer for — not indexed yet
   * (new, changed, or no index at all in read-only mode), or a query word longer than the index
   * keeps — are checked against their records first; then the index marks the rest and the page
   * is selected in the same turn, so no document numbered meanwhile can be mistaken.
   */
  private async searchSelect(q: ListQuery, words: string[], limit: number): Promise<Selection> {
    const recheck = words.some((w) => w.length > MAX_WORD);
    const verified = new Map<Entry, boolean>();
    for (;;) {
      const search = this.search();
      const marks = search?.match(words) ?? null;
      const k = words.length;
      const marked = (e: Entry): boolean => marks !== null && e.doc >= 0 && e.doc < marks.length && marks[e.doc] === k;
      const todo: Entry[] = [];
      for (const e of this.index.range(q.startedAfter, q.startedBefore)) {
        if (verified.has(e) || !matches(e, q)) continue;
        if (search !== null && e.doc >= 0 && !(recheck && marked(e))) continue;
        // Records waiting for their write are in memory: checked now, in this turn.
        const rec = pendingRecord(e);
        if (rec) verified.set(e, recordMatches(rec, words));
        else todo.push(e);
      }
      if (todo.length === 0) {
        return this.index.select(q, limit, q.afterId, (e) => verified.get(e) ?? (!recheck && marked(e)));
      }
      for (let i = 0; i < todo.length; i += READ_CHUNK) {
        const chunk = todo.slice(i, i + READ_CHUNK);
        const byId = new Map((await this.readEntries(chunk)).map((r) => [r.id, r]));
        for (const e of chunk) {
          const rec = byId.get(e.id);
          verified.set(e, rec !== undefined && recordMatches(rec, words));
        }
      }
    }
  }

  /**
   * Entries whose index line predates the token sums or the session id: reads those records once
   * and keeps what was missing on the entry.
   */
  private async learn(entries: readonly Entry[]): Promise<void> {
    const unknown = entries.filter((e) => !e.deleted && (!e.tokKnown || !e.sessionKnown));
    for (let i = 0; i < unknown.length; i += READ_CHUNK) {
      const chunk = unknown.slice(i, i + READ_CHUNK);
      const byId = new Map((await this.readEntries(chunk)).map((r) => [r.id, r]));
      for (const e of chunk) {
        const rec = byId.get(e.id);
        if (!rec) continue;
        if (!e.tokKnown) setTokens(e, tokenSums(rec));
        e.session = rec.client_session_id ?? null;
        e.sessionKnown = true;
      }
    }
  }

  async sessions(range: { since?: number; until?: number }, pricer?: SumsPricer): Promise<SessionSums[]> {
    await this.refresh();
    await this.ready(range.since);
    const snap = this.index.range(range.since, range.until);
    await this.learn(snap.filter((e) => !e.deleted && e.status !== 'in_flight'));
    const rows = new Map<string, SessionSums>();
    const costs = new Map<SessionSums, CostSum>();
    // Ascending: the first call seen opens the row, each later one moves its end.
    for (const e of snap) {
      if (e.deleted || e.status === 'in_flight' || !e.sessionKnown || e.session === null || !e.tokKnown) continue;
      let row = rows.get(e.session);
      if (!row) {
        row = {
          client_session_id: e.session, client: e.client, initiator: e.initiatorName, firstMs: e.startedMs, lastMs: e.startedMs,
          interceptions: 0, input_tokens: 0, output_tokens: 0, cost_usd: null,
        };
        rows.set(e.session, row);
        if (pricer) costs.set(row, pricer.sum());
      }
      row.lastMs = e.startedMs;
      row.client = e.client;
      row.initiator = e.initiatorName;
      row.interceptions += 1;
      row.input_tokens += e.tokIn;
      row.output_tokens += e.tokOut;
      costs.get(row)?.add(e);
    }
    for (const [row, c] of costs) row.cost_usd = c.usd();
    return [...rows.values()];
  }

  async usage(range: { since?: number; until?: number }, keyOf: (e: UsageFields) => string, pricer?: SumsPricer): Promise<Map<string, UsageSums>> {
    await this.refresh();
    await this.ready(range.since);
    const snap = this.index.range(range.since, range.until);
    // Entries whose index line predates the token sums: read those records once and keep the sums.
    await this.learn(snap.filter((e) => !e.tokKnown && !e.deleted && e.status !== 'in_flight'));
    // One pass, no await: each row's token sums, and its records handed to the pricer, which
    // sums them per model and rate and prices each sum once at the end (issue #15).
    const rows = new Map<string, { row: UsageSums; cost: CostSum | null }>();
    let lastKey: string | undefined;
    let last: { row: UsageSums; cost: CostSum | null } | undefined;
    for (const e of snap) {
      // Purged meanwhile, in flight, or its line could not be read.
      if (e.deleted || e.status === 'in_flight' || !e.tokKnown) continue;
      const key = keyOf(e);
      let r = key === lastKey ? last : rows.get(key);
      if (r === undefined) {
        r = { row: emptyUsage(), cost: pricer ? pricer.sum() : null };
        rows.set(key, r);
      }
      lastKey = key;
      last = r;
      r.cost?.add(e);
      const row = r.row;
      row.requests += 1;
      row.input_tokens += e.tokIn;
      row.output_tokens += e.tokOut;
      row.cache_read_input_tokens += e.tokCacheRead;
      row.cache_write_input_tokens += e.tokCacheWrite;
      row.reasoning_tokens += e.tokReasoning;
    }
    const out = new Map<string, UsageSums>();
    for (const [key, { row, cost }] of rows) out.set(key, cost ? { ...row, cost_usd: cost.usd(), unpriced_requests: cost.unpriced() } : row);
    return out;
  }

  /**
   * Reads whole records for entries, in the given order. A line that does not hold the expected
   * id means it moved under us (a rewrite here or in the writer process): look it up again once.
   */
  async readEntries(entries: readonly Entry[]): Promise<Interception[]> {
    const out: (Interception | undefined)[] = await this.readOnce(entries);
    const missed = entries.filter((_, i) => out[i] === undefined);
    if (missed.length > 0) {
      await this.refresh();
      const again = missed.map((e) => this.index.get(e.id)).filter((e): e is Entry => e !== undefined);
      const retry = await this.readOnce(again);
      const byId = new Map(retry.filter((r): r is Interception => r !== undefined).map((r) => [r.id, r]));
      entries.forEach((e, i) => {
        if (out[i] === undefined) out[i] = byId.get(e.id);
      });
    }
    return out.filter((r): r is Interception => r !== undefined);
  }

  private async readOnce(entries: readonly Entry[]): Promise<(Interception | undefined)[]> {
    const out: (Interception | undefined)[] = new Array(entries.length);
    const bySeg = new Map<string, number[]>();
    entries.forEach((e, i) => {
      const rec = pendingRecord(e);
      if (rec) out[i] = rec;
      else if (e.seg !== null) {
        let list = bySeg.get(e.seg);
        if (!list) bySeg.set(e.seg, (list = []));
        list.push(i);
      }
    });
    for (const [day, idxs] of bySeg) {
      const locs = idxs.map((i) => ({ off: entries[i]!.off, len: entries[i]!.len }));
      const lines = await readLines(dataPath(this.dir, day), locs).catch(() => []);
      idxs.forEach((i, k) => {
        const line = lines[k];
        const rec = line === undefined ? null : parseRecordLine(line);
        if (rec && rec.id === entries[i]!.id) out[i] = rec;
      });
    }
    return out;
  }

  /**
   * Read-only mode: picks up what another process wrote since the last look — new segments, grown
   * segments (tail only), rewritten or removed ones (reloaded / dropped). The writer knows already.
   */
  async refresh(): Promise<void> {
    if (!this.readOnly) return;
    await (this.refreshing = this.refreshing.then(() => this.refreshOnce()));
  }

  private refreshOnce(): Promise<void> {
    return refreshSegments(this.dir, this.segs, this.pool, this.index, this.index);
  }
}
