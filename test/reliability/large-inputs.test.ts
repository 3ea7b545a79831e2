/**
 * Issue #13 against the built `aibridge serve`: hostile shapes and sizes never drop a record or
 * exhaust memory.
 * - Deep JSON: a tool input nested 6,000 levels deep (blocking, and streamed as
 *   `input_json_delta`) and a request body nested 6,000 levels deep each leave an ended record;
 *   the log and export carry it.
 * - Large bodies: 6 concurrent 30 MB bodies all pass, each leaves a record whose prompt is capped at
 *   1 MiB, and the gateway's RSS stays under a stated bound (measured figure: the bench row
 *   "RSS with 6 concurrent 30 MB bodies").
 */
import type { ServerResponse } from 'node:http';
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { startMockUpstream, type MockUpstream } from '../helpers/mock-upstream.js';
import { adminGet, allRecords, bridgeHeaders, client, providerArgs, sleep, startGatewayProcess, tempDataDir, type GatewayProcess } from './harness.js';

const DEEP = '{"a":'.repeat(6000) + '1' + '}'.repeat(6000);
/**
 * RSS bound for 6 concurrent 30 MB bodies: measured 366–369 MB here and 356–361 MB in the bench
 * (2-core VM, 2026-12-05); 540–660 MB while large bodies were parsed whole, which this fails.
 */
const RSS_BOUND_MB = 512;
/**
 * Peak RSS growth for one large body, in copies of the body. Measured 2.2–2.6 with Content-Length
 * (the first body of the process) and 0.9–1.2 chunked (2-core VM, 2026-12-05): the body's bytes (kept
 * to be forwarded untouched) plus the socket's pieces not yet collected; its long strings stay in
 * the bytes and only the record's 1 MiB of the prompt is decoded (src/gateway/http/large-body.ts).
 * Parsed whole (text + tree, as before issue #13's fix) it measured 3.2–3.6 / 2.8–3.2: the bound
 * fails that.
 */
const ONE_BODY_COPIES = 3;

let up: MockUpstream;
let data: ReturnType<typeof tempDataDir>;
let gw: GatewayProcess;

beforeAll(async () => {
  up = await startMockUpstream();
  data = tempDataDir('large');
  gw = await startGatewayProcess({ dataDir: data.dir, args: [...providerArgs(up.url), '--structured-logging', '--log-json', `${data.dir}/log.jsonl`] });
});
afterAll(async () => {
  await gw?.stop();
  await up?.close();
  data?.cleanup();
});

