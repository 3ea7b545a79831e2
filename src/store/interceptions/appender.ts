/**
 * Appends batches of lines to one segment's data file (durably) and index file (best effort).
 * Keeps the byte size it knows is good, so a failed, partial write (ENOSPC) is cut off before the
 * next attempt instead of gluing half a line onto the next record.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { dataPath, indexPath } from './segment-files.js';

export class SegmentAppender {
  private data: FileHandle | null = null;
  private index: FileHandle | null = null;
  /** End of the last complete, durable data line. */
  private goodSize: number;
  /** When a partial write could not be cut off, the next batch starts with a newline. */
  private needsNewline = false;
  /** The index stops being appended after any failure: a gap would make later lines useless. */
  private indexBroken = false;
  /** A new file's directory entry must be durable too, or power loss can lose the whole file. */
  private dirSynced = false;

  constructor(
    private readonly dir: string,
    readonly day: string,
    knownSize: number,
  ) {
    this.goodSize = knownSize;
  }

  /** Offset the next line will get (meaningful only after a successful {@link write}). */
  get size(): number {
    return this.goodSize;
  }

  /**
   * Writes `data` (whole lines, the i-th ending at `ends[i]`) as one append and fdatasyncs. Returns
   * the offset of each line. On failure nothing is considered written; the handle is dropped so
   * the retry reopens the path.
   */
  async write(data: Buffer, ends: readonly number[]): Promise<number[]> {
    try {
      const fh = await this.openData();
      const prefix = this.needsNewline ? 1 : 0;
      const buf = prefix ? Buffer.concat([Buffer.from('\n'), data]) : data;
      let done = 0;
      while (done < buf.length) {
        const { bytesWritten } = await fh.write(buf, done, buf.length - done);
        done += bytesWritten;
      }
      await fh.datasync();
      if (!this.dirSynced) {
        await syncDir(this.dir);
        this.dirSynced = true;
      }
      const start = this.goodSize + prefix;
      if (prefix) this.noteGap(); // the index cannot describe the stray bytes we skipped
      this.needsNewline = false;
      const offsets = ends.map((_, i) => start + (i === 0 ? 0 : ends[i - 1]!));
      this.goodSize = start + data.length;
      return offsets;
    } catch (err) {
      await this.drop();
      throw err;
    }
  }

  /** Appends index lines for data just written; a failure only costs a re-parse at next open. */
  async writeIndex(text: string): Promise<void> {
    if (this.indexBroken || text.length === 0) return;
    try {
      this.index ??= await open(indexPath(this.dir, this.day), 'a', 0o600);
      await this.index.write(text);
    } catch {
      this.noteGap();
    }
  }

  async close(): Promise<void> {
    await this.drop();
    const idx = this.index;
    this.index = null;
    await idx?.close().catch(() => undefined);
  }

  private noteGap(): void {
    this.indexBroken = true;
  }

  private async openData(): Promise<FileHandle> {
    if (this.data) return this.data;
    const fh = await open(dataPath(this.dir, this.day), 'a', 0o600);
    try {
      const { size } = await fh.stat();
      if (size > this.goodSize) {
        // A previous attempt wrote part of a batch: cut it off, or fence it with a newline.
        try {
          await fh.truncate(this.goodSize);
        } catch {
          this.needsNewline = true;
          this.goodSize = size;
        }
      } else if (size < this.goodSize) {
        // Someone replaced the file under us; our offsets for it are void from here on.
        this.goodSize = size;
        this.needsNewline = size > 0;
        this.noteGap();
      }
    } catch (err) {
      await fh.close().catch(() => undefined);
      throw err;
    }
    this.data = fh;
    return fh;
  }

  private async drop(): Promise<void> {
    const fh = this.data;
    this.data = null;
    await fh?.close().catch(() => undefined);
  }
}

async function syncDir(dir: string): Promise<void> {
  try {
    const fh = await open(dir, 'r');
    await fh.sync().finally(() => fh.close());
  } catch {
    // not every platform can fsync a directory; the data itself is synced either way
  }
}
