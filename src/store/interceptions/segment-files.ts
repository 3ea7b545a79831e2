/**
 * On-disk format of one day segment:
 * - `<day>.jsonl`: one Interception JSON per line, append-only. A `begin` writes the in-flight
 *   record, `finish` the whole record; a later line for the same id supersedes an earlier one.
 * - `<day>.idx`: one compact JSON array per data line, appended after the data line is durable.
 *   It is a cache: open trusts the longest valid, contiguous prefix and re-parses the data tail.
 */
import { open, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Interception, InterceptionStatus } from '../../record/types.js';
import { entryFromRecord, type Entry, type StringPool } from './entry.js';
import { readSummary } from './segment-summary.js';

export const DATA_EXT = '.jsonl';
export const INDEX_EXT = '.idx';
export const TMP_EXT = '.tmp';
const DAY_RE = /^\d{4}-\d{2}-\d{2}$/;

export const dataPath = (dir: string, day: string): string => join(dir, day + DATA_EXT);
export const indexPath = (dir: string, day: string): string => join(dir, day + INDEX_EXT);

/** Day of a segment data file name, or null for anything else in the folder. */
export function segmentOfFile(name: string): string | null {
  if (!name.endsWith(DATA_EXT)) return null;
  const day = name.slice(0, -DATA_EXT.length);
  return DAY_RE.test(day) ? day : null;
}

/**
 * Index line for a record line: [off, len, id, startedMs, provider, model, initId, initName,
 * client, status, stripped, input, output, cacheRead, cacheWrite, reasoning, cacheWrite1h,
 * session]. Lines written before the token sums existed stop after `stripped` and are still read;
 * lines written before the 1-hour cache writes were kept stop after `reasoning` (their records had
 * none); lines written before sessions stop after `cacheWrite1h` (the record is read once).
 */
export function indexLine(e: Entry, off: number, len: number): string {
  const head: unknown[] = [off, len, e.id, e.startedMs, e.provider, e.model, e.initiatorId, e.initiatorName, e.client, e.status, e.stripped ? 1 : 0];
  if (e.tokKnown) {
    head.push(e.tokIn, e.tokOut, e.tokCacheRead, e.tokCacheWrite, e.tokReasoning, e.tokCacheWrite1h);
    if (e.sessionKnown) head.push(e.session);
  }
  return JSON.stringify(head) + '\n';
}

/** Index line for a data line that is not a record (torn garbage), so the index stays contiguous. */
export function skipLine(off: number, len: number): string {
  return JSON.stringify([off, len]) + '\n';
}

type IndexItem = [number, number, ...unknown[]];

function isItem(v: unknown): v is IndexItem {
  return Array.isArray(v) && typeof v[0] === 'number' && typeof v[1] === 'number' && (v.length === 2 || v.length === 11 || v.length === 16 || v.length === 17 || v.length === 18);
}

function entryFromItem(item: IndexItem, day: string, pool: StringPool): Entry | null {
  if (item.length === 2) return null;
  const [off, len, id, ms, provider, model, initId, initName, client, status, stripped, tIn, tOut, tCr, tCw, tRe, tCw1h, session] = item;
  return {
    id: String(id),
    startedMs: Number(ms),
    provider: pool.intern(String(provider)),
    model: pool.intern(String(model)),
    initiatorId: pool.intern(String(initId)),
    initiatorName: pool.intern(String(initName)),
    client: pool.intern(String(client)),
    status: String(status) as InterceptionStatus,
    stripped: stripped === 1,
    seg: day,
    off,
    len,
    pending: null,
    deleted: false,
    tokKnown: item.length >= 16,
    tokIn: Number(tIn) || 0,
    tokOut: Number(tOut) || 0,
    tokCacheRead: Number(tCr) || 0,
    tokCacheWrite: Number(tCw) || 0,
    tokReasoning: Number(tRe) || 0,
    tokCacheWrite1h: Number(tCw1h) || 0,
    session: typeof session === 'string' ? pool.intern(session) : null,
    sessionKnown: item.length >= 18,
    doc: -1,
  };
}

/** Receives the entries of a segment being loaded (the in-memory index). */
export interface LoadSink {
  /** Adds or supersedes; a begin line never undoes a finish. */
  load(e: Entry): void;
  /**
   * The segment holding the id's ended record, or null when it has none: a begin line of an ended
   * call needs no entry at all.
   */
  endedIn(id: string): string | null;
}

