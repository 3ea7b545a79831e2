/**
 * Child process for the store's crash tests (run with `node --import tsx`). Modes:
 * - `write <dir> <startMs>`: begins and finishes records in a loop, flushing now and then, and
 *   prints `FLUSHED {"begun":[…],"finished":[…]}` once those ids are durable. Runs until killed.
 * - `maintain <dir> <purge|strip> <beforeMs> <batchSize> <crashPoint> <nth>`: runs purge or
 *   stripContent and SIGKILLs itself the nth time the store reaches `crashPoint`
 *   (`batch`, `before-rename`, `after-data-rename`); prints `DONE <n>` if it gets through.
 */
import { randomUUID } from 'node:crypto';
import { openInterceptionStore } from '../../src/store/interceptions/index.js';
import { finishedRecord, startedRecord } from './store-records.js';

const [mode, dir, ...rest] = process.argv.slice(2);
if (!dir) throw new Error('usage: store-writer.ts write|maintain <dir> …');

function say(line: string): void {
  process.stdout.write(line + '\n');
}

async function writeLoop(startMs: number): Promise<void> {
  const store = await openInterceptionStore({ dir: dir!, flushIntervalMs: 100 });
  say('READY');
  let i = 0;
  const flying: { id: string; ms: number }[] = [];
  for (;;) {
    const begun: string[] = [];
    const finished: string[] = [];
    for (let k = 0; k < 25; k++, i++) {
      const id = randomUUID();
      const ms = startMs + i * 1000;
      store.begin(startedRecord({ id, startedMs: ms }));
      begun.push(id);
      flying.push({ id, ms });
      // Finish most calls soon, leave some in flight for a while (they become interrupted).
      if (flying.length > 5) {
        const done = flying.splice(Math.floor(flying.length / 2), 1)[0]!;
        store.finish(finishedRecord({ id: done.id, startedMs: done.ms, promptChars: 3000 }));
        finished.push(done.id);
      }
    }
    await store.flush();
    say('FLUSHED ' + JSON.stringify({ begun, finished }));
    // Let the store's own timer flush too, between our explicit flushes.
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function maintain(op: string, before: number, batchSize: number, point: string, nth: number): Promise<void> {
  let seen = 0;
  const store = await openInterceptionStore({
    dir: dir!,
    testHook: (p) => {
      if (p === point && ++seen === nth) process.kill(process.pid, 'SIGKILL');
    },
  });
  const n = op === 'purge' ? await store.purge(before, { batchSize }) : await store.stripContent(before, { batchSize });
  await store.close();
  say(`DONE ${n}`);
}

if (mode === 'write') await writeLoop(Number(rest[0]));
else if (mode === 'maintain') await maintain(rest[0]!, Number(rest[1]), Number(rest[2]), rest[3]!, Number(rest[4]));
else throw new Error(`unknown mode ${String(mode)}`);
