/**
 * purge and stripContent: rewrite (or drop) whole segments, a bounded batch of records at a time,
 * yielding to the event loop between batches so live streams keep flowing (SPEC §8, issue #8).
 *
 * Crash safety: a segment is rewritten into `<day>.jsonl.tmp`, made durable, and swapped in by
 * rename; the old index is unlinked first, so at no point does an index describe the wrong data
 * (a missing index only costs a re-parse at open). Open deletes `.tmp` leftovers.
 */
import { open, unlink, writeFile, type FileHandle } from 'node:fs/promises';
import { renameSync, statSync, unlinkSync } from 'node:fs';
import type { Interception } from '../../record/types.js';
import { entryFromRecord, pendingRecord, segmentDay, StringPool, type Entry } from './entry.js';
import type { MemoryIndex } from './memory-index.js';
import { dataPath, indexLine, indexPath, parseRecordLine, readLines, TMP_EXT } from './segment-files.js';
import { encodeSummary, summaryPath, writeSummary } from './segment-summary.js';

/** What the rewrite needs from the store. */
export interface MaintenanceHost {
  readonly dir: string;
  readonly index: MemoryIndex;
  readonly testHook: (point: string) => void;
  exclusive<T>(fn: () => Promise<T>): Promise<T>;
  appender(day: string): { readonly size: number };
  resetSegment(day: string, size: number | null): Promise<void>;
}

type Decision = 'keep' | 'drop' | 'strip';
const DEFAULT_BATCH = 500;

const yieldLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Deletes every ended record with started_at < before. In-flight ones wait for their finish. */
export async function purgeSegments(host: MaintenanceHost, before: number, batchSize?: number): Promise<number> {
  const batch = checkBatch(batchSize);
  const old = (e: Entry): boolean => e.startedMs < before && e.status !== 'in_flight';
  // Records not yet on disk are simply forgotten; the flush skips deleted entries.
  let total = host.index.removeWhere((e) => e.seg === null && old(e));
  for (const day of segmentsWith(host.index, old)) {
    total += await rewriteSegment(host, day, (e) => (old(e) ? 'drop' : 'keep'), batch);
  }
  return total;
}

/** Empties prompt text, tool inputs and thoughts of ended records with started_at < before. */
export async function stripSegments(host: MaintenanceHost, before: number, batchSize?: number): Promise<number> {
  const batch = checkBatch(batchSize);
  const targets = new Set(
    host.index.all().filter((e) => e.startedMs < before && e.status !== 'in_flight' && !e.stripped),
  );
  for (const e of targets) {
    const rec = pendingRecord(e);
    if (rec) {
      e.pending = JSON.stringify(stripRecord(rec));
      e.doc = -1; // its words leave the full-text index (search-worker.ts compacts after this)
    }
    if (e.seg === null) e.stripped = true;
  }
  for (const day of segmentsWith(host.index, (e) => targets.has(e))) {
    await rewriteSegment(host, day, (e) => (targets.has(e) ? 'strip' : 'keep'), batch);
  }
  let n = 0;
  for (const e of targets) if (e.stripped && !e.deleted) n++;
  return n;
}

/** Rewrites the given segments keeping every record, which drops superseded lines. */
export async function compactSegments(host: MaintenanceHost, days: readonly string[], stop: () => boolean): Promise<number> {
  for (const day of days) {
    if (stop()) break;
    await rewriteSegment(host, day, () => 'keep', DEFAULT_BATCH);
  }
  return 0;
}

/** The record without its content; metadata and token usage stay (issue #8). */
export function stripRecord(rec: Interception): Interception {
  return {
    ...rec,
    metadata: { ...rec.metadata, content_stripped: true },
    user_prompts: rec.user_prompts.map((p) => ({ ...p, prompt: '' })),
    tool_usages: rec.tool_usages.map((t) => ({ ...t, input: null })),
    model_thoughts: rec.model_thoughts.map((t) => ({ ...t, content: '' })),
  };
}

function checkBatch(n: number | undefined): number {
  if (n === undefined) return DEFAULT_BATCH;
  if (!Number.isInteger(n) || n < 1) throw new Error(`batchSize must be a positive integer, got ${String(n)}`);
  return n;
}

function segmentsWith(index: MemoryIndex, pred: (e: Entry) => boolean): string[] {
  const days = new Set<string>();
  for (const e of index.all()) if (e.seg !== null && pred(e)) days.add(e.seg);
  return [...days].sort();
}

/** Live entries whose latest line is in `day`, in file order. */
function entriesIn(index: MemoryIndex, day: string, pred: (e: Entry) => boolean): Entry[] {
  return index.all().filter((e) => e.seg === day && !e.deleted && pred(e)).sort((a, b) => a.off - b.off);
}

/** Rewrite state: the new file's size, its index lines and where each entry's line went. */
interface Rewrite {
  off: number;
  idx: string[];
  /** The new file's entries in line order (its summary, segment-summary.ts). */
  entries: Entry[];
  moved: Map<Entry, { off: number; len: number; stripped: boolean }>;
  dropped: Set<Entry>;
  pool: StringPool;
}

