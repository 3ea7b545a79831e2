/**
 * The in-memory index entry: the small filterable fields of one interception plus where its latest
 * line lives on disk. Whole records stay on disk (issue #2: 300k records must not sit in RAM).
 */
import type { Interception, InterceptionStatus } from '../../record/types.js';
import { tokenSums, type TokenSums } from '../../record/usage.js';
import { storableLine } from '../../record/field-cap.js';
import { isoDay, isoMs } from '../../record/iso-time.js';

/** One interception as the index knows it. Mutated in place when its line moves (rewrite). */
export interface Entry {
  id: string;
  /** started_at in ms since epoch (0 when unparsable, so the record still sorts somewhere). */
  startedMs: number;
  provider: string;
  model: string;
  initiatorId: string;
  initiatorName: string;
  client: string;
  status: InterceptionStatus;
  /** true once stripContent removed its prompt/tool/thought text. */
  stripped: boolean;
  /** Segment day (`YYYY-MM-DD`) holding the latest line; null while only in memory. */
  seg: string | null;
  /** Byte offset and length (newline included) of the latest line in `seg`. */
  off: number;
  len: number;
  /**
   * The record while it waits for (or failed) its disk write; null once on disk. A finished record
   * waits as its JSON line: one flat string for the garbage collector to carry over (issue #8),
   * not the record's few dozen objects. See {@link pendingRecord} / {@link pendingLine}.
   */
  pending: Interception | string | null;
  /** Set when purge removed it, so readers holding a snapshot skip it. */
  deleted: boolean;
  /**
   * The record's token sums (what `/usage` and the overview add up), as plain fields rather than
   * an object (300,000 fewer allocations at open). `tokKnown` is false when the index line predates
   * them: then the record itself is read once and the sums kept here.
   */
  tokKnown: boolean;
  tokIn: number;
  tokOut: number;
  tokCacheRead: number;
  tokCacheWrite: number;
  /** The 1-hour cache writes (SPEC §11); 0 for index lines written before they were kept. */
  tokCacheWrite1h: number;
  tokReasoning: number;
  /** The record's `client_session_id` (SPEC §15 sessions); meaningful only when `sessionKnown`. */
  session: string | null;
  /** false when the index line predates sessions: the record is read once (like `tokKnown`). */
  sessionKnown: boolean;
  /**
   * The full-text index's document number of this version of the record (search-index.ts), or
   * -1 while this version is not indexed (new, changed, stripped): a search then checks the
   * record itself, so results stay exact whatever the index has caught up with.
   */
  doc: number;
}

/** Sets an entry's token sums. */
export function setTokens(e: Entry, t: TokenSums): void {
  e.tokKnown = true;
  e.tokIn = t.input;
  e.tokOut = t.output;
  e.tokCacheRead = t.cacheRead;
  e.tokCacheWrite = t.cacheWrite;
  e.tokCacheWrite1h = t.cacheWrite1h;
  e.tokReasoning = t.reasoning;
}

/**
 * Interns the low-cardinality strings (provider, model, client, names) so 300k entries share a few
 * hundred string objects instead of holding 300k copies each.
 */
export class StringPool {
  private readonly pool = new Map<string, string>();

  intern(s: string): string {
    const hit = this.pool.get(s);
    if (hit !== undefined) return hit;
    // Keep the pool from growing without bound on high-cardinality values (e.g. random models).
    if (this.pool.size < 100_000) this.pool.set(s, s);
    return s;
  }
}

/** Parses RFC 3339 into ms; 0 for garbage so a bad timestamp never throws in the index. */
export function parseTime(s: string | null | undefined): number {
  if (typeof s !== 'string') return 0;
  const ms = isoMs(s);
  return Number.isFinite(ms) ? ms : 0;
}

/** Segment file day (UTC) for a started_at in ms. */
export function segmentDay(ms: number): string {
  return isoDay(ms);
}

/** Builds the index entry for a record (not yet placed on disk). */
export function entryFromRecord(rec: Interception, pool: StringPool): Entry {
  const t = tokenSums(rec);
  return {
    id: rec.id,
    startedMs: parseTime(rec.started_at),
    provider: pool.intern(String(rec.provider)),
    model: pool.intern(String(rec.model)),
    initiatorId: pool.intern(String(rec.initiator?.id ?? '')),
    initiatorName: pool.intern(String(rec.initiator?.name ?? '')),
    client: pool.intern(String(rec.client)),
    status: rec.status,
    stripped: rec.metadata?.['content_stripped'] === true,
    seg: null,
    off: 0,
    len: 0,
    pending: null,
    deleted: false,
    tokKnown: true,
    tokIn: t.input,
    tokOut: t.output,
    tokCacheRead: t.cacheRead,
    tokCacheWrite: t.cacheWrite,
    tokCacheWrite1h: t.cacheWrite1h,
    tokReasoning: t.reasoning,
    session: typeof rec.client_session_id === 'string' ? pool.intern(rec.client_session_id) : null,
    sessionKnown: true,
    doc: -1,
  };
}

/** A copy of the pending record (the caller may change it), or null. */
export function pendingRecord(e: Entry): Interception | null {
  const p = e.pending;
  if (p === null) return null;
  if (typeof p === 'string') return JSON.parse(p) as Interception;
  try {
    return structuredClone(p);
  } catch {
    // Too deep to clone (see storableLine): its stored form.
    return JSON.parse(storableLine(p)) as Interception;
  }
}

/** The pending record's JSON line (no newline), or null. */
export function pendingLine(e: Entry): string | null {
  const p = e.pending;
  if (p === null) return null;
  return typeof p === 'string' ? p : storableLine(p);
}

/** Total order of the list: ascending here, the list walks it backwards (started_at desc, id desc). */
export function compareKey(aMs: number, aId: string, bMs: number, bId: string): number {
  if (aMs !== bMs) return aMs < bMs ? -1 : 1;
  return aId < bId ? -1 : aId > bId ? 1 : 0;
}

export function compareEntries(a: Entry, b: Entry): number {
  return compareKey(a.startedMs, a.id, b.startedMs, b.id);
}
