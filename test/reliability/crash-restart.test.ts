/**
 * `kill -9` of the gateway during 50 concurrent streams, then a restart on the same data dir and
 * port: the store opens, every call that finished before the crash is there as it ended, and the
 * 50 cut-off streams are `interrupted` (SPEC §6).
 *
 * "Finished" means finished more than a store flush interval (150 ms) before the kill: the store
 * batches writes, so `kill -9` loses at most the last tick (src/store/interceptions/README.md).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { startMockUpstream, type MockUpstream } from '../helpers/mock-upstream.js';
import { adminGet, allRecords, anthropicBody, bridgeHeaders, client, healthz, providerArgs, sleep, startGatewayProcess, tempDataDir, type GatewayProcess, type Rec } from './harness.js';

let up: MockUpstream;
let data: ReturnType<typeof tempDataDir>;
let gw: GatewayProcess | undefined;

beforeAll(async () => {
  up = await startMockUpstream();
  data = tempDataDir('crash');
});
afterAll(async () => {
  await gw?.stop();
  await up?.close();
  data?.cleanup();
});

describe('kill -9 during 50 concurrent streams', () => {
  it('restart: store readable, finished calls present, in-flight ones interrupted', async () => {
    gw = await startGatewayProcess({ dataDir: data.dir, args: providerArgs(up.url) });
    const port = gw.port;
    const url = gw.url;

    // 30 calls that finish: blocking and streamed.
    for (let i = 0; i < 30; i++) {
      const r = await request(`${url}/anthropic/v1/messages`, {
        method: 'POST',
        headers: bridgeHeaders(data.token),
        body: anthropicBody({ stream: i % 2 === 0, metadata: { user_id: `done-${i}` } }),
        dispatcher: client,
      });
      await r.body.text();
      expect(r.statusCode).toBe(200);
    }

    // 50 slow streams (8-byte writes every 100 ms: ~15 s each), held open across the kill.
    const slow = JSON.stringify({ kind: 'fixture', fixture: 'anthropic/text.sse', chunks: { size: 8, delayMs: 100 } });
    let firstBytes = 0;
    const streams = Array.from({ length: 50 }, async () => {
      const r = await request(`${url}/anthropic/v1/messages`, {
        method: 'POST',
        headers: bridgeHeaders(data.token, { 'x-mock-reply': slow }),
        body: anthropicBody({ stream: true }),
        dispatcher: client,
      });
      let seen = false;
      try {
        for await (const _ of r.body) {
          if (!seen) {
            seen = true;
            firstBytes++;
          }
        }
        return 'ended';
      } catch {
        return 'broken';
      }
    });
    await expect.poll(() => firstBytes, { timeout: 20_000 }).toBe(50);
    // Begin lines of the streams are durable after one flush tick; wait a few.
    await sleep(1000);
    const before = await allRecords(gw, true);
    expect(before.filter((r) => r.status === 'in_flight')).toHaveLength(50);

    // A flood of short calls keeps records racing the store's flush when the kill lands.
    const floodDone = new Map<string, number>();
    let flooding = true;
    const flood = Array.from({ length: 4 }, async (_, w) => {
      for (let i = 0; flooding; i++) {
        const prompt = `flood-${w}-${i}`;
        try {
          const r = await request(`${url}/anthropic/v1/messages`, {
            method: 'POST',
            headers: bridgeHeaders(data.token),
            body: JSON.stringify({ model: 'claude-flood', max_tokens: 5, messages: [{ role: 'user', content: prompt }] }),
            dispatcher: client,
          });
          await r.body.text();
          if (r.statusCode === 200) floodDone.set(prompt, performance.now());
        } catch {
          return;
        }
      }
    });
    await sleep(1500);
    const killedAt = performance.now();
    await gw.kill9();
    flooding = false;
    await Promise.all(flood);
    const outcomes = await Promise.all(streams);
    expect(outcomes.every((o) => o === 'broken')).toBe(true);

    gw = await startGatewayProcess({ dataDir: data.dir, port, args: providerArgs(up.url) });
    expect(gw.port).toBe(port);
    expect((await healthz(gw)).ok).toBe(true);

    const all = await allRecords(gw, true);
    expect(new Set(all.map((r) => r.id)).size).toBe(all.length);
    const promptOf = (r: Rec) => (r.user_prompts[0] as { prompt?: string } | undefined)?.prompt ?? '';
    // Flood calls use their own model, so they are told apart from the 80 calls below.
    const floodRecs = all.filter((r) => r.model === 'claude-flood');
    const after = all.filter((r) => r.model !== 'claude-flood');
    // Flood calls answered more than two flush ticks before the kill are stored as completed;
    // the rest are completed, interrupted or (answered in the last tick) absent — never torn.
    const byPrompt = new Map(floodRecs.map((r) => [promptOf(r), r]));
    const settled = [...floodDone].filter(([, t]) => t < killedAt - 300).map(([p]) => p);
    expect(settled.length).toBeGreaterThan(10);
    for (const p of settled) expect(byPrompt.get(p)?.status, p).toBe('completed');
    expect(floodRecs.every((r) => r.status === 'completed' || r.status === 'interrupted')).toBe(true);
    console.log(`flood: ${floodDone.size} answered before the kill, ${settled.length} of them >300 ms before; stored: ${floodRecs.filter((r) => r.status === 'completed').length} completed, ${floodRecs.filter((r) => r.status === 'interrupted').length} interrupted`);

    expect(after).toHaveLength(80);
    const finished = after.filter((r) => r.status === 'completed');
    const interrupted = after.filter((r) => r.status === 'interrupted');
    expect(finished).toHaveLength(30);
    expect(finished.every((r) => r.http_status === 200 && r.token_usages.length === 1)).toBe(true);
    expect(interrupted).toHaveLength(50);
    // A call cut off by the crash keeps the prompt it was sent with (it is in the begin line).
    expect(interrupted.every((r) => promptOf(r) !== '')).toBe(true);
    // The same ids that were in flight are the interrupted ones.
    expect(new Set(interrupted.map((r) => r.id))).toEqual(new Set(before.filter((r) => r.status === 'in_flight').map((r) => r.id)));
    expect(after.filter((r) => r.status === 'in_flight')).toHaveLength(0);

    // And the restarted gateway records new calls next to the old ones.
    const r = await request(`${gw.url}/anthropic/v1/messages`, { method: 'POST', headers: bridgeHeaders(data.token), body: anthropicBody(), dispatcher: client });
    await r.body.text();
    expect(r.statusCode).toBe(200);
    await expect.poll(async () => (await adminGet<{ count: number }>(gw!, '/api/v1/interceptions?limit=1')).count).toBe(all.length + 1);
  });
});
