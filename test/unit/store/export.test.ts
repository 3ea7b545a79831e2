import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Interception } from '../../../src/record/types.js';
import { createLogger } from '../../../src/gateway/log.js';
import { exportRecords } from '../../../src/store/export.js';
import { parseTimeBound } from '../../../src/store/query.js';
import { ecsDocuments, type EcsDocument } from '../../../src/store/ecs.js';
import { makeRecord } from '../../helpers/make-record.js';
import { assertEcsDocument, documentedEcsFields } from '../../helpers/ecs-fields.js';
import { arrayReader } from '../../helpers/array-reader.js';

const T0 = Date.UTC(2026, 10, 26, 10, 0, 0);

function sink(): { out: PassThrough; text: () => string } {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  return { out, text: () => Buffer.concat(chunks).toString('utf8') };
}

function variety(): Interception[] {
  const minute = 60_000;
  return [
    makeRecord(1, T0),
    makeRecord(2, T0 + minute, { provider: 'openai', provider_name: 'openai', model: 'gpt-5', api: 'responses', client: 'Codex', streaming: false, client_session_id: null }),
    makeRecord(3, T0 + 2 * minute, { provider: 'bedrock', provider_name: 'bedrock', status: 'failed', http_status: 502, error: 'upstream unreachable', token_usages: [], tool_usages: [], model_thoughts: [] }),
    makeRecord(4, T0 + 3 * minute, { status: 'cancelled', http_status: null, user_agent: null }),
    makeRecord(5, T0 + 4 * minute, { tool_usages: [{ id: 't', interception_id: 'x', provider_response_id: 'msg_9', tool_call_id: 'c1', tool: 'Bash', input: '{not json', server_url: 'https://mcp.example/sse', injected: true, invocation_error: 'boom', metadata: { a: { b: 1 } }, created_at: new Date(T0 + 4 * minute + 5).toISOString() }] }),
  ];
}

let dir: string;
beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aib-export-')); });
afterEach(() => { fs.rmSync(dir, { recursive: true, force: true }); });

describe('exportRecords jsonl', () => {
  it('writes byte-for-byte the lines the live log wrote for the same records', async () => {
    const recs = variety();
    const file = path.join(dir, 'live.jsonl');
    const log = createLogger({ logJson: file, structured: true, stderr: { write: () => true } });
    for (const r of recs) log.recordLog.finish(r);
    await log.close();

    const { out, text } = sink();
    // The store hands back a JSON round trip of what it was given.
    const n = await exportRecords(arrayReader(recs.map((r) => JSON.parse(JSON.stringify(r)) as Interception)), { format: 'jsonl' }, out);
    expect(text()).toBe(fs.readFileSync(file, 'utf8'));
    expect(n).toBe(text().trimEnd().split('\n').length);
  });

  it('honours [since, until) on started_at and the retention cutoff', async () => {
    const recs = variety();
    const ids = async (opts: Parameters<typeof exportRecords>[1]): Promise<string[]> => {
      const { out, text } = sink();
      await exportRecords(arrayReader(recs), opts, out);
      return [...new Set(text().trimEnd().split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { interception_id: string }).interception_id))];
    };
    const id = (n: number) => makeRecord(n).id;
    expect(await ids({ format: 'jsonl', since: T0 + 60_000, until: T0 + 3 * 60_000 })).toEqual([id(2), id(3)]);
    expect(await ids({ format: 'jsonl', retentionCutoff: T0 + 3 * 60_000 })).toEqual([id(4), id(5)]);
    expect(await ids({ format: 'jsonl', since: T0, retentionCutoff: T0 + 60_000 + 1 })).toEqual([id(3), id(4), id(5)]);
    expect(await ids({ format: 'jsonl', since: T0 + 10 * 60_000, until: T0 })).toEqual([]);
  });

  it('waits for drain on a slow destination and rejects when it fails', async () => {
    const recs = Array.from({ length: 200 }, (_, i) => makeRecord(i, T0 + i));
    let got = 0;
    const slow = new Writable({
      highWaterMark: 256,
      write(chunk: Buffer, _enc, cb) { got += chunk.length; setImmediate(cb); },
    });
    const n = await exportRecords(arrayReader(recs), { format: 'jsonl' }, slow);
    expect(n).toBe(200 * 6);
    await new Promise<void>((resolve) => slow.end(resolve));
    expect(got).toBeGreaterThan(200 * 6 * 100);

    let writes = 0;
    const broken = new Writable({
      highWaterMark: 256,
      write(_c, _e, cb) { writes++; cb(writes > 3 ? new Error('disk full') : null); },
    });
    await expect(exportRecords(arrayReader(recs), { format: 'jsonl' }, broken)).rejects.toThrow(/disk full/);
  });
});

