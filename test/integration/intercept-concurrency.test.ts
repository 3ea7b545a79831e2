/**
 * Issue #3 under load that real tools produce: many streams at once across the three APIs (each
 * client must get its own bytes, each record its own numbers — nothing mixed between calls), and
 * one long stream (tens of thousands of events in small writes), which also guards against a tee
 * parser that re-scans the whole stream per chunk (that would not finish within the test timeout).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURES_DIR } from '../helpers/mock-upstream-replies.js';
import { startGatewayHarness, type GatewayHarness, type Interception } from '../helpers/gateway-harness.js';
import { anthropicStream, responsesStream, type Script } from '../clients/scripted.js';

let h: GatewayHarness;
beforeAll(async () => {
  h = await startGatewayHarness();
});
afterAll(async () => {
  await h?.close();
});

interface Expected {
  responses: Array<{
    provider_response_id: string;
    usage: { input_tokens: number; output_tokens: number; cache_read_input_tokens: number; cache_write_input_tokens: number; metadata: Record<string, unknown> } | null;
    tool_calls: Array<{ tool_call_id: string; tool: string; input: unknown }>;
    thoughts: Array<string | { content: string }>;
  }>;
}

const CALLS: Array<{ path: string; fixture: string; body(prompt: string): object }> = [
  { path: '/anthropic/v1/messages', fixture: 'anthropic/tool-parallel.sse', body: (p) => ({ model: 'c', max_tokens: 9, stream: true, messages: [{ role: 'user', content: p }] }) },
  { path: '/anthropic/v1/messages', fixture: 'anthropic/thinking.sse', body: (p) => ({ model: 'c', max_tokens: 9, stream: true, messages: [{ role: 'user', content: p }] }) },
  { path: '/anthropic/v1/messages', fixture: 'anthropic/cache-tokens.sse', body: (p) => ({ model: 'c', max_tokens: 9, stream: true, messages: [{ role: 'user', content: p }] }) },
  { path: '/openai/v1/chat/completions', fixture: 'openai-chat/tool-parallel.sse', body: (p) => ({ model: 'g', stream: true, messages: [{ role: 'user', content: p }] }) },
  { path: '/openai/v1/chat/completions', fixture: 'openai-chat/cache-reasoning.sse', body: (p) => ({ model: 'g', stream: true, messages: [{ role: 'user', content: p }] }) },
  { path: '/openai/v1/responses', fixture: 'openai-responses/tool-parallel.sse', body: (p) => ({ model: 'g', stream: true, input: p }) },
  { path: '/openai/v1/responses', fixture: 'openai-responses/reasoning.sse', body: (p) => ({ model: 'g', stream: true, input: p }) },
  { path: '/openai/v1/responses', fixture: 'openai-responses/custom-tool.sse', body: (p) => ({ model: 'g', stream: true, input: p }) },
];

function summary(rec: Interception) {
  return {
    usage: rec.token_usages.map((u) => [u.provider_response_id, u.input_tokens, u.output_tokens, u.cache_read_input_tokens, u.cache_write_input_tokens, u.metadata]),
    tools: rec.tool_usages.map((t) => [t.tool_call_id, t.tool, t.input]),
    thoughts: rec.model_thoughts.map((t) => t.content),
  };
}
function expectedSummary(exp: Expected) {
  return {
    usage: exp.responses.flatMap((r) => (r.usage ? [[r.provider_response_id, r.usage.input_tokens, r.usage.output_tokens, r.usage.cache_read_input_tokens, r.usage.cache_write_input_tokens, r.usage.metadata]] : [])),
    tools: exp.responses.flatMap((r) => r.tool_calls.map((t) => [t.tool_call_id, t.tool, t.input])),
    thoughts: exp.responses.flatMap((r) => r.thoughts.map((t: string | { content: string }) => (typeof t === "string" ? t : t.content))),
  };
}

describe('concurrent streams', () => {
  it('24 streams at once (3 per fixture, small delayed writes): exact bytes each, one exact record each', async () => {
    const jobs = [0, 1, 2].flatMap((round) => CALLS.map((c, i) => ({ ...c, prompt: `concurrent #${round}-${i} ${c.fixture}` })));
    const replies = await Promise.all(
      jobs.map((j, k) => h.post(j.path, j.body(j.prompt), { 'x-mock-fixture': j.fixture, 'x-mock-chunk-size': String(17 + k), 'x-mock-delay-ms': '1' })),
    );
    replies.forEach((r, k) => {
      expect(r.status).toBe(200);
      expect(r.bytes.equals(readFileSync(join(FIXTURES_DIR, jobs[k]!.fixture))), jobs[k]!.prompt).toBe(true);
    });
    const recs = await h.nextRecords(jobs.length);
    for (const j of jobs) {
      const mine = recs.filter((r) => r.user_prompts[0]?.prompt === j.prompt);
      expect(mine, j.prompt).toHaveLength(1);
      expect(mine[0]!.status).toBe('completed');
      const exp = JSON.parse(readFileSync(join(FIXTURES_DIR, `${j.fixture}.expected.json`), 'utf8')) as Expected;
      expect(summary(mine[0]!), j.prompt).toEqual(expectedSummary(exp));
    }
  });
});

describe('long streams', () => {
  /** A mock reply that writes `text` in `size`-byte writes, yielding between them. */
  const chunked = (text: string, size: number) => ({
    kind: 'handler' as const,
    async handle(res: import('node:http').ServerResponse) {
      res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'request-id': 'req_long' });
      const bytes = Buffer.from(text, 'utf8');
      for (let i = 0; i < bytes.length && !res.destroyed; i += size) {
        res.write(bytes.subarray(i, i + size));
        if ((i / size) % 16 === 0) await new Promise((r) => setImmediate(r));
      }
      res.end();
    },
  });

  it('Anthropic: 30,000 text deltas (~3 MB) in 512-byte writes arrive whole; usage recorded', async () => {
    const text = 'lorem ipsum dolor sit amet, ünïcode ✓ '.repeat(5000);
    const script: Script = { kind: 'text', id: 'msg_long', text, usage: { input: 1234, output: 30000, cacheRead: 99, cacheWrite: 7 } };
    const stream = anthropicStream(script, 'claude-long');
    h.up.enqueue(chunked(stream, 512), 'messages');
    const reply = await h.post('/anthropic/v1/messages', { model: 'claude-long', max_tokens: 32000, stream: true, messages: [{ role: 'user', content: 'long please' }] });
    expect(reply.status).toBe(200);
    expect(reply.bytes.length).toBe(Buffer.byteLength(stream));
    expect(reply.text === stream).toBe(true);
    const [rec] = await h.nextRecords();
    expect(rec).toMatchObject({ status: 'completed', streaming: true });
    expect(summary(rec!).usage).toEqual([['msg_long', 1234, 30000, 99, 7, {}]]);
  });

  it('Responses: a function call whose 60 kB of arguments arrive in 12,000 deltas; parsed input recorded', async () => {
    const input = { patch: 'x'.repeat(60_000), files: ['a.ts', 'b.ts'], note: 'grüße' };
    const script: Script = { kind: 'tool', id: 'resp_long', callId: 'call_long', name: 'apply_patch', input, usage: { input: 10, output: 20000, cacheRead: 4096, cacheWrite: 0, reasoning: 3 } };
    const stream = responsesStream(script, 'gpt-long');
    h.up.enqueue(chunked(stream, 333), 'responses');
    const reply = await h.post('/openai/v1/responses', { model: 'gpt-long', stream: true, input: 'patch it' });
    expect(reply.text === stream).toBe(true);
    const [rec] = await h.nextRecords();
    expect(rec).toMatchObject({ status: 'completed' });
    expect(summary(rec!)).toEqual({ usage: [['resp_long', 10, 20000, 4096, 0, { reasoning_tokens: 3 }]], tools: [['call_long', 'apply_patch', input]], thoughts: [] });
  });
});
