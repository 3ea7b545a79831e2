/**
 * Overload protection for the provider routes (issue #8): a gateway-wide concurrency limit and a
 * circuit breaker per provider+model. Both read their settings on every call, so a change from the
 * dashboard applies at once.
 *
 * - Over `max_concurrency` calls in flight → 429 `too_many_concurrent_requests` with
 *   `Retry-After: 1`, decided before the body is read (shedding must stay cheap).
 * - Circuit open → 503 `circuit_open` with `Retry-After` = seconds until the next probe, decided
 *   after the body is read (the key needs the model), without calling upstream.
 * Both rejections of an intercepted call still leave a `failed` record (SPEC §6), see
 * src/gateway/routes/provider-handler.ts.
 */
import type { CallSignal } from '../upstream/call-abort.js';
import { wrapperPerAdapter, type ProviderAdapter, type ProviderCall, type ProviderReply } from '../providers/adapter.js';
import { CircuitOpenError, GatewayError, TooManyRequestsError } from '../errors.js';
import type { RequestGate } from '../gates.js';
import type { Logger } from '../log.js';
import { CircuitBreakers, circuitKey, isFailureStatus, type CallOutcome, type CircuitState } from './circuit-breaker.js';

export { CircuitBreakers } from './circuit-breaker.js';
export type { CircuitState } from './circuit-breaker.js';

/** A circuit's new state reported: its metric, and a log line (a warning when it opens). */
export function reportCircuitState(metrics: { setCircuitState(key: string, state: CircuitState): void }, log: Logger): (key: string, state: CircuitState) => void {
  return (key, state) => {
    metrics.setCircuitState(key, state);
    const msg = `upstream circuit ${key} is ${state.replace('_', '-')}`;
    if (state === 'open') log.warn({ circuit: key, state }, msg);
    else log.info({ circuit: key, state }, msg);
  };
}

export interface OverloadSettings {
  max_concurrency: number;
  circuit_failure_threshold: number;
  circuit_open_duration: number;
}

export interface OverloadOptions {
  settings: () => OverloadSettings;
  now: () => number;
  /** Circuit state changes (metrics.setCircuitState). */
  onCircuitState?(key: string, state: CircuitState): void;
  /** A call refused by a circuit (metrics.rejected); the route counts the gates' refusals. */
  onRejected?(reason: string): void;
  /**
   * The model as it may appear in a circuit key, which /metrics, the status API and log lines show:
   * our own secrets replaced (Redactor.ownSecretsOut; SPEC §7). The model as sent when absent.
   */
  modelForKey?(model: string): string;
}

/** `overload` in `GET /api/v1/status` (docs/admin-api.md). */
export interface OverloadStatus {
  in_flight: number;
  max_concurrency: number;
  circuits: { key: string; state: CircuitState; failures: number; retry_after_s: number }[];
}

export interface OverloadGuard {
  /**
   * The concurrency limit as a request gate: takes a slot or refuses with 429
   * `too_many_concurrent_requests`; the slot is given back when the call ends.
   */
  readonly gate: RequestGate;
  /** The same adapter with the circuit breaker in front of its upstream call. */
  guard(adapter: ProviderAdapter): ProviderAdapter;
  snapshot(): OverloadStatus;
  readonly breakers: CircuitBreakers;
}

