import { appendFile, copyFile, mkdir, readFile, rm, symlink, unlink, writeFile } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openInterceptionStore, type InterceptionStore } from '../../../../src/store/interceptions/index.js';
import { finishedRecord, startedRecord } from '../../../helpers/store-records.js';
import { DAY, DAY0, HOUR, recordingLogger, tempDir } from '../../../helpers/store-temp.js';

let dir: string;
let cleanup: () => Promise<void>;
const seg = (day: string, ext = 'jsonl'): string => `${dir}/interceptions/${day}.${ext}`;

beforeEach(async () => {
  ({ dir, cleanup } = await tempDir());
});
afterEach(async () => {
  await cleanup();
});

async function seed(n: number, startedMs = DAY0): Promise<void> {
  const s = await openInterceptionStore({ dir });
  for (let i = 0; i < n; i++) s.finish(finishedRecord({ id: `r${String(i).padStart(3, '0')}`, startedMs: startedMs + i * 1000, promptChars: 20 }));
  await s.close();
}

async function ids(s: InterceptionStore): Promise<string[]> {
  return (await s.list({ limit: 1000, includeInFlight: true })).results.map((r) => r.id).sort();
}

describe('recovery at open', () => {
  it('skips a torn last line with a warning and appends cleanly after it', async () => {
    await seed(5);
    await appendFile(seg('2026-11-20'), '{"id":"torn","initiator":{"id":"t');
    const logger = recordingLogger();
    const s = await openInterceptionStore({ dir, logger });
    // An old day is loaded after open resolves; the list waits for it, then the warning is there.
    expect(await ids(s)).toEqual(['r000', 'r001', 'r002', 'r003', 'r004']);
    expect(logger.lines.some((l) => l.level === 'warn' && /torn/.test(l.msg))).toBe(true);
    s.finish(finishedRecord({ id: 'after', startedMs: DAY0 + HOUR }));
    await s.close();
    const again = await openInterceptionStore({ dir, logger: recordingLogger() });
    expect(await ids(again)).toContain('after');
    expect((await again.get('after'))?.status).toBe('completed');
    await again.close();
  });

  it('skips a garbage line in the middle with a warning', async () => {
    await seed(2);
    await appendFile(seg('2026-11-20'), 'not json at all\n');
    const s1 = await openInterceptionStore({ dir });
    s1.finish(finishedRecord({ id: 'later', startedMs: DAY0 + HOUR }));
    await s1.close();
    await unlink(seg('2026-11-20', 'idx')); // force a full parse of the data
    const logger = recordingLogger();
    const s = await openInterceptionStore({ dir, logger });
    expect(await ids(s)).toEqual(['later', 'r000', 'r001']);
    expect(logger.lines.some((l) => /unreadable/.test(l.msg))).toBe(true);
    await s.close();
  });

  it('marks records that began but never finished as interrupted, durably, with ended_at = open time', async () => {
    const s = await openInterceptionStore({ dir });
    s.begin(startedRecord({ id: 'open1', startedMs: DAY0 }));
    s.begin(startedRecord({ id: 'done', startedMs: DAY0 + 1 }));
    s.finish(finishedRecord({ id: 'done', startedMs: DAY0 + 1 }));
    // Stopping mid-call and crashing look alike on disk: a begin line and no finish line.
    // (Real crashes are in test/integration/store-crash.test.ts.)
    await s.close();
    const openedAt = DAY0 + 5 * DAY;
    const s2 = await openInterceptionStore({ dir, now: () => openedAt });
    const rec = await s2.get('open1');
    expect(rec?.status).toBe('interrupted');
    expect(rec?.ended_at).toBe(new Date(openedAt).toISOString());
    expect((await s2.list({})).results.map((r) => r.id)).toEqual(['done', 'open1']);
    await s2.close();
    const s3 = await openInterceptionStore({ dir, now: () => openedAt + DAY });
    expect((await s3.get('open1'))?.ended_at).toBe(new Date(openedAt).toISOString());
    await s3.close();
  });

  it('rebuilds a missing, corrupt or stale index from the data', async () => {
    await seed(30);
    const expected = await (async () => {
      const s = await openInterceptionStore({ dir, readOnly: true });
      const r = await ids(s);
      await s.close();
      return r;
    })();
    const stale = `${dir}/stale.idx`;
    await copyFile(seg('2026-11-20', 'idx'), stale);
    // Missing index.
    await unlink(seg('2026-11-20', 'idx'));
    let s = await openInterceptionStore({ dir });
    expect(await ids(s)).toEqual(expected);
    await s.close();
    // Corrupt index (garbage appended, then a line in the middle damaged).
    await appendFile(seg('2026-11-20', 'idx'), '[1,2,"half');
    const text = await readFile(seg('2026-11-20', 'idx'), 'utf8');
    await writeFile(seg('2026-11-20', 'idx'), text.replace('"r010"', '"r0'));
    s = await openInterceptionStore({ dir });
    expect(await ids(s)).toEqual(expected);
    expect((await s.get('r020'))?.id).toBe('r020');
    // Rewrite the segment (strip changes every offset), then put the old index back.
    expect(await s.stripContent(DAY0 + DAY)).toBe(30);
    await s.close();
    await copyFile(stale, seg('2026-11-20', 'idx'));
    s = await openInterceptionStore({ dir });
    expect(await ids(s)).toEqual(expected);
    expect((await s.get('r029'))?.user_prompts[0]?.prompt).toBe('');
    await s.close();
  });

  it('compacts settled days in the background: superseded begin lines go, records stay', async () => {
    const s = await openInterceptionStore({ dir, now: () => DAY0 });
    for (let i = 0; i < 40; i++) s.begin(startedRecord({ id: `c${i}`, startedMs: DAY0 + i }));
    s.begin(startedRecord({ id: 'flying', startedMs: DAY0 + 100 }));
    await s.flush();
    for (let i = 0; i < 40; i++) s.finish(finishedRecord({ id: `c${i}`, startedMs: DAY0 + i, promptChars: 10 }));
    await s.close();
    const lines = async (): Promise<number> => (await readFile(seg('2026-11-20'), 'utf8')).trim().split('\n').length;
    expect(await lines()).toBe(81);
    // Same day: not settled yet, nothing rewritten (only the interrupted line is added).
    const same = await openInterceptionStore({ dir, now: () => DAY0 + HOUR });
    await same.close();
    expect(await lines()).toBe(82);
    const later = await openInterceptionStore({ dir, now: () => DAY0 + 3 * DAY });
    expect((await later.list({ limit: 1000 })).count).toBe(41); // readable while it compacts
    await later.close(); // waits for the compaction of this segment
    expect(await lines()).toBe(41);
    const again = await openInterceptionStore({ dir, readOnly: true });
    const all = (await again.list({ limit: 1000 })).results;
    expect(all).toHaveLength(41);
    expect(all.find((r) => r.id === 'flying')?.status).toBe('interrupted');
    expect(all.filter((r) => r.status === 'completed')).toHaveLength(40);
    await again.close();
  });

  it('refuses a second writer on the same dir while the first is open', async () => {
    const s = await openInterceptionStore({ dir });
    await expect(openInterceptionStore({ dir })).rejects.toThrow(/already open for writing/);
    const reader = await openInterceptionStore({ dir, readOnly: true });
    await reader.close();
    await s.close();
    const s2 = await openInterceptionStore({ dir });
    await s2.close();
  });

  it('read-only open of a dir without a store is empty and writes nothing', async () => {
    const s = await openInterceptionStore({ dir, readOnly: true });
    expect(await s.list({})).toEqual({ count: 0, results: [] });
    expect(() => s.begin(startedRecord({ startedMs: DAY0 }))).toThrow(/read-only/);
    await expect(s.purge(DAY0)).rejects.toThrow(/read-only/);
    await s.close();
    const { readdir } = await import('node:fs/promises');
    expect(await readdir(dir)).toEqual([]);
  });
});

