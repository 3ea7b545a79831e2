/**
 * Issue #5 / SPEC §8 through the real app: a retention purge that runs while a stream is in flight
 * never stalls it. The clock is controlled (no sleeps decide anything): 4,000 stored records sit
 * just inside the 60-day retention; mid-stream the clock jumps 2 days so 3,000 of them expire, and
 * the next purge (interval shortened for the test) deletes them in batches while the stream keeps
 * flowing. The purge is logged to the JSON log with its count and counted in /metrics.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp } from '../../src/app.js';
import type { RunningApp } from '../../src/app-types.js';
import { openInterceptionStore } from '../../src/store/interceptions/index.js';
import { startMockUpstream, type MockUpstream } from '../helpers/mock-upstream.js';
import { FIXTURES_DIR } from '../helpers/mock-upstream-replies.js';
import { finishedRecord } from '../helpers/store-records.js';

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 10, 26, 12, 0, 0);
const EXPIRING = 3000;
const STAYING = 1000;

let dir: string;
let up: MockUpstream;
let app: RunningApp;
let clock = T0;
let token = '';

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aib-ret-live-'));
  const store = await openInterceptionStore({ dir, now: () => T0 });
  // One UTC day segment holding both: the purge must rewrite it in batches, not drop it whole.
  for (let i = 0; i < EXPIRING; i++) store.finish(finishedRecord({ startedMs: T0 - 58 * DAY - 3_600_000 - i * 1000, promptChars: 100 }));
  for (let i = 0; i < STAYING; i++) store.finish(finishedRecord({ startedMs: T0 - 58 * DAY + 3_600_000 + i * 1000, promptChars: 100 }));
  await store.flush();
  await store.close();

  up = await startMockUpstream();
  app = await startApp({
    dataDir: dir, port: 0, env: {}, now: () => clock, retentionIntervalMs: 25,
    argv: ['--enabled', '--anthropic-key', 'sk-ant-retention-test', '--anthropic-base-url', up.url, '--structured-logging', '--log-json', path.join(dir, 'log.jsonl')],
  });
  const res = await fetch(`${app.url}/api/v1/tokens`, { method: 'POST', headers: { authorization: `Bearer ${app.adminToken}`, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'alice' }) });
  token = ((await res.json()) as { token: string }).token;
}, 120_000);

afterAll(async () => {
  await app?.close();
  await up?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

async function purgedSoFar(): Promise<number> {
  const text = await (await fetch(`${app.url}/metrics`, { headers: { authorization: `Bearer ${app.adminToken}` } })).text();
  return Number(/^aibridge_retention_purged_total\{kind="records"\} (\d+)/m.exec(text)?.[1] ?? 'NaN');
}

async function count(): Promise<number> {
  const res = await fetch(`${app.url}/api/v1/interceptions?limit=1`, { headers: { authorization: `Bearer ${app.adminToken}` } });
  return ((await res.json()) as { count: number }).count;
}

describe('retention during a live stream', () => {
  it('purges in batches while the stream keeps flowing to the end', async () => {
    expect(await count()).toBe(EXPIRING + STAYING);
    expect(await purgedSoFar()).toBe(0);

    // The upstream sends half the stream, then keep-alive comments until the test has seen the purge
    // finish, then the rest: the stream cannot end before the purge, whatever the machine's speed.
    const fixture = fs.readFileSync(path.join(FIXTURES_DIR, 'anthropic/tool-parallel.sse'));
    const cut = fixture.indexOf('\n\n', fixture.length / 2) + 2;
    let purgeSeen!: () => void;
    const gate = new Promise<void>((resolve) => { purgeSeen = resolve; });
    let released = false;
    void gate.then(() => { released = true; });
    up.enqueue({
      kind: 'handler',
      async handle(r) {
        r.writeHead(200, { 'content-type': 'text/event-stream' });
        r.write(fixture.subarray(0, cut));
        while (!released) {
          r.write(': ping\n\n');
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
        r.end(fixture.subarray(cut));
      },
    }, 'messages');

    const res = await fetch(`${app.url}/anthropic/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': token },
      body: JSON.stringify({ model: 'claude-sonnet-4-5', max_tokens: 64, stream: true, messages: [{ role: 'user', content: 'keep streaming' }] }),
    });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    const chunks: Uint8Array[] = [];
    const first = await reader.read();
    if (first.value) chunks.push(first.value);

    // Expire 3,000 records; the next purge tick deletes them while we keep reading.
    clock = T0 + 2 * DAY;
    let purgeDone = false;
    let pingsWhilePurging = 0;
    const reading = (async () => {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        chunks.push(value);
        if (!purgeDone) pingsWhilePurging += Buffer.from(value).toString().split(': ping').length - 1;
      }
    })();
    let purged = 0;
    while (purged < EXPIRING) {
      purged = await purgedSoFar();
      if (purged < EXPIRING) await new Promise((resolve) => setTimeout(resolve, 5));
    }
    purgeDone = true;
    purgeSeen();
    await reading;

    expect(purged).toBe(EXPIRING);
    // The client kept receiving bytes while the purge ran.
    expect(pingsWhilePurging).toBeGreaterThan(0);
    console.log(`[retention-live] ${EXPIRING} purged in batches; client got ${pingsWhilePurging} keep-alive chunks meanwhile`);
    expect(Buffer.concat(chunks).toString().replaceAll(': ping\n\n', '')).toBe(fixture.toString());

    // The stream's record is complete, the staying records are still there, the expired are gone.
    let total = 0;
    for (let i = 0; i < 400 && total !== STAYING + 1; i++) { total = await count(); await new Promise((resolve) => setTimeout(resolve, 10)); }
    expect(total).toBe(STAYING + 1);
    const list = await (await fetch(`${app.url}/api/v1/interceptions?limit=1`, { headers: { authorization: `Bearer ${app.adminToken}` } })).json() as { results: Array<{ status: string; user_prompts: Array<{ prompt: string }> }> };
    expect(list.results[0]).toMatchObject({ status: 'completed', user_prompts: [{ prompt: 'keep streaming' }] });

    const log = fs.readFileSync(path.join(dir, 'log.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { msg: string; purged?: number });
    expect(log.filter((l) => l.msg === 'retention purge').reduce((n, l) => n + (l.purged ?? 0), 0)).toBe(EXPIRING);
  });
});
