/** SPEC §14: one OCSF 1.3.0 API Activity event per interception, valid against the class schema. */
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { Interception } from '../../../src/record/types.js';
import { toOcsf } from '../../../src/store/ocsf.js';
import { exportRecords } from '../../../src/store/export.js';
import { makeRecord } from '../../helpers/make-record.js';
import { arrayReader } from '../../helpers/array-reader.js';
import { assertOcsfEvent } from '../../helpers/ocsf-schema.js';
import { ocsfSchemaFindings } from '../../helpers/ocsf-validate.js';

const T0 = Date.UTC(2026, 11, 1, 10, 0, 0);
const minute = 60_000;
const variety = (): Interception[] => [
  makeRecord(1, T0),
  makeRecord(2, T0 + minute, { provider: 'openai', provider_name: 'openai', model: 'gpt-5', api: 'responses', client: 'Codex', streaming: false, client_session_id: null, metadata: { response_model: 'gpt-5-2026' } }),
  makeRecord(3, T0 + 2 * minute, { provider: 'bedrock', provider_name: 'bedrock', status: 'failed', http_status: 502, error: 'upstream unreachable', token_usages: [], tool_usages: [], model_thoughts: [] }),
  makeRecord(4, T0 + 3 * minute, { status: 'cancelled', http_status: null, user_agent: null }),
  makeRecord(5, T0 + 4 * minute, { status: 'failed', http_status: 200, error: 'malformed event', user_prompts: [] }),
  // Bedrock with tool calls (one injected, arguments as a string) and thoughts.
  makeRecord(6, T0 + 5 * minute, {
    provider: 'bedrock', provider_name: 'bedrock', model: 'us.anthropic.claude-sonnet-4-5-20250929-v1:0',
    tool_usages: [
      { id: 't6a', interception_id: 'i6', provider_response_id: 'msg_6', tool_call_id: 'toolu_a', tool: 'Bash', input: { command: 'ls' }, server_url: null, injected: false, invocation_error: null, metadata: {}, created_at: new Date(T0).toISOString() },
      { id: 't6b', interception_id: 'i6', provider_response_id: 'msg_6', tool_call_id: 'toolu_b', tool: 'mcp__search', input: '{"q":1}', server_url: 'http://127.0.0.1:1', injected: true, invocation_error: 'refused', metadata: {}, created_at: new Date(T0).toISOString() },
    ],
  }),
  // Thoughts only, no tool calls, no token rows (nothing reported).
  makeRecord(7, T0 + 6 * minute, { tool_usages: [], token_usages: [] }),
  // Nobody known but the token: an unrecognised client, no session, no user agent, no prompts,
  // interrupted before it ended (no ended_at, no HTTP status).
  makeRecord(8, T0 + 7 * minute, { client: 'Unknown', client_session_id: null, user_agent: null, user_prompts: [], status: 'interrupted', http_status: null, ended_at: null, token_usages: [], tool_usages: [], model_thoughts: [] }),
];