describe('write failures', () => {
  // Tests run as root, so chmod cannot make a path unwritable. Instead the next segment's path is
  // made unwritable in ways root cannot bypass: a symlink to /dev/full (every write fails with
  // ENOSPC, a real disk-full error) and a directory in the file's place (EISDIR).
  it('reports ENOSPC in health, keeps serving reads from memory, and recovers', async () => {
    const logger = recordingLogger();
    const s = await openInterceptionStore({ dir, logger });
    s.finish(finishedRecord({ id: 'ok', startedMs: DAY0 }));
    await s.flush();
    await symlink('/dev/full', seg('2026-11-21'));
    s.finish(finishedRecord({ id: 'stuck', startedMs: DAY0 + DAY }));
    await expect(s.flush()).rejects.toThrow(/ENOSPC/);
    expect(s.health()).toEqual({ ok: false, error: expect.stringMatching(/ENOSPC/) });
    expect(logger.lines.some((l) => l.level === 'error')).toBe(true);
    expect((await s.list({})).results.map((r) => r.id)).toEqual(['stuck', 'ok']);
    expect((await s.get('stuck'))?.status).toBe('completed');
    s.finish(finishedRecord({ id: 'also', startedMs: DAY0 + DAY + 1 }));
    await unlink(seg('2026-11-21'));
    await s.flush();
    expect(s.health()).toEqual({ ok: true, error: null });
    await s.close();
    const again = await openInterceptionStore({ dir });
    expect(await ids(again)).toEqual(['also', 'ok', 'stuck']);
    await again.close();
  });

  it('reports EISDIR when the segment path is a directory', async () => {
    const s = await openInterceptionStore({ dir });
    await mkdir(seg('2026-11-22'));
    s.finish(finishedRecord({ id: 'x', startedMs: DAY0 + 2 * DAY }));
    await expect(s.flush()).rejects.toThrow(/EISDIR/);
    expect(s.health().ok).toBe(false);
    await rm(seg('2026-11-22'), { recursive: true });
    await s.flush();
    expect(s.health().ok).toBe(true);
    await s.close();
  });

  it('retries on its own timer after a failure', async () => {
    const s = await openInterceptionStore({ dir, flushIntervalMs: 10 });
    await mkdir(seg('2026-11-22'));
    s.finish(finishedRecord({ id: 'x', startedMs: DAY0 + 2 * DAY }));
    await expect.poll(() => s.health().ok, { timeout: 10_000 }).toBe(false);
    await rm(seg('2026-11-22'), { recursive: true });
    await expect.poll(() => s.health().ok, { timeout: 10_000, interval: 50 }).toBe(true);
    await s.close();
    const again = await openInterceptionStore({ dir, readOnly: true });
    expect((await again.get('x'))?.id).toBe('x');
    await again.close();
  });
});