/** What loading a segment found. */
export interface SegmentLoad {
  /** Byte position right after the last complete data line. */
  scannedEnd: number;
  /** Data file size and inode at load (read-only mode notices rewrites by the inode). */
  size: number;
  ino: number;
  /** Bytes after the last newline: a torn write. */
  tornBytes: number;
  /** Record lines in the file (more than its live records when begin lines were superseded). */
  recordLines: number;
  /** Complete data lines that were not valid records. */
  badLines: number;
  /** Bytes of `<day>.idx` that are valid; anything after is garbage or stale. */
  indexValidBytes: number;
  /** Index lines for the data the index did not cover (the writer appends them). */
  missingIndex: string[];
  /** Data file mtime at load (what a summary is checked against, with size and inode). */
  mtimeMs: number;
  /** Loaded from the segment's summary (segment-summary.ts) rather than parsed. */
  fromSummary: boolean;
  /**
   * With `capture`, when parsed: every entry handed to the sink, in order (a begin line of a call
   * ended in another segment too), for the segment's summary. Mutated by later lines of the same
   * id, so encode it before loading anything else.
   */
  loaded: Entry[] | null;
}

/** Parses the index file into items, stopping at the first bad line. */
async function readIndex(path: string): Promise<{ items: IndexItem[]; raw: Buffer }> {
  let raw: Buffer;
  try {
    raw = await readFile(path);
  } catch {
    return { items: [], raw: Buffer.alloc(0) };
  }
  const end = raw.lastIndexOf(10);
  if (end < 0) return { items: [], raw };
  const body = raw.toString('utf8', 0, end);
  // Fast path: one JSON.parse for the whole file (open of 300k records must stay under 2 s).
  try {
    const all: unknown = JSON.parse('[' + body.replaceAll('\n', ',') + ']');
    if (Array.isArray(all) && all.every(isItem)) return { items: all, raw };
  } catch {
    // fall through to the line-by-line path, which finds where the damage starts
  }
  const items: IndexItem[] = [];
  for (const line of body.split('\n')) {
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch {
      break;
    }
    if (!isItem(v)) break;
    items.push(v);
  }
  return { items, raw };
}

/** Byte position right after the n-th newline of `buf` (0 for n = 0). */
function afterNthNewline(buf: Buffer, n: number): number {
  let pos = 0;
  for (let i = 0; i < n; i++) pos = buf.indexOf(10, pos) + 1;
  return pos;
}

/** Reads `len` bytes at `off` of an open file. */
async function readAt(fh: import('node:fs/promises').FileHandle, off: number, len: number): Promise<Buffer> {
  const buf = Buffer.allocUnsafe(len);
  let got = 0;
  while (got < len) {
    const { bytesRead } = await fh.read(buf, got, len - got, off + got);
    if (bytesRead === 0) break;
    got += bytesRead;
  }
  return got === len ? buf : buf.subarray(0, got);
}

/** Parses one data line into a record, or null when it is not one. */
export function parseRecordLine(line: string): Interception | null {
  try {
    const v: unknown = JSON.parse(line);
    if (v && typeof v === 'object' && typeof (v as { id?: unknown }).id === 'string') return v as Interception;
  } catch {
    // not a record: torn or garbage
  }
  return null;
}

/**
 * Scans data lines from `from` to EOF, calling `onLine` for every complete line.
 * Returns the position after the last complete line and the torn byte count after it.
 */
export async function scanData(
  path: string,
  from: number,
  onLine: (line: Buffer, off: number) => void,
): Promise<{ end: number; torn: number }> {
  const fh = await open(path, 'r');
  try {
    const chunk = 1 << 20;
    let carry: Buffer = Buffer.alloc(0);
    let pos = from;
    let lineStart = from;
    for (;;) {
      const buf = await readAt(fh, pos, chunk);
      if (buf.length === 0) break;
      pos += buf.length;
      const data = carry.length ? Buffer.concat([carry, buf]) : buf;
      let start = 0;
      for (let nl = data.indexOf(10, start); nl >= 0; nl = data.indexOf(10, start)) {
        onLine(data.subarray(start, nl + 1), lineStart);
        lineStart += nl + 1 - start;
        start = nl + 1;
      }
      carry = Buffer.from(data.subarray(start));
    }
    return { end: lineStart, torn: carry.length };
  } finally {
    await fh.close();
  }
}

/**
 * Loads one segment: from its summary when that still describes the data file exactly
 * (segment-summary.ts); else trusts the index's valid contiguous prefix (spot-checking its last
 * record against the data, which catches an index left from before a rewrite) and parses the rest.
 */
