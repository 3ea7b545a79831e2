import type { Interception } from '../../src/record/types.js';
import type { InterceptionReader } from '../../src/store/interceptions/types.js';

/** A reader over an array, honouring the range like the store does. */
export function arrayReader(recs: Interception[]): Pick<InterceptionReader, 'iterate'> {
  return {
    async *iterate({ since, until }) {
      for (const r of recs) {
        const t = Date.parse(r.started_at);
        if (since !== undefined && t < since) continue;
        if (until !== undefined && t >= until) continue;
        if (r.status === 'in_flight') continue;
        yield r;
      }
    },
  };
}

