/**
 * The in-memory index: id → entry, plus every entry kept sorted by (started_at, id) so a list page
 * is a backwards walk from the newest and a time range is two binary searches.
 */
import type { InterceptionFilter } from './types.js';
import { compareEntries, compareKey, type Entry } from './entry.js';
import type { LoadSink } from './segment-files.js';

/** A selected page: the entries to load and the total matching the filter. */
export interface Selection {
  count: number;
  page: Entry[];
}

export class MemoryIndex implements LoadSink {
  private readonly byId = new Map<string, Entry>();
  /** Ascending by (startedMs, id). */
  private order: Entry[] = [];
  /** Bulk loading appends unsorted; the first query sorts once (open must not pay n·log n inserts). */
  private dirty = false;

  get size(): number {
    return this.byId.size;
  }

  get(id: string): Entry | undefined {
    return this.byId.get(id);
  }

  /**
   * Adds or replaces the entry for `e.id`. A replacement keeps the same object when the sort key
   * did not change, so snapshots held by iterate() and list() see the move.
   */
  put(e: Entry): Entry {
    const old = this.byId.get(e.id);
    if (old) {
      if (old.startedMs === e.startedMs) {
        copyInto(old, e);
        return old;
      }
      this.removeFromOrder(old);
      old.deleted = true;
    }
    this.byId.set(e.id, e);
    this.insertSorted(e);
    return e;
  }

  /**
   * Bulk path for open/refresh (the {@link LoadSink}): appends unsorted and sorts once on the
   * first query. A later line supersedes an earlier one, but a begin never undoes a finish.
   */
  load(e: Entry): void {
    const old = this.byId.get(e.id);
    if (!old) {
      this.byId.set(e.id, e);
      this.order.push(e);
      this.dirty = true;
      return;
    }
    if (e.status === 'in_flight' && old.status !== 'in_flight') return;
    if (old.startedMs === e.startedMs) {
      copyInto(old, e);
      return;
    }
    // Rare (started_at changed between begin and finish): drop the old one when next sorting.
    old.deleted = true;
    this.byId.set(e.id, e);
    this.order.push(e);
    this.dirty = true;
  }

  /**
   * Bulk path for a segment older than segments already loaded (open loads the last days first,
   * the rest newest first after start-up): the same outcome as loading in day order, where the
   * newer segment's line supersedes — so an entry from another (newer) segment stays, except that
   * an ended record beats an in-flight one.
   */
  loadOlder(e: Entry): void {
    const old = this.byId.get(e.id);
    if (old !== undefined && old.seg !== e.seg && !(old.status === 'in_flight' && e.status !== 'in_flight')) return;
    this.load(e);
  }

  /** The segment of `id`'s ended record, or null when it has none (its begin lines can be skipped at load). */
  endedIn(id: string): string | null {
    const e = this.byId.get(id);
    return e !== undefined && e.status !== 'in_flight' ? (e.seg ?? '') : null;
  }

  /** Removes entries matching `pred` (purge); O(n) once, not per entry. */
  removeWhere(pred: (e: Entry) => boolean): number {
    let removed = 0;
    const kept: Entry[] = [];
    for (const e of this.order) {
      if (pred(e)) {
        e.deleted = true;
        this.byId.delete(e.id);
        removed++;
      } else {
        kept.push(e);
      }
    }
    this.order = kept;
    return removed;
  }

  /** Every entry, ascending. The array is live: copy before awaiting. */
  all(): readonly Entry[] {
    this.ensureSorted();
    return this.order;
  }

  /** Entries with started_at in [since, until), ascending; a copy, safe across awaits. */
  range(since: number | undefined, until: number | undefined): Entry[] {
    this.ensureSorted();
    const lo = since === undefined ? 0 : this.lowerBound(since);
    const hi = until === undefined ? this.order.length : this.lowerBound(until);
    return this.order.slice(lo, Math.max(lo, hi));
  }