async function rewriteSegment(
  host: MaintenanceHost,
  day: string,
  decide: (e: Entry) => Decision,
  batchSize: number,
): Promise<number> {
  const whole = await host.exclusive(() => dropWholeSegment(host, day, decide));
  if (whole !== null) {
    host.testHook('batch');
    await yieldLoop();
    return whole;
  }
  const src = dataPath(host.dir, day);
  const tmp = src + TMP_EXT;
  const idxTmp = indexPath(host.dir, day) + TMP_EXT;
  // Lines before this point are copied in batches; lines the writer appends meanwhile are copied
  // at the end under the write lock, so nothing written during the rewrite is lost.
  const snapshotEnd = await host.exclusive(async () => host.appender(day).size);
  const out = await open(tmp, 'w', 0o600);
  const rw: Rewrite = { off: 0, idx: [], entries: [], moved: new Map(), dropped: new Set(), pool: new StringPool() };
  try {
    const items = entriesIn(host.index, day, (e) => e.off < snapshotEnd);
    for (let i = 0; i < items.length; i += batchSize) {
      await copyBatch(src, out, items.slice(i, i + batchSize), decide, rw);
      host.testHook('batch');
      await yieldLoop();
    }
    return await host.exclusive(async () => {
      await copyBatch(src, out, entriesIn(host.index, day, (e) => e.off >= snapshotEnd), decide, rw);
      await out.datasync();
      await out.close();
      await writeFile(idxTmp, rw.idx.join(''));
      host.testHook('before-rename');
      // Synchronous from here to the entry update: no reader can pair new offsets with old bytes.
      unlinkQuiet(indexPath(host.dir, day));
      renameSync(tmp, src);
      host.testHook('after-data-rename');
      renameSync(idxTmp, indexPath(host.dir, day));
      for (const [e, loc] of rw.moved) {
        if (e.deleted || e.seg !== day || rw.dropped.has(e)) continue;
        e.off = loc.off;
        e.len = loc.len;
        if (loc.stripped) {
          e.stripped = true;
          e.doc = -1; // its words leave the full-text index (search-worker.ts compacts after this)
        }
      }
      const removed = host.index.removeWhere((e) => rw.dropped.has(e));
      await host.resetSegment(day, rw.off);
      await saveSummary(host, day, rw);
      await syncDir(host.dir);
      return removed;
    });
  } catch (err) {
    await out.close().catch(() => undefined);
    await unlink(tmp).catch(() => undefined);
    await unlink(idxTmp).catch(() => undefined);
    throw err;
  }
}

/** When every record of a segment goes, the cheapest crash-safe delete is unlinking it. */
async function dropWholeSegment(host: MaintenanceHost, day: string, decide: (e: Entry) => Decision): Promise<number | null> {
  const all = host.index.all();
  const inSeg = all.filter((e) => e.seg === day);
  if (inSeg.length === 0 || inSeg.some((e) => decide(e) !== 'drop')) return null;
  // A record waiting to be written into this day must survive: fall back to a rewrite.
  if (all.some((e) => e.seg === null && e.pending && segmentDay(e.startedMs) === day && decide(e) !== 'drop')) return null;
  unlinkQuiet(summaryPath(host.dir, day));
  unlinkQuiet(indexPath(host.dir, day));
  unlinkQuiet(dataPath(host.dir, day));
  const removed = host.index.removeWhere((e) => e.seg === day);
  await host.resetSegment(day, null);
  await syncDir(host.dir);
  return removed;
}

async function copyBatch(src: string, out: FileHandle, batch: Entry[], decide: (e: Entry) => Decision, rw: Rewrite): Promise<void> {
  const live = batch.filter((e) => !e.deleted);
  if (live.length === 0) return;
  const lines = await readLines(src, live);
  const bufs: Buffer[] = [];
  live.forEach((e, i) => {
    const line = lines[i];
    const rec = line === undefined ? null : parseRecordLine(line);
    if (!rec || rec.id !== e.id) {
      throw new Error(`interception store: segment ${src} does not hold ${e.id} at ${e.off}; rewrite aborted`);
    }
    const d = decide(e);
    if (d === 'drop') {
      rw.dropped.add(e);
      return;
    }
    const outRec = d === 'strip' ? stripRecord(rec) : rec;
    const buf = d === 'strip' ? Buffer.from(JSON.stringify(outRec) + '\n') : Buffer.from(line!);
    // Index fields come from the line itself: the entry may already describe a newer pending record.
    const entry = entryFromRecord(outRec, rw.pool);
    rw.idx.push(indexLine(entry, rw.off, buf.length));
    entry.off = rw.off;
    entry.len = buf.length;
    rw.entries.push(entry);
    rw.moved.set(e, { off: rw.off, len: buf.length, stripped: d === 'strip' });
    rw.dropped.delete(e);
    rw.off += buf.length;
    bufs.push(buf);
  });
  const all = Buffer.concat(bufs);
  let done = 0;
  while (done < all.length) done += (await out.write(all, done, all.length - done)).bytesWritten;
}

/**
 * The rewritten segment's summary, so the next open need not parse it. Best effort: without it
 * (a failed write, a crash before it) the old summary no longer matches the file and open parses.
 */
async function saveSummary(host: MaintenanceHost, day: string, rw: Rewrite): Promise<void> {
  try {
    const st = statSync(dataPath(host.dir, day));
    if (st.size !== rw.off) return;
    for (const e of rw.entries) e.seg = day;
    const bytes = encodeSummary(rw.entries, st, { recordLines: rw.entries.length, badLines: 0 });
    if (bytes) await writeSummary(host.dir, day, bytes);
  } catch {
    // a cache: the next open parses this segment instead
  }
}

function unlinkQuiet(path: string): void {
  try {
    unlinkSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}

/** Makes renames and unlinks durable; best effort (not every platform can fsync a directory). */
async function syncDir(dir: string): Promise<void> {
  try {
    const fh = await open(dir, 'r');
    await fh.sync().finally(() => fh.close());
  } catch {
    // durability of the rename is an optimisation here: both outcomes are consistent states
  }
}