describe('exportRecords ecs', () => {
  const documented = documentedEcsFields();
  const checkDoc = assertEcsDocument;

  it('documents a sane field list', () => {
    expect(documented.size).toBeGreaterThan(40);
    for (const f of ['@timestamp', 'event.kind', 'event.category', 'event.type', 'event.action', 'event.outcome', 'event.duration', 'event.dataset', 'user.name', 'user.id', 'service.name', 'gen_ai.system', 'gen_ai.request.model', 'gen_ai.operation.name', 'gen_ai.usage.input_tokens', 'gen_ai.usage.output_tokens', 'gen_ai.response.id', 'gen_ai.tool.name', 'gen_ai.tool.call.id', 'user_agent.original']) {
      expect(documented.has(f), f).toBe(true);
    }
  });

  it('maps every line onto documented ECS fields with the right types and values', async () => {
    const recs = variety();
    const { out, text } = sink();
    const n = await exportRecords(arrayReader(recs), { format: 'ecs' }, out);
    const docs = text().trimEnd().split('\n').map((l) => JSON.parse(l) as EcsDocument);
    expect(docs).toHaveLength(n);
    docs.forEach(checkDoc);

    const [start, prompt, usage, tool, thought, end] = ecsDocuments(recs[0] as Interception);
    expect(start).toMatchObject({ '@timestamp': '2026-11-26T10:00:00.000Z', event: { kind: 'event', category: ['api'], type: ['start'], action: 'interception_start', dataset: 'aibridge.interception' }, user: { id: 'tok_1', name: 'alice' }, service: { name: 'aibridge' }, gen_ai: { system: 'anthropic', operation: { name: 'chat' }, request: { model: 'claude-sonnet-4-5' }, conversation: { id: 'sess-1' } }, user_agent: { original: 'claude-cli/2.0.0 (external, cli)' } });
    expect(prompt).toMatchObject({ gen_ai: { response: { id: 'msg_1' } }, aibridge: { prompt: 'hello 1' } });
    expect(usage).toMatchObject({ gen_ai: { usage: { input_tokens: 17, output_tokens: 20, cache_read: { input_tokens: 3 }, cache_creation: { input_tokens: 4 } } }, aibridge: { usage: { input_tokens: 10, reasoning_tokens: 5 } } });
    expect(tool).toMatchObject({ gen_ai: { tool: { name: 'Read', call: { id: 'toolu_1' } } }, aibridge: { tool: { input: '{"file_path":"/tmp/x"}' } } });
    expect(thought).toMatchObject({ event: { type: ['info'] }, aibridge: { thought: { content: 'thinking…' } } });
    expect(end).toMatchObject({ event: { type: ['end'], outcome: 'success', duration: 1_500_000_000 }, http: { response: { status_code: 200 } } });

    const failed = ecsDocuments(recs[2] as Interception).at(-1);
    expect(failed).toMatchObject({ event: { outcome: 'failure' }, error: { message: 'upstream unreachable' }, gen_ai: { system: 'aws.bedrock', provider: { name: 'aws.bedrock' } } });
    expect(ecsDocuments(recs[1] as Interception)[0]).toMatchObject({ gen_ai: { system: 'openai' } });
    expect(ecsDocuments(recs[3] as Interception).at(-1)).toMatchObject({ event: { outcome: 'unknown' } });
  });
});

describe('parseTimeBound', () => {
  const now = Date.UTC(2026, 10, 26, 12);
  it('reads durations back from now, RFC 3339 times and epoch ms', () => {
    expect(parseTimeBound('1h', now)).toBe(now - 3_600_000);
    expect(parseTimeBound('1h30m', now)).toBe(now - 5_400_000);
    expect(parseTimeBound('2026-11-26T10:00:00Z', now)).toBe(Date.UTC(2026, 10, 26, 10));
    expect(parseTimeBound('2026-11-26T12:00:00+02:00', now)).toBe(Date.UTC(2026, 10, 26, 10));
    expect(parseTimeBound(String(now), now)).toBe(now);
    expect(() => parseTimeBound('yesterday-ish', now)).toThrow(/yesterday-ish/);
  });
});
