import { describe, expect, it } from 'vitest';
import { CircuitBreakers, circuitKey, type CircuitState } from '../../../../src/gateway/overload/circuit-breaker.js';

function setup(threshold = 3, openMs = 30_000) {
  let t = 1_000_000;
  const changes: [string, CircuitState][] = [];
  const cb = new CircuitBreakers({
    threshold: () => threshold,
    openMs: () => openMs,
    now: () => t,
    onState: (k, s) => changes.push([k, s]),
  });
  const call = (key: string, outcome: 'success' | 'failure' | 'neutral') => {
    const a = cb.admit(key);
    if (!a.ok) throw new Error(`refused, retry after ${a.retryAfterS}`);
    a.ticket.report(outcome);
    return a.ticket;
  };
  return { cb, changes, call, advance: (ms: number) => (t += ms) };
}

const K = circuitKey('anthropic', 'claude-sonnet-4-5');

describe('circuit breaker', () => {
  it('opens after N consecutive failures and refuses with the time left', () => {
    const { cb, call, changes, advance } = setup(3, 30_000);
    call(K, 'failure');
    call(K, 'failure');
    expect(cb.stateOf(K)).toBe('closed');
    call(K, 'failure');
    expect(cb.stateOf(K)).toBe('open');
    expect(changes).toEqual([[K, 'open']]);
    expect(cb.admit(K)).toEqual({ ok: false, retryAfterS: 30 });
    advance(12_300);
    expect(cb.admit(K)).toEqual({ ok: false, retryAfterS: 18 });
    expect(cb.snapshot()).toEqual([{ key: K, state: 'open', failures: 3, retry_after_s: 18 }]);
  });

  it('a success in between resets the count', () => {
    const { cb, call } = setup(3);
    call(K, 'failure');
    call(K, 'failure');
    call(K, 'success');
    call(K, 'failure');
    call(K, 'failure');
    expect(cb.stateOf(K)).toBe('closed');
  });

  it('keys are independent (provider + model)', () => {
    const { cb, call } = setup(1);
    call(K, 'failure');
    expect(cb.stateOf(K)).toBe('open');
    expect(cb.admit(circuitKey('anthropic', 'claude-haiku-4-5')).ok).toBe(true);
    expect(cb.admit(circuitKey('openai', 'claude-sonnet-4-5')).ok).toBe(true);
  });

  it('after the open duration lets exactly one probe through; success closes', () => {
    const { cb, call, changes, advance } = setup(2, 10_000);
    call(K, 'failure');
    call(K, 'failure');
    advance(10_000);
    const probe = cb.admit(K);
    expect(probe.ok && probe.ticket.probe).toBe(true);
    expect(cb.stateOf(K)).toBe('half_open');
    expect(cb.admit(K)).toEqual({ ok: false, retryAfterS: 1 });
    if (probe.ok) probe.ticket.report('success');
    expect(cb.stateOf(K)).toBe('closed');
    expect(cb.snapshot()).toEqual([]);
    expect(changes.map((c) => c[1])).toEqual(['open', 'half_open', 'closed']);
    expect(cb.admit(K).ok).toBe(true);
  });

  it('a failed probe re-opens for a full open duration', () => {
    const { cb, call, advance } = setup(2, 10_000);
    call(K, 'failure');
    call(K, 'failure');
    advance(15_000);
    const probe = call(K, 'failure');
    expect(probe.probe).toBe(true);
    expect(cb.stateOf(K)).toBe('open');
    expect(cb.admit(K)).toEqual({ ok: false, retryAfterS: 10 });
    advance(10_000);
    expect(cb.admit(K).ok).toBe(true);
  });

  it('a neutral probe (client went away) frees the probe slot without a verdict', () => {
    const { cb, call, advance } = setup(1, 1_000);
    call(K, 'failure');
    advance(1_000);
    call(K, 'neutral');
    expect(cb.stateOf(K)).toBe('half_open');
    const next = cb.admit(K);
    expect(next.ok && next.ticket.probe).toBe(true);
  });

  it('late results of calls admitted before the circuit opened do not close it or re-open it', () => {
    const { cb, call, advance } = setup(2, 10_000);
    const early = cb.admit(K);
    call(K, 'failure');
    call(K, 'failure');
    if (early.ok) early.ticket.report('success');
    expect(cb.stateOf(K)).toBe('open');
    advance(10_000);
    const probe = cb.admit(K);
    const late = { report: () => cb.noteFailure(K) };
    late.report();
    expect(cb.stateOf(K)).toBe('half_open');
    if (probe.ok) probe.ticket.report('success');
    expect(cb.stateOf(K)).toBe('closed');
  });

  it('reports count once per ticket', () => {
    const { cb } = setup(2);
    const a = cb.admit(K);
    if (!a.ok) throw new Error('refused');
    a.ticket.report('failure');
    a.ticket.report('failure');
    expect(cb.stateOf(K)).toBe('closed');
  });

  it('threshold 0 disables the breaker', () => {
    const { cb, call } = setup(0);
    for (let i = 0; i < 20; i++) call(K, 'failure');
    expect(cb.stateOf(K)).toBe('closed');
    expect(cb.snapshot()).toEqual([]);
  });

  it('keeps a bounded number of keys, whatever models clients invent', () => {
    const { cb, call } = setup(5);
    for (let i = 0; i < 5000; i++) call(circuitKey('openai', `model-${i}`), 'failure');
    expect(cb.snapshot().length).toBeLessThanOrEqual(1000);
    expect(circuitKey('openai', 'x'.repeat(10_000)).length).toBeLessThan(300);
    expect(circuitKey('openai', '')).toBe('openai/(none)');
  });
});
