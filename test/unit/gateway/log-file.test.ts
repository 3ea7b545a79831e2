import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RotatingFile } from '../../../src/gateway/log-file.js';

let dir: string;
beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aib-logfile-')); });
afterEach(() => { fs.rmSync(dir, { recursive: true, force: true }); });

function readAllLines(file: RotatingFile): string[] {
  const out: string[] = [];
  for (const f of [...file.rotatedFiles(), file.path]) {
    const text = fs.readFileSync(f, 'utf8');
    expect(text === '' || text.endsWith('\n')).toBe(true);
    for (const l of text.split('\n')) if (l) out.push(l);
  }
  return out;
}

describe('RotatingFile', () => {
  it('rotates by size without losing, splitting or reordering a line', async () => {
    const file = new RotatingFile({ path: path.join(dir, 'aibridge.jsonl'), maxBytes: 10_000, maxFiles: 0 });
    const N = 5_000;
    for (let i = 0; i < N; i++) file.write(`${JSON.stringify({ i, pad: 'x'.repeat(i % 50) })}\n`);
    await file.close();
    const rotated = file.rotatedFiles();
    expect(rotated.length).toBeGreaterThan(10);
    for (const f of rotated) {
      expect(path.basename(f)).toMatch(/^aibridge\.jsonl\.\d{4}-\d{2}-\d{2}\.\d+$/);
      expect(fs.statSync(f).size).toBeLessThanOrEqual(10_000);
    }
    const lines = readAllLines(file);
    expect(lines).toHaveLength(N);
    lines.forEach((l, i) => expect((JSON.parse(l) as { i: number }).i).toBe(i));
  });

  it('counts bytes, not characters: multi-byte lines near the size limit still rotate in time', async () => {
    const file = new RotatingFile({ path: path.join(dir, 'utf8.jsonl'), maxBytes: 4_000, maxFiles: 0 });
    const N = 2_000;
    // Up to 3 bytes a character (€), flushed in batches of every size as the writes go on.
    for (let i = 0; i < N; i++) {
      file.write(`${JSON.stringify({ i, t: '€é😀'.repeat(i % 17) })}\n`);
      if (i % 37 === 0) file.flushSync();
    }
    await file.close();
    for (const f of file.rotatedFiles()) expect(fs.statSync(f).size).toBeLessThanOrEqual(4_000);
    const lines = readAllLines(file);
    expect(lines).toHaveLength(N);
    lines.forEach((l, i) => expect((JSON.parse(l) as { i: number }).i).toBe(i));
  });

  it('writes exactly the UTF-8 of every line, small and large, whatever the characters', async () => {
    const file = new RotatingFile({ path: path.join(dir, 'bytes.jsonl'), maxFiles: 0 });
    // Every width of UTF-8 (1–4 bytes), a lone surrogate (U+FFFD, as Buffer.from writes it), and
    // lines past the reused buffer's size between small ones, so a large flush cannot leave stale
    // bytes behind for a small one.
    const pieces = ['ascii', 'é', '€', '😀', '\ud800', '中文', '\udc00x'];
    const lines: string[] = [];
    for (let i = 0; i < 300; i++) {
      const big = i % 50 === 7 ? 200_000 + i : 0;
      const text = pieces[i % pieces.length]!.repeat(1 + (i % 13)) + '€'.repeat(big);
      lines.push(`${JSON.stringify({ i })}${text}\n`);
    }
    lines.forEach((l, i) => {
      file.write(l);
      if (i % 11 === 0) file.flushSync();
    });
    await file.close();
    expect(fs.readFileSync(file.path).equals(Buffer.from(lines.join('')))).toBe(true);
  });

  it('keeps multi-line chunks (one record) together in one file', async () => {
    const file = new RotatingFile({ path: path.join(dir, 'a.log'), maxBytes: 300, maxFiles: 0 });
    for (let r = 0; r < 50; r++) file.write(Array.from({ length: 4 }, (_, k) => `{"r":${r},"k":${k}}\n`).join(''));
    await file.close();
    for (const f of [...file.rotatedFiles(), file.path]) {
      const rs = fs.readFileSync(f, 'utf8').trim().split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { r: number }).r);
      const counts = new Map<number, number>();
      for (const r of rs) counts.set(r, (counts.get(r) ?? 0) + 1);
      for (const c of counts.values()) expect(c).toBe(4);
    }
    expect(readAllLines(file)).toHaveLength(200);
  });

  it('rotates when the UTC day changes, naming the file after the day its lines were written', async () => {
    let now = Date.UTC(2026, 10, 26, 23, 59, 59);
    const file = new RotatingFile({ path: path.join(dir, 'a.log'), now: () => now });
    file.write('{"d":1}\n');
    await file.flush();
    now = Date.UTC(2026, 10, 27, 0, 0, 1);
    file.write('{"d":2}\n');
    await file.flush();
    now = Date.UTC(2026, 10, 28, 0, 0, 1);
    file.write('{"d":3}\n');
    await file.close();
    expect(file.rotatedFiles().map((f) => path.basename(f))).toEqual(['a.log.2026-11-26.1', 'a.log.2026-11-27.1']);
    expect(fs.readFileSync(path.join(dir, 'a.log'), 'utf8')).toBe('{"d":3}\n');
  });

  it('continues numbering after existing rotated files and prunes beyond maxFiles', async () => {
    const now = Date.UTC(2026, 10, 26, 12);
    fs.writeFileSync(path.join(dir, 'a.log.2026-11-26.7'), 'old\n');
    const file = new RotatingFile({ path: path.join(dir, 'a.log'), maxBytes: 10, maxFiles: 2, now: () => now });
    for (let i = 0; i < 5; i++) file.write(`{"n":${i}}\n`);
    await file.close();
    expect(file.rotatedFiles().map((f) => path.basename(f))).toEqual(['a.log.2026-11-26.10', 'a.log.2026-11-26.11']);
  });

  it('appends to an existing live file and flushes synchronously for exit handlers', () => {
    const p = path.join(dir, 'a.log');
    fs.writeFileSync(p, '{"old":1}\n');
    const file = new RotatingFile({ path: p });
    file.write('{"new":1}\n');
    file.write('{"new":2}\n');
    file.flushSync();
    expect(fs.readFileSync(p, 'utf8')).toBe('{"old":1}\n{"new":1}\n{"new":2}\n');
  });
});
