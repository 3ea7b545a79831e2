/**
 * Export streams (issue #5): 100,000 stored records go out with memory bounded well below the
 * size of the output. Heap/RSS growth is a sanity bound, not a timing.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import v8 from 'node:v8';
import vm from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openInterceptionStore } from '../../src/store/interceptions/index.js';
import { exportRecords } from '../../src/store/export.js';
import { finishedRecord } from '../helpers/store-records.js';

const N = 100_000;
const T0 = Date.UTC(2026, 10, 1);
let dir: string;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aib-export-mem-'));
  const store = await openInterceptionStore({ dir, now: () => T0 + 30 * 86_400_000 });
  for (let i = 0; i < N; i++) {
    // Spread over 20 days so several segments are read.
    const rec = finishedRecord({ startedMs: T0 + i * 17_000, promptChars: 200 });
    store.begin({ ...rec, status: 'in_flight', ended_at: null, token_usages: [], user_prompts: [], tool_usages: [], model_thoughts: [] });
    store.finish(rec);
    if (i % 5000 === 0) await store.flush();
  }
  await store.flush();
  await store.close();
}, 300_000);

afterAll(() => { fs.rmSync(dir, { recursive: true, force: true }); });

describe('export of 100,000 records', () => {
  for (const format of ['jsonl', 'ecs'] as const) {
    it(`${format}: streams with flat memory`, async () => {
      const store = await openInterceptionStore({ dir, readOnly: true });
      // Retained heap after a full GC is the honest measure of what the export holds on to.
      v8.setFlagsFromString('--expose-gc');
      const gc = vm.runInNewContext('gc') as () => void;
      gc();
      const base = process.memoryUsage();
      let peakHeap = base.heapUsed;
      let peakRss = base.rss;
      let bytes = 0;
      let lines = 0;
      let writes = 0;
      // A consumer slower than the producer, so backpressure matters.
      const out = new Writable({
        highWaterMark: 64 * 1024,
        write(chunk: Buffer, _enc, cb) {
          bytes += chunk.length;
          for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines++;
          if (++writes % 500 === 0) {
            if (writes % 5000 === 0) gc();
            const m = process.memoryUsage();
            if (writes % 5000 === 0) peakHeap = Math.max(peakHeap, m.heapUsed);
            peakRss = Math.max(peakRss, m.rss);
            setImmediate(cb);
          } else cb();
        },
      });
      const n = await exportRecords(store, { format }, out);
      await store.close();
      expect(n).toBe(N * 6);
      expect(lines).toBe(N * 6);
      const heapGrowth = peakHeap - base.heapUsed;
      const rssGrowth = peakRss - base.rss;
      console.log(`[export-memory] ${format}: ${N} records, ${(bytes / 2 ** 20).toFixed(0)} MiB out, retained heap +${(heapGrowth / 2 ** 20).toFixed(1)} MiB, rss +${(rssGrowth / 2 ** 20).toFixed(1)} MiB`);
      // Output is hundreds of MiB; a non-streaming export would hold it all.
      expect(bytes).toBeGreaterThan(150 * 2 ** 20);
      expect(heapGrowth).toBeLessThan(32 * 2 ** 20);
      expect(rssGrowth).toBeLessThan(160 * 2 ** 20);
    }, 300_000);
  }
});
