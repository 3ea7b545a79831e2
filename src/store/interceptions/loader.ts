/**
 * Open's background part (README.md, "Open in two parts"): the segments older than the last two
 * days, loaded after open resolves, newest first; readers wait for the days they need (`ready`).
 */
import type { Entry } from './entry.js';
import { segmentDay } from './entry.js';
import type { MemoryIndex } from './memory-index.js';
import { errText, type StoreLogger } from './options.js';
import type { LoadSink } from './segment-files.js';

const yieldLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export class OlderSegmentLoader {
  /** Every segment of this day or later is loaded ('' = every segment: open is done). */
  loadedFrom = '';
  /**
   * The newest older segment not loaded yet ('' = none left). No segment lies between it and
   * `loadedFrom`, so a day after it is as good as loaded (a day without a segment of its own).
   */
  private nextToLoad = '';
  /** Readers waiting for older segments: each resolves once `loadedFrom` reaches its day. */
  private readonly loadWaiters: { day: string; resolve: () => void }[] = [];
  /** Open's background part: the older segments loaded (and their unfinished calls marked). */
  private older: Promise<void> = Promise.resolve();
  /** In-flight entries of older segments, marked interrupted once every segment is loaded. */
  private unmarked: Entry[] = [];
  /** Older segments load without waiting for a reader (the delay passed, close, loaded()). */
  private loadFreely = false;
  /** Wakes the paused loader of older segments. */
  private wakeLoader: (() => void) | null = null;

  constructor(
    private readonly index: MemoryIndex,
    private readonly logger: StoreLogger,
    private readonly loadOlderDelayMs: number,
    /**
     * Test seam (StoreOptions.testHook): `older-paused` when the loader stops to wait for a reader
     * or the delay, `older-load <day>` before each segment, `older-done` once open's background part is done.
     */
    private readonly hook: (point: string) => void = () => undefined,
  ) {}

  /**
   * Starts open's background part over `days` (older than `from`, newest first); `loadDay` loads
   * one of them into the sink, `markInterrupted` records the calls left in flight there. Returns
   * the promise that resolves once every segment is loaded (the same as `loaded()`).
   */
  start(
    from: string,
    days: readonly string[],
    loadDay: (day: string, sink: LoadSink) => Promise<void>,
    markInterrupted: (open: readonly Entry[]) => Promise<void>,
  ): Promise<void> {
    if (days.length > 0) {
      this.loadedFrom = from;
      this.nextToLoad = days[0]!;
    }
    this.older = this.loadOlder(days, loadDay, markInterrupted);
    return this.older;
  }

  /**
   * Open's background part: the segments older than the last two days, newest first, a turn of
   * the event loop between segments (the gateway serves meanwhile); until `loadOlderDelayMs`
   * passes, only while a reader waits for one (start-up is not slowed by what it does not read). Their unfinished calls are
   * marked interrupted at the end, when no older segment can still hold their end (readers of a
   * range holding one wait for that: `ready`). Not stopped by close() (which waits for it): a
   * writer must know every segment's size before it appends.
   */
  private async loadOlder(
    days: readonly string[],
    loadDay: (day: string, sink: LoadSink) => Promise<void>,
    markInterrupted: (open: readonly Entry[]) => Promise<void>,
  ): Promise<void> {
    const sink: LoadSink = {
      load: (e) => {
        this.index.loadOlder(e);
        if (e.status === 'in_flight') this.unmarked.push(e);
      },
      endedIn: (id) => this.index.endedIn(id),
    };
    const timer = days.length > 0 ? setTimeout(() => this.loadAll(), this.loadOlderDelayMs) : null;
    for (let i = 0; i < days.length; i++) {
      const day = days[i]!;
      // Until the delay passes, only as far as a waiting reader needs (start-up's: this month).
      while (!this.loadFreely && this.loadWaiters.length === 0) {
        this.hook('older-paused');
        await new Promise<void>((resolve) => (this.wakeLoader = resolve));
      }
      this.wakeLoader = null;
      this.hook(`older-load ${day}`);
      await yieldLoop();
      try {
        await loadDay(day, sink);
      } catch (err) {
        // Open would have failed on it; after start-up the gateway runs on without this day.
        this.logger.error({ segment: day, err: errText(err) }, 'interception store: could not load a segment; its records are missing until the next start');
      }
      this.loadedUntil(day, days[i + 1] ?? '');
    }
    const open = this.unmarked.filter((e) => this.stillOpen(e));
    await markInterrupted(open).catch((err: unknown) => {
      this.logger.error({ err: errText(err) }, 'interception store: could not mark unfinished calls interrupted (the next start does)');
    });
    this.unmarked = [];
    if (timer) clearTimeout(timer);
    this.loadedUntil('', '');
    this.hook('older-done');
  }

  /** Still in flight, loaded (not superseded by a later line) and not this run's. */
  private stillOpen(e: Entry): boolean {
    return e.status === 'in_flight' && e.pending === null && this.index.get(e.id) === e;
  }

  /** Older segments load now, without waiting for a reader or the delay. */
  loadAll(): void {
    this.loadFreely = true;
    this.wakeLoader?.();
  }

  private loadedUntil(day: string, next: string): void {
    this.loadedFrom = day;
    this.nextToLoad = next;
    for (let i = this.loadWaiters.length - 1; i >= 0; i--) {
      const w = this.loadWaiters[i]!;
      if (day === '' || this.covers(w.day)) {
        this.loadWaiters.splice(i, 1);
        w.resolve();
      }
    }
  }

  /** Every segment that can hold records of day `day` or later is loaded (`day` not ''). */
  private covers(day: string): boolean {
    return day >= this.loadedFrom || day > this.nextToLoad;
  }

  /**
   * Resolves once every segment that can hold records started at `since` or later is loaded
   * (`undefined`: every segment), and their unfinished calls are marked. Readers call it first;
   * it resolves at once except in the seconds after open.
   */
  async ready(since: number | undefined): Promise<void> {
    const day = since === undefined || !Number.isFinite(since) ? '' : segmentDay(since);
    while (this.loadedFrom !== '') {
      if (day !== '' && this.covers(day)) {
        // Loaded; a call left unfinished there is marked only at the end of open's background part
        // (one that a later line of its own superseded is never marked: no need to wait for it).
        if (this.unmarked.some((e) => e.seg !== null && e.seg >= day && this.stillOpen(e))) await this.loaded();
        return;
      }
      await new Promise<void>((resolve) => {
        this.loadWaiters.push({ day, resolve });
        this.wakeLoader?.();
      });
    }
  }

  /** Loads every segment now and resolves once open's background part is done. */
  loaded(): Promise<void> {
    this.loadAll();
    return this.older;
  }
}
