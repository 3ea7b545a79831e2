/**
 * Issue #5 end to end: structured logging with `--log-json` through the real gateway. Streaming and
 * blocking calls of each provider (Anthropic, OpenAI Chat and Responses, Bedrock-native) go to the
 * mock upstreams; then every line of the JSON log file must parse, each record's lines must be the
 * SPEC §7 lines in order and together, and the export (app, admin API and `aibridge export --since
 * 1h` from another process) must reproduce the live lines byte for byte.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGatewayHarness, type GatewayHarness, type Interception } from '../helpers/gateway-harness.js';
import { startMockBedrock, type MockBedrock } from '../helpers/mock-bedrock.js';
import { formatLogLine, interceptionLogLines } from '../../src/record/log-lines.js';
import { createPriceTable } from '../../src/record/prices.js';
import type { EcsDocument } from '../../src/store/ecs.js';
import { assertEcsDocument } from '../helpers/ecs-fields.js';
import { stripChain } from '../helpers/chain.js';
import { createPublicKey } from 'node:crypto';
import { verifyFiles } from '../../src/gateway/log-verify.js';
import { BUILT_CLI } from '../helpers/built-cli.js';

const NATIVE_MODEL = 'us.anthropic.claude-3-7-sonnet-20250219-v1:0';
let h: GatewayHarness;
let bedrock: MockBedrock;

interface Call {
  name: string;
  run(): Promise<number>;
  /** Record types (besides start/prompt/end) the record must have lines for. */
  expects: Array<'token_usage' | 'tool_usage' | 'model_thought'>;
  status?: string;
}

const anthropicBody = (stream: boolean) => ({ model: 'claude-sonnet-4-5', max_tokens: 1024, stream, messages: [{ role: 'user', content: 'log me' }] });
const chatBody = (stream: boolean) => ({ model: 'gpt-4o', stream, ...(stream ? { stream_options: { include_usage: true } } : {}), messages: [{ role: 'user', content: 'log me' }] });
const responsesBody = (stream: boolean) => ({ model: 'gpt-5', stream, input: 'log me' });
const fixture = (f: string) => ({ 'x-mock-fixture': f });

const CALLS: Call[] = [
  { name: 'anthropic streaming', run: async () => (await h.post('/anthropic/v1/messages', anthropicBody(true), fixture('anthropic/tool-parallel.sse'))).status, expects: ['token_usage', 'tool_usage'] },
  { name: 'anthropic blocking', run: async () => (await h.post('/anthropic/v1/messages', anthropicBody(false), fixture('anthropic/thinking.json'))).status, expects: ['token_usage', 'model_thought'] },
  { name: 'anthropic streaming thinking', run: async () => (await h.post('/anthropic/v1/messages', anthropicBody(true), fixture('anthropic/thinking.sse'))).status, expects: ['token_usage', 'model_thought'] },
  { name: 'openai chat streaming', run: async () => (await h.post('/openai/v1/chat/completions', chatBody(true), fixture('openai-chat/tool-parallel.sse'))).status, expects: ['token_usage', 'tool_usage'] },
  { name: 'openai chat blocking', run: async () => (await h.post('/openai/v1/chat/completions', chatBody(false), fixture('openai-chat/tool-parallel.json'))).status, expects: ['token_usage', 'tool_usage'] },
  { name: 'openai responses streaming', run: async () => (await h.post('/openai/v1/responses', responsesBody(true), fixture('openai-responses/reasoning.sse'))).status, expects: ['token_usage', 'model_thought'] },
  { name: 'openai responses blocking', run: async () => (await h.post('/openai/v1/responses', responsesBody(false), fixture('openai-responses/reasoning.json'))).status, expects: ['token_usage', 'model_thought'] },
  {
    name: 'bedrock native streaming',
    run: async () => {
      bedrock.setScenario('tool-use');
      return (await h.post(`/bedrock/model/${encodeURIComponent(NATIVE_MODEL)}/invoke-with-response-stream`, { anthropic_version: 'bedrock-2023-05-31', max_tokens: 256, messages: [{ role: 'user', content: 'log me' }] })).status;
    },
    expects: ['token_usage', 'tool_usage'],
  },
  {
    name: 'bedrock native blocking',
    run: async () => {
      bedrock.setScenario('thinking');
      return (await h.post(`/bedrock/model/${encodeURIComponent(NATIVE_MODEL)}/invoke`, { anthropic_version: 'bedrock-2023-05-31', max_tokens: 256, messages: [{ role: 'user', content: 'log me' }] })).status;
    },
    expects: ['token_usage', 'model_thought'],
  },
  { name: 'anthropic upstream 429', run: async () => (await h.post('/anthropic/v1/messages', anthropicBody(false), fixture('anthropic/error-429.json'))).status, expects: [], status: 'failed' },
];

