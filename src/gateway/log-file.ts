/**
 * The `--log-json PATH` file: an append-only JSON-lines file that rotates daily (UTC) and by size
 * without losing or splitting a line, so Filebeat, Fluent Bit or Vector can tail it.
 *
 * Rotation is rename-then-reopen: the live file always sits at PATH; a finished file is renamed
 * to `PATH.YYYY-MM-DD.N` (the UTC day its lines were written, N = 1, 2, … within that day) and a
 * fresh PATH is opened. Tailers that follow by inode keep reading the renamed file to its end and
 * pick up the new PATH. Writes are queued and flushed every few milliseconds with one
 * synchronous write (cheap on a local file, and nothing is left half-written at exit); rotation
 * only ever happens between chunks, and every chunk the callers hand in is whole lines.
 */
import fs from 'node:fs';
import path from 'node:path';
import { isoDay } from '../record/iso-time.js';
import { utf8Bound, writeUtf8 } from '../store/utf8-lines.js';

export interface RotatingFileOptions {
  /** The live file. Its directory is created if missing. */
  path: string;
  /** Rotate before a write would take the file past this size (bytes). Default 50 MiB. */
  maxBytes?: number;
  /** Rotate when the UTC day changes (default true). */
  daily?: boolean;
  /** Rotated files to keep (oldest deleted first); 0 keeps all. Default 30. */
  maxFiles?: number;
  /** Clock for the daily rotation; defaults to Date.now. */
  now?: () => number;
  /** Called when a write fails (disk full…); the line is dropped, the process goes on. */
  onError?: (err: Error) => void;
}

/** How long queued lines may wait for company before they are written. */
const FLUSH_DELAY_MS = 5;
/** Queued characters that trigger a write at once. */
const BATCH_CHARS = 64 * 1024;

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A size- and day-rotating append-only file for whole-line chunks. */
export class RotatingFile {
  readonly path: string;
  private readonly maxBytes: number;
  private readonly daily: boolean;
  private readonly maxFiles: number;
  private readonly now: () => number;
  private readonly onError: (err: Error) => void;
  private fd: number;
  private size: number;
  private day: string;
  private queue: string[] = [];
  private queued = 0;
  private scheduled: NodeJS.Timeout | undefined;
  private readonly flushLater = () => {
    this.scheduled = undefined;
    this.flushSync();
  };
  private closed = false;

  constructor(opts: RotatingFileOptions) {
    this.path = path.resolve(opts.path);
    this.maxBytes = opts.maxBytes ?? 50 * 1024 * 1024;
    this.daily = opts.daily ?? true;
    this.maxFiles = opts.maxFiles ?? 30;
    this.now = opts.now ?? Date.now;
    this.onError = opts.onError ?? ((err) => { process.emitWarning(err); });
    fs.mkdirSync(path.dirname(this.path), { recursive: true });
    this.fd = fs.openSync(this.path, 'a', 0o600);
    const st = fs.fstatSync(this.fd);
    this.size = st.size;
    // A file left from an earlier run belongs to the day it was last written.
    this.day = isoDay(st.size > 0 ? st.mtimeMs : this.now());
  }

  /** Queues whole lines (one or more, each ending in `\n`). Never blocks, never throws. */
  write(chunk: string): boolean {
    if (this.closed || chunk.length === 0) return true;
    this.queue.push(chunk);
    this.queued += chunk.length;
    // Under load, lines gather for a few milliseconds into one write (one syscall for hundreds of
    // lines instead of one per turn); a full batch goes out at once.
    if (this.queued >= BATCH_CHARS) this.flushSync();
    else this.scheduled ??= setTimeout(this.flushLater, FLUSH_DELAY_MS).unref();
    return true;
  }

  /** Resolves when everything queued so far is written to the OS. */
  async flush(): Promise<void> {
    this.flushSync();
  }

  /**
   * Writes everything queued, synchronously. Also the `process.on('exit')` path: because writes
   * are never handed to the thread pool, nothing can be half-written when the process exits.
   */
  flushSync(): void {
    if (this.closed) return;
    if (this.scheduled) { clearTimeout(this.scheduled); this.scheduled = undefined; }
    const chars = this.queued;
    this.queued = 0;
    const queue = this.queue;
    this.queue = [];
    if (queue.length === 0) return;
    // The usual case: the same day, and even at 3 bytes a character the file stays under its size
    // limit. Then everything goes in one write, without measuring each chunk's bytes first.
    if (this.size + utf8Bound(chars) <= this.maxBytes && !this.dayChanged()) {
      this.writeOut(encodeChunks(queue, 0, queue.length, chars));
      return;
    }
    let i = 0;
    while (i < queue.length) {
      // Gather chunks up to 64 KiB into one write, stopping where a rotation is due.
      const from = i;
      let batchChars = 0;
      let bytes = 0;
      for (; i < queue.length; i++) {
        const next = queue[i]!;
        const nb = Buffer.byteLength(next);
        if (i > from && (bytes + nb > 65_536 || this.size + bytes + nb > this.maxBytes)) break;
        if (i === from && this.needsRotation(nb)) this.rotate();
        batchChars += next.length;
        bytes += nb;
      }
      this.writeOut(encodeChunks(queue, from, i, batchChars));
    }
  }

