/**
 * The record fan-out (src/record/fanout.ts): transforms before anyone sees a record, the immediate
 * consumer in the same turn, batched ones on the next drain, and every participant's fault kept to
 * itself.
 */
import { describe, expect, it } from 'vitest';
import { createRecordFanout, type FinishedRecord, type RecordConsumer } from '../../../src/record/fanout.js';
import type { Interception } from '../../../src/record/types.js';
import { makeRecord } from '../../helpers/make-record.js';

function finished(n: number): FinishedRecord {
  return makeRecord(n) as FinishedRecord;
}

function collector(name: string, mode: RecordConsumer['mode']) {
  const begun: Interception[] = [];
  const done: Interception[] = [];
  let wake: (() => void) | undefined;
  const consumer: RecordConsumer = {
    name,
    mode,
    begin: (r) => void begun.push(r),
    finish: (r) => {
      done.push(r);
      wake?.();
    },
  };
  /** Resolves at the next finish this consumer sees (an event, not a sleep). */
  const next = () => new Promise<void>((resolve) => (wake = resolve));
  return { consumer, begun, done, next };
}

const quiet = () => {
  const errors: { obj: Record<string, unknown>; msg: string }[] = [];
  return { errors, logger: { error: (obj: object, msg: string) => void errors.push({ obj: obj as Record<string, unknown>, msg }) } };
};

describe('record fan-out', () => {
  it('hands a finished record to the immediate consumer at once and to batched ones on the next drain', async () => {
    const store = collector('store', 'immediate');
    const log = collector('log', 'batched');
    const { logger } = quiet();
    const fan = createRecordFanout({ consumers: [store.consumer, log.consumer], logger });
    const rec = finished(1);
    fan.begin(rec);
    expect(store.begun).toEqual([rec]);
    expect(log.begun).toEqual([rec]);
    const drained = log.next();
    fan.finish(rec);
    expect(store.done).toEqual([rec]);
    expect(log.done).toEqual([]);
    await drained;
    expect(log.done).toEqual([rec]);
  });

  it('settle() drains the batch in order before a reader looks', () => {
    const log = collector('log', 'batched');
    const fan = createRecordFanout({ consumers: [log.consumer], logger: quiet().logger });
    const a = finished(1);
    const b = finished(2);
    fan.finish(a);
    fan.finish(b);
    fan.settle();
    expect(log.done).toEqual([a, b]);
    fan.settle();
    expect(log.done).toEqual([a, b]);
  });

  it('applies transforms in order before every consumer, begin and finish alike', () => {
    const store = collector('store', 'immediate');
    const log = collector('log', 'batched');
    const mark = (tag: string) => (r: Interception) => ({ ...r, metadata: { ...r.metadata, seen: [...((r.metadata['seen'] as string[]) ?? []), tag] } });
    const fan = createRecordFanout({
      transforms: [
        { name: 'first', begin: mark('first'), finish: (r) => mark('first')(r) as FinishedRecord },
        { name: 'second', begin: mark('second'), finish: (r) => mark('second')(r) as FinishedRecord },
      ],
      consumers: [store.consumer, log.consumer],
      logger: quiet().logger,
    });
    const rec = finished(1);
    fan.begin(rec);
    fan.finish(rec);
    fan.settle();
    for (const got of [store.begun[0], store.done[0], log.begun[0], log.done[0]]) expect(got?.metadata['seen']).toEqual(['first', 'second']);
    // The record handed in is never changed.
    expect(rec.metadata['seen']).toBeUndefined();
  });

  it('a consumer that throws stops neither the others nor the caller; the fault is logged with its name', () => {
    const broken: RecordConsumer = {
      name: 'broken',
      mode: 'immediate',
      begin: () => {
        throw new Error('begin broke');
      },
      finish: () => {
        throw new Error('finish broke');
      },
    };
    const brokenLater: RecordConsumer = { name: 'broken-later', mode: 'batched', finish: () => { throw new Error('later broke'); } };
    const store = collector('store', 'immediate');
    const log = collector('log', 'batched');
    const { errors, logger } = quiet();
    const fan = createRecordFanout({ consumers: [broken, brokenLater, store.consumer, log.consumer], logger });
    const rec = finished(7);
    expect(() => fan.begin(rec)).not.toThrow();
    expect(() => fan.finish(rec)).not.toThrow();
    fan.settle();
    expect(store.begun).toEqual([rec]);
    expect(store.done).toEqual([rec]);
    expect(log.done).toEqual([rec]);
    expect(errors.map((e) => [e.obj['consumer'], e.obj['interception_id'], (e.obj['err'] as Error).message])).toEqual([
      ['broken', rec.id, 'begin broke'],
      ['broken', rec.id, 'finish broke'],
      ['broken-later', rec.id, 'later broke'],
    ]);
  });

  it('a transform that throws is logged and the record goes on unchanged', () => {
    const store = collector('store', 'immediate');
    const { errors, logger } = quiet();
    const fan = createRecordFanout({
      transforms: [{ name: 'bad', finish: () => { throw new Error('no'); } }],
      consumers: [store.consumer],
      logger,
    });
    const rec = finished(1);
    fan.finish(rec);
    expect(store.done).toEqual([rec]);
    expect(errors[0]?.obj['consumer']).toBe('bad');
  });

  it('close() drains, closes consumers in order, and hands later records on at once', async () => {
    const order: string[] = [];
    const log = collector('log', 'batched');
    const telemetry: RecordConsumer = { name: 'telemetry', mode: 'batched', finish: () => order.push('telemetry finish'), close: async () => void order.push('telemetry close') };
    const broken: RecordConsumer = { name: 'broken', mode: 'batched', close: () => Promise.reject(new Error('cannot close')) };
    const { errors, logger } = quiet();
    const fan = createRecordFanout({ consumers: [log.consumer, telemetry, broken], logger });
    fan.finish(finished(1));
    await fan.close();
    expect(log.done).toHaveLength(1);
    expect(order).toEqual(['telemetry finish', 'telemetry close']);
    expect(errors[0]?.obj['consumer']).toBe('broken');
    fan.finish(finished(2));
    expect(log.done).toHaveLength(2);
  });
});
