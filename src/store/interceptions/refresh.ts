/**
 * Read-only mode's view of a store another process writes (the CLI next to a running server):
 * before each read it looks at the segment files again and loads only what changed.
 */
import { readdir, stat } from 'node:fs/promises';
import type { StringPool } from './entry.js';
import type { MemoryIndex } from './memory-index.js';
import { dataPath, loadSegment, loadTail, segmentOfFile, type LoadSink } from './segment-files.js';

/** Per segment: the data end already indexed and the file's inode (a rewrite changes it). */
export type SegmentStates = Map<string, { end: number; ino: number }>;

/**
 * New segments are loaded, grown ones parsed from where we stopped (a half-written last line is
 * left for next time), rewritten ones (new inode, or shorter) reloaded, vanished ones forgotten.
 */
export async function refreshSegments(
  dir: string,
  segs: SegmentStates,
  pool: StringPool,
  index: MemoryIndex,
  sink: LoadSink,
): Promise<void> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    names = []; // no store yet: an empty list, not an error
  }
  const days = new Set(names.map(segmentOfFile).filter((d): d is string => d !== null));
  const forget = (day: string): void => {
    index.removeWhere((e) => e.seg === day);
    segs.delete(day);
  };
  for (const day of [...segs.keys()]) if (!days.has(day)) forget(day);
  for (const day of [...days].sort()) {
    const st = await stat(dataPath(dir, day)).catch(() => null);
    if (!st) continue;
    const known = segs.get(day);
    if (known && known.ino === st.ino && st.size >= known.end) {
      if (st.size === known.end) continue;
      known.end = await loadTail(dir, day, known.end, pool, sink);
      continue;
    }
    if (known) forget(day);
    const load = await loadSegment(dir, day, pool, sink).catch(() => null);
    if (!load) continue;
    segs.set(day, { end: load.scannedEnd, ino: load.ino });
  }
}
