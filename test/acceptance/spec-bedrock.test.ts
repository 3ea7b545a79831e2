/** SPEC acceptance, §4 Bedrock (black-box: the built CLI as child processes; harness in ./harness.ts). */
import Anthropic from '@anthropic-ai/sdk';
import { startMockBedrock, type MockBedrock } from '../helpers/mock-bedrock.js';
import { AnthropicBedrock } from '@anthropic-ai/bedrock-sdk';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ISO_UTC, Server, byPrompt, expectRecordShape, findRecord, group, http, isObj, listAll, runCli, serve, tmp, waitFor, setupAcceptance } from './harness.js';

setupAcceptance();

group('§4 Bedrock: /anthropic goes to Bedrock when only Bedrock is configured (plain HTTP/1.1 base URL); native /bedrock routes', () => {
  const dir = tmp();
  const AKID = 'AKIDSPECACCEPT000001';
  const SECRET = 'spec-accept-bedrock-secret-value-123456';
  const MODEL = 'us.anthropic.claude-sonnet-4-5-20250929-v1:0';
  let mb: MockBedrock;
  let s: Server;
  let token: string;

  beforeAll(async () => {
    mb = await startMockBedrock();
    const c = await runCli(['tokens', 'create', '--name', 'bert', '--data-dir', dir]);
    token = c.stdout.trimEnd().split('\n').pop()!;
    s = await serve(['--data-dir', dir, '--port', '0'], {
      AIBRIDGE_ENABLED: 'true',
      AIBRIDGE_BEDROCK_REGION: 'us-east-1',
      AIBRIDGE_BEDROCK_ACCESS_KEY: AKID,
      AIBRIDGE_BEDROCK_ACCESS_KEY_SECRET: SECRET,
      AIBRIDGE_BEDROCK_MODEL: MODEL,
      AIBRIDGE_BEDROCK_SMALL_FAST_MODEL: 'us.anthropic.claude-haiku-4-5-20251001-v1:0',
      AIBRIDGE_BEDROCK_BASE_URL: mb.url,
      // structured logging, and the JSON log destination is stderr itself
      AIBRIDGE_STRUCTURED_LOGGING: 'true',
      AIBRIDGE_LOG_JSON: '/dev/stderr',
    });
  });
  afterAll(async () => {
    await s?.stop();
    await mb?.close();
  });

  it('Anthropic SDK on /anthropic: blocking and streaming reach Bedrock with SigV4; records are written', async () => {
    const a = new Anthropic({ baseURL: `${s.url}/anthropic`, apiKey: token, maxRetries: 0 });
    const m = await a.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 20, messages: [{ role: 'user', content: 'bedrock blocking' }] });
    expect(m.content.length).toBeGreaterThan(0);
    const st = a.messages.stream({ model: 'claude-sonnet-4-5', max_tokens: 20, messages: [{ role: 'user', content: 'bedrock streaming' }] }, { query: { beta: 'true' } });
    const fin = await st.finalMessage();
    expect(fin.content.length).toBeGreaterThan(0);
    expect(mb.requests.length).toBeGreaterThanOrEqual(2);
    const ops = mb.requests.map((r) => r.operation);
    expect(ops).toContain('invoke');
    expect(ops).toContain('invoke-with-response-stream');
    for (const r of mb.requests) {
      expect(r.authProblem).toBeNull();
      expect(r.credential?.accessKeyId).toBe(AKID);
      expect(r.credential?.region).toBe('us-east-1');
      expect(JSON.stringify(r.headers)).not.toContain(token);
    }
    for (const p of ['bedrock blocking', 'bedrock streaming']) {
      const rec = await findRecord(s, byPrompt(p), p);
      expectRecordShape(rec);
      expect(rec).toMatchObject({ api: 'messages', status: 'completed', http_status: 200 });
      expect(rec.token_usages.length).toBe(1);
    }
  });

  it('native POST /bedrock/model/{id}/invoke and /invoke-with-response-stream via @anthropic-ai/bedrock-sdk', async () => {
    const before = mb.requests.length;
    const b = new AnthropicBedrock({ baseURL: `${s.url}/bedrock`, awsRegion: 'us-east-1', skipAuth: true, defaultHeaders: { 'x-api-key': token }, maxRetries: 0 });
    const m = await b.messages.create({ model: MODEL, max_tokens: 20, messages: [{ role: 'user', content: 'native blocking' }] });
    expect(m.content.length).toBeGreaterThan(0);
    const st = b.messages.stream({ model: MODEL, max_tokens: 20, messages: [{ role: 'user', content: 'native streaming' }] });
    const fin = await st.finalMessage();
    expect(fin.content.length).toBeGreaterThan(0);
    const mine = mb.requests.slice(before);
    expect(mine.map((r) => r.operation).sort()).toEqual(['invoke', 'invoke-with-response-stream']);
    for (const r of mine) expect(r.authProblem).toBeNull();
    for (const [p, streaming] of [['native blocking', false], ['native streaming', true]] as const) {
      const rec = await findRecord(s, byPrompt(p), p);
      expectRecordShape(rec);
      expect(rec).toMatchObject({ provider: 'bedrock', streaming, status: 'completed', http_status: 200 });
    }
    // unauthenticated native call → 401
    const un = await http(`${s.url}/bedrock/model/${encodeURIComponent(MODEL)}/invoke`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(un.status).toBe(401);
  });

  it('structured logging with LOG_JSON=/dev/stderr: interception lines on stderr; after a stop every stderr line is JSON; no secrets', async () => {
    const all = (await listAll(s)).results;
    const err = await waitFor(async () => all.every((r: any) => s.stderr().includes(r.id)) && s.stderr(), 'interception lines on stderr');
    const il = err.split('\n').filter((l) => l.includes('"interception log"')).map((l) => JSON.parse(l));
    expect(il.length).toBeGreaterThanOrEqual(all.length * 2);
    for (const o of il) {
      expect(o.msg).toBe('interception log');
      expect(o.time).toMatch(ISO_UTC);
    }
    expect(err).not.toContain(SECRET);
    expect(err).not.toContain(token);
    // "With --log-json PATH every line in that file is a JSON object (other log lines too)"
    await s.stop('SIGTERM');
    const notJson = s.stderr().split('\n').filter((l) => {
      if (l.trim() === '') return false;
      try {
        return !isObj(JSON.parse(l));
      } catch {
        return true;
      }
    });
    expect(notJson).toEqual([]);
  });
});
