/**
 * The JSON log's worker thread (issue #20): runs {@link JsonLogWriter} (./log-writer.ts) — the
 * records' SPEC §7 lines, the chain's hashes and checkpoints, the file writes and rotation — off
 * the gateway's event loop. The gateway (./log-thread.ts) posts items in the order it logged them;
 * each batch is written as it arrives.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { JsonLogWriter, type JsonLogSetup } from './log-writer.js';
import type { FromLogWorker, ToLogWorker } from './log-thread.js';

const port = parentPort;
if (!port) throw new Error('log-worker.ts runs as a worker thread (src/gateway/log-thread.ts)');
const post = (m: FromLogWorker): void => port.postMessage(m);

const writer = new JsonLogWriter(workerData as JsonLogSetup, (text) => post({ type: 'stderr', text }));
const onFault = (id: string, message: string): void => post({ type: 'fault', id, message });

port.on('message', (m: ToLogWorker) => {
  switch (m.type) {
    case 'items':
      writer.write(m.items, m.now, onFault);
      writer.flushSync(); // the batch waited on the gateway's side already
      break;
    case 'flush':
      writer.flushSync();
      void writer.flush().then(() => post({ type: 'flushed', id: m.id }));
      break;
    case 'sync':
      // The gateway is exiting and waits, blocked, until this says the lines are with the OS.
      writer.flushSync();
      Atomics.store(m.flag, 0, 1);
      Atomics.notify(m.flag, 0);
      break;
    case 'close':
      void writer.close(m.now).then(() => {
        post({ type: 'closed' });
        port.close();
      });
      break;
  }
});
