/** An in-memory stand-in for the store's purge/stripContent contract, batch by batch. */
import type { Interception } from '../../src/record/types.js';
import type { InterceptionStore } from '../../src/store/interceptions/types.js';

export class FakeStore implements Pick<InterceptionStore, 'purge' | 'stripContent'> {
  records = new Map<string, Interception>();
  batches: number[] = [];
  failNext: Error | undefined;
  /** Called between batches, so a test can act "during" a purge. */
  onBatch: (() => Promise<void> | void) | undefined;

  async purge(before: number, opts?: { batchSize?: number }): Promise<number> {
    if (this.failNext) { const e = this.failNext; this.failNext = undefined; throw e; }
    const size = opts?.batchSize ?? 1000;
    let total = 0;
    for (;;) {
      const batch = [...this.records.values()].filter((r) => Date.parse(r.started_at) < before).slice(0, size);
      if (batch.length === 0) return total;
      for (const r of batch) this.records.delete(r.id);
      total += batch.length;
      this.batches.push(batch.length);
      await this.onBatch?.();
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  async stripContent(before: number): Promise<number> {
    let n = 0;
    for (const r of this.records.values()) {
      if (Date.parse(r.started_at) >= before || r.metadata['content_stripped'] === true) continue;
      r.user_prompts = r.user_prompts.map((p) => ({ ...p, prompt: '' }));
      r.tool_usages = r.tool_usages.map((t) => ({ ...t, input: null }));
      r.model_thoughts = r.model_thoughts.map((m) => ({ ...m, content: '' }));
      r.metadata = { ...r.metadata, content_stripped: true };
      n++;
    }
    return n;
  }
}
