/**
 * Issue #13: the circuit breaker counts only real upstream failures. A local fault thrown by an
 * adapter, a request undici refuses (400) or a 4xx answer opens no circuit; an unreachable
 * upstream, a 429 and any 5xx answer count.
 */
import { describe, expect, it } from 'vitest';
import { createOverloadGuard } from '../../../../src/gateway/overload/index.js';
import { BadRequestError, UpstreamUnreachableError } from '../../../../src/gateway/errors.js';
import { CallAbort } from '../../../../src/gateway/upstream/call-abort.js';
import type { ProviderAdapter, ProviderCall, ProviderReply } from '../../../../src/gateway/providers/adapter.js';

function setup(send: () => Promise<ProviderReply>) {
  const guard = createOverloadGuard({
    settings: () => ({ max_concurrency: 10, circuit_failure_threshold: 2, circuit_open_duration: 60_000 }),
    now: () => 1_000_000,
  });
  const adapter = { kind: 'anthropic', name: 'anthropic', errorShape: 'anthropic', codec: {}, send } as unknown as ProviderAdapter;
  const guarded = guard.guard(adapter);
  const call = () =>
    guarded
      .send({ rawBody: Buffer.alloc(0), json: {}, path: '/v1/messages', search: '', headers: {}, signal: new CallAbort(), facts: { model: 'm', streaming: false } } as unknown as ProviderCall)
      .then(
        (r) => r.status,
        (e: unknown) => e,
      );
  const state = () => guard.breakers.stateOf('anthropic/m');
  return { call, state };
}

const reply = (status: number): ProviderReply => ({ status, headers: {}, body: (async function* () {})(), mode: 'json' });

describe('what the circuit breaker counts', () => {
  it('local faults and refused requests do not count', async () => {
    for (const fault of [new TypeError('bug'), new RangeError('Maximum call stack size exceeded'), new BadRequestError('cannot be forwarded')]) {
      const { call, state } = setup(() => Promise.reject(fault));
      for (let i = 0; i < 3; i++) expect(await call()).toBe(fault);
      expect(state()).toBe('closed');
    }
  });

  it('4xx answers other than 429 do not count', async () => {
    const { call, state } = setup(() => Promise.resolve(reply(400)));
    for (let i = 0; i < 3; i++) await call();
    expect(state()).toBe('closed');
  });

  it('an unreachable upstream, 429, 500 and 502 answers count', async () => {
    const unreachable = setup(() => Promise.reject(new UpstreamUnreachableError('anthropic', new Error('ECONNREFUSED'))));
    await unreachable.call();
    await unreachable.call();
    expect(unreachable.state()).toBe('open');
    for (const status of [429, 500, 502]) {
      const s = setup(() => Promise.resolve(reply(status)));
      await s.call();
      await s.call();
      expect(s.state()).toBe('open');
    }
  });
});
