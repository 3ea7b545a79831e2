/**
 * One bound on the request-body bytes the gateway holds at once, across calls (issue #13: 8
 * concurrent 30 MB bodies took 1.26 GB of RSS, and the defaults of 512 calls × 32 MiB bodies
 * allowed an out-of-memory crash). Setting `max_body_memory` (default 256 MiB).
 *
 * A call reserves its body's declared `Content-Length` before the body is read and gives it back
 * when the call ends (the raw body is forwarded upstream and held until then). While the bodies
 * held would pass the bound, further calls wait, first come first served, reading nothing: TCP
 * backpressure slows their clients. One body larger than the bound is let in alone. A body sent
 * without a length (chunked) is counted as it arrives but never waits.
 */
export interface BodyHold {
  /** Adds bytes read beyond the reservation (bodies of unknown length). */
  grow(bytes: number): void;
  /** Gives the bytes back (idempotent). */
  release(): void;
}

export interface BodyBudget {
  /**
   * Resolves with a hold of `bytes` once they fit; resolves with null if `gone` fires first (the
   * client went away while waiting).
   */
  acquire(bytes: number, gone?: (cancel: () => void) => void): Promise<BodyHold | null>;
  /** Bytes held now and calls waiting (for status and tests). */
  snapshot(): { held: number; waiting: number; limit: number };
}

export function createBodyBudget(limit: () => number): BodyBudget {
  let held = 0;
  const queue: { bytes: number; grant: () => void }[] = [];

  const fits = (bytes: number) => held === 0 || held + bytes <= limit();
  const pump = () => {
    while (queue.length > 0 && fits(queue[0]!.bytes)) queue.shift()!.grant();
  };
  const hold = (bytes: number): BodyHold => {
    let mine = bytes;
    held += bytes;
    return {
      grow(n) {
        if (mine < 0) return;
        mine += n;
        held += n;
      },
      release() {
        if (mine < 0) return;
        held -= mine;
        mine = -1;
        pump();
      },
    };
  };

  return {
    acquire(bytes, gone) {
      const n = Math.max(0, Math.min(bytes, limit()));
      if (queue.length === 0 && fits(n)) return Promise.resolve(hold(n));
      return new Promise<BodyHold | null>((resolve) => {
        const entry = { bytes: n, grant: () => resolve(hold(n)) };
        queue.push(entry);
        gone?.(() => {
          const i = queue.indexOf(entry);
          if (i < 0) return;
          queue.splice(i, 1);
          resolve(null);
          pump();
        });
      });
    },
    snapshot: () => ({ held, waiting: queue.length, limit: limit() }),
  };
}
