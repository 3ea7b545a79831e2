/**
 * The path and query of a request's target, parsed by WHATWG `URL` once per distinct target: a
 * client sends the same few targets on every call (`/anthropic/v1/messages`), and a `new URL`
 * per request was ~1.4 % of the event loop's busy time under load (issue #20). The parsed parts
 * are frozen, so sharing them between requests is safe; the cache is bounded (a scan of random
 * paths cannot grow it) and keeps only short targets.
 */

/** What routing reads of a request's target: `URL`'s `pathname` and `search`, normalised alike. */
export interface RequestPath {
  readonly pathname: string;
  readonly search: string;
}

/** Distinct targets kept; past it the cache starts over (clients use a handful). */
const MAX_ENTRIES = 256;
/** Longer targets are parsed every time (a query string that varies per call). */
const MAX_TARGET = 512;

/** A bounded memo of {@link parseTarget}. */
export class RequestPaths {
  private readonly cache = new Map<string, RequestPath>();

  /** The target's parts; throws (as `new URL`) when the target cannot be parsed. */
  of(target: string): RequestPath {
    const hit = this.cache.get(target);
    if (hit !== undefined) return hit;
    const parsed = parseTarget(target);
    if (target.length <= MAX_TARGET) {
      if (this.cache.size >= MAX_ENTRIES) this.cache.clear();
      this.cache.set(target, parsed);
    }
    return parsed;
  }

  get size(): number {
    return this.cache.size;
  }
}

/** `new URL(target, base)`'s pathname and search, frozen. */
export function parseTarget(target: string): RequestPath {
  const url = new URL(target, 'http://gateway.invalid');
  return Object.freeze({ pathname: url.pathname, search: url.search });
}
