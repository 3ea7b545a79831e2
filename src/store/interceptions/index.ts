/**
 * The interception store (issue #2 / #5 / #8): day-segmented append-only JSON lines with an
 * in-memory index. Layout, durability and recovery: README.md in this folder.
 */
import type { RecordConsumer } from '../../record/fanout.js';
import type { InterceptionStore, InterceptionWriter } from './types.js';
import { FileInterceptionStore } from './store.js';
import type { StoreOptions } from './options.js';

export type { StoreOptions } from './options.js';
export type * from './types.js';

/**
 * Opens (and in writer mode recovers) the store in `<dir>/interceptions/`.
 * Writer mode takes a lock file so only one process writes; `readOnly` opens never write.
 */
export async function openInterceptionStore(opts: StoreOptions): Promise<InterceptionStore> {
  const store = new FileInterceptionStore(opts);
  try {
    await store.open();
  } catch (err) {
    await store.close().catch(() => undefined);
    throw err;
  }
  return store;
}

/**
 * The store as a fan-out consumer: immediate, so a finished record is in the index in the turn
 * that sent the client its last bytes (a client listing right after its call finds it); the disk
 * write follows on the store's own timer.
 */
export function storeConsumer(store: Pick<InterceptionWriter, 'begin' | 'finish'>): RecordConsumer {
  return {
    name: 'store',
    mode: 'immediate',
    begin: (rec) => store.begin(rec),
    finish: (rec) => store.finish(rec),
  };
}
