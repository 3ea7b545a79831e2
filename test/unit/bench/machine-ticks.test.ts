import { cpus } from 'node:os';
import { describe, expect, it } from 'vitest';
import { machineTicks } from '../../../bench/load.js';

/** The same /proc/stat counters as libuv reads them for os.cpus() (ms, summed over the cores). */
function osTimes(): { idle: number; busy: number } {
  let idle = 0;
  let busy = 0;
  for (const c of cpus()) {
    idle += c.times.idle;
    busy += c.times.user + c.times.nice + c.times.sys + c.times.irq;
  }
  return { idle, busy };
}

describe('machineTicks', () => {
  it("reads the machine's idle and total time as os.cpus() does, in 10 ms ticks over every core", () => {
    const os = osTimes();
    const m = machineTicks();
    // os.cpus() leaves out iowait, softirq and steal; those are a small part of an uptime.
    expect(Math.abs(m.idle * 10 - os.idle)).toBeLessThan(0.05 * os.idle + 1_000);
    expect(m.total * 10).toBeGreaterThanOrEqual(os.idle + os.busy - 1_000);
    expect(m.total * 10).toBeLessThan(1.1 * (os.idle + os.busy) + 1_000);
  });

  it('grows by the time that passed on every core', async () => {
    const a = machineTicks();
    const t0 = performance.now();
    await new Promise((r) => setTimeout(r, 1_000));
    const b = machineTicks();
    const expected = (cpus().length * (performance.now() - t0)) / 10; // ticks of 10 ms
    expect(b.total - a.total).toBeGreaterThanOrEqual(0.8 * expected - 2 * cpus().length);
    expect(b.total - a.total).toBeLessThanOrEqual(1.2 * expected + 2 * cpus().length);
    expect(b.idle - a.idle).toBeLessThanOrEqual(b.total - a.total);
  });
});
