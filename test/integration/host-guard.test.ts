/**
 * The DNS-rebinding guard end to end (SPEC §4): a running gateway refuses hostile Host headers on
 * provider routes, the admin API and the dashboard, and `--allowed-hosts` opens exactly the names
 * it lists. node:http sets the Host header verbatim (fetch would not let us).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'node:http';
import { startGatewayHarness, type GatewayHarness } from '../helpers/gateway-harness.js';

function get(url: string, path: string, host: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({ host: u.hostname, port: u.port, path, method: 'GET', headers: { host, ...headers } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

let plain: GatewayHarness;
let open: GatewayHarness;

beforeAll(async () => {
  plain = await startGatewayHarness();
  open = await startGatewayHarness({ argv: ['--allowed-hosts', 'bridge.corp,gw.internal'] });
});
afterAll(async () => {
  await plain?.close();
  await open?.close();
});

describe('Host guard on a running gateway', () => {
  it('refuses hostile names with 403 everywhere and accepts loopback names', async () => {
    const port = new URL(plain.url).port;
    for (const path of ['/api/v1/status', '/', '/anthropic/v1/models']) {
      for (const host of [`127.0.0.1.evil.com:${port}`, `localhost.evil.com:${port}`, `bridge.corp:${port}`, '[::1].evil.com']) {
        const r = await get(plain.url, path, host, { authorization: `Bearer ${plain.app.adminToken}` });
        expect(r.status, `${host} ${path}`).toBe(403);
      }
      const ok = await get(plain.url, path, `localhost:${port}`, { authorization: `Bearer ${plain.app.adminToken}` });
      expect(ok.status, path).not.toBe(403);
    }
  });

  it('--allowed-hosts lets exactly the listed names in', async () => {
    const port = new URL(open.url).port;
    const auth = { authorization: `Bearer ${open.app.adminToken}` };
    expect((await get(open.url, '/api/v1/status', `bridge.corp:${port}`, auth)).status).toBe(200);
    expect((await get(open.url, '/api/v1/status', 'GW.INTERNAL', auth)).status).toBe(200);
    expect((await get(open.url, '/api/v1/status', `bridge.corp.evil.com:${port}`, auth)).status).toBe(403);
    expect((await get(open.url, '/api/v1/status', `x.bridge.corp`, auth)).status).toBe(403);
  });
});
