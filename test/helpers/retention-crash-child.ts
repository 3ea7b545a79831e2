/**
 * Child process for the crash test: runs one retention purge on the store in argv[2] with tiny
 * batches and SIGKILLs itself at the Nth batch boundary (argv[3]).
 */
import { openInterceptionStore } from '../../src/store/interceptions/index.js';
import { startRetention } from '../../src/store/retention.js';

const [dir, killAt, now] = [process.argv[2] ?? '', Number(process.argv[3]), Number(process.argv[4])];
let batches = 0;
const store = await openInterceptionStore({
  dir,
  now: () => now,
  testHook: (point) => {
    if (point === 'batch' && ++batches === killAt) process.kill(process.pid, 'SIGKILL');
  },
});
const retention = startRetention({
  store, retentionMs: () => 86_400_000, contentRetentionMs: () => 0, now: () => now,
  logger: { info: () => undefined, error: () => undefined }, batchSize: 2, runAtStart: false,
});
await retention.runOnce();
process.stdout.write('finished without being killed\n');
await store.close();
