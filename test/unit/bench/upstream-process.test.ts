import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { benchClock } from '../../../bench/upstream.js';
import { startListening } from '../../../bench/fresh-child.js';
import { streamCall } from '../../../bench/load.js';

/** The bench's upstream as `npm run bench` runs it: its own process, its stdin held by this one. */
const startUpstream = () => startListening(new URL('../../../bench/upstream.ts', import.meta.url), ['0']);

let running: ChildProcess | undefined;
afterEach(() => {
  running?.kill('SIGKILL');
  running = undefined;
});

describe('the bench upstream in its own process', () => {
  it("stamps each stream chunk on a clock this process shares: the load generator's delays lie between 0 and the call's time", async () => {
    const up = await startUpstream();
    running = up.child;
    const t = { name: 'upstream', url: `${up.url}/v1/messages`, headers: { 'content-type': 'application/json' } };
    for (let round = 0; round < 3; round++) {
      const started = benchClock();
      const s = await streamCall(t, 5, 5);
      const took = benchClock() - started;
      expect(s.delays).toHaveLength(5);
      // Each delay is the receipt (this process's clock) minus the write (the child's). The clocks
      // agree to well within a loopback round trip; 0.5 ms of slack still fails a clock of the
      // child's own (performance.now() alone starts near 0 in each process).
      for (const d of s.delays) {
        expect(d).toBeGreaterThan(-0.5);
        expect(d).toBeLessThan(took + 0.5);
      }
    }
  });

  it('ends when the process holding its stdin lets go', async () => {
    const up = await startUpstream();
    running = up.child;
    const exited = once(up.child, 'exit');
    up.child.stdin!.end();
    const [code] = (await Promise.race([exited, new Promise((r) => setTimeout(() => r(['timeout']), 3_000))])) as [number | string];
    expect(code).toBe(0);
  });
});
