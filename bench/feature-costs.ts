/**
 * Bench rows for the features that have no switch of their own (issue #20): the tamper-evident
 * chain and the cost on `interception_end` lines both come with the structured JSON log, so their
 * cost is measured here, in this process, as CPU time per record of exactly that work — the
 * same functions the log writer calls (src/gateway/log.ts), on a record shaped like the bench's
 * calls (one prompt, one token row, a priced model). Best of several repetitions, so other load on
 * the machine inflates it as little as possible.
 */
import { interceptionLogLines } from '../src/record/log-lines.js';
import { ChainedLines } from '../src/record/chain.js';
import { chainedInterceptionLines } from '../src/record/log-texts.js';
import { recordCost } from '../src/record/cost.js';
import { createPriceTable } from '../src/record/prices.js';
import type { Interception } from '../src/record/types.js';

export interface FeatureCost {
  name: string;
  us: number;
  note: string;
}

function benchRecord(n: number): Interception {
  const id = `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
  const t0 = Date.UTC(2026, 11, 5, 9, 0, 0) + n;
  const t = (dt: number) => new Date(t0 + dt).toISOString();
  return {
    id,
    initiator: { id: 'tok_bench', name: 'bench' },
    provider: 'anthropic',
    provider_name: 'anthropic',
    model: 'claude-sonnet-4-5',
    api: 'messages',
    streaming: false,
    client: 'unknown',
    client_session_id: null,
    user_agent: 'undici',
    started_at: t(0),
    ended_at: t(3),
    status: 'completed',
    http_status: 200,
    error: null,
    metadata: { route: '/anthropic/v1/messages' },
    user_prompts: [{ id: `p${n}`, interception_id: id, provider_response_id: 'msg_bench_0001', prompt: 'Summarise the benchmark in one sentence, please.', metadata: {}, created_at: t(0) }],
    token_usages: [{ id: `u${n}`, interception_id: id, provider_response_id: 'msg_bench_0001', input_tokens: 12, output_tokens: 80, cache_read_input_tokens: 0, cache_write_input_tokens: 0, metadata: {}, created_at: t(3) }],
    tool_usages: [],
    model_thoughts: [],
  };
}

/** CPU µs of this process per call of `fn` over `n` calls, best of `reps`. */
function usPer(n: number, reps: number, fn: (i: number) => unknown): number {
  let best = Infinity;
  let sink = 0;
  for (let r = 0; r < reps; r++) {
    const c0 = process.cpuUsage();
    for (let i = 0; i < n; i++) if (fn(i)) sink++;
    const c = process.cpuUsage(c0);
    best = Math.min(best, (c.user + c.system) / n);
  }
  if (sink < 0) throw new Error('unreachable');
  return best;
}

export async function featureCosts(n = 20_000, reps = 5): Promise<FeatureCost[]> {
  const prices = await createPriceTable();
  const recs = Array.from({ length: 1000 }, (_, i) => benchRecord(i));
  const rec = (i: number) => recs[i % recs.length]!;
  const chain = new ChainedLines();
  // The log lines of a record, plain (JSON.stringify per line) and chained (the log writer's way).
  const plain = usPer(n, reps, (i) => {
    let out = '';
    for (const l of interceptionLogLines(rec(i))) out += `${JSON.stringify(l)}\n`;
    return out.length;
  });
  const chained = usPer(n, reps, (i) => chainedInterceptionLines(rec(i), chain).length);
  const cost = usPer(n, reps, (i) => recordCost(rec(i), prices).usd);
  const lines = interceptionLogLines(rec(0)).length;
  return [
    { name: 'log chain', us: chained - plain, note: `${lines} lines a record: chained ${chained.toFixed(1)} µs vs plain JSON ${plain.toFixed(1)} µs (in-process CPU, best of ${reps})` },
    { name: 'cost', us: cost, note: `recordCost for cost_usd, priced model (in-process CPU, best of ${reps})` },
  ];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const r of await featureCosts()) process.stdout.write(`${r.name}: ${r.us.toFixed(2)} µs per record (${r.note})\n`);
}