export function createOverloadGuard(opts: OverloadOptions): OverloadGuard {
  let inFlight = 0;
  const breakers = new CircuitBreakers({
    threshold: () => opts.settings().circuit_failure_threshold,
    openMs: () => opts.settings().circuit_open_duration,
    now: opts.now,
    onState: opts.onCircuitState,
  });
  const rejected = (reason: string) => {
    try {
      opts.onRejected?.(reason);
    } catch {
      // metrics must never break a request
    }
  };

  const wrap = (adapter: ProviderAdapter): ProviderAdapter => ({
    kind: adapter.kind,
    name: adapter.name,
    codec: adapter.codec,
    errorShape: adapter.errorShape,
    requestFacts: adapter.requestFacts?.bind(adapter),
    async send(call: ProviderCall): Promise<ProviderReply> {
      const key = circuitKey(adapter.name, opts.modelForKey ? opts.modelForKey(call.facts.model) : call.facts.model);
      const admission = breakers.admit(key);
      if (!admission.ok) {
        rejected('circuit_open');
        throw new CircuitOpenError(key, admission.retryAfterS);
      }
      const { ticket } = admission;
      let reply: ProviderReply;
      try {
        reply = await adapter.send(call);
      } catch (err) {
        ticket.report(call.signal.aborted ? 'neutral' : outcomeOfError(err));
        throw err;
      }
      if (reply.status >= 300) ticket.report(isFailureStatus(reply.status) ? 'failure' : 'success');
      else if (ticket.probe) {
        // The probe's good answer closes the circuit now, not when its (maybe long) stream ends.
        ticket.report('success');
        watchBody(reply, call.signal, (outcome) => outcome === 'failure' && breakers.noteFailure(key));
      } else {
        // A 200 whose stream breaks off is a failure, so the verdict waits for the body's end.
        watchBody(reply, call.signal, (outcome) => ticket.report(outcome));
      }
      return reply;
    },
  });

  return {
    breakers,
    gate: {
      name: 'concurrency',
      enter() {
        const max = opts.settings().max_concurrency;
        if (inFlight < max) {
          inFlight++;
          return undefined;
        }
        return new TooManyRequestsError(max);
      },
      leave() {
        if (inFlight > 0) inFlight--;
      },
    },
    guard: wrapperPerAdapter(wrap),
    snapshot: () => ({ in_flight: inFlight, max_concurrency: opts.settings().max_concurrency, circuits: breakers.snapshot() }),
  };
}

/**
 * Only real upstream failures count (issue #13): the upstream unreachable or timed out (the 502/504
 * the gateway makes), or an error status the upstream sent (Bedrock's exceptions arrive thrown).
 * A local fault (a bug, a body the gateway cannot re-encode, a request undici refuses) is the
 * caller's 400 or our 500 and must not open a circuit for everyone using that model.
 */
function outcomeOfError(err: unknown): CallOutcome {
  if (!(err instanceof GatewayError)) return 'neutral';
  if (err.code === 'upstream_unreachable' || err.code === 'upstream_timeout') return 'failure';
  if (err.code === 'invalid_request' || err.code === 'internal_error' || err.code === 'provider_not_configured') return 'neutral';
  return isFailureStatus(err.status) ? 'failure' : 'neutral';
}

/**
 * Reports how the body ended: read to the end → success, broke off → failure, the pipeline stopped
 * reading (client gone) → neutral. A Node stream is watched through its events; any other body is
 * replaced in place (not copied) so an adapter that reads `reply.observer` later still sees the
 * pipeline's.
 */
function watchBody(reply: ProviderReply, signal: CallSignal, onEnd: (outcome: CallOutcome) => void): void {
  const inner = reply.body as AsyncIterable<Uint8Array> & { destroy?: (err?: Error) => void; once?: (ev: string, fn: () => void) => unknown };
  if (typeof inner.once === 'function') {
    // A Node stream (undici's body): its events tell the ending without a hop per chunk.
    let settled = false;
    const end = (outcome: CallOutcome) => {
      if (settled) return;
      settled = true;
      onEnd(outcome);
    };
    inner.once('end', () => end('success'));
    inner.once('error', () => end(signal.aborted ? 'neutral' : 'failure'));
    inner.once('close', () => end('neutral'));
    return;
  }
  reply.body = {
    [Symbol.asyncIterator]() {
      const it = inner[Symbol.asyncIterator]();
      return {
        next: () =>
          it.next().then(
            (r) => {
              if (r.done) onEnd('success');
              return r;
            },
            (err: unknown) => {
              onEnd(signal.aborted ? 'neutral' : 'failure');
              throw err;
            },
          ),
        return: (value?: unknown) => {
          onEnd('neutral');
          return it.return ? it.return(value) : Promise.resolve({ done: true as const, value: undefined });
        },
      };
    },
    destroy: (err?: Error) => inner.destroy?.(err),
  } as AsyncIterable<Uint8Array>;
}
