/**
 * `<day>.sum`: the index entries a segment loads into, in binary, so that opening a store of
 * 300,000 records is a file read and a loop instead of parsing ~50 MB of `.idx` JSON (issue #18:
 * `aibridge serve` ready in ≤ 2 s). A cache like the `.idx`: it is trusted only while the data file
 * has exactly the size, mtime and inode it was made from and its payload matches its SHA-1; anything
 * else (stale, torn, corrupt, another version) and open loads the segment from `.idx` + data as
 * before, then writes a new one. Written to `<day>.sum.tmp` and renamed (open deletes `*.tmp`).
 *
 * Layout: one JSON header line, then the payload: the ids (a JSON array), the strings the entries
 * use (a JSON array), 2 float64 numbers per entry (started_at, offset) and {@link U32_COLS} uint32
 * (length, string codes, flags, token sums), in machine byte order (recorded in the header). The entries are the ones loading the segment hands to the index, in the same
 * order, so replaying them gives the same index as parsing the segment.
 */
import { createHash } from 'node:crypto';
import { readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { endianness } from 'node:os';
import { join } from 'node:path';
import type { InterceptionStatus } from '../../record/types.js';
import type { Entry, StringPool } from './entry.js';
import { TMP_EXT } from './segment-files.js';

export const SUMMARY_EXT = '.sum';
const VERSION = 1;
/** startedMs, off. */
const F64_COLS = 2;
/** len, 7 string codes (+1: 0 is null), flags, 6 token sums. */
const U32_COLS = 15;
const ENTRY_BYTES = F64_COLS * 8 + U32_COLS * 4;
const FLAG_STRIPPED = 1;
const FLAG_TOK_KNOWN = 2;
const FLAG_SESSION_KNOWN = 4;
const LITTLE_ENDIAN = endianness() === 'LE';

export const summaryPath = (dir: string, day: string): string => join(dir, day + SUMMARY_EXT);

/** The data file a summary describes, as `stat` reports it. */
export interface DataFileState {
  size: number;
  mtimeMs: number;
  ino: number;
}

/** What loading the segment found, beside its entries. */
export interface SummaryCounts {
  /** Record lines in the file (compaction compares them with the live records). */
  recordLines: number;
  /** Complete lines that are not records (open warns about them every time, as before). */
  badLines: number;
}

interface Header extends DataFileState, SummaryCounts {
  aibridge_segment_summary: number;
  littleEndian: boolean;
  count: number;
  idsBytes: number;
  stringsBytes: number;
  sha1: string;
}

const sha1 = (b: Buffer): string => createHash('sha1').update(b).digest('hex');

/**
 * The summary file's bytes for `entries` (the loaded entries of a segment, in load order), or null
 * when a number does not fit the layout (a token sum over 2^32: that segment is simply parsed).
 */
export function encodeSummary(entries: readonly Entry[], file: DataFileState, counts: SummaryCounts): Buffer | null {
  const codes = new Map<string, number>();
  const strings: string[] = [];
  const code = (s: string | null): number => {
    if (s === null) return 0;
    let c = codes.get(s);
    if (c === undefined) {
      strings.push(s);
      c = strings.length;
      codes.set(s, c);
    }
    return c;
  };
  const n = entries.length;
  const f64 = new Float64Array(n * F64_COLS);
  const u32 = new Uint32Array(n * U32_COLS);
  const ids = new Array<string>(n);
  for (let i = 0; i < n; i++) {
    const e = entries[i]!;
    ids[i] = e.id;
    f64[i * F64_COLS] = e.startedMs;
    f64[i * F64_COLS + 1] = e.off;
    const row = [
      e.len, code(e.provider), code(e.model), code(e.initiatorId), code(e.initiatorName), code(e.client), code(e.status), code(e.session),
      (e.stripped ? FLAG_STRIPPED : 0) | (e.tokKnown ? FLAG_TOK_KNOWN : 0) | (e.sessionKnown ? FLAG_SESSION_KNOWN : 0),
      e.tokIn, e.tokOut, e.tokCacheRead, e.tokCacheWrite, e.tokReasoning, e.tokCacheWrite1h,
    ];
    for (let k = 0; k < U32_COLS; k++) {
      const v = row[k]!;
      if (!(Number.isInteger(v) && v >= 0 && v <= 0xffff_ffff)) return null;
      u32[i * U32_COLS + k] = v;
    }
  }
  const idsBuf = Buffer.from(JSON.stringify(ids));
  const stringsBuf = Buffer.from(JSON.stringify(strings));
  const payload = Buffer.concat([
    idsBuf, stringsBuf,
    Buffer.from(f64.buffer, f64.byteOffset, f64.byteLength), Buffer.from(u32.buffer, u32.byteOffset, u32.byteLength),
  ]);
  const header: Header = {
    aibridge_segment_summary: VERSION,
    size: file.size,
    mtimeMs: file.mtimeMs,
    ino: file.ino,
    recordLines: counts.recordLines,
    badLines: counts.badLines,
    littleEndian: LITTLE_ENDIAN,
    count: n,
    idsBytes: idsBuf.length,
    stringsBytes: stringsBuf.length,
    sha1: sha1(payload),
  };
  return Buffer.concat([Buffer.from(JSON.stringify(header) + '\n'), payload]);
}

/** A summary that matched its data file: the entries to load (fresh objects) and the counts. */
export interface Summary extends SummaryCounts {
  entries: Entry[];
}

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

function validHeader(h: unknown, file: DataFileState): h is Header {
  if (typeof h !== 'object' || h === null) return false;
  const o = h as Record<string, unknown>;
  return o['aibridge_segment_summary'] === VERSION && o['littleEndian'] === LITTLE_ENDIAN
    && o['size'] === file.size && o['mtimeMs'] === file.mtimeMs && o['ino'] === file.ino
    && isCount(o['recordLines']) && isCount(o['badLines']) && isCount(o['count'])
    && isCount(o['idsBytes']) && isCount(o['stringsBytes']) && typeof o['sha1'] === 'string';
}

const isStringArray = (v: unknown, n?: number): v is string[] =>
  Array.isArray(v) && (n === undefined || v.length === n) && v.every((s) => typeof s === 'string');

/**
 * The entries of segment `day` from its summary bytes, or null when the summary does not describe
 * `file` exactly (stale, torn, corrupt, from another machine's byte order or format version).
 */
export function decodeSummary(buf: Buffer, file: DataFileState, day: string, pool: StringPool): Summary | null {
  const nl = buf.indexOf(10);
  if (nl < 0) return null;
  let header: unknown;
  try {
    header = JSON.parse(buf.toString('utf8', 0, nl));
  } catch {
    return null;
  }
  if (!validHeader(header, file)) return null;
  const { count: n, idsBytes, stringsBytes } = header;
  const payload = buf.subarray(nl + 1);
  if (payload.length !== idsBytes + stringsBytes + n * ENTRY_BYTES || sha1(payload) !== header.sha1) return null;
  let ids: unknown;
  let strings: unknown;
  try {
    ids = JSON.parse(payload.toString('utf8', 0, idsBytes));
    strings = JSON.parse(payload.toString('utf8', idsBytes, idsBytes + stringsBytes));
  } catch {
    return null;
  }
  if (!isStringArray(ids, n) || !isStringArray(strings)) return null;
  // Copied out: the file's bytes need not be aligned for typed array views.
  const f64 = new Float64Array(n * F64_COLS);
  const u32 = new Uint32Array(n * U32_COLS);
  let at = idsBytes + stringsBytes;
  Buffer.from(f64.buffer).set(payload.subarray(at, (at += f64.byteLength)));
  Buffer.from(u32.buffer).set(payload.subarray(at, at + u32.byteLength));
  // Code 0 is null; a code past the table is not a summary this code wrote.
  const strs: (string | null)[] = [null, ...strings.map((s) => pool.intern(s))];
  const str = (c: number): string => {
    const s = strs[c];
    if (s === undefined || s === null) throw new RangeError('string code');
    return s;
  };
  const entries = new Array<Entry>(n);
  try {
    for (let i = 0; i < n; i++) {
      const o = i * U32_COLS;
      const off = f64[i * F64_COLS + 1]!;
      const len = u32[o]!;
      if (!(off >= 0 && len > 0 && off + len <= file.size)) return null;
      const flags = u32[o + 8]!;
      const session = strs[u32[o + 7]!];
      if (session === undefined) return null;
      entries[i] = {
        id: ids[i]!,
        startedMs: f64[i * F64_COLS]!,
        provider: str(u32[o + 1]!),
        model: str(u32[o + 2]!),
        initiatorId: str(u32[o + 3]!),
        initiatorName: str(u32[o + 4]!),
        client: str(u32[o + 5]!),
        status: str(u32[o + 6]!) as InterceptionStatus,
        stripped: (flags & FLAG_STRIPPED) !== 0,
        seg: day,
        off,
        len,
        pending: null,
        deleted: false,
        tokKnown: (flags & FLAG_TOK_KNOWN) !== 0,
        tokIn: u32[o + 9]!,
        tokOut: u32[o + 10]!,
        tokCacheRead: u32[o + 11]!,
        tokCacheWrite: u32[o + 12]!,
        tokReasoning: u32[o + 13]!,
        tokCacheWrite1h: u32[o + 14]!,
        session,
        sessionKnown: (flags & FLAG_SESSION_KNOWN) !== 0,
        doc: -1,
      };
    }
  } catch {
    return null; // a string code out of range
  }
  return { entries, recordLines: header.recordLines, badLines: header.badLines };
}

/** Reads and checks segment `day`'s summary; null when missing or not valid for `file`. */
export async function readSummary(dir: string, day: string, file: DataFileState, pool: StringPool): Promise<Summary | null> {
  let buf: Buffer;
  try {
    buf = await readFile(summaryPath(dir, day));
  } catch {
    return null;
  }
  return decodeSummary(buf, file, day, pool);
}

/** Writes a summary crash-safely (temp file, then rename over the old one). */
export async function writeSummary(dir: string, day: string, bytes: Buffer): Promise<void> {
  const path = summaryPath(dir, day);
  try {
    await writeFile(path + TMP_EXT, bytes, { mode: 0o600 });
    await rename(path + TMP_EXT, path);
  } catch (err) {
    await unlink(path + TMP_EXT).catch(() => undefined);
    throw err;
  }
}
