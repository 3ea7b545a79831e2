/**
 * Per provider+model circuit breaker (issue #8). After `threshold` consecutive upstream failures
 * (429/503/504/529 answers, unreachable or timed-out upstreams, streams that broke off) the circuit
 * opens: calls are answered 503 with `Retry-After` without reaching upstream. When the open
 * duration has passed, exactly one call goes through as a half-open probe; its success closes the
 * circuit, its failure opens it again for another open duration.
 *
 * Only keys that have seen a failure are kept, and at most {@link MAX_KEYS} of them, so model names
 * chosen by clients cannot grow memory or metric labels without bound.
 */

export type CircuitState = 'closed' | 'half_open' | 'open';

/** What one upstream call told us about the upstream's health. */
export type CallOutcome = 'success' | 'failure' | 'neutral';

export interface CircuitOptions {
  /** Consecutive failures that open a circuit; 0 disables the breaker. Read on every call. */
  threshold(): number;
  /** How long an open circuit refuses calls before a probe, in ms. Read on every call. */
  openMs(): number;
  now: () => number;
  /** Called on every state change (metrics). */
  onState?(key: string, state: CircuitState): void;
}

/** Permission to call upstream; report what happened exactly once (later reports are ignored). */
export interface CircuitTicket {
  readonly key: string;
  readonly probe: boolean;
  report(outcome: CallOutcome): void;
}

export type Admission = { ok: true; ticket: CircuitTicket } | { ok: false; retryAfterS: number };

interface Circuit {
  state: CircuitState;
  failures: number;
  /** When an open circuit lets its probe through (ms). */
  openUntil: number;
  probeInFlight: boolean;
}

/**
 * Upstream answers that count as the upstream failing (issue #13): 429 and every 5xx. Other 4xx
 * answers are the request's own problem and say nothing about the upstream's health.
 */
export function isFailureStatus(status: number): boolean {
  return status === 429 || status >= 500;
}
/** Longest model name used in a key; longer ones are cut (keys end up in metric labels). */
const MAX_KEY = 200;
const MAX_KEYS = 1000;

export function circuitKey(provider: string, model: string): string {
  return `${provider}/${model.slice(0, MAX_KEY) || '(none)'}`;
}

export class CircuitBreakers {
  private readonly circuits = new Map<string, Circuit>();

  constructor(private readonly opts: CircuitOptions) {}

  /** Lets a call through (maybe as the probe) or says how long to wait. */
  admit(key: string): Admission {
    const c = this.circuits.get(key);
    if (!c || c.state === 'closed' || this.opts.threshold() === 0) return { ok: true, ticket: this.ticket(key, false) };
    const now = this.opts.now();
    if (c.state === 'open') {
      if (now < c.openUntil) return { ok: false, retryAfterS: Math.max(1, Math.ceil((c.openUntil - now) / 1000)) };
      this.set(key, c, 'half_open');
    }
    // Half-open: one probe at a time; the others wait for its verdict.
    if (c.probeInFlight) return { ok: false, retryAfterS: 1 };
    c.probeInFlight = true;
    return { ok: true, ticket: this.ticket(key, true) };
  }

  /** The state of every circuit that has seen failures, for the status API. */
  snapshot(): { key: string; state: CircuitState; failures: number; retry_after_s: number }[] {
    const now = this.opts.now();
    return [...this.circuits].map(([key, c]) => ({
      key,
      state: c.state,
      failures: c.failures,
      retry_after_s: c.state === 'open' ? Math.max(0, Math.ceil((c.openUntil - now) / 1000)) : 0,
    }));
  }

  /** A failure seen after the call's ticket was settled (a stream that broke off mid-way). */
  noteFailure(key: string): void {
    this.settle(key, false, 'failure');
  }

  stateOf(key: string): CircuitState {
    return this.circuits.get(key)?.state ?? 'closed';
  }

  private ticket(key: string, probe: boolean): CircuitTicket {
    let done = false;
    return {
      key,
      probe,
      report: (outcome) => {
        if (done) return;
        done = true;
        this.settle(key, probe, outcome);
      },
    };
  }

  private settle(key: string, probe: boolean, outcome: CallOutcome): void {
    let c = this.circuits.get(key);
    if (probe && c) c.probeInFlight = false;
    if (outcome === 'neutral') return;
    if (outcome === 'success') {
      if (!c) return;
      // A late success from a call admitted before the circuit opened does not close it early.
      if (c.state === 'open') return;
      c.failures = 0;
      if (c.state !== 'closed') this.set(key, c, 'closed');
      this.circuits.delete(key);
      return;
    }
    const threshold = this.opts.threshold();
    if (threshold === 0) return;
    if (!c) {
      this.makeRoom();
      c = { state: 'closed', failures: 0, openUntil: 0, probeInFlight: false };
      this.circuits.set(key, c);
    }
    c.failures++;
    if (c.state === 'half_open' ? probe : c.state === 'closed' && c.failures >= threshold) {
      c.openUntil = this.opts.now() + this.opts.openMs();
      this.set(key, c, 'open');
    }
  }

  private set(key: string, c: Circuit, state: CircuitState): void {
    c.state = state;
    try {
      this.opts.onState?.(key, state);
    } catch {
      // metrics must never break a request
    }
  }

  /** Forgets the oldest closed circuits (only counting failures) when the map is full. */
  private makeRoom(): void {
    if (this.circuits.size < MAX_KEYS) return;
    for (const [key, c] of this.circuits) {
      if (c.state === 'closed') {
        this.circuits.delete(key);
        if (this.circuits.size < MAX_KEYS) return;
      }
    }
    // Every kept circuit is open or half-open: drop the oldest anyway.
    const first = this.circuits.keys().next();
    if (!first.done) {
      this.circuits.delete(first.value);
      this.opts.onState?.(first.value, 'closed');
    }
  }
}