async function post(body: string | Buffer): Promise<{ status: number; text: string }> {
  const r = await request(`${gw.url}/anthropic/v1/messages`, {
    method: 'POST',
    headers: bridgeHeaders(data.token, { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' }),
    body,
    dispatcher: client,
  });
  return { status: r.statusCode, text: await r.body.text() };
}

interface FullRec {
  id: string;
  status: string;
  model: string;
  tool_usages: { input: unknown }[];
  user_prompts: { prompt: string; metadata: Record<string, unknown> }[];
}

async function recordsOf(model: string, n: number): Promise<FullRec[]> {
  for (let i = 0; i < 500; i++) {
    const recs = (await allRecords(gw)) as unknown as FullRec[];
    const mine = recs.filter((r) => r.model === model);
    if (mine.length >= n) return mine;
    await sleep(20);
  }
  throw new Error(`no ${n} records for ${model}`);
}

describe('one large body', () => {
  /**
   * Issue #13: a body is held once (one buffer sized from Content-Length), its parsed tree dropped
   * once the adapter has read it. Peak RSS growth for one 30 MB body, sent whole and sent chunked
   * (no Content-Length), stays within ONE_BODY_COPIES copies of the body; the figures are printed
   * (see ONE_BODY_COPIES).
   */
  for (const framing of ['content-length', 'chunked'] as const) {
    it(`one 30 MB body (${framing}): peak RSS growth within ${ONE_BODY_COPIES} copies of the body`, async () => {
      const body = Buffer.from(JSON.stringify({ model: `claude-one-${framing}`, max_tokens: 5, messages: [{ role: 'user', content: 'x'.repeat(30_000_000) }] }));
      await sleep(500); // let the previous test's garbage go
      const base = gw.rssMb();
      let peak = base;
      const sampler = setInterval(() => (peak = Math.max(peak, gw.rssMb())), 10);
      const payload = framing === 'chunked'
        ? Readable.from((function* () { for (let i = 0; i < body.length; i += 64 * 1024) yield body.subarray(i, i + 64 * 1024); })())
        : body;
      const r = await request(`${gw.url}/anthropic/v1/messages`, {
        method: 'POST',
        headers: bridgeHeaders(data.token, { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' }),
        body: payload,
        dispatcher: client,
      });
      await r.body.text();
      clearInterval(sampler);
      peak = Math.max(peak, gw.rssMb());
      expect(r.statusCode).toBe(200);
      const copies = (peak - base) / (body.length / 1024 / 1024);
      console.log(`one ${(body.length / 1e6).toFixed(0)} MB body (${framing}): RSS ${base.toFixed(0)} → peak ${peak.toFixed(0)} MB, growth ${(peak - base).toFixed(0)} MB = ${copies.toFixed(2)} copies`);
      expect(copies).toBeLessThan(ONE_BODY_COPIES);
      await recordsOf(`claude-one-${framing}`, 1);
    });
  }
});

describe('deep JSON', () => {
  it('a 6,000-deep tool input, blocking and streamed, and a 6,000-deep request body each leave an ended record', async () => {
    up.enqueue({
      kind: 'handler',
      handle: (res: ServerResponse) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(`{"id":"msg_d1","type":"message","role":"assistant","model":"m","content":[{"type":"tool_use","id":"t1","name":"Deep","input":${DEEP}}],"stop_reason":"tool_use","usage":{"input_tokens":3,"output_tokens":4}}`);
      },
    });
    expect((await post(JSON.stringify({ model: 'claude-deep-rel', max_tokens: 5, messages: [{ role: 'user', content: 'blocking' }] }))).status).toBe(200);

    up.enqueue({
      kind: 'handler',
      handle: (res: ServerResponse) => {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        const ev = (e: string, d: object) => res.write(`event: ${e}\ndata: ${JSON.stringify(d)}\n\n`);
        ev('message_start', { type: 'message_start', message: { id: 'msg_d2', type: 'message', role: 'assistant', model: 'm', content: [], usage: { input_tokens: 3, output_tokens: 1 } } });
        ev('content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'tool_use', id: 't2', name: 'Deep', input: {} } });
        for (let i = 0; i < DEEP.length; i += 3000) ev('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'input_json_delta', partial_json: DEEP.slice(i, i + 3000) } });
        ev('content_block_stop', { type: 'content_block_stop', index: 0 });
        ev('message_delta', { type: 'message_delta', delta: { stop_reason: 'tool_use' }, usage: { output_tokens: 4 } });
        ev('message_stop', { type: 'message_stop' });
        res.end();
      },
    });
    expect((await post(JSON.stringify({ model: 'claude-deep-rel', max_tokens: 5, stream: true, messages: [{ role: 'user', content: 'streamed' }] }))).status).toBe(200);

    // The client's own body nested 6,000 deep (an extra field): forwarded, recorded.
    const deepBody = `{"model":"claude-deep-rel","max_tokens":5,"messages":[{"role":"user","content":"deep request"}],"metadata":{"x":${DEEP}}}`;
    expect((await post(deepBody)).status).toBe(200);
    expect(up.requests.at(-1)!.body).toBe(deepBody);

    const recs = await recordsOf('claude-deep-rel', 3);
    expect(recs.map((r) => r.status)).toEqual(['completed', 'completed', 'completed']);
    const inputs = recs.flatMap((r) => r.tool_usages.map((t) => t.input));
    expect(inputs.filter((i) => i === DEEP)).toHaveLength(2);
    // In the log and the export too.
    const log = readFileSync(`${data.dir}/log.jsonl`, 'utf8');
    for (const r of recs) expect(log).toContain(`"interception_id":"${r.id}","ended_at"`);
    const exported = await request(`${gw.url}/api/v1/export?format=jsonl`, { headers: { authorization: `Bearer ${gw.adminToken}` }, dispatcher: client });
    const text = await exported.body.text();
    for (const r of recs) expect(text).toContain(`"interception_id":"${r.id}","ended_at"`);
  });
});

describe('large bodies', () => {
  it(`6 concurrent 30 MB bodies: all pass, prompts capped at 1 MiB in the records, RSS under ${RSS_BOUND_MB} MB`, async () => {
    const bodies = Array.from({ length: 6 }, (_, i) =>
      Buffer.from(JSON.stringify({ model: 'claude-large-rel', max_tokens: 5, messages: [{ role: 'user', content: String(i).repeat(30_000_000) }] })),
    );
    let peak = gw.rssMb();
    const sampler = setInterval(() => (peak = Math.max(peak, gw.rssMb())), 50);
    const replies = await Promise.all(bodies.map((b) => post(b)));
    clearInterval(sampler);
    peak = Math.max(peak, gw.rssMb());
    console.log(`6 concurrent 30 MB bodies: peak RSS ${peak.toFixed(0)} MB`);
    expect(replies.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 200]);
    // The upstream got every body whole.
    expect(up.requests.slice(-6).map((r) => r.rawBody.length).sort()).toEqual(bodies.map((b) => b.length).sort());
    const recs = await recordsOf('claude-large-rel', 6);
    for (const r of recs) {
      expect(r.status).toBe('completed');
      const p = r.user_prompts[0]!;
      expect(p.prompt.length).toBe(1024 * 1024 + `…[truncated ${30_000_000 - 1024 * 1024} bytes]`.length);
      expect(p.metadata['truncated']).toBe(true);
    }
    expect(peak).toBeLessThan(RSS_BOUND_MB);
    const status = await adminGet<{ in_flight: number }>(gw, '/api/v1/status');
    expect(status.in_flight).toBe(0);
  });
});
