import { describe, expect, it } from 'vitest';
import { createMetrics } from '../../../src/gateway/metrics.js';
import { makeRecord } from '../../helpers/make-record.js';

describe('createMetrics', () => {
  it('counts interceptions, in-flight, duration, tokens, tools and purges on its own registry', async () => {
    const m = createMetrics();
    const rec = makeRecord(1);
    m.started({ ...rec, status: 'in_flight', ended_at: null });
    expect(await m.render()).toMatch(/^aibridge_interceptions_in_flight 1$/m);
    m.finished(rec);
    m.finished(makeRecord(2, undefined, { status: 'failed', client: 'Codex', provider: 'openai', model: 'gpt-5', token_usages: [], tool_usages: [] }));
    m.purged('records', 7);
    m.purged('content', 0);
    m.setCircuitState('openai', 'open');
    m.rejected('unauthorized');
    const text = await m.render();
    expect(text).toMatch(/^aibridge_interceptions_in_flight 0$/m);
    expect(text).toContain('aibridge_interceptions_total{provider="anthropic",model="claude-sonnet-4-5",client="Claude Code",status="completed"} 1');
    expect(text).toContain('aibridge_interceptions_total{provider="openai",model="gpt-5",client="Codex",status="failed"} 1');
    expect(text).toContain('aibridge_interception_duration_seconds_count{provider="anthropic",model="claude-sonnet-4-5"} 1');
    expect(text).toContain('aibridge_interception_duration_seconds_bucket{le="2.5",provider="anthropic",model="claude-sonnet-4-5"} 1');
    for (const [type, n] of [['input', 10], ['output', 20], ['cache_read', 3], ['cache_write', 4], ['reasoning', 5]] as const) {
      expect(text).toContain(`aibridge_tokens_total{provider="anthropic",model="claude-sonnet-4-5",type="${type}"} ${n}`);
    }
    expect(text).toContain('aibridge_tool_calls_total{provider="anthropic",model="claude-sonnet-4-5",tool="Read"} 1');
    expect(text).toContain('aibridge_retention_purged_total{kind="records"} 7');
    expect(text).toContain('aibridge_retention_purged_total{kind="content"} 0');
    expect(text).toContain('aibridge_upstream_circuit_state{key="openai"} 2');
    expect(text).toContain('aibridge_requests_rejected_total{reason="unauthorized"} 1');
    expect(text).toContain('process_cpu_user_seconds_total');
    expect(m.contentType).toContain('text/plain');
  });

  it('keeps registries apart and never drives in-flight below zero', async () => {
    const a = createMetrics({ defaultMetrics: false });
    const b = createMetrics({ defaultMetrics: false });
    a.finished(makeRecord(1, undefined, { status: 'interrupted' }));
    expect(await a.render()).toMatch(/^aibridge_interceptions_in_flight 0$/m);
    expect(await b.render()).not.toContain('status="interrupted"');
  });
});

describe('label bounds (issue #13: distinct 10 KB model names made a 212 MB scrape)', () => {
  const longest = (text: string): number => {
    let max = 0;
    for (const m of text.matchAll(/="([^"]*)"/g)) max = Math.max(max, m[1]!.length);
    return max;
  };

  it('1,000 distinct 10 KB model names: values cut to 128 characters, new models past 100 counted as "other"', async () => {
    const m = createMetrics({ defaultMetrics: false });
    for (let i = 0; i < 1000; i++) {
      const model = `${String(i).padStart(4, '0')}-${'m'.repeat(10_000)}`;
      m.finished(makeRecord(i, undefined, { model }));
    }
    const text = await m.render();
    // ~4.6 KB per model (a histogram, token types, a tool): ~0.5 MB, against ~230 MB unbounded.
    expect(text.length).toBeLessThan(1_000_000);
    expect(longest(text)).toBeLessThanOrEqual(128);
    // 1,000 calls counted in all: 100 named models once each, 900 under "other".
    const calls = [...text.matchAll(/^aibridge_interceptions_total\{[^}]*model="([^"]*)"[^}]*\} (\d+)$/gm)];
    expect(calls.reduce((n, c) => n + Number(c[2]), 0)).toBe(1000);
    expect(calls.find((c) => c[1] === 'other')?.[2]).toBe('900');
    expect(new Set(calls.map((c) => c[1])).size).toBe(101);
    expect(text).toContain(`model="0000-${'m'.repeat(122)}…"`);
  });

  it('tools per model and circuit keys are bounded too; known names keep counting under their own label', async () => {
    const m = createMetrics({ defaultMetrics: false, limits: { models: 2, toolSeries: 3, circuits: 2 } });
    const tool = (name: string) => ({ ...makeRecord(0).tool_usages[0]!, tool: name });
    m.finished(makeRecord(1, undefined, { model: 'a', tool_usages: [tool('t1'), tool('t2'), tool('t3'), tool('t4'), tool('t1')] }));
    m.finished(makeRecord(2, undefined, { model: 'b', tool_usages: [] }));
    m.finished(makeRecord(3, undefined, { model: 'c', tool_usages: [] }));
    m.finished(makeRecord(4, undefined, { model: 'a', tool_usages: [tool('t2')] }));
    for (const k of ['x/1', 'x/2', 'x/3', 'x/4']) m.setCircuitState(k, 'open');
    const text = await m.render();
    expect(text).toContain('aibridge_interceptions_total{provider="anthropic",model="a",client="Claude Code",status="completed"} 2');
    expect(text).toContain('aibridge_interceptions_total{provider="anthropic",model="other",client="Claude Code",status="completed"} 1');
    expect(text).toContain('aibridge_tool_calls_total{provider="anthropic",model="a",tool="t1"} 2');
    expect(text).toContain('aibridge_tool_calls_total{provider="anthropic",model="a",tool="t2"} 2');
    expect(text).toContain('aibridge_tool_calls_total{provider="anthropic",model="a",tool="other"} 1');
    expect(text).toContain('aibridge_upstream_circuit_state{key="x/2"} 2');
    expect(text).toContain('aibridge_upstream_circuit_state{key="other"} 2');
    expect(text).not.toContain('key="x/3"');
  });
});