export async function loadSegment(
  dir: string,
  day: string,
  pool: StringPool,
  sink: LoadSink,
  opts: { capture?: boolean } = {},
): Promise<SegmentLoad> {
  const path = dataPath(dir, day);
  const st = await stat(path);
  const summary = await readSummary(dir, day, st, pool);
  if (summary) {
    for (const e of summary.entries) sink.load(e);
    return {
      scannedEnd: st.size, size: st.size, ino: st.ino, mtimeMs: st.mtimeMs, tornBytes: 0, recordLines: summary.recordLines,
      badLines: summary.badLines, indexValidBytes: 0, missingIndex: [], fromSummary: true, loaded: null,
    };
  }
  const loaded: Entry[] | null = opts.capture ? [] : null;
  const load = (e: Entry): void => {
    loaded?.push(e);
    sink.load(e);
  };
  const { items, raw } = await readIndex(indexPath(dir, day));
  let covered = 0;
  let used = 0;
  let lastRecord: IndexItem | null = null;
  for (const item of items) {
    const [off, len] = item;
    // Contiguity from 0 proves the index describes every byte before `covered`.
    if (off !== covered || len <= 0 || off + len > st.size) break;
    if (item.length > 2) lastRecord = item;
    covered = off + len;
    used++;
  }
  let indexValidBytes = afterNthNewline(raw, used);
  if (lastRecord && !(await spotCheck(path, lastRecord))) {
    // The index belongs to another version of the data (crash mid-rewrite): rebuild it.
    covered = 0;
    used = 0;
    indexValidBytes = 0;
  }
  // Ended lines first, then begin lines only for ids without an ended record: half the lines of
  // a segment are begin lines, and skipping them without building entries halves open's work.
  let recordLines = 0;
  for (let i = 0; i < used; i++) {
    const item = items[i]!;
    if (item.length > 2) recordLines++;
    if (item.length > 2 && item[9] !== 'in_flight') load(entryFromItem(item, day, pool)!);
  }
  for (let i = 0; i < used; i++) {
    const item = items[i]!;
    if (item.length <= 2 || item[9] !== 'in_flight') continue;
    const endedIn = sink.endedIn(String(item[2]));
    if (endedIn === day) continue;
    if (endedIn === null) {
      load(entryFromItem(item, day, pool)!);
    } else if (loaded) {
      // Ended in another segment (its started_at moved across midnight): no entry now, but the
      // summary keeps the line, as parsing this segment alone would.
      loaded.push(entryFromItem(item, day, pool)!);
    }
  }
  const missingIndex: string[] = [];
  let badLines = 0;
  const { end, torn } = await scanData(path, covered, (line, off) => {
    const rec = parseRecordLine(line.toString('utf8'));
    if (!rec) {
      badLines++;
      missingIndex.push(skipLine(off, line.length));
      return;
    }
    const e = entryFromRecord(rec, pool);
    e.seg = day;
    e.off = off;
    e.len = line.length;
    load(e);
    recordLines++;
    missingIndex.push(indexLine(e, off, line.length));
  });
  return {
    scannedEnd: end, size: st.size, ino: st.ino, mtimeMs: st.mtimeMs, tornBytes: torn, recordLines, badLines, indexValidBytes,
    missingIndex, fromSummary: false, loaded,
  };
}

/** Scans only the data appended after `from` (read-only refresh while a server writes). */
export async function loadTail(
  dir: string,
  day: string,
  from: number,
  pool: StringPool,
  sink: LoadSink,
): Promise<number> {
  const { end } = await scanData(dataPath(dir, day), from, (line, off) => {
    const rec = parseRecordLine(line.toString('utf8'));
    if (!rec) return;
    const e = entryFromRecord(rec, pool);
    e.seg = day;
    e.off = off;
    e.len = line.length;
    sink.load(e);
  });
  return end;
}

async function spotCheck(path: string, item: IndexItem): Promise<boolean> {
  const [off, len, id] = item;
  const [line] = await readLines(path, [{ off, len }]);
  return line !== undefined && line.endsWith('\n') && parseRecordLine(line)?.id === id;
}

/** Lines closer than this are read in one go: a page of 100 is then a few reads, not 100. */
const READ_GAP = 256 * 1024;
const READ_RUN_MAX = 4 * 1024 * 1024;

/**
 * Reads the lines at the given locations of one data file (one open, positional reads coalesced
 * into runs). Returns them in the order asked; undefined where the file is too short.
 */
export async function readLines(path: string, locs: readonly { off: number; len: number }[]): Promise<(string | undefined)[]> {
  const fh = await open(path, 'r');
  try {
    const out: (string | undefined)[] = new Array(locs.length).fill(undefined);
    const order = locs.map((_, i) => i).sort((a, b) => locs[a]!.off - locs[b]!.off);
    for (let i = 0; i < order.length; ) {
      const start = locs[order[i]!]!.off;
      let end = start + locs[order[i]!]!.len;
      let j = i + 1;
      for (; j < order.length; j++) {
        const l = locs[order[j]!]!;
        if (l.off - end > READ_GAP || l.off + l.len - start > READ_RUN_MAX) break;
        end = Math.max(end, l.off + l.len);
      }
      const buf = await readAt(fh, start, end - start);
      for (let k = i; k < j; k++) {
        const l = locs[order[k]!]!;
        const from = l.off - start;
        if (from + l.len <= buf.length) out[order[k]!] = buf.toString('utf8', from, from + l.len);
      }
      i = j;
    }
    return out;
  } finally {
    await fh.close();
  }
}
