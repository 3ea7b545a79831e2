/**
 * ARCHITECTURE.md: "a recorder fault is logged and never breaks the client's stream". The real
 * pipeline (runInterception, the Anthropic adapter, a loopback upstream speaking the exact SSE
 * fixture) with one fault put in the recorder's path: the stream reducer throws on its third event.
 * The client must get every byte, the record must still end, and the fault must be logged.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runInterception } from '../../../../src/gateway/intercept/intercept.js';
import { createAnthropicAdapter } from '../../../../src/gateway/providers/anthropic/adapter.js';
import type { ProviderAdapter } from '../../../../src/gateway/providers/adapter.js';
import type { ApiCodec } from '../../../../src/gateway/providers/codec.js';
import { createUpstreamPool, type UpstreamPool } from '../../../../src/gateway/upstream/http.js';
import type { Interception } from '../../../../src/record/types.js';
import type { FinishedRecord } from '../../../../src/record/fanout.js';
import { fixtureBytes } from '../../../helpers/codec-harness.js';
import { startMockUpstream, type MockUpstream } from '../../../helpers/mock-upstream.js';

const FIXTURE = 'anthropic/tool-parallel.sse';

let up: MockUpstream;
let pool: UpstreamPool;
let server: Server;
let url: string;
const begun: Interception[] = [];
const finished: FinishedRecord[] = [];
const warnings: { obj: object; msg: string }[] = [];
let faultAt = 3;

beforeAll(async () => {
  up = await startMockUpstream();
  pool = createUpstreamPool();
  const real = createAnthropicAdapter(pool, () => ({ baseUrl: up.url, key: 'sk-ant-test', headersTimeoutMs: 5000, bodyTimeoutMs: 5000 }));
  // The fault: the real reducer, except that its Nth event throws.
  const codec: ApiCodec = {
    ...real.codec,
    createStreamReducer() {
      const inner = real.codec.createStreamReducer();
      let n = 0;
      return {
        event(ev) {
          if (++n === faultAt) throw new Error('reducer fault for the test');
          inner.event(ev);
        },
        finish: () => inner.finish(),
      };
    },
  };
  const adapter: ProviderAdapter = { kind: real.kind, name: real.name, errorShape: real.errorShape, codec, send: (c) => real.send(c) };
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c)).on('end', () => {
      const rawBody = Buffer.concat(chunks);
      void runInterception(
        { sink: { begin: (r) => begun.push(r), finish: (r) => finished.push(r) }, now: Date.now, warn: (obj, msg) => warnings.push({ obj, msg }) },
        { req, res, adapter, initiator: { id: 'tok_1', name: 'alice' }, path: '/v1/messages', search: '', rawBody, json: JSON.parse(rawBody.toString('utf8')) as Record<string, unknown> },
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((r) => server?.close(r));
  await pool?.close();
  await up?.close();
});

it('a reducer that throws mid-stream: the client gets every byte, the record ends, the fault is logged', async () => {
  faultAt = 3;
  const res = await fetch(`${url}/v1/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-mock-fixture': FIXTURE, 'x-mock-chunk-size': '17' },
    body: JSON.stringify({ model: 'claude-sonnet-4-5', max_tokens: 64, stream: true, messages: [{ role: 'user', content: 'use tools' }] }),
  });
  expect(res.status).toBe(200);
  const bytes = Buffer.from(await res.arrayBuffer());
  expect(bytes.equals(fixtureBytes(FIXTURE))).toBe(true);
  await expect.poll(() => finished.length).toBe(1);
  const rec = finished[0]!;
  expect(begun.map((r) => r.id)).toEqual([rec.id]);
  // The upstream did nothing wrong: completed, no error, and the record says it is incomplete.
  expect(rec.status).toBe('completed');
  expect(rec.http_status).toBe(200);
  expect(rec.error).toBeNull();
  expect(rec.metadata?.['recorder_fault']).toMatch(/^the recorder failed while reading this answer \(reducer fault for the test\); tokens, tool calls and thoughts after that point are missing$/);
  expect(rec.user_prompts.map((p: { prompt: string }) => p.prompt)).toEqual(['use tools']);
  expect(warnings.map((w) => w.msg)).toEqual(['recorder fault: stream keeps flowing, record may be incomplete']);
  expect(warnings[0]!.obj).toMatchObject({ interception_id: rec.id });
});
