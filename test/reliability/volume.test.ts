/**
 * 10,000 calls at concurrency 64 — blocking and streamed, Anthropic and OpenAI (chat and
 * responses) — leave exactly 10,000 records, each `completed` with its usage, none twice; and after
 * a graceful restart all 10,000 are read back from disk.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { request } from 'undici';
import { startMockUpstream, type MockUpstream } from '../helpers/mock-upstream.js';
import { adminGet, allRecords, client, providerArgs, startGatewayProcess, tempDataDir, type GatewayProcess } from './harness.js';

const N = 10_000;
const CONCURRENCY = 64;

let up: MockUpstream;
let data: ReturnType<typeof tempDataDir>;
let gw: GatewayProcess;

beforeAll(async () => {
  up = await startMockUpstream();
  data = tempDataDir('volume');
  gw = await startGatewayProcess({ dataDir: data.dir, args: [...providerArgs(up.url), '--structured-logging', '--log-json', `${data.dir}/log.jsonl`] });
});
afterAll(async () => {
  await gw?.stop();
  await up?.close();
  data?.cleanup();
});

function callFor(i: number): { path: string; headers: Record<string, string>; body: string } {
  const stream = i % 2 === 1;
  switch (i % 3) {
    case 0:
      return {
        path: '/anthropic/v1/messages',
        headers: { 'x-api-key': data.token, 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
        body: JSON.stringify({ model: 'claude-vol', max_tokens: 5, stream, messages: [{ role: 'user', content: `call ${i}` }] }),
      };
    case 1:
      return {
        path: '/openai/v1/chat/completions',
        headers: { authorization: `Bearer ${data.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'gpt-vol', stream, messages: [{ role: 'user', content: `call ${i}` }] }),
      };
    default:
      return {
        path: '/openai/v1/responses',
        headers: { authorization: `Bearer ${data.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'gpt-vol-r', stream, input: `call ${i}` }),
      };
  }
}

describe(`${N} calls at concurrency ${CONCURRENCY}`, () => {
  it('leave exactly that many records, also after a restart', async () => {
    let next = 0;
    const statuses = new Map<number, number>();
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < N) {
          const i = next++;
          const c = callFor(i);
          const r = await request(gw.url + c.path, { method: 'POST', headers: c.headers, body: c.body, dispatcher: client });
          await r.body.text();
          statuses.set(r.statusCode, (statuses.get(r.statusCode) ?? 0) + 1);
        }
      }),
    );
    console.log(`${N} calls in ${((performance.now() - t0) / 1000).toFixed(1)} s; statuses ${JSON.stringify(Object.fromEntries(statuses))}`);
    expect(statuses.get(200)).toBe(N);

    await expect.poll(async () => (await adminGet<{ count: number }>(gw, '/api/v1/interceptions?limit=1')).count, { timeout: 30_000 }).toBe(N);
    const recs = await allRecords(gw, true);
    expect(recs).toHaveLength(N);
    expect(new Set(recs.map((r) => r.id)).size).toBe(N);
    expect(recs.filter((r) => r.status !== 'completed')).toEqual([]);
    expect(recs.filter((r) => r.token_usages.length !== 1)).toEqual([]);
    const prompts = new Set(recs.map((r) => (r.user_prompts[0] as { prompt: string }).prompt));
    expect(prompts.size).toBe(N);
    expect(recs.filter((r) => r.streaming)).toHaveLength(N / 2);

    await gw.stop();
    // The structured log has one start and one end line per call too.
    const lines = readFileSync(`${data.dir}/log.jsonl`, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { record_type?: string; interception_id?: string });
    const ends = new Set(lines.filter((l) => l.record_type === 'interception_end').map((l) => l.interception_id));
    expect(lines.filter((l) => l.record_type === 'interception_start')).toHaveLength(N);
    expect(ends.size).toBe(N);
    gw = await startGatewayProcess({ dataDir: data.dir, args: providerArgs(up.url) });
    expect((await adminGet<{ count: number }>(gw, '/api/v1/interceptions?limit=1')).count).toBe(N);
  });
});
