/**
 * Starting one of the gateway's worker threads (issue #20: the OTLP export and the JSON log run
 * off the event loop). The thread's script is the compiled `NAME.js` next to the caller; under the
 * TypeScript sources (tests run them) it is `NAME.ts`, loaded through tsx's loader registered in
 * the thread itself.
 */
import { Worker, type ResourceLimits } from 'node:worker_threads';

/**
 * Starts `./NAME` relative to `from` (the caller's `import.meta.url`). The worker is unref'd: it
 * never keeps the process alive on its own; its owner refs it while it waits for a last answer.
 */
export function spawnWorker(from: string, name: string, workerData: unknown, resourceLimits: ResourceLimits): Worker {
  const options = { workerData, resourceLimits };
  let worker: Worker;
  if (!from.endsWith('.ts')) worker = new Worker(new URL(`./${name}.js`, from), options);
  else {
    const src = new URL(`./${name}.ts`, from).href;
    const boot = `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(src)}); });`;
    worker = new Worker(boot, { ...options, eval: true });
  }
  worker.unref();
  return worker;
}