describe('toOcsf', () => {
  it('every kind of record gives a valid, fully documented API Activity event', () => {
    for (const rec of variety()) assertOcsfEvent(toOcsf(rec, { costUsd: 0.01 }));
  });

  it('maps the record field by field', () => {
    const rec = variety()[0]!;
    const e = toOcsf(rec);
    expect(e).toMatchObject({
      class_uid: 6003, category_uid: 6, activity_id: 1, type_uid: 600301, severity_id: 1,
      time: T0, start_time: T0, end_time: T0 + 1500, duration: 1500,
      status_id: 1, status: 'Success', status_code: '200',
      metadata: { version: '1.3.0', uid: rec.id, product: { name: 'AI Bridge Desktop' } },
      actor: { user: { uid: 'tok_1', name: 'alice' }, app_name: 'Claude Code', session: { uid: 'sess-1' } },
      api: { operation: 'messages', service: { name: 'anthropic' }, request: { uid: rec.id }, response: { code: 200 } },
      src_endpoint: { name: 'Claude Code' },
      dst_endpoint: { svc_name: 'anthropic' },
      http_request: { http_method: 'POST', user_agent: 'claude-cli/2.0.0 (external, cli)' },
      resources: [{ type: 'AI model', name: 'claude-sonnet-4-5' }],
      unmapped: { gen_ai: { usage: { input_tokens: 17, output_tokens: 20, cache_read: { input_tokens: 3 }, cache_creation: { input_tokens: 4 }, reasoning: { output_tokens: 5 } } } },
    });
    // OCSF 1.3.0's API Activity has no http_response (docs/ocsf.md).
    expect(e['http_response']).toBeUndefined();
    // OCSF 1.3.0's response object has no uid: the provider's id is under unmapped.
    expect((e['api'] as Record<string, Record<string, unknown>>)['response']!['uid']).toBeUndefined();
    expect(e).toMatchObject({ unmapped: { gen_ai: { response: { id: 'msg_1' } } } });
  });

  it('failures and cancellations: status, error, no token rows', () => {
    const [, , failed, cancelled, broken] = variety();
    expect(toOcsf(failed!)).toMatchObject({ status_id: 2, status: 'Failure', status_code: '502', status_detail: 'upstream unreachable', api: { response: { code: 502, error: '502', error_message: 'upstream unreachable' } } });
    expect(toOcsf(cancelled!)).toMatchObject({ status_id: 99, status: 'Cancelled' });
    expect(toOcsf(cancelled!)['http_response']).toBeUndefined();
    expect(toOcsf(broken!)).toMatchObject({ status_id: 2, api: { response: { error: '_OTHER' } } });
  });

  it("strings stay within OCSF's string_t max_len (65,535 UTF-8 bytes), cut on a character boundary", () => {
    // 80,001 and 90,000 bytes: an upstream error body as long as the field cap allows would be more.
    const rec = makeRecord(6, T0, { status: 'failed', http_status: 400, error: 'x' + 'é'.repeat(40_000), user_agent: '€'.repeat(30_000) });
    const e = toOcsf(rec) as Record<string, any>;
    for (const s of [e['status_detail'], e['api'].response.error_message, e['http_request'].user_agent] as string[]) {
      expect(Buffer.byteLength(s)).toBeLessThanOrEqual(65_535);
      expect(Buffer.byteLength(s)).toBeGreaterThan(65_530);
      expect(s.endsWith('…')).toBe(true);
      expect(s).not.toContain('\uFFFD');
    }
    expect(e['status_detail'].startsWith('xéé')).toBe(true);
    expect(ocsfSchemaFindings(e).filter((f) => f.includes('max_len'))).toEqual([]);
    // unmapped is OCSF's untyped object: content stays whole there.
    const whole = toOcsf(makeRecord(7, T0, { user_prompts: [{ id: 'p', interception_id: 'i', provider_response_id: 'msg_1', prompt: 'p'.repeat(70_000), metadata: {}, created_at: new Date(T0).toISOString() }] })) as Record<string, any>;
    expect(whole['unmapped'].aibridge.prompts[0]).toHaveLength(70_000);
  });

  it('the published schema refuses a broken export event, naming each fault', () => {
    const good = toOcsf(variety()[0]!) as Record<string, any>;
    expect(ocsfSchemaFindings(good)).toEqual([]);
    const broken: Record<string, any> = { ...good, time: new Date(T0).toISOString(), tokens: 1, class_uid: 6002, severity_id: 9 };
    delete broken['metadata'];
    broken['api'] = { ...good['api'], response: { code: '200', uid: 'msg_1' } };
    broken['actor'] = {};
    expect(ocsfSchemaFindings(broken)).toEqual([
      'class_uid: 6002 is not a listed value (6003)',
      'severity_id: 9 is not a listed value (0, 1, 2, 3, 4, 5, 6, 99)',
      'time: timestamp_t is a long integer, got "2026-12-01T10:00:00.000Z"',
      'actor: actor needs at least one of app_name, app_uid, invoked_by, process, session, user',
      'api.response.code: integer_t is a 32-bit integer, got "200"',
      'api.response.uid: not an attribute of response',
      'tokens: not an attribute of api_activity',
      'metadata: required by api_activity, missing',
      'class_uid: 6002, the class is 6003',
    ]);
  });
});

it('exportRecords --format ocsf writes one event per interception', async () => {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  const n = await exportRecords(arrayReader(variety()), { format: 'ocsf' }, out);
  const lines = Buffer.concat(chunks).toString('utf8').trim().split('\n');
  expect(n).toBe(8);
  expect(lines).toHaveLength(8);
  // Each line is an OCSF event plus SPEC §13's top-level `chain` (docs/ocsf.md says so).
  for (const l of lines) {
    const { chain, ...event } = JSON.parse(l) as Record<string, unknown>;
    expect(chain).toMatchObject({ seq: expect.any(Number) as number });
    assertOcsfEvent(event);
  }
});
