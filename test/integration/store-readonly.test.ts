/**
 * Read-only mode (the CLI) next to a writer (the server) on the same data dir: it sees new
 * records, rewritten and dropped segments, and never writes or marks anything interrupted.
 */
import { readdir, stat } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openInterceptionStore } from '../../src/store/interceptions/index.js';
import { finishedRecord, startedRecord } from '../helpers/store-records.js';
import { spawnStoreChild } from '../helpers/store-child.js';
import { DAY, DAY0, HOUR, tempDir } from '../helpers/store-temp.js';

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => {
  ({ dir, cleanup } = await tempDir('aibridge-ro-'));
});
afterEach(async () => {
  await cleanup();
});

describe('read-only store', () => {
  it('sees what another process writes, while it writes', async () => {
    const child = spawnStoreChild(['write', dir, String(DAY0)]);
    try {
      await child.waitFor((l) => l === 'READY');
      const reader = await openInterceptionStore({ dir, readOnly: true });
      const first = JSON.parse((await child.waitFor((l) => l.startsWith('FLUSHED '))).slice(8)) as { begun: string[] };
      const r1 = await reader.list({ includeInFlight: true, limit: 1000 });
      const ids1 = new Set(r1.results.map((r) => r.id));
      for (const id of first.begun) expect(ids1.has(id)).toBe(true);
      // Still in flight in the writer: visible only with includeInFlight, never marked interrupted.
      expect(r1.results.some((r) => r.status === 'in_flight')).toBe(true);
      expect((await reader.list({ limit: 1000 })).results.every((r) => r.status !== 'in_flight')).toBe(true);
      const flushed = (): string[] => child.lines.filter((l) => l.startsWith('FLUSHED '));
      const seen = flushed().length;
      await child.waitFor(() => flushed().length >= seen + 2);
      const later = JSON.parse(flushed().at(-1)!.slice(8)) as { finished: string[] };
      for (const id of later.finished) expect((await reader.get(id))?.status).toBe('completed');
      expect((await reader.list({ includeInFlight: true })).count).toBeGreaterThan(r1.count);
      await reader.close();
    } finally {
      child.proc.kill('SIGKILL');
      await child.exited;
    }
  });

  it('follows rewrites and dropped segments by the writer, and changes nothing on disk', async () => {
    const writer = await openInterceptionStore({ dir });
    for (let h = 0; h < 48; h++) writer.finish(finishedRecord({ id: `h${String(h).padStart(2, '0')}`, startedMs: DAY0 + h * HOUR, promptChars: 30 }));
    writer.begin(startedRecord({ id: 'flying', startedMs: DAY0 + 47 * HOUR + 1 }));
    await writer.flush();

    const reader = await openInterceptionStore({ dir, readOnly: true });
    expect((await reader.list({ limit: 1000 })).count).toBe(48);
    expect((await reader.get('flying'))?.status).toBe('in_flight');

    await writer.stripContent(DAY0 + 30 * HOUR);
    expect((await reader.get('h29'))?.user_prompts[0]?.prompt).toBe('');
    expect((await reader.get('h30'))?.user_prompts[0]?.prompt).toHaveLength(30);

    await writer.purge(DAY0 + DAY + 2 * HOUR);
    const left = (await reader.list({ limit: 1000 })).results.map((r) => r.id);
    expect(left).toHaveLength(22);
    expect(left.at(-1)).toBe('h26');
    expect(await reader.get('h00')).toBeUndefined();

    writer.finish(finishedRecord({ id: 'new', startedMs: DAY0 + 3 * DAY }));
    await writer.flush();
    expect((await reader.list({ limit: 1 })).results[0]?.id).toBe('new');

    const before = await snapshot();
    await reader.list({});
    for await (const r of reader.iterate({})) void r;
    await reader.close();
    expect(await snapshot()).toEqual(before);
    await writer.close();
  });
});

async function snapshot(): Promise<string[]> {
  const names = (await readdir(`${dir}/interceptions`)).sort();
  return Promise.all(names.map(async (n) => `${n}:${(await stat(`${dir}/interceptions/${n}`)).size}`));
}
