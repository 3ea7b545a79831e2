/**
 * The process-wide bound on request-body bytes held at once (issue #13, `max_body_memory`):
 * first come first served, a body larger than the bound goes alone, a client that leaves while
 * waiting gives its place up, and unknown lengths are counted without waiting.
 */
import { describe, expect, it } from 'vitest';
import { createBodyBudget, type BodyHold } from '../../../../src/gateway/http/body-budget.js';

const settled = async <T>(p: Promise<T>): Promise<boolean> => {
  let done = false;
  void p.then(() => (done = true));
  await new Promise((r) => setImmediate(r));
  return done;
};

describe('createBodyBudget', () => {
  it('grants while the bytes fit, then queues in order and grants as holds are released', async () => {
    const b = createBodyBudget(() => 100);
    const a = (await b.acquire(60))!;
    const c = (await b.acquire(40))!;
    const d = b.acquire(30);
    const e = b.acquire(10); // fits, but waits behind d (first come, first served)
    expect(await settled(d)).toBe(false);
    expect(await settled(e)).toBe(false);
    expect(b.snapshot()).toEqual({ held: 100, waiting: 2, limit: 100 });
    a.release();
    a.release(); // idempotent
    expect(await settled(d)).toBe(true);
    expect(await settled(e)).toBe(true);
    expect(b.snapshot()).toEqual({ held: 80, waiting: 0, limit: 100 });
    c.release();
    ((await d) as BodyHold).release();
    ((await e) as BodyHold).release();
    expect(b.snapshot().held).toBe(0);
  });

  it('a body larger than the bound goes alone, when nothing else is held', async () => {
    const b = createBodyBudget(() => 100);
    const small = (await b.acquire(1))!;
    const big = b.acquire(500);
    expect(await settled(big)).toBe(false);
    small.release();
    const h = (await big)!;
    expect(b.snapshot().held).toBe(100); // counted at the bound
    h.release();
  });

  it('a waiting client that goes away gives its place up (null), and the next one moves up', async () => {
    const b = createBodyBudget(() => 10);
    const first = (await b.acquire(10))!;
    let cancel: () => void = () => undefined;
    const leaving = b.acquire(5, (c) => (cancel = c));
    const next = b.acquire(5);
    cancel();
    expect(await leaving).toBeNull();
    expect(b.snapshot().waiting).toBe(1);
    first.release();
    expect(await settled(next)).toBe(true);
  });

  it('grow counts bytes of a body of unknown length without waiting; release gives them all back', async () => {
    const b = createBodyBudget(() => 10);
    const h = (await b.acquire(0))!;
    h.grow(50);
    expect(b.snapshot().held).toBe(50);
    const w = b.acquire(1);
    expect(await settled(w)).toBe(false);
    h.release();
    expect(await settled(w)).toBe(true);
  });
});
