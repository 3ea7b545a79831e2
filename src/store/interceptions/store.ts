/**
 * The file-backed interception store: day-segmented append-only JSON lines, an in-memory index of
 * the filterable fields, whole records read back by byte offset. See README.md in this folder.
 */
import { mkdir, readdir, truncate, appendFile, unlink, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { EndStatus, Interception } from '../../record/types.js';
import { storableLine } from '../../record/field-cap.js';
import type { SumsPricer } from '../../record/cost.js';
import type { InterceptionStore, ListQuery, ListResult, SearchIndexStatus, SessionSums, UsageFields, UsageSums } from './types.js';
import type { SegmentAppender } from './appender.js';
import { entryFromRecord, segmentDay, StringPool, type Entry } from './entry.js';
import { OlderSegmentLoader } from './loader.js';
import { acquireWriterLock } from './lock.js';
import { MemoryIndex } from './memory-index.js';
import { compactSegments, purgeSegments, stripSegments, type MaintenanceHost } from './maintenance.js';
import { errText, type StoreLogger, type StoreOptions } from './options.js';
import { READ_CHUNK, SegmentReader } from './reader.js';
import { SearchIndexer } from './search-worker.js';
import {
  dataPath, INDEX_EXT, indexPath, loadSegment, segmentOfFile, TMP_EXT, type LoadSink, type SegmentLoad,
} from './segment-files.js';
import { encodeSummary, SUMMARY_EXT, writeSummary } from './segment-summary.js';
import { RETRY_MS, SegmentWriter } from './writer.js';

const DEFAULT_FLUSH_MS = 150;
/** How soon a start line is written. */
const BEGIN_FLUSH_MS = 25;

/** Delay before the full-text index looks for work after open (start-up first) or a finish. */
const SEARCH_DELAY_MS = 1000;
/**
 * Open loads the segments of the last this-many ms (by day) before it resolves: calls still in
 * flight at a crash are there, and so is what start-up reads (today's totals). Older segments are
 * loaded after start-up, newest first; a reader that needs them waits (FileInterceptionStore.ready, loader.ts).
 */
const RECENT_MS = 86_400_000;
/**
 * Older segments load on demand (a read that needs them) until this long after open, then all of
 * them: start-up (what the gateway does before it listens) goes first, as with the search index.
 */
const LOAD_OLDER_DELAY_MS = 1000;

const silent: StoreLogger = { warn: () => undefined, error: () => undefined };

/** Errors of a disk that takes no more bytes or no writes at all, as opposed to a bug or a lock held. */
const DISK_ERRORS = new Set(['ENOSPC', 'EDQUOT', 'EFBIG', 'EROFS', 'EACCES', 'EPERM', 'EIO']);
function isDiskError(err: unknown): boolean {
  return DISK_ERRORS.has((err as NodeJS.ErrnoException | undefined)?.code ?? '');
}

export class FileInterceptionStore implements InterceptionStore, MaintenanceHost {
  readonly dir: string;
  readonly index = new MemoryIndex();
  readonly logger: StoreLogger;
  readonly testHook: (point: string) => void;
  private readonly pool = new StringPool();
  private readonly now: () => number;
  private readonly readOnly: boolean;
  private readonly flushMs: number;
  /** Known data end and inode per segment: the writer's sizes, the reader's refresh baseline. */
  private readonly segs = new Map<string, { end: number; ino: number }>();
  private readonly reader: SegmentReader;
  /** The write side: queue, flush tick, write lock, health (writer.ts). */
  private readonly writer: SegmentWriter;
  /** Open's background part: older segments, what readers wait for (loader.ts). */
  private readonly loader: OlderSegmentLoader;
  /** Keeps the full-text index (writer mode; SPEC §15). */
  readonly indexer: SearchIndexer | null;
  private maintenance: Promise<unknown> = Promise.resolve();
  private closed = false;
  /** Finished records go into the full-text index from memory (search-worker.ts indexNow). */
  private readonly indexOnFinish: boolean;
  /** The last enqueue's record could not be serialized as it is (its line is the fallback form). */
  private lastFaulted = false;
  /**
   * Begun calls not yet in the index, by id. They are placed (indexed and queued as start lines) on
   * the start-line tick, or first thing in any read, whichever comes first; a call that finishes
   * before either never pays for its start at all (issue #20: 2.7 % of the event loop under
   * load). The tick keeps SPEC §6's promise: a call's start reaches the disk within
   * BEGIN_FLUSH_MS of its begin, so a gateway killed mid-call leaves it to become `interrupted`.
   */
  private readonly begun = new Map<string, Interception>();
  private beginTimer: NodeJS.Timeout | undefined;
  /** When the tick is due (Date.now() time). */
  private beginDue = 0;

  constructor(opts: StoreOptions) {
    this.dir = join(opts.dir, 'interceptions');
    this.now = opts.now ?? Date.now;
    this.logger = opts.logger ?? silent;
    this.readOnly = opts.readOnly === true;
    this.flushMs = opts.flushIntervalMs ?? DEFAULT_FLUSH_MS;
    this.testHook = opts.testHook ?? (() => undefined);
    this.indexOnFinish = opts.searchIndexOnFinish !== false;
    this.loader = new OlderSegmentLoader(this.index, this.logger, opts.loadOlderDelayMs ?? LOAD_OLDER_DELAY_MS, this.testHook);
    this.writer = new SegmentWriter(this.dir, this.segs, this.logger, this.loader);
    this.reader = new SegmentReader(
      this.dir, this.index, this.pool, this.segs, this.readOnly, () => this.indexer?.search ?? null, (since) => this.ready(since),
    );
    this.indexer = this.readOnly || opts.searchIndex === false
      ? null
      : new SearchIndexer(
        this.index, (entries) => this.reader.readEntries(entries), this.logger, opts.searchIndexDelayMs ?? SEARCH_DELAY_MS, () => this.loaded(),
      );
  }

  /**
   * Loads the segments; in writer mode also repairs tails and marks unfinished calls interrupted.
   * A writer loads only the last two days' segments before it resolves and the older ones after,
   * newest first: for a second only as far as reads need (start-up's read this month), then all
   * of them in the background. Start-up of a store of hundreds of thousands of records is then
   * that of the month's; every read waits until the segments its time range needs are loaded.
   */
  async open(): Promise<void> {
    if (this.readOnly) {
      await this.reader.refresh();
      return;
    }
    // A disk that takes no more bytes (full, read-only, over quota) must not keep the gateway from
    // starting (issue #13): it starts degraded, as it runs degraded when a write fails later —
    // records kept in memory, the lock and the writes retried, health() says why.
    let unwritable: unknown = null;
    try {
      await mkdir(this.dir, { recursive: true });
      this.writer.releaseLock = await acquireWriterLock(this.dir);
    } catch (err) {
      if (!isDiskError(err)) throw err; // e.g. another process writes here: that stays fatal
      unwritable = err;
    }
    const names = await readdir(this.dir).catch((err: unknown) => {
      if (unwritable !== null && (err as NodeJS.ErrnoException).code === 'ENOENT') return [] as string[];
      throw err;
    });
    for (const name of names) {
      // Leftovers of a rewrite that crashed before its rename: the original is still in place.
      if (name.endsWith(TMP_EXT)) await unlink(join(this.dir, name)).catch(() => undefined);
    }
    const days = names.map(segmentOfFile).filter((d): d is string => d !== null).sort();
    for (const name of names) {
      // An index or summary whose data was dropped (crash between the unlinks) must not meet a new file.
      const ext = name.endsWith(INDEX_EXT) ? INDEX_EXT : name.endsWith(SUMMARY_EXT) ? SUMMARY_EXT : null;
      if (ext !== null && !days.includes(name.slice(0, -ext.length))) {
        await unlink(join(this.dir, name)).catch(() => undefined);
      }
    }
    const lines = new Map<string, number>();
    const summaries: { day: string; bytes: Buffer }[] = [];
    const recentFrom = segmentDay(this.now() - RECENT_MS);
    const older = days.filter((d) => d < recentFrom).reverse();
    for (const day of days) if (day >= recentFrom) lines.set(day, await this.loadWriterSegment(day, summaries, this.index));
    if (unwritable !== null) {
      this.writer.healthError = errText(unwritable);
      this.logger.error(
        { dir: this.dir },
        `interception store: the data folder cannot be written (${this.writer.healthError}; disk full or read-only?); starting anyway — records are kept in memory and written when it can be`,
      );
    }
    // (Were a call's started_at moved back past these days between its begin and its end — the
    // recorder never moves it — its end would load only afterwards, and this marking would win.)
    await this.markInterrupted(this.index.all().filter((e) => e.status === 'in_flight'));
    // Durable before serving: a second crash must not lose the marking.
    await this.flush().catch(() => undefined);
    const loadDay = async (day: string, sink: LoadSink): Promise<void> => {
      lines.set(day, await this.loadWriterSegment(day, summaries, sink));
    };
    const allLoaded = this.loader.start(recentFrom, older, loadDay, (open) => this.markInterrupted(open));
    // Maintenance (compaction, summaries, purge, stripContent) starts once every segment is loaded.
    this.maintenance = allLoaded.then(() => {
      if (!this.writer.releaseLock) return;
      const compacting = this.compactLater(lines);
      // Segments that were parsed get their summary for the next open, after start-up; those being
      // compacted get theirs from the rewrite.
      this.writeSummariesLater(summaries.filter((x) => !compacting.has(x.day)));
    }).catch((err: unknown) => {
      this.logger.warn({ err: errText(err) }, 'interception store: maintenance after open stopped (data unchanged)');
    });
    // The full-text index is built in the background once every segment is loaded (searches are
    // exact meanwhile: they check the records the index has not reached).
    this.indexer?.wake();
  }

  /** Resolves once the segments holding records started at `since` or later are loaded (loader.ts). */
  ready(since: number | undefined): Promise<void> {
    return this.loader.ready(since);
  }

  /** Loads every segment now and resolves once open's background part is done. */
  loaded(): Promise<void> {
    return this.loader.loaded();
  }

  /**
   * Past days whose files still hold superseded begin lines are rewritten without them, in the
   * background: about half the lines go, and with them half of the next open's work.
   */
  private compactLater(lines: Map<string, number>): Set<string> {
    const live = new Map<string, number>();
    for (const e of this.index.all()) if (e.seg !== null) live.set(e.seg, (live.get(e.seg) ?? 0) + 1);
    // Yesterday may still get finishes of long calls; anything older is settled.
    const settled = segmentDay(this.now() - 86_400_000);
    const days = [...lines].filter(([day, n]) => day < settled && n > (live.get(day) ?? 0)).map(([day]) => day);
    if (days.length === 0) return new Set();
    void this.serialMaintenance(() => compactSegments(this, days, () => this.closed)).catch((err: unknown) => {
      this.logger.warn({ err: errText(err) }, 'interception store: compaction stopped (data unchanged)');
    });
    return new Set(days);
  }

  /**
   * Writes the summaries made at open (segment-summary.ts). A segment written to since has another
   * size or mtime by then, so its summary is simply stale at the next open: never wrong.
   */
  private writeSummariesLater(summaries: readonly { day: string; bytes: Buffer }[]): void {
    if (summaries.length === 0) return;
    void this.serialMaintenance(async () => {
      // Not stopped by close(): a few file writes, and they spare the next start the parsing.
      for (const { day, bytes } of summaries) await writeSummary(this.dir, day, bytes);
      return 0;
    }).catch((err: unknown) => {
      this.logger.warn({ err: errText(err) }, 'interception store: could not save segment summaries (the next start parses those segments)');
    });
  }

  /** The summary of a segment just parsed, when its file is still as parsed (torn tail cut). */
  private async summaryOf(day: string, load: SegmentLoad): Promise<Buffer | null> {
    if (!load.loaded) return null;
    const st = await stat(dataPath(this.dir, day)).catch(() => null);
    if (!st || st.size !== load.scannedEnd || st.ino !== load.ino) return null;
    return encodeSummary(load.loaded, st, { recordLines: load.recordLines, badLines: load.badLines });
  }

  private async loadWriterSegment(day: string, summaries: { day: string; bytes: Buffer }[], sink: LoadSink): Promise<number> {
    const load = await loadSegment(this.dir, day, this.pool, sink, { capture: this.writer.releaseLock !== null });
    this.segs.set(day, { end: load.scannedEnd, ino: load.ino });
    if (load.tornBytes > 0) {
      this.logger.warn({ segment: day, bytes: load.tornBytes }, 'interception store: skipped a torn last line (interrupted write)');
      await truncate(dataPath(this.dir, day), load.scannedEnd).catch((err: unknown) => {
        this.logger.warn({ segment: day, err: errText(err) }, 'interception store: could not cut the torn line');
      });
    }
    if (load.badLines > 0) {
      this.logger.warn({ segment: day, lines: load.badLines }, 'interception store: skipped unreadable lines');
    }
    if (load.missingIndex.length > 0) {
      // Bring the index up to date so the next open does not parse this tail again.
      try {
        await truncate(indexPath(this.dir, day), load.indexValidBytes).catch(() => undefined);
        await appendFile(indexPath(this.dir, day), load.missingIndex.join(''));
      } catch (err) {
        this.logger.warn({ segment: day, err: errText(err) }, 'interception store: could not update the index');
      }
    }
    const bytes = await this.summaryOf(day, load);
    if (bytes) summaries.push({ day, bytes });
    return load.recordLines;
  }

  /** Records an `interrupted` version of each of these in-flight entries (loaded, not of this run). */
  private async markInterrupted(open: readonly Entry[]): Promise<void> {
    if (open.length === 0) return;
    const endedAt = new Date(this.now()).toISOString();
    for (let i = 0; i < open.length; i += READ_CHUNK) {
      const recs = await this.reader.readEntries(open.slice(i, i + READ_CHUNK));
      for (const rec of recs) {
        this.enqueue({ ...rec, status: 'interrupted', ended_at: endedAt });
      }
    }
    this.logger.warn({ count: open.length }, 'interception store: marked unfinished calls interrupted');
  }

  // ---- writer -------------------------------------------------------------------------------

  begin(rec: Interception): void {
    if (this.readOnly || this.closed) {
      this.enqueue(rec); // throws (read-only) or warns (closed) now, in the caller's turn
      return;
    }
    this.begun.set(rec.id, rec);
    // Start lines go out on a short tick of their own, so a gateway killed a moment after a call
    // started still leaves that call on disk, to become `interrupted` at the next start (SPEC §6).
    // Not every turn of the event loop: a write + fdatasync per turn halved throughput under load
    // (bench, 45 % → 62 % of a bare proxy). While writes fail, keep to the retry pace instead.
    if (this.beginTimer === undefined) {
      const ms = this.writer.healthError === null ? Math.min(this.flushMs, BEGIN_FLUSH_MS) : RETRY_MS;
      this.beginDue = Date.now() + ms;
      this.beginTimer = setTimeout(this.beginTick, ms);
    }
  }

  private readonly beginTick = (): void => {
    this.beginTimer = undefined;
    if (this.placeBegun()) this.writer.schedule(0);
  };

  /** Indexes and queues the begun calls not placed yet (see {@link begun}); true if there were any. */
  private placeBegun(): boolean {
    if (this.begun.size === 0) return false;
    for (const rec of this.begun.values()) this.enqueue({ ...rec, status: 'in_flight' });
    this.begun.clear();
    // Placed ahead of the tick by a read: the lines are still due when the tick was.
    if (this.beginTimer !== undefined) {
      clearTimeout(this.beginTimer);
      this.beginTimer = undefined;
      this.writer.schedule(Math.max(0, this.beginDue - Date.now()));
    }
    return true;
  }

  finish(rec: Interception & { status: EndStatus }): void {
    this.begun.delete(rec.id);
    const e = this.enqueue(rec, true);
    // Its line is `JSON.stringify(rec)` (no serialization fault): indexed from memory now; else
    // the background look reads it back once written.
    if (e !== null && this.indexOnFinish && !this.lastFaulted && this.indexer?.indexNow(e, rec)) return;
    this.indexer?.wake();
  }

  /**
   * `asLine`: keep the record as its JSON line until written (finished records; see Entry.pending).
   * Returns the index entry now holding it (null when not stored).
   */
  private enqueue(rec: Interception, asLine = false): Entry | null {
    if (this.readOnly) throw new Error('interception store is open read-only');
    this.lastFaulted = false;
    if (this.closed) {
      // A call finishing during shutdown must not crash its request handler.
      this.logger.warn({ id: rec.id }, 'interception store: record handed in after close, not stored');
      return null;
    }
    const e = entryFromRecord(rec, this.pool);
    const old = this.index.get(rec.id);
    if (old && old.startedMs === e.startedMs) {
      // Same place in the order: keep the on-disk location so the line lands in the same segment.
      e.seg = old.seg;
      e.off = old.off;
      e.len = old.len;
    }
    // The store takes ownership of the object handed in (callers build a fresh record for every
    // change, src/gateway/intercept/recorder.ts); a deep copy per record cost ~5 % of a call's CPU.
    // A finished record is serialised now, in the turn after its client got the last bytes: it
    // waits for the disk as one string instead of an object graph the young GC copies around.
    // A record that cannot be serialized (issue #13: a value nested too deep got past the field
    // cap) is stored anyway, its tool inputs as text: a record always ends.
    e.pending = asLine ? storableLine(rec, (err) => this.serializeFault(rec.id, err)) : rec;
    const stored = this.index.put(e);
    this.writer.queue.add(stored);
    this.writer.schedule(this.flushMs);
    return stored;
  }

  private serializeFault(id: string, err: unknown): void {
    this.lastFaulted = true;
    this.logger.error({ id, err: errText(err) }, 'interception store: record could not be serialized; stored with its tool inputs as text');
  }

  /** Runs `fn` alone against writes and rewrites (the store's single write lock). */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    this.placeBegun();
    return this.writer.exclusive(fn);
  }

  /** Writes everything queued; rejects with the write error (records stay queued and retried). */
  flush(): Promise<void> {
    if (this.readOnly) return Promise.resolve();
    this.placeBegun();
    return this.writer.flush();
  }

  appender(day: string): SegmentAppender {
    return this.writer.appender(day);
  }

  /** After a rewrite or drop: forget the old handle; the next write reopens at `size`. */
  resetSegment(day: string, size: number | null): Promise<void> {
    return this.writer.resetSegment(day, size);
  }

  searchIndex(): SearchIndexStatus | null {
    if (!this.indexer) return null;
    const { indexed, waiting } = this.indexer.progress();
    return { building: waiting > 0 || this.loader.loadedFrom !== '', indexed, waiting };
  }

  health(): { ok: boolean; error: string | null } {
    return { ok: this.writer.healthError === null, error: this.writer.healthError };
  }

  // ---- reader (reader.ts) ---------------------------------------------------------------------

  list(q: ListQuery): Promise<ListResult> {
    this.placeBegun();
    return this.reader.list(q);
  }

  get(id: string): Promise<Interception | undefined> {
    this.placeBegun();
    return this.reader.get(id);
  }

  iterate(range: { since?: number; until?: number }): AsyncIterable<Interception> {
    this.placeBegun();
    return this.reader.iterate(range);
  }

  usage(range: { since?: number; until?: number }, keyOf: (e: UsageFields) => string, pricer?: SumsPricer): Promise<Map<string, UsageSums>> {
    this.placeBegun();
    return this.reader.usage(range, keyOf, pricer);
  }

  sessions(range: { since?: number; until?: number }, pricer?: SumsPricer): Promise<SessionSums[]> {
    this.placeBegun();
    return this.reader.sessions(range, pricer);
  }

  // ---- maintenance --------------------------------------------------------------------------

  purge(before: number, opts?: { batchSize?: number }): Promise<number> {
    this.placeBegun();
    return this.serialMaintenance(() => purgeSegments(this, before, opts?.batchSize)).then((n) => this.dropFromSearch(n));
  }

  stripContent(before: number, opts?: { batchSize?: number }): Promise<number> {
    this.placeBegun();
    return this.serialMaintenance(() => stripSegments(this, before, opts?.batchSize)).then((n) => this.dropFromSearch(n));
  }

  /** Removed or stripped content leaves the full-text index too (SPEC §8 retention). */
  private dropFromSearch(n: number): number {
    if (n > 0) this.indexer?.compactSoon();
    return n;
  }

  private serialMaintenance(fn: () => Promise<number>): Promise<number> {
    if (this.readOnly) return Promise.reject(new Error('interception store is open read-only'));
    const run = this.maintenance.then(fn, fn);
    this.maintenance = run.catch(() => undefined);
    return run;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.placeBegun();
    this.closed = true;
    this.writer.stop();
    await this.indexer?.close();
    if (!this.readOnly) {
      this.loader.loadAll();
      // The end of open's background part chains the summaries and compaction onto `maintenance`
      // when it runs: wait for what is chained meanwhile too, or they write after the lock is gone.
      for (let m = this.maintenance; ; m = this.maintenance) {
        await m.catch(() => undefined);
        if (m === this.maintenance) break;
      }
      await this.writer.close();
    }
  }
}
