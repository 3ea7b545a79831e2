/**
 * Keeps the full-text index (search-index.ts) caught up with the store, in the background: at
 * open it indexes every stored record, newest first, a chunk at a time between turns of the event
 * loop; afterwards, a finished record as the store is handed it, from memory ({@link
 * SearchIndexer.indexNow}), and the ones that could not be (woken by the store, at most once a
 * second: read back from disk). After purge and stripContent it drops the gone content from the index (compaction).
 *
 * Queries never wait for it: an entry whose current version is not indexed (`doc < 0`) is checked
 * against its record by the reader, so results are exact from the first second after open —
 * only faster once the index has caught up. Only the writer process runs it (a read-only CLI
 * answers its one query by checking records directly).
 */
import type { Interception } from '../../record/types.js';
import { recordWords, storedRecordWords } from '../../record/search-text.js';
import type { Entry } from './entry.js';
import type { MemoryIndex } from './memory-index.js';
import { errText, type StoreLogger } from './options.js';
import { SearchIndex } from './search-index.js';

/** Records read per step (each step then yields the loop). */
const CHUNK = 128;
/** A being-indexed mark on `Entry.doc`: a new version of the record resets it to -1 meanwhile. */
const INDEXING = -2;

/** Where an entry's current version is (changes with every new version or rewrite). */
const place = (e: Entry): string => `${e.seg ?? ''}:${e.off}:${e.len}:${e.pending === null ? 0 : 1}`;

const yieldLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export class SearchIndexer {
  readonly search = new SearchIndex();
  private running: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private again = false;
  private compactWanted = false;
  /** A compaction is renumbering documents: nothing may be added meanwhile. */
  private compacting = false;
  private closed = false;
  /** Entries whose record could not be read, with where it was: not retried until that changes. */
  private readonly failed = new WeakMap<Entry, string>();
  private readonly idleWaiters: (() => void)[] = [];

  constructor(
    private readonly index: MemoryIndex,
    private readonly read: (entries: readonly Entry[]) => Promise<Interception[]>,
    private readonly logger: StoreLogger,
    private readonly delayMs: number,
    /** Resolves once the store has loaded every segment (it loads older ones after start-up). */
    private readonly loaded: () => Promise<void> = () => Promise.resolve(),
  ) {}

  /** Look for new work after `delayMs` (a finish calls this; many finishes make one look). */
  wake(delayMs = this.delayMs): void {
    if (this.closed) return;
    if (this.running) {
      this.again = true;
      return;
    }
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.run();
    }, delayMs);
    this.timer.unref();
  }

  /**
   * Indexes a record the store was just handed, from memory: `rec` is the object whose JSON line
   * the store writes, so its stored words are known without reading the line back (that read —
   * open, read, parse — was 3–4 % of a recorded call's CPU, issue #20). False when it cannot (a
   * compaction is running, the record is not finished, or a value might read back differently:
   * see storedRecordWords); the caller then wakes the background look, which reads it.
   */
  indexNow(e: Entry, rec: Interception): boolean {
    if (this.closed || this.compacting || e.deleted || e.doc !== -1 || e.status === 'in_flight') return false;
    const words = storedRecordWords(rec);
    if (words === null) return false;
    e.doc = this.search.add(words);
    return true;
  }

  /** Drop gone content (after purge / stripContent) at the next step. */
  compactSoon(): void {
    this.compactWanted = true;
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    this.wake(0);
  }

  /** Resolves once nothing is left to index or compact (tests, the bench). */
  idle(): Promise<void> {
    if (this.closed) return Promise.resolve();
    // A look even when nothing seems left: the store may still be loading older segments.
    if (!this.running) {
      // Now, not on an (unref'd) timer: a script awaiting this keeps its process alive.
      if (this.timer) clearTimeout(this.timer);
      this.timer = null;
      this.run();
    }
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Documents indexed and entries still waiting (the bench reports progress). */
  progress(): { indexed: number; waiting: number } {
    let indexed = 0;
    let waiting = 0;
    for (const e of this.index.all()) {
      if (e.doc >= 0) indexed++;
      else if (this.wanted(e)) waiting++;
    }
    return { indexed, waiting };
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
    this.settleIdle();
  }

  private run(): void {
    this.running = this.loop()
      .catch((err: unknown) => {
        this.logger.warn({ err: errText(err) }, 'interception store: search indexing stopped (searches check records instead)');
      })
      .finally(() => {
        this.running = null;
        if (this.again && !this.closed) {
          this.again = false;
          this.wake(0);
        } else if (!this.timer) this.settleIdle();
      });
  }

  private settleIdle(): void {
    for (const resolve of this.idleWaiters.splice(0)) resolve();
  }

  private wanted(e: Entry): boolean {
    return e.doc === -1 && !e.deleted && e.status !== 'in_flight' && this.failed.get(e) !== place(e);
  }

  private async loop(): Promise<void> {
    // The build starts once every segment is in the index (and start-up's own loading is done).
    await this.loaded();
    for (;;) {
      if (this.closed) return;
      if (this.compactWanted) {
        this.compactWanted = false;
        await this.compact();
        continue;
      }
      this.again = false;
      const all = this.index.all();
      const todo: Entry[] = [];
      let live = 0;
      // Newest first: the records people look for first are searchable first.
      for (let i = all.length - 1; i >= 0; i--) {
        const e = all[i]!;
        if (e.doc >= 0) live++;
        else if (this.wanted(e)) todo.push(e);
      }
      if (todo.length === 0) {
        // Superseded versions pile up dead documents; drop them once they outnumber the live ones.
        if (this.search.docs > 2 * live + 10_000) await this.compact();
        return;
      }
      for (let i = 0; i < todo.length && !this.closed && !this.compactWanted; i += CHUNK) {
        await this.indexChunk(todo.slice(i, i + CHUNK).filter((e) => this.wanted(e)));
        await yieldLoop();
      }
    }
  }

  private async indexChunk(chunk: Entry[]): Promise<void> {
    if (chunk.length === 0) return;
    for (const e of chunk) e.doc = INDEXING;
    let recs: Interception[];
    try {
      recs = await this.read(chunk);
    } catch (err) {
      for (const e of chunk) if (e.doc === INDEXING) e.doc = -1;
      throw err;
    }
    const byId = new Map(recs.map((r) => [r.id, r]));
    for (const e of chunk) {
      // Changed while being read (a new version, stripped): its new version waits for a later look.
      if (e.doc !== INDEXING || e.deleted) continue;
      const rec = byId.get(e.id);
      if (!rec) {
        e.doc = -1;
        this.failed.set(e, place(e));
        continue;
      }
      e.doc = this.search.add(recordWords(rec));
    }
  }

  private async compact(): Promise<void> {
    const live = new Uint8Array(this.search.docs);
    for (const e of this.index.all()) if (e.doc >= 0 && !e.deleted) live[e.doc] = 1;
    this.compacting = true;
    let remap: Int32Array | null;
    try {
      remap = await this.search.compact(live, () => this.closed);
    } finally {
      this.compacting = false;
    }
    if (!remap) return;
    // Same turn as the swap: no query sees new numbers on old postings.
    for (const e of this.index.all()) if (e.doc >= 0) e.doc = e.doc < remap.length ? remap[e.doc]! : -1;
  }
}
