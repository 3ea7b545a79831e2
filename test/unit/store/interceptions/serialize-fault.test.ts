/**
 * Issue #13: a finished record the store cannot serialize (a tool input nested deeper than
 * `JSON.stringify` can follow, handed in without the field cap in front) used to throw out of
 * `finish`: the record stayed `in_flight` until the next restart. Now it is stored anyway, its tool
 * inputs as text, with `metadata.record_fault`, and the fault is logged.
 */
import { afterEach, beforeEach, expect, it } from 'vitest';
import { openInterceptionStore, type InterceptionStore } from '../../../../src/store/interceptions/index.js';
import { finishedRecord, startedRecord } from '../../../helpers/store-records.js';
import { DAY0, HOUR, recordingLogger, tempDir } from '../../../helpers/store-temp.js';

let dir: string;
let cleanup: () => Promise<void>;
let store: InterceptionStore;
const logger = recordingLogger();

beforeEach(async () => {
  ({ dir, cleanup } = await tempDir());
  store = await openInterceptionStore({ dir, logger });
});
afterEach(async () => {
  await store.close();
  await cleanup();
});

it('a record too deep to serialize still ends, its tool input kept as text, the fault logged', async () => {
  let deep: unknown = 1;
  for (let i = 0; i < 20_000; i++) deep = { a: deep };
  const rec = finishedRecord({ id: 'deep1', startedMs: DAY0 + HOUR });
  rec.tool_usages = [{ ...rec.tool_usages[0]!, input: deep }];
  store.begin(startedRecord({ id: 'deep1', startedMs: DAY0 + HOUR }));
  expect(() => store.finish(rec)).not.toThrow();
  await store.flush();

  const back = await store.get('deep1');
  expect(back?.status).toBe('completed');
  expect(typeof back?.tool_usages[0]?.input).toBe('string');
  expect((back?.tool_usages[0]?.input as string).startsWith('{"a":{"a":')).toBe(true);
  expect(back?.metadata['record_fault']).toMatch(/could not be serialized/);
  expect((await store.list({})).results.map((r) => r.id)).toEqual(['deep1']);
  expect(logger.lines.some((l) => l.level === 'error' && /could not be serialized/.test(l.msg))).toBe(true);

  // And after a restart it is still an ended record, not an interrupted one.
  await store.close();
  store = await openInterceptionStore({ dir, logger });
  expect((await store.get('deep1'))?.status).toBe('completed');
});
