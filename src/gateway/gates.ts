/**
 * Request gates: decisions taken on a provider route after the bridge token is checked and before
 * the body is read (SPEC §4 order: route → Host → token → switch → gates → body). The overload
 * guard's concurrency limit is one (src/gateway/overload); per-token budgets (SPEC §11) will be
 * another, listed in `startApp` before it. A refused intercepted call still leaves a `failed`
 * record with the gate's status; a refused passthrough call just gets the error.
 */
import type { Initiator } from '../record/types.js';
import type { GatewayError } from './errors.js';

/** One gate. `enter` runs on every authenticated provider call, so it must be cheap. */
export interface RequestGate {
  readonly name: string;
  /** Undefined admits the call; an error refuses it (written in the route's provider shape). */
  enter(initiator: Initiator, intercepted: boolean): GatewayError | undefined;
  /** Runs once when an admitted call ends, however it ends (a slot given back). */
  leave?(initiator: Initiator, intercepted: boolean): void;
}

/**
 * Passes a call through `gates` in order. Returns the refusal of the first gate that refuses (the
 * gates admitted before it are left again at once), or undefined when all admitted: then
 * {@link leaveGates} must follow when the call ends.
 */
export function enterGates(gates: readonly RequestGate[], initiator: Initiator, intercepted: boolean): GatewayError | undefined {
  for (let i = 0; i < gates.length; i++) {
    const refused = gates[i]!.enter(initiator, intercepted);
    if (refused) {
      for (let j = i - 1; j >= 0; j--) gates[j]!.leave?.(initiator, intercepted);
      return refused;
    }
  }
  return undefined;
}

/** Leaves every gate a call entered, last first. */
export function leaveGates(gates: readonly RequestGate[], initiator: Initiator, intercepted: boolean): void {
  for (let i = gates.length - 1; i >= 0; i--) gates[i]!.leave?.(initiator, intercepted);
}
