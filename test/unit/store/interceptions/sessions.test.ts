/**
 * Sessions (SPEC §15) from the store's index: calls grouped by client_session_id with their token
 * sums, first/last start and priced cost; `session` as a list filter; index lines written before
 * sessions were kept (no session field) are learned from the records once.
 */
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openInterceptionStore, type InterceptionStore } from '../../../../src/store/interceptions/index.js';
import type { Interception } from '../../../../src/record/types.js';
import { perRecordPricer } from '../../../../src/record/cost.js';
import { finishedRecord, startedRecord } from '../../../helpers/store-records.js';
import { DAY0, HOUR, tempDir } from '../../../helpers/store-temp.js';

let dir: string;
let cleanup: () => Promise<void>;
let store: InterceptionStore;

beforeEach(async () => {
  ({ dir, cleanup } = await tempDir('aibridge-sessions-'));
  store = await openInterceptionStore({ dir });
});
afterEach(async () => {
  await store.close();
  await cleanup();
});

const inSession = (id: string, ms: number, session: string | null, name = 'alice'): Interception & { status: 'completed' } => ({
  ...finishedRecord({ id, startedMs: ms, initiator: { id: `tok-${name}`, name } }),
  status: 'completed',
  client_session_id: session,
});

async function fill(): Promise<void> {
  store.finish(inSession('a1', DAY0 + 1 * HOUR, 'S1'));
  store.finish(inSession('a2', DAY0 + 2 * HOUR, 'S1'));
  store.finish(inSession('b1', DAY0 + 3 * HOUR, 'S2', 'bob'));
  store.finish(inSession('a3', DAY0 + 4 * HOUR, 'S1', 'carol'));
  store.finish(inSession('n1', DAY0 + 5 * HOUR, null));
  store.begin({ ...startedRecord({ id: 'f1', startedMs: DAY0 + 6 * HOUR }), client_session_id: 'S2' });
  await store.flush();
}

const byId = (rows: { client_session_id: string }[]) => Object.fromEntries(rows.map((r) => [r.client_session_id, r]));

describe('sessions', () => {
  it('groups ended calls by client_session_id with sums, first and last start, latest client and initiator', async () => {
    await fill();
    const rows = byId(await store.sessions({}, perRecordPricer((e) => e.tokOut * 0.001)));
    expect(Object.keys(rows).sort()).toEqual(['S1', 'S2']);
    // finishedRecord: 1,200 input (cache reads apart), 340 output per call.
    expect(rows['S1']).toEqual({
      client_session_id: 'S1', client: 'Claude Code', initiator: 'carol', firstMs: DAY0 + HOUR, lastMs: DAY0 + 4 * HOUR,
      interceptions: 3, input_tokens: 3600, output_tokens: 1020, cost_usd: expect.closeTo(1.02, 9) as number,
    });
    expect(rows['S2']).toMatchObject({ interceptions: 1, initiator: 'bob', firstMs: DAY0 + 3 * HOUR, lastMs: DAY0 + 3 * HOUR });
    const window = byId(await store.sessions({ since: DAY0 + 2 * HOUR, until: DAY0 + 4 * HOUR }));
    expect(window['S1']).toMatchObject({ interceptions: 1, firstMs: DAY0 + 2 * HOUR, cost_usd: null });
  });

  it('session filters a list, with the other filters', async () => {
    await fill();
    expect((await store.list({ session: 'S1' })).results.map((r) => r.id)).toEqual(['a3', 'a2', 'a1']);
    expect((await store.list({ session: 'S1', initiator: 'alice' })).count).toBe(2);
    expect((await store.list({ session: 'S2', includeInFlight: true })).results.map((r) => r.id)).toEqual(['f1', 'b1']);
  });

  it('index lines from before sessions were kept are learned from the records', async () => {
    await fill();
    await store.close();
    const folder = join(dir, 'interceptions');
    for (const name of (await readdir(folder)).filter((n) => n.endsWith('.idx'))) {
      const lines = (await readFile(join(folder, name), 'utf8')).split('\n').filter(Boolean);
      const old = lines.map((l) => JSON.stringify((JSON.parse(l) as unknown[]).slice(0, 17)));
      await writeFile(join(folder, name), old.join('\n') + '\n');
    }
    store = await openInterceptionStore({ dir });
    expect((await store.list({ session: 'S1' })).count).toBe(3);
    expect(byId(await store.sessions({}))['S1']).toMatchObject({ interceptions: 3, input_tokens: 3600 });
  });
});
