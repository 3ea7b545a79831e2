/**
 * SPEC §12 through a running gateway: secrets in prompts, tool inputs, thoughts and upstream error
 * text never reach the store, the API, the log file or an export, while the bytes between client
 * and upstream stay exactly what each side sent. Issue #13: an upstream error body that echoes
 * the provider key is recorded without it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ANTHROPIC_KEY, OPENAI_KEY, startGatewayHarness, type GatewayHarness } from '../helpers/gateway-harness.js';
import { SECRET_SAMPLES } from '../helpers/secret-samples.js';

let h: GatewayHarness;
const secretsText = SECRET_SAMPLES.map((s) => s.text).join('\n');
const needles = () => [...SECRET_SAMPLES.map((s) => s.secret), ANTHROPIC_KEY, OPENAI_KEY, h.token, h.app.adminToken];
const leaks = (text: string): string[] => needles().filter((s) => text.includes(s)).map((s) => s.slice(0, 10));

beforeAll(async () => {
  h = await startGatewayHarness();
}, 30_000);
afterAll(async () => {
  await h?.close();
});

describe('secret redaction in a running gateway', () => {
  it('a streamed Anthropic call: the wire is byte-identical, the record, log and export are redacted', async () => {
    const body = JSON.stringify({
      model: 'claude-sonnet-4-5',
      max_tokens: 64,
      stream: true,
      messages: [{ role: 'user', content: `${secretsText}\nmy bridge token is ${h.token}, the key ${ANTHROPIC_KEY}` }],
    });
    const r = await h.post('/anthropic/v1/messages', body);
    expect(r.status).toBe(200);
    const sent = h.up.requests.at(-1)!;
    expect(sent.rawBody.equals(Buffer.from(body))).toBe(true); // the upstream got the client's bytes

    const [rec] = await h.nextRecords();
    const prompt = rec!.user_prompts[0]!.prompt;
    expect(leaks(prompt)).toEqual([]);
    for (const s of SECRET_SAMPLES) expect(prompt).toContain(`[REDACTED:${s.rule}]`);
    expect(prompt).toContain('my bridge token is [REDACTED:bridge-token], the key [REDACTED:provider-key]');
    const counts = rec!.metadata['redactions'] as { rule: string; count: number }[];
    expect(counts.find((c) => c.rule === 'github-token')?.count).toBe(3);
    expect(counts.find((c) => c.rule === 'bridge-token')?.count).toBe(1);
    expect(rec!.user_prompts[0]!.metadata['redactions']).toEqual(counts);

    h.app.stats(); // settles the batched consumers (log lines)
    const exported = await h.request('GET', '/api/v1/export?format=jsonl', { headers: { authorization: `Bearer ${h.app.adminToken}` } });
    const ecs = await h.request('GET', '/api/v1/export?format=ecs', { headers: { authorization: `Bearer ${h.app.adminToken}` } });
    expect(exported.text).toContain('[REDACTED:private-key]');
    expect(ecs.text).toContain('[REDACTED:jwt]');
    expect(h.logText()).toContain('[REDACTED:stripe-key]');
    expect(leaks(exported.text)).toEqual([]);
    expect(leaks(ecs.text)).toEqual([]);
    expect(leaks(h.logText())).toEqual([]);
  });

  it('the in-flight record (begin) already has the prompt redacted', async () => {
    const gh = SECRET_SAMPLES.find((s) => s.rule === 'github-token')!;
    const body = { model: 'claude-sonnet-4-5', max_tokens: 64, stream: true, messages: [{ role: 'user', content: `slow one ${gh.secret}` }] };
    const call = h.post('/anthropic/v1/messages', body, { 'x-mock-fixture': 'anthropic/text.sse', 'x-mock-delay-ms': '150' });
    let running: { user_prompts: { prompt: string }[] } | undefined;
    for (let i = 0; i < 100 && !running; i++) {
      const list = await h.admin<{ results: { status: string; user_prompts: { prompt: string }[] }[] }>('/interceptions?include_in_flight=true&status=in_flight');
      running = list.results.find((x) => x.user_prompts[0]?.prompt.startsWith('slow one'));
      if (!running) await new Promise((res) => setTimeout(res, 20));
    }
    expect(running?.user_prompts[0]?.prompt).toBe('slow one [REDACTED:github-token]');
    expect((await call).status).toBe(200);
    await h.nextRecords();
  });

  it('tool inputs and thoughts from the upstream are redacted; the client gets the upstream bytes', async () => {
    const aws = SECRET_SAMPLES.find((s) => s.rule === 'aws-secret-access-key')!;
    const slack = SECRET_SAMPLES.find((s) => s.rule === 'slack-token')!;
    const reply = {
      id: 'msg_redact_1', type: 'message', role: 'assistant', model: 'claude-sonnet-4-5', stop_reason: 'tool_use', stop_sequence: null,
      content: [
        { type: 'thinking', thinking: `I will post with ${slack.secret}`, signature: 'sig' },
        { type: 'tool_use', id: 'toolu_r1', name: 'Bash', input: { command: 'deploy', env: { AWS_SECRET_ACCESS_KEY: aws.secret } } },
      ],
      usage: { input_tokens: 10, output_tokens: 5 },
    };
    const r = await h.post('/anthropic/v1/messages', { model: 'claude-sonnet-4-5', max_tokens: 64, messages: [{ role: 'user', content: 'go' }] }, {
      'x-mock-reply': JSON.stringify({ kind: 'json', body: reply }),
    });
    expect(r.status).toBe(200);
    expect(r.text).toBe(JSON.stringify(reply)); // the client's bytes are the upstream's, secrets and all
    const [rec] = await h.nextRecords();
    expect(rec!.model_thoughts[0]!.content).toBe('I will post with [REDACTED:slack-token]');
    expect(rec!.tool_usages[0]!.input).toEqual({ command: 'deploy', env: { AWS_SECRET_ACCESS_KEY: '[REDACTED:aws-secret-access-key]' } });
    expect(rec!.tool_usages[0]!.metadata['redactions']).toEqual([{ rule: 'aws-secret-access-key', count: 1 }]);
    expect(rec!.model_thoughts[0]!.metadata['redactions']).toEqual([{ rule: 'slack-token', count: 1 }]);
  });

  it('issue #13: an upstream error body that echoes the provider key is recorded and logged without it', async () => {
    const echoed = { type: 'error', error: { type: 'authentication_error', message: `invalid x-api-key: ${ANTHROPIC_KEY}` } };
    const r = await h.post('/anthropic/v1/messages', { model: 'claude-sonnet-4-5', max_tokens: 64, messages: [{ role: 'user', content: 'hi' }] }, {
      'x-mock-reply': JSON.stringify({ kind: 'error', status: 401, body: echoed }),
    });
    expect(r.status).toBe(401);
    expect(r.text).toBe(JSON.stringify(echoed)); // upstream error bodies reach the client as sent (SPEC §4)
    const [rec] = await h.nextRecords();
    expect(rec!.status).toBe('failed');
    expect(rec!.error).toContain('invalid x-api-key: [REDACTED:provider-key]');
    expect(rec!.error).not.toContain(ANTHROPIC_KEY);
    expect(rec!.metadata['redactions']).toEqual([{ rule: 'provider-key', count: 1 }]);
    h.app.stats();
    const one = await h.admin<{ error: string }>(`/interceptions/${rec!.id}`);
    expect(one.error).not.toContain(ANTHROPIC_KEY);
    expect(leaks(h.logText())).toEqual([]);
  });

  it('the OpenAI routes are redacted the same way', async () => {
    const stripe = SECRET_SAMPLES.find((s) => s.rule === 'stripe-key')!;
    const r = await h.post('/openai/v1/chat/completions', { model: 'gpt-4o', messages: [{ role: 'user', content: `charge with ${stripe.secret}` }] }, { authorization: `Bearer ${h.token}` });
    expect(r.status).toBe(200);
    const r2 = await h.post('/openai/v1/responses', { model: 'gpt-5', input: `charge with ${stripe.secret}` }, { authorization: `Bearer ${h.token}` });
    expect(r2.status).toBe(200);
    const recs = await h.nextRecords(2);
    for (const rec of recs) expect(rec.user_prompts[0]!.prompt).toBe('charge with [REDACTED:stripe-key]');
  });
});
