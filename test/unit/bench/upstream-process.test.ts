import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { benchClock } from '../../../bench/upstream.js';
import { startListening } from '../../../bench/fresh-child.js';

/** The bench's upstream as `npm run bench` runs it: its own process, its stdin held by this one. */
const startUpstream = () => startListening(new URL('../../../bench/upstream.ts', import.meta.url), ['0']);

let running: ChildProcess | undefined;
afterEach(() => {
  running?.kill('SIGKILL');
  running = undefined;
});

describe('the bench upstream in its own process', () => {
  it("stamps each stream chunk on a clock this process shares: between the request's start and the chunk's receipt", async () => {
    const up = await startUpstream();
    running = up.child;
    const body = JSON.stringify({ model: 'claude-sonnet-4-5', max_tokens: 10, stream: true, messages: [{ role: 'user', content: 'hi' }] });
    for (let round = 0; round < 3; round++) {
      const sent = benchClock();
      const r = await request(`${up.url}/v1/messages`, {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/json', 'x-bench-chunks': '5', 'x-bench-cadence-ms': '5' },
      });
      expect(r.statusCode).toBe(200);
      const stamps: { ts: number; seen: number }[] = [];
      let pending = '';
      for await (const chunk of r.body) {
        const seen = benchClock();
        pending += (chunk as Buffer).toString('utf8');
        // Whole events only (as bench/load.ts reads them): a stamp split across chunks is read once whole.
        const cut = pending.lastIndexOf('\n\n');
        if (cut < 0) continue;
        for (const m of pending.slice(0, cut).matchAll(/"bench_ts":([\d.]+)/g)) stamps.push({ ts: Number(m[1]), seen });
        pending = pending.slice(cut + 2);
      }
      expect(stamps).toHaveLength(5);
      // The processes agree to well within a loopback round trip; 0.5 ms of slack still fails a clock
      // of the child's own (performance.now() alone starts near 0 in each process).
      for (const s of stamps) {
        expect(s.ts).toBeGreaterThan(sent - 0.5);
        expect(s.ts).toBeLessThan(s.seen + 0.5);
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
