/**
 * SPEC §14 end to end: the running gateway ships one `chat {model}` span per ended call, and the
 * GenAI metrics, to a real OTLP/HTTP receiver (test/helpers/otlp-receiver.ts), in both protocols.
 * Token numbers are checked against the stored record (input = input + cache reads + writes);
 * failed calls carry `error.type`; tool calls are span events; content only with `otlp_content`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGatewayHarness, ANTHROPIC_KEY, OPENAI_KEY, type GatewayHarness, type Interception } from '../helpers/gateway-harness.js';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '../helpers/otlp-receiver.js';

const OTLP_SECRET = 'Bearer otlp-SECRET-token-42424242';

function expectedTokens(rec: Interception) {
  let input = 0, output = 0, read = 0, write = 0;
  for (const u of rec.token_usages) {
    input += u.input_tokens + u.cache_read_input_tokens + u.cache_write_input_tokens;
    output += u.output_tokens;
    read += u.cache_read_input_tokens;
    write += u.cache_write_input_tokens;
  }
  return { input, output, read, write };
}

describe.each(['http/protobuf', 'http/json'] as const)('OTLP export over %s', (protocol) => {
  let recv: OtlpReceiver;
  let h: GatewayHarness;
  const spanFor = async (rec: Interception): Promise<ReceivedSpan> => {
    // Generous: the export thread loads the SDK on its own (seconds on a loaded CI machine).
    const deadline = Date.now() + 20_000;
    for (;;) {
      const s = recv.spans.find((x) => x.attributes['aibridge.interception_id'] === rec.id);
      if (s) return s;
      if (Date.now() > deadline) throw new Error(`no span for ${rec.id}; got ${recv.spans.length} spans`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };

  beforeAll(async () => {
    recv = await startOtlpReceiver();
    h = await startGatewayHarness({
      argv: ['--otlp-endpoint', recv.url, '--otlp-protocol', protocol, '--otlp-headers', `authorization=${OTLP_SECRET},x-team=ai`],
      env: { OTEL_BSP_SCHEDULE_DELAY: '20', OTEL_METRIC_EXPORT_INTERVAL: '100' },
    });
  });
  afterAll(async () => {
    await h?.close();
    await recv?.close();
  });

  it('one CLIENT span per call with the GenAI attributes and exact tokens (Anthropic, cache)', async () => {
    const r = await h.post(
      '/anthropic/v1/messages',
      { model: 'claude-sonnet-4-5', max_tokens: 64, stream: true, messages: [{ role: 'user', content: 'secret prompt text' }] },
      { 'x-mock-fixture': 'anthropic/cache-tokens.sse', 'x-claude-code-session-id': 'sess-otel-1', 'user-agent': 'claude-cli/2.0.1 (external, cli)' },
    );
    expect(r.status).toBe(200);
    const [rec] = await h.nextRecords(1);
    const span = await spanFor(rec!);
    const t = expectedTokens(rec!);
    expect(t.read + t.write).toBeGreaterThan(0); // the fixture exercises the cache arithmetic
    expect(span.name).toBe('chat claude-sonnet-4-5');
    expect(span.kind).toBe(3); // SPAN_KIND_CLIENT
    expect(span.startMs).toBe(Date.parse(rec!.started_at));
    expect(span.endMs).toBe(Date.parse(rec!.ended_at!));
    expect(span.attributes).toMatchObject({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'anthropic',
      'gen_ai.request.model': 'claude-sonnet-4-5',
      'gen_ai.response.id': rec!.token_usages[0]!.provider_response_id,
      'gen_ai.usage.input_tokens': t.input,
      'gen_ai.usage.output_tokens': t.output,
      'gen_ai.usage.cache_read.input_tokens': t.read,
      'gen_ai.usage.cache_creation.input_tokens': t.write,
      'gen_ai.conversation.id': 'sess-otel-1',
      'aibridge.interception_id': rec!.id,
      'aibridge.initiator': 'alice',
      'aibridge.client': 'Claude Code',
    });
    expect(span.attributes['error.type']).toBeUndefined();
    // SPEC §11: the span carries the record's price (the same number the admin API shows).
    const priced = (await h.interceptions()).find((x) => x.id === rec!.id) as { cost?: { usd: number | null } } | undefined;
    expect(priced?.cost?.usd).toBeGreaterThan(0);
    expect(span.attributes['aibridge.cost_usd']).toBeCloseTo(priced!.cost!.usd!, 12);
    expect(span.status.code).toBe(0);
    expect(span.resource['service.name']).toBe('aibridge');
    // Content is off by default: the prompt is not on the span.
    expect(JSON.stringify(span)).not.toContain('secret prompt text');
    // The collector got our headers; the provider keys and bridge token went nowhere near it.
    const req = recv.requests.find((x) => x.path === '/v1/traces')!;
    expect(req.headers['authorization']).toBe(OTLP_SECRET);
    expect(req.headers['x-team']).toBe('ai');
    expect(req.contentType).toContain(protocol === 'http/json' ? 'json' : 'protobuf');
    const everything = JSON.stringify(recv.spans);
    for (const secret of [ANTHROPIC_KEY, OPENAI_KEY, h.token]) expect(everything).not.toContain(secret);
  });

  it('OpenAI chat and responses carry their tokens, reasoning and provider name', async () => {
    await h.post('/openai/v1/chat/completions', { model: 'gpt-4o', stream: true, messages: [{ role: 'user', content: 'hi' }] }, { 'x-mock-fixture': 'openai-chat/cache-reasoning.sse' });
    await h.post('/openai/v1/responses', { model: 'gpt-5', stream: true, input: 'hello' }, { 'x-mock-fixture': 'openai-responses/custom-tool.sse' });
    const [chat, responses] = await h.nextRecords(2);
    for (const rec of [chat!, responses!]) {
      const span = await spanFor(rec);
      const t = expectedTokens(rec);
      expect(rec.token_usages.length).toBeGreaterThan(0);
      expect(span.attributes).toMatchObject({
        'gen_ai.provider.name': 'openai',
        'gen_ai.request.model': rec.model,
        'gen_ai.usage.input_tokens': t.input,
        'gen_ai.usage.output_tokens': t.output,
        'gen_ai.usage.cache_read.input_tokens': t.read,
        'aibridge.api': rec.api,
      });
      const reasoning = rec.token_usages[0]!.metadata['reasoning_tokens'];
      if (typeof reasoning === 'number') expect(span.attributes['gen_ai.usage.reasoning.output_tokens']).toBe(reasoning);
    }
  });

  it('tool calls are gen_ai.tool.call span events (name, id)', async () => {
    await h.post('/anthropic/v1/messages', { model: 'claude-sonnet-4-5', max_tokens: 64, stream: true, messages: [{ role: 'user', content: 'use tools' }] }, { 'x-mock-fixture': 'anthropic/tool-parallel.sse' });
    const [rec] = await h.nextRecords(1);
    expect(rec!.tool_usages.length).toBeGreaterThan(1);
    const span = await spanFor(rec!);
    expect(span.events.map((e) => [e.name, e.attributes['gen_ai.tool.name'], e.attributes['gen_ai.tool.call.id']])).toEqual(
      rec!.tool_usages.map((u) => ['gen_ai.tool.call', u.tool, u.tool_call_id]),
    );
    // Without otlp_content the arguments stay home.
    expect(span.events.every((e) => e.attributes['gen_ai.tool.call.arguments'] === undefined)).toBe(true);
  });

  it('a failed call has error.type and an ERROR status', async () => {
    const r = await h.post('/anthropic/v1/messages', { model: 'claude-sonnet-4-5', max_tokens: 64, messages: [{ role: 'user', content: 'x' }] }, { 'x-mock-fixture': 'anthropic/error-429.json' });
    expect(r.status).toBe(429);
    const [rec] = await h.nextRecords(1);
    expect(rec!.status).toBe('failed');
    const span = await spanFor(rec!);
    expect(span.attributes['error.type']).toBe('429');
    expect(span.status.code).toBe(2);
  });

  it('otlp_content on: prompts, thoughts and tool arguments appear', async () => {
    const patched = await fetch(`${h.url}/api/v1/settings`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${h.app.adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ otlp_content: true }),
    });
    expect(patched.status).toBe(200);
    await h.post('/anthropic/v1/messages', { model: 'claude-sonnet-4-5', max_tokens: 64, stream: true, messages: [{ role: 'user', content: 'think about this' }] }, { 'x-mock-fixture': 'anthropic/thinking.sse' });
    await h.post('/anthropic/v1/messages', { model: 'claude-sonnet-4-5', max_tokens: 64, stream: true, messages: [{ role: 'user', content: 'use one tool' }] }, { 'x-mock-fixture': 'anthropic/tool-single.sse' });
    const [thinking, tool] = await h.nextRecords(2);
    const s1 = await spanFor(thinking!);
    expect(JSON.parse(String(s1.attributes['gen_ai.input.messages']))).toEqual([{ role: 'user', parts: [{ type: 'text', content: 'think about this' }] }]);
    const out = JSON.parse(String(s1.attributes['gen_ai.output.messages'])) as { parts: { type: string; content: string }[] }[];
    expect(out[0]!.parts.map((p) => p.content)).toEqual(thinking!.model_thoughts.map((m) => m.content));
    const s2 = await spanFor(tool!);
    expect(JSON.parse(String(s2.events[0]!.attributes['gen_ai.tool.call.arguments']))).toEqual(tool!.tool_usages[0]!.input);
    await fetch(`${h.url}/api/v1/settings`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${h.app.adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ otlp_content: false }),
    });
  });

  it('metrics arrive: token usage by type and operation duration', async () => {
    const usage = await recv.waitForMetric('gen_ai.client.token.usage');
    expect(usage.unit).toBe('{token}');
    const records = await h.interceptions();
    const byType = (type: string) =>
      usage.points.filter((p) => p.attributes['gen_ai.token.type'] === type).reduce((n, p) => n + (p.sum ?? 0), 0);
    // Cumulative temporality: the latest export holds every call so far; wait until it caught up.
    const total = records.reduce((n, r) => n + expectedTokens(r).input, 0);
    const deadline = Date.now() + 10_000;
    let latest = usage;
    while (latest.points.filter((p) => p.attributes['gen_ai.token.type'] === 'input').reduce((n, p) => n + (p.sum ?? 0), 0) < total && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      latest = await recv.waitForMetric('gen_ai.client.token.usage');
    }
    const inputSum = latest.points.filter((p) => p.attributes['gen_ai.token.type'] === 'input').reduce((n, p) => n + (p.sum ?? 0), 0);
    expect(inputSum).toBe(total);
    expect(byType('output')).toBeGreaterThan(0);
    const duration = await recv.waitForMetric('gen_ai.client.operation.duration');
    expect(duration.unit).toBe('s');
    expect(duration.points.some((p) => p.attributes['error.type'] === '429')).toBe(true);
    expect(duration.points.every((p) => p.attributes['gen_ai.provider.name'] !== undefined)).toBe(true);
    // Cost (SPEC §11) as a counter in USD: at least the priced calls' sum so far.
    const costMetric = await recv.waitForMetric('aibridge.cost');
    const priced = (records as { cost?: { usd: number | null } }[]).reduce((n, r) => n + (r.cost?.usd ?? 0), 0);
    expect(priced).toBeGreaterThan(0);
    expect(costMetric.unit).toBe('[USD]');
    expect(costMetric.points.reduce((n, p) => n + (p.value ?? 0), 0)).toBeGreaterThan(0);
  });

  it('status says healthy, /metrics counts exported spans, the headers are masked', async () => {
    const status = await h.admin<{ telemetry: { enabled: boolean; ok: boolean; error: string | null; exported: number; dropped: number } }>('/status');
    expect(status.telemetry).toMatchObject({ enabled: true, ok: true, error: null, dropped: 0 });
    expect(status.telemetry.exported).toBeGreaterThanOrEqual(recv.spans.length);
    const metrics = await fetch(`${h.url}/metrics`, { headers: { authorization: `Bearer ${h.app.adminToken}` } }).then((x) => x.text());
    const exported = Number(/aibridge_telemetry_spans_exported_total (\d+)/.exec(metrics)?.[1]);
    expect(exported).toBe(status.telemetry.exported);
    const settings = await h.admin<{ settings: Record<string, unknown> }>('/settings');
    expect(settings.settings['otlp_headers']).not.toContain('SECRET');
    expect(settings.settings['otlp_protocol']).toBe(protocol);
  });
});
