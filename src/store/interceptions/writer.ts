/**
 * The store's write side (README.md, "Durability"): records queued as index entries, written once
 * per tick per segment (one `write`, `fdatasync`, then the index lines), behind the store's single
 * write lock. A failed write keeps the records queued and retries every second; `health()` says why.
 */
import { mkdir } from 'node:fs/promises';
import { SegmentAppender } from './appender.js';
import { pendingLine, segmentDay, type Entry } from './entry.js';
import { utf8Bound, writeUtf8 } from '../utf8-lines.js';
import { acquireWriterLock } from './lock.js';
import { errText, type StoreLogger } from './options.js';
import { indexLine } from './segment-files.js';

/** Retry delay after a failed write: often enough to recover quickly, rare enough not to spin. */
export const RETRY_MS = 1000;

/** What the writer asks of open's background part (loader.ts): a segment's size is known once it is loaded. */
interface LoadState {
  /** Every segment of this day or later is loaded ('' = every segment). */
  readonly loadedFrom: string;
  /** Loads every segment now; resolves once all are. */
  loaded(): Promise<void>;
}

export class SegmentWriter {
  /** Entries whose record waits for its write (retried after failures). */
  readonly queue = new Set<Entry>();
  /** Set once the writer lock is held (at open, or at the first flush after a start on a disk that took nothing). */
  releaseLock: (() => Promise<void>) | null = null;
  /** Why writes fail now; null when they work. */
  healthError: string | null = null;
  private readonly appenders = new Map<string, SegmentAppender>();
  private mutex: Promise<unknown> = Promise.resolve();
  private timer: NodeJS.Timeout | null = null;
  private timerDue = 0;
  private stopped = false;

  constructor(
    private readonly dir: string,
    /** Known data end and inode per segment (shared with the store's reader). */
    private readonly segs: Map<string, { end: number; ino: number }>,
    private readonly logger: StoreLogger,
    private readonly load: LoadState,
  ) {}

  /** Flushes in `ms` unless a flush is due sooner already. */
  schedule(ms: number): void {
    if (this.stopped) return;
    const due = Date.now() + ms;
    if (this.timer) {
      if (due >= this.timerDue) return;
      clearTimeout(this.timer);
    }
    this.timerDue = due;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.flush().catch(() => this.schedule(RETRY_MS));
    }, ms);
  }

  /** Runs `fn` alone against writes and rewrites (the store's single write lock). */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.mutex.then(fn, fn);
    this.mutex = run.catch(() => undefined);
    return run;
  }

  /** Writes everything queued; rejects with the write error (records stay queued and retried). */
  flush(): Promise<void> {
    return this.exclusive(() => this.flushOnce());
  }

  private async flushOnce(): Promise<void> {
    if (this.queue.size === 0) return;
    if (this.load.loadedFrom !== '') {
      // A line for a day whose segment is not loaded yet (its size unknown): after open's background part.
      for (const e of this.queue) {
        if ((e.seg ?? segmentDay(e.startedMs)) < this.load.loadedFrom) {
          await this.load.loaded();
          break;
        }
      }
    }
    if (!this.releaseLock) {
      // Started on a disk that took nothing: the writer lock first (it is what failed then).
      try {
        await mkdir(this.dir, { recursive: true });
        this.releaseLock = await acquireWriterLock(this.dir);
      } catch (err) {
        this.healthError = errText(err);
        this.schedule(RETRY_MS);
        throw err;
      }
    }
    const bySeg = new Map<string, Entry[]>();
    for (const e of this.queue) {
      if (e.deleted || !e.pending) continue;
      const day = e.seg ?? segmentDay(e.startedMs);
      let list = bySeg.get(day);
      if (!list) bySeg.set(day, (list = []));
      list.push(e);
    }
    this.queue.clear();
    let failure: unknown = null;
    for (const [day, group] of bySeg) {
      const recs = group.map((e) => e.pending);
      const { data, ends } = encodeLines(group.map((e) => pendingLine(e)!));
      // Index lines describe the record written, captured before any await lets a newer one in.
      const snapshot = group.map((e) => ({ ...e }));
      try {
        // The folder is made before a segment's first write and again after any failure (someone
        // may have removed it); not on every flush (a syscall per 25 ms tick for nothing).
        if (!this.appenders.has(day) || this.healthError !== null) await mkdir(this.dir, { recursive: true });
        const app = this.appender(day);
        const offsets = await app.write(data, ends);
        let idx = '';
        group.forEach((e, i) => {
          const off = offsets[i]!;
          const len = ends[i]! - (i === 0 ? 0 : ends[i - 1]!);
          idx += indexLine(snapshot[i]!, off, len);
          if (e.deleted) return;
          e.seg = day;
          e.off = off;
          e.len = len;
          // A newer version handed in meanwhile is queued already; keep it pending.
          if (e.pending === recs[i]) e.pending = null;
        });
        this.segs.set(day, { end: app.size, ino: this.segs.get(day)?.ino ?? 0 });
        await app.writeIndex(idx);
      } catch (err) {
        failure = err;
        for (const e of group) if (e.pending && !e.deleted) this.queue.add(e);
      }
    }
    if (failure !== null) {
      const text = errText(failure);
      if (this.healthError === null) {
        this.logger.error(
          { err: text, queued: this.queue.size },
          'interception store: write failed; records kept in memory and retried — the gateway keeps proxying',
        );
      }
      this.healthError = text;
      this.schedule(RETRY_MS);
      throw failure;
    }
    if (this.healthError !== null) {
      this.logger.warn({ previous: this.healthError }, 'interception store: writes work again');
      this.healthError = null;
    }
  }

  appender(day: string): SegmentAppender {
    let app = this.appenders.get(day);
    if (!app) {
      app = new SegmentAppender(this.dir, day, this.segs.get(day)?.end ?? 0);
      this.appenders.set(day, app);
    }
    return app;
  }

  /** After a rewrite or drop: forget the old handle; the next write reopens at `size`. */
  async resetSegment(day: string, size: number | null): Promise<void> {
    const app = this.appenders.get(day);
    this.appenders.delete(day);
    if (size === null) this.segs.delete(day);
    else this.segs.set(day, { end: size, ino: 0 });
    await app?.close();
  }

  /** No more ticks: what `schedule` would still start is left to {@link close}. */
  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** The last flush (its failure logged with the records lost), then the files and the lock let go. */
  async close(): Promise<void> {
    await this.exclusive(() => this.flushOnce()).catch((err: unknown) => {
      this.logger.error({ err: errText(err), lost: this.queue.size }, 'interception store: closed with unwritten records');
    });
    if (this.timer) clearTimeout(this.timer);
    for (const app of this.appenders.values()) await app.close();
    this.appenders.clear();
    await this.releaseLock?.();
  }
}

/** Past this many bytes at 3 a UTF-16 unit, a batch's lines are measured first, not over-allocated. */
const BOUND_MAX = 8 * 1024 * 1024;

/**
 * The batch's lines, each with its `\n`, as UTF-8 in one buffer, and where each ends (see
 * src/store/utf8-lines.ts). The buffer is the batch's own: it is written asynchronously.
 */
function encodeLines(lines: readonly string[]): { data: Buffer; ends: number[] } {
  let units = 0;
  for (const l of lines) units += l.length;
  let size = utf8Bound(units) + lines.length;
  if (size > BOUND_MAX) {
    size = lines.length;
    for (const l of lines) size += Buffer.byteLength(l);
  }
  const ends: number[] = [];
  const buf = Buffer.allocUnsafe(size);
  return { data: buf.subarray(0, writeUtf8(buf, lines, 0, lines.length, true, ends)), ends };
}