const records: Array<{ call: Call; rec: Interception }> = [];

beforeAll(async () => {
  bedrock = await startMockBedrock();
  h = await startGatewayHarness({
    argv: ['--bedrock-region', 'us-east-1', '--bedrock-access-key', 'AKIDLOGGINGTEST00001', '--bedrock-access-key-secret', 'logging-test-bedrock-secret', '--bedrock-base-url', bedrock.url, '--bedrock-model', 'us.anthropic.claude-sonnet-4-5-20250929-v1:0', '--bedrock-small-fast-model', 'us.anthropic.claude-haiku-4-5-20251001-v1:0'],
  });
  // An ordinary log line ("bridge enabled") in the same file.
  await h.app.setEnabled(true);
  for (const call of CALLS) {
    const status = await call.run();
    expect(status, call.name).toBe(call.status === 'failed' ? 429 : 200);
    const [rec] = await h.nextRecords(1);
    if (!rec) throw new Error(`no record for ${call.name}`);
    records.push({ call, rec });
  }
  // Lines are written when a record finishes; wait until the last end line is in the file.
  const lastId = records.at(-1)?.rec.id ?? '';
  for (let i = 0; i < 200 && !h.logText().includes(`"record_type":"interception_end","interception_id":"${lastId}"`); i++) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}, 60_000);

afterAll(async () => {
  await h?.close();
  await bedrock?.close();
});

function logLines(): string[] {
  return h.logText().split('\n').filter((l) => l !== '');
}

describe('structured JSON log file', () => {
  it('holds only JSON objects, ordinary lines included', () => {
    const lines = logLines();
    expect(lines.length).toBeGreaterThan(CALLS.length * 3);
    for (const l of lines) {
      const obj = JSON.parse(l) as unknown;
      expect(typeof obj === 'object' && obj !== null && !Array.isArray(obj)).toBe(true);
      expect((obj as { time?: unknown }).time).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    }
    expect(lines.some((l) => !l.includes('"msg":"interception log"'))).toBe(true);
  });

  it.each(CALLS.map((c, i) => [c.name, i] as const))('%s: SPEC §7 lines in order, together, byte-identical to the stored record', async (_name, i) => {
    const { call, rec } = records[i] ?? { call: CALLS[0], rec: undefined };
    if (!rec || !call) throw new Error('missing record');
    const lines = logLines();
    const idx = lines.map((l, n) => (l.includes(`"interception_id":"${rec.id}"`) ? n : -1)).filter((n) => n >= 0);
    const mine = idx.map((n) => lines[n] ?? '');
    // All lines of one record are written as one chunk: adjacent in the file.
    expect(idx.at(-1)! - idx[0]!).toBe(idx.length - 1);
    const types = mine.map((l) => (JSON.parse(l) as { record_type: string }).record_type);
    expect(types[0]).toBe('interception_start');
    expect(types.at(-1)).toBe('interception_end');
    expect(types).toContain('prompt_usage');
    for (const t of call.expects) expect(types, `${call.name} ${t}`).toContain(t);
    const end = JSON.parse(mine.at(-1) ?? '{}') as { status: string };
    expect(end.status).toBe(call.status ?? 'completed');
    const start = JSON.parse(mine[0] ?? '{}') as Record<string, unknown>;
    expect(start).toMatchObject({ msg: 'interception log', initiator_id: h.tokenId, initiator_name: 'alice', provider: rec.provider, model: rec.model, api: rec.api, streaming: rec.streaming });
    expect(mine.map((l) => stripChain(`${l}\n`))).toEqual(interceptionLogLines(rec, await createPriceTable()).map(formatLogLine));
  });
});

