import { describe, expect, it } from 'vitest';
import { MemoryIndex } from '../../../../src/store/interceptions/memory-index.js';
import { entryFromRecord, StringPool } from '../../../../src/store/interceptions/entry.js';
import { finishedRecord, startedRecord } from '../../../helpers/store-records.js';
import { DAY0 } from '../../../helpers/store-temp.js';

const pool = new StringPool();
const started = (id: string, ms: number) => entryFromRecord(startedRecord({ id, startedMs: ms }), pool);
const ended = (id: string, ms: number) => entryFromRecord(finishedRecord({ id, startedMs: ms }), pool);

describe('MemoryIndex', () => {
  it('load: a later line supersedes, a begin never undoes a finish, a moved start re-sorts', () => {
    const ix = new MemoryIndex();
    ix.load(started('a', DAY0));
    ix.load(ended('a', DAY0));
    ix.load(started('a', DAY0));
    ix.load(ended('b', DAY0 + 5));
    ix.load(started('c', DAY0 + 1));
    ix.load(ended('b', DAY0 - 5)); // started_at changed: the old position must go
    expect(ix.size).toBe(3);
    expect(ix.get('a')?.status).toBe('completed');
    expect(ix.endedIn('a')).not.toBeNull();
    expect(ix.endedIn('c')).toBeNull();
    expect(ix.all().map((e) => e.id)).toEqual(['b', 'a', 'c']);
  });

  it('select: a cursor outside the time bounds gives an empty page but the full count', () => {
    const ix = new MemoryIndex();
    for (let i = 0; i < 10; i++) ix.put(ended(`e${i}`, DAY0 + i));
    const r = ix.select({ startedAfter: DAY0 + 5 }, 10, 'e2');
    expect(r.count).toBe(5);
    expect(r.page).toEqual([]);
    const r2 = ix.select({ startedBefore: DAY0 + 5 }, 2, 'e8');
    expect(r2.page.map((e) => e.id)).toEqual(['e4', 'e3']);
  });

  it('put keeps the entry object when the key is unchanged (snapshots see moves)', () => {
    const ix = new MemoryIndex();
    const first = ix.put(started('x', DAY0));
    const second = ix.put(ended('x', DAY0));
    expect(second).toBe(first);
    expect(first.status).toBe('completed');
    const moved = ix.put(ended('x', DAY0 + 1));
    expect(moved).not.toBe(first);
    expect(first.deleted).toBe(true);
    expect(ix.all()).toEqual([moved]);
  });
});