  /**
   * One list page: walks newest → oldest inside the time bounds, counting every match and keeping
   * the first `limit` after the cursor; `also` is a further test (full-text search). Throws on an unknown cursor (the API answers 400).
   */
  select(f: InterceptionFilter, limit: number, afterId: string | undefined, also?: (e: Entry) => boolean): Selection {
    this.ensureSorted();
    const lo = f.startedAfter === undefined ? 0 : this.lowerBound(f.startedAfter);
    const hi = f.startedBefore === undefined ? this.order.length : this.lowerBound(f.startedBefore);
    // Entries at positions >= `start` are on or before the cursor in list order: count, don't page.
    let start = hi;
    if (afterId !== undefined) {
      const cursor = this.byId.get(afterId);
      if (!cursor) throw new Error(`unknown after_id "${afterId}": no such interception`);
      start = Math.min(hi, this.position(cursor));
    }
    const page: Entry[] = [];
    let count = 0;
    for (let i = hi - 1; i >= lo; i--) {
      const e = this.order[i]!;
      if (!matches(e, f)) continue;
      if (also !== undefined && !also(e)) continue;
      count++;
      if (i < start && page.length < limit) page.push(e);
    }
    return { count, page };
  }

  private ensureSorted(): void {
    if (!this.dirty) return;
    this.order = this.order.filter((e) => !e.deleted);
    this.order.sort(compareEntries);
    this.dirty = false;
  }

  /** First position whose startedMs >= ms. */
  private lowerBound(ms: number): number {
    let lo = 0;
    let hi = this.order.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.order[mid]!.startedMs < ms) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** First position whose key >= e's key (e's own position when present). */
  private position(e: Entry): number {
    let lo = 0;
    let hi = this.order.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const m = this.order[mid]!;
      if (compareKey(m.startedMs, m.id, e.startedMs, e.id) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private insertSorted(e: Entry): void {
    this.ensureSorted();
    const last = this.order[this.order.length - 1];
    // New calls almost always start after everything stored: append without searching.
    if (!last || compareEntries(last, e) < 0) {
      this.order.push(e);
      return;
    }
    this.order.splice(this.position(e), 0, e);
  }

  private removeFromOrder(e: Entry): void {
    this.ensureSorted();
    const i = this.position(e);
    if (this.order[i] === e) this.order.splice(i, 1);
  }
}

/** Field by field: much cheaper than Object.assign on the open path (300k calls). */
function copyInto(to: Entry, from: Entry): void {
  to.provider = from.provider;
  to.model = from.model;
  to.initiatorId = from.initiatorId;
  to.initiatorName = from.initiatorName;
  to.client = from.client;
  to.status = from.status;
  to.stripped = from.stripped;
  to.seg = from.seg;
  to.off = from.off;
  to.len = from.len;
  to.pending = from.pending;
  to.deleted = false;
  to.tokKnown = from.tokKnown;
  to.tokIn = from.tokIn;
  to.tokOut = from.tokOut;
  to.tokCacheRead = from.tokCacheRead;
  to.tokCacheWrite = from.tokCacheWrite;
  to.tokReasoning = from.tokReasoning;
  to.tokCacheWrite1h = from.tokCacheWrite1h;
  to.session = from.session;
  to.sessionKnown = from.sessionKnown;
  // A new version of the record: the full-text index must look at it again.
  to.doc = from.doc;
}

/** Filter semantics of SPEC §5; in-flight entries only with includeInFlight. */
export function matches(e: Entry, f: InterceptionFilter): boolean {
  if (e.status === 'in_flight' && f.includeInFlight !== true) return false;
  if (f.provider !== undefined && e.provider !== f.provider) return false;
  if (f.model !== undefined && e.model !== f.model) return false;
  if (f.client !== undefined && e.client !== f.client) return false;
  if (f.status !== undefined && e.status !== f.status) return false;
  if (f.initiator !== undefined && e.initiatorName !== f.initiator && e.initiatorId !== f.initiator) {
    return false;
  }
  if (f.session !== undefined && e.session !== f.session) return false;
  if (f.startedAfter !== undefined && e.startedMs < f.startedAfter) return false;
  if (f.startedBefore !== undefined && e.startedMs >= f.startedBefore) return false;
  return true;
}
