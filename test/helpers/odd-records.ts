/**
 * Records whose values are anything a record may hold: control characters, quotes, lone surrogates
 * and their escaped look-alikes, NaN token counts, undefined and null fields, nested metadata with
 * unsorted keys. For the tests that hold two ways of writing a record's log lines to the same bytes.
 */
import type { Interception } from '../../src/record/types.js';

/**
 * A deterministic generator of odd records (same seed, same records). `mild`: no lone surrogates
 * (nor their escaped look-alike), NaN or undefined (values JSON and RFC 8785 disagree on), everything else as odd.
 */
export function oddRecords(seed = 7, mild = false): { rec(n: number): Interception; fixed(): Interception } {
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const chars = ['a', 'Z', '"', '\\', '\n', '\u0000', 'é', '\u2028', '\ud83d\ude00', ' ', ...(mild ? [] : ['\\ud800', '\ud800', '\udc00'])];
  const str = () => Array.from({ length: Math.floor(rnd() * 8) }, () => chars[Math.floor(rnd() * chars.length)]).join('');
  const val = (depth: number): unknown => {
    const r = rnd();
    if (depth > 2 || r < 0.3) return str();
    if (r < 0.4) return rnd() < 0.1 && !mild ? Number.NaN : Math.round((rnd() - 0.5) * 1e6) / 1000;
    if (r < 0.45) return rnd() < 0.5;
    if (r < 0.5) return rnd() < 0.5 || mild ? null : undefined;
    if (r < 0.7) return Array.from({ length: Math.floor(rnd() * 3) }, () => val(depth + 1));
    return Object.fromEntries(Array.from({ length: Math.floor(rnd() * 4) }, () => [rnd() < 0.2 ? String(Math.floor(rnd() * 20)) : str(), val(depth + 1)]));
  };
  const meta = () => (rnd() < 0.5 ? {} : (val(1) as object) ?? {});
  const t = (n: number) => new Date(Date.UTC(2026, 11, 5, 9) + n).toISOString();
  const rec = (n: number): Interception => {
    const id = `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
    return {
      id,
      initiator: { id: 'tok_1', name: rnd() < 0.2 ? str() : 'bench' },
      provider: 'anthropic',
      provider_name: rnd() < 0.2 ? str() : 'anthropic',
      model: rnd() < 0.3 ? str() : 'claude-sonnet-4-5',
      api: 'messages',
      streaming: rnd() < 0.5,
      client: 'unknown',
      client_session_id: rnd() < 0.5 ? null : str(),
      user_agent: rnd() < 0.5 ? null : str(),
      started_at: t(n),
      ended_at: rnd() < 0.1 ? null : t(n + 3),
      status: rnd() < 0.1 ? 'in_flight' : 'completed',
      http_status: rnd() < 0.2 ? null : 200,
      error: rnd() < 0.7 ? null : str(),
      metadata: meta() as Interception['metadata'],
      user_prompts: [{ id: `p${n}`, interception_id: id, provider_response_id: 'msg_1', prompt: str(), metadata: meta() as Interception['metadata'], created_at: t(n) }],
      token_usages: Array.from({ length: Math.floor(rnd() * 3) }, (_, i) => ({
        id: `u${n}.${i}`, interception_id: id, provider_response_id: 'msg_1', input_tokens: rnd() < 0.05 && !mild ? Number.NaN : Math.floor(rnd() * 1e5), output_tokens: Math.floor(rnd() * 1e4),
        cache_read_input_tokens: 0, cache_write_input_tokens: Math.floor(rnd() * 10), metadata: meta() as Interception['metadata'], created_at: t(n + 2),
      })),
      tool_usages: Array.from({ length: Math.floor(rnd() * 3) }, (_, i) => ({
        id: `t${n}.${i}`, interception_id: id, provider_response_id: 'msg_1', tool_call_id: `call_${i}`, tool: str(), input: val(0),
        server_url: rnd() < 0.5 ? null : 'http://x', injected: false, invocation_error: rnd() < 0.8 ? null : str(), metadata: meta() as Interception['metadata'], created_at: t(n + 2),
      })),
      model_thoughts: rnd() < 0.5 ? [] : [{ id: `m${n}`, interception_id: id, content: str(), metadata: {}, created_at: t(n + 1) }],
    } as Interception;
  };
  /** Record 0 with metadata of unsorted, numeric and toJSON keys and a prompt with a lone surrogate. */
  const fixed = (): Interception => {
    const r = rec(0);
    r.metadata = { z: 1, a: { d: [1, { c: 2, b: 3 }] }, '10': 'ten', '2': 'two', when: new Date(0) } as unknown as Interception['metadata'];
    r.user_prompts[0]!.prompt = 'lone \ud800 and literal \\ud800 and "quotes"';
    return r;
  };
  return { rec, fixed };
}