describe('export reproduces the live lines', () => {
  function liveInterceptionText(): Map<string, string> {
    const byId = new Map<string, string>();
    for (const l of logLines()) {
      if (!l.includes('"msg":"interception log"')) continue;
      const id = (JSON.parse(l) as { interception_id: string }).interception_id;
      byId.set(id, `${byId.get(id) ?? ''}${stripChain(l)}\n`);
    }
    return byId;
  }

  function group(text: string): Map<string, string> {
    const byId = new Map<string, string>();
    for (const l of text.split('\n').filter(Boolean)) {
      const obj = JSON.parse(l) as { interception_id: string; record_type: string };
      if (obj.record_type === 'chain_checkpoint') continue;
      byId.set(obj.interception_id, `${byId.get(obj.interception_id) ?? ''}${stripChain(l)}\n`);
    }
    return byId;
  }

  /** The export's own chain (SPEC §13) verifies against the install's key, signed to its end. */
  async function verifies(file: string): Promise<void> {
    const key = createPublicKey(fs.readFileSync(path.join(h.dataDir, 'chain-public-key.pem'), 'utf8'));
    const [chain] = await verifyFiles([file], key);
    expect(chain?.report).toMatchObject({ ok: true, firstSeq: 1, breaks: [] });
    expect(chain?.report.signedThrough).toBe(chain?.report.lastSeq);
  }

  it('app.exportTo, GET /api/v1/export and `aibridge export --since 1h` write the same bytes as the log', async () => {
    const live = liveInterceptionText();
    const file = path.join(h.dataDir, 'export.jsonl');
    const n = await h.app.exportTo(file, { format: 'jsonl' });
    const exported = fs.readFileSync(file, 'utf8');
    expect(n).toBe(exported.trimEnd().split('\n').length);
    expect(group(exported)).toEqual(live);
    await verifies(file);

    const res = await fetch(`${h.url}/api/v1/export?format=jsonl&since=1h`, { headers: { authorization: `Bearer ${h.app.adminToken}` } });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe(exported);

    const cliOut = path.join(h.dataDir, 'cli-export.jsonl');
    // Async, so the in-process server keeps running (and flushing) while the CLI reads the store.
    await promisify(execFile)(process.execPath, [BUILT_CLI, 'export', '--data-dir', h.dataDir, '--out', cliOut, '--since', '1h'], { encoding: 'utf8' });
    expect(fs.readFileSync(cliOut, 'utf8')).toBe(exported);
  });

  it('--format ecs maps every line onto the documented ECS fields', async () => {
    const res = await fetch(`${h.url}/api/v1/export?format=ecs`, { headers: { authorization: `Bearer ${h.app.adminToken}` } });
    expect(res.status).toBe(200);
    const text = await res.text();
    const file = path.join(h.dataDir, 'export.ecs.jsonl');
    fs.writeFileSync(file, text);
    await verifies(file);
    const docs = text.trimEnd().split('\n').map((l) => JSON.parse(l) as EcsDocument & { chain?: unknown; record_type?: string }).filter((d) => d.record_type !== 'chain_checkpoint');
    expect(docs.every((d) => d.chain !== undefined)).toBe(true);
    expect(docs.length).toBe([...liveInterceptionText().values()].join('').trimEnd().split('\n').length);
    docs.forEach(assertEcsDocument);
    const systems = new Set(docs.map((d) => (d.gen_ai as { system: string }).system));
    expect(systems).toEqual(new Set(['anthropic', 'openai', 'aws.bedrock']));
    expect(docs.every((d) => (d.user as { name: string }).name === 'alice')).toBe(true);
  });
});
