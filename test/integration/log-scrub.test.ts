/**
 * Issue 16: ordinary log lines (not records) never carry a secret. A real collector that rejects
 * our OTLP header by quoting its value in the reply ends up in the "telemetry export failing" warn
 * line and in GET /api/v1/status: both read `[REDACTED:configured-secret]`, in the --log-json file
 * and on the API alike; what the rule set knows (a GitHub token echoed) goes too.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGatewayHarness, type GatewayHarness } from '../helpers/gateway-harness.js';
import { SECRET_SAMPLES } from '../helpers/secret-samples.js';

const CRED = 'otlp-cred-7f3a9c1e5b2d8f4a6c0e';
const gh = SECRET_SAMPLES.find((s) => s.rule === 'github-token')!;

let collector: Server;
let url = '';
let h: GatewayHarness;

beforeAll(async () => {
  // Answers every export 401 with a reason phrase that quotes the credential it got (and a token).
  collector = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      // The credential alone, without `Bearer ` (the setting's value is the whole header).
      const cred = String(req.headers['authorization'] ?? '').replace(/^Bearer /, '');
      res.writeHead(401, `Unauthorized: token ${cred} rejected, try ${gh.secret}`, { 'content-type': 'text/plain' });
      res.end('no');
    });
  });
  await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(collector.address() as AddressInfo).port}`;
  h = await startGatewayHarness({
    argv: ['--otlp-endpoint', url, '--otlp-headers', `authorization=Bearer ${CRED}`],
    env: { OTEL_BSP_SCHEDULE_DELAY: '20', OTEL_EXPORTER_OTLP_TIMEOUT: '2000', OTEL_METRIC_EXPORT_INTERVAL: '100' },
  });
}, 30_000);

afterAll(async () => {
  await h?.close();
  await new Promise<void>((resolve) => collector.close(() => resolve()));
});

describe('secrets echoed into ordinary log lines', () => {
  it('the collector quoting our header: the warn line and the status carry markers, never the value', async () => {
    const r = await h.post('/anthropic/v1/messages', { model: 'claude-sonnet-4-5', max_tokens: 8, messages: [{ role: 'user', content: 'hi' }] });
    expect(r.status).toBe(200);
    await h.nextRecords();

    let line: Record<string, unknown> | undefined;
    for (let i = 0; i < 400 && !line; i++) {
      h.app.stats();
      line = h.logText().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>).find((o) => String(o['msg']).startsWith('telemetry export failing'));
      if (!line) await new Promise((res) => setTimeout(res, 25));
    }
    expect(line, 'a telemetry export failing line').toBeDefined();
    expect(line!['msg']).toContain('Unauthorized: token [REDACTED:configured-secret] rejected, try [REDACTED:github-token]');
    expect(line!['error']).toContain('[REDACTED:configured-secret]');
    const text = h.logText();
    expect(text).not.toContain(CRED);
    expect(text).not.toContain(gh.secret);

    const status = await h.admin<{ telemetry: { ok: boolean; error: string | null } }>('/status');
    expect(status.telemetry.ok).toBe(false);
    expect(status.telemetry.error).toContain('[REDACTED:configured-secret]');
    expect(JSON.stringify(status)).not.toContain(CRED);
  });
});
