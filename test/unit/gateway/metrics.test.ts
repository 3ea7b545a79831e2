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
