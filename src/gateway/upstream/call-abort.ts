/**
 * The per-call abort (issue #8): fired when the client goes away or the gateway stops a call.
 * An EventEmitter with `aborted`/`reason`, which undici takes as a request `signal` as it is; a
 * standard AbortSignal (an AbortController costs ~3 % of a blocking call's CPU) is made only for
 * code that needs one, such as the AWS SDK.
 */
import { EventEmitter } from 'node:events';

export class CallAbort extends EventEmitter {
  aborted = false;
  reason: unknown = undefined;
  private controller: AbortController | undefined;

  abort(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    this.controller?.abort(reason);
    this.emit('abort');
  }

  /** A standard AbortSignal that follows this one (made on first use). */
  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.aborted) this.controller.abort(this.reason);
    }
    return this.controller.signal;
  }
}

/** What adapters get: a CallAbort from the pipeline, or a plain AbortSignal (tests, other callers). */
export type CallSignal = AbortSignal | CallAbort;

/** A standard AbortSignal for `s`. */
export function toAbortSignal(s: CallSignal): AbortSignal {
  return s instanceof CallAbort ? s.signal : s;
}
