/**
 * SegmentAppender: where each line of a batch lands, in bytes — the offsets the index and every
 * read of a record use — also when the file shrank under it and its batch must start on a fresh line.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SegmentAppender } from '../../../../src/store/interceptions/appender.js';
import { dataPath } from '../../../../src/store/interceptions/segment-files.js';
import { tempDir } from '../../../helpers/store-temp.js';
import { utf8Bound, writeUtf8 } from '../../../../src/store/utf8-lines.js';

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => {
  ({ dir, cleanup } = await tempDir());
});
afterEach(async () => {
  await cleanup();
});

/** A batch as the writer hands it: UTF-8 lines in one buffer, and where each ends. */
function batch(lines: string[]): { data: Buffer; ends: number[] } {
  const buf = Buffer.alloc(utf8Bound(lines.reduce((n, l) => n + l.length, 0)) + lines.length);
  const ends: number[] = [];
  return { data: buf.subarray(0, writeUtf8(buf, lines, 0, lines.length, true, ends)), ends };
}

const LINES = ['{"a":"Größe €"}', '{"b":"😀 x"}', '{"c":"\ud800 lone"}', '{"d":1}'];

describe('SegmentAppender', () => {
  it('returns each line\'s byte offset; the bytes there are the line', async () => {
    const app = new SegmentAppender(dir, '2026-12-01', 0);
    const first = batch(LINES.slice(0, 2));
    const second = batch(LINES.slice(2));
    const offsets = [...(await app.write(first.data, first.ends)), ...(await app.write(second.data, second.ends))];
    await app.close();
    const bytes = await readFile(dataPath(dir, '2026-12-01'));
    expect(bytes.equals(Buffer.from(LINES.map((l) => `${l}\n`).join('')))).toBe(true);
    LINES.forEach((l, i) => {
      const end = bytes.indexOf(0x0a, offsets[i]);
      expect(bytes.subarray(offsets[i], end).toString('utf8')).toBe(l.replace('\ud800', '\ufffd'));
    });
    expect(app.size).toBe(bytes.length);
  });

  it('a file shorter than it knew (replaced under it): the batch starts on a fresh line, offsets past it', async () => {
    await writeFile(dataPath(dir, '2026-12-02'), '{"partial');
    const app = new SegmentAppender(dir, '2026-12-02', 1_000);
    const b = batch(LINES);
    const offsets = await app.write(b.data, b.ends);
    await app.close();
    const bytes = await readFile(dataPath(dir, '2026-12-02'));
    expect(bytes.subarray(0, 10).toString()).toBe('{"partial\n');
    expect(offsets[0]).toBe(10);
    LINES.forEach((l, i) => {
      const end = bytes.indexOf(0x0a, offsets[i]);
      expect(bytes.subarray(offsets[i], end).toString('utf8')).toBe(l.replace('\ud800', '\ufffd'));
    });
    expect(app.size).toBe(bytes.length);
  });
});