  private writeOut(buf: Buffer): void {
    try {
      writeAllSync(this.fd, buf);
      this.size += buf.length;
    } catch (err) {
      this.onError(err as Error);
    }
  }

  /** Flushes and closes the file. Later writes are dropped. */
  async close(): Promise<void> {
    this.flushSync();
    if (this.closed) return;
    this.closed = true;
    fs.closeSync(this.fd);
  }

  /** Daily rotation is on and the UTC day is not the file's any more. */
  private dayChanged(): boolean {
    return this.daily && isoDay(this.now()) !== this.day;
  }

  private needsRotation(bytes: number): boolean {
    if (this.dayChanged()) return this.size > 0 || this.resetDay();
    return this.size > 0 && this.size + bytes > this.maxBytes;
  }

  /** An empty file simply moves to the new day; nothing to rotate. */
  private resetDay(): false {
    this.day = isoDay(this.now());
    return false;
  }

  private rotate(): void {
    try {
      fs.closeSync(this.fd);
      fs.renameSync(this.path, this.nextRotatedName());
    } catch (err) {
      this.onError(err as Error);
    }
    this.fd = fs.openSync(this.path, 'a', 0o600);
    this.size = fs.fstatSync(this.fd).size;
    this.day = isoDay(this.now());
    this.prune();
  }

  /** Rotated files of this log, oldest first (by day, then N). */
  rotatedFiles(): string[] {
    return RotatingFile.rotatedFilesOf(this.path);
  }

  /** Rotated files of the log at `live` (`live.YYYY-MM-DD.N`), oldest first (by day, then N). */
  static rotatedFilesOf(live: string): string[] {
    const dir = path.dirname(live);
    const re = new RegExp(`^${escapeRe(path.basename(live))}\\.(\\d{4}-\\d{2}-\\d{2})\\.(\\d+)$`);
    const found: Array<{ name: string; day: string; n: number }> = [];
    for (const name of fs.readdirSync(dir)) {
      const m = re.exec(name);
      if (m) found.push({ name: path.join(dir, name), day: m[1] ?? '', n: Number(m[2]) });
    }
    found.sort((a, b) => (a.day === b.day ? a.n - b.n : a.day < b.day ? -1 : 1));
    return found.map((f) => f.name);
  }

  private nextRotatedName(): string {
    const prefix = `${this.path}.${this.day}.`;
    let n = 1;
    for (const f of this.rotatedFiles()) {
      if (f.startsWith(prefix)) n = Math.max(n, Number(f.slice(prefix.length)) + 1);
    }
    return `${prefix}${n}`;
  }

  private prune(): void {
    if (this.maxFiles <= 0) return;
    const files = this.rotatedFiles();
    for (const f of files.slice(0, Math.max(0, files.length - this.maxFiles))) {
      try { fs.unlinkSync(f); } catch { /* already gone */ }
    }
  }
}

/** The scratch buffer of {@link encodeChunks}: reused, so a flush allocates nothing. */
let scratch = Buffer.alloc(0);
/** A flush whose worst case needs more than this gets a buffer of its own (not kept). */
const SCRATCH_MAX = 512 * 1024;

/**
 * The UTF-8 bytes of `chunks[from..to)` (`chars` UTF-16 units together), in one buffer (see
 * src/store/utf8-lines.ts). Valid until the next call: it is written out synchronously before then.
 */
function encodeChunks(chunks: readonly string[], from: number, to: number, chars: number): Buffer {
  const need = utf8Bound(chars);
  let buf = scratch;
  if (need > buf.length) {
    buf = Buffer.allocUnsafe(need);
    if (need <= SCRATCH_MAX) scratch = buf;
  }
  return buf.subarray(0, writeUtf8(buf, chunks, from, to));
}

function writeAllSync(fd: number, buf: Buffer): void {
  let offset = 0;
  while (offset < buf.length) offset += fs.writeSync(fd, buf, offset, buf.length - offset);
}

/**
 * The last complete line of a file (without its `\n`), read backwards in blocks so a long line
 * costs only its own length; `torn` when the file ends in a partial line (a write cut off by a
 * power loss or a full disk), which is then not returned. Undefined `line` for an empty or
 * missing file, or one whose only text is partial.
 */
export function readLastLine(file: string): { line: string | undefined; torn: boolean } {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { line: undefined, torn: false };
    throw err;
  }
  try {
    const size = fs.fstatSync(fd).size;
    if (size === 0) return { line: undefined, torn: false };
    const BLOCK = 64 * 1024;
    const chunks: Buffer[] = [];
    let pos = size;
    let end = -1; // offset of the `\n` that ends the last complete line
    let start = -1;
    while (pos > 0 && start < 0) {
      const len = Math.min(BLOCK, pos);
      pos -= len;
      const buf = Buffer.alloc(len);
      fs.readSync(fd, buf, 0, len, pos);
      chunks.unshift(buf);
      for (let i = len - 1; i >= 0; i--) {
        if (buf[i] !== 0x0a) continue;
        if (end < 0) end = pos + i;
        else { start = pos + i + 1; break; }
      }
    }
    const torn = end !== size - 1;
    if (end < 0) return { line: undefined, torn };
    if (start < 0) start = 0;
    const all = Buffer.concat(chunks);
    return { line: all.subarray(start - pos, end - pos).toString('utf8'), torn };
  } finally {
    fs.closeSync(fd);
  }
}
