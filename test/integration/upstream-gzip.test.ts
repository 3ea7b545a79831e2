/**
 * Issue #13: an upstream free to choose its coding (no Accept-Encoding means "any", RFC 9110) that
 * gzips its answer left the record `failed`/not JSON with no tokens, though the client got its
 * bytes. The gateway asks for identity encoding, so the record reads the answer.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { startGatewayHarness, type GatewayHarness } from '../helpers/gateway-harness.js';

const answer = readFileSync(new URL('../fixtures/anthropic/text.json', import.meta.url));
const seen: IncomingHttpHeaders[] = [];
let upstream: Server;
let h: GatewayHarness;

beforeAll(async () => {
  // Gzips unless the request says it accepts only identity (as real CDNs in front of APIs do).
  upstream = createServer((req, res) => {
    seen.push(req.headers);
    req.resume();
    req.on('end', () => {
      const ae = String(req.headers['accept-encoding'] ?? '');
      const identityOnly = ae.trim() === 'identity';
      if (identityOnly) res.writeHead(200, { 'content-type': 'application/json' }).end(answer);
      else res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' }).end(gzipSync(answer));
    });
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  h = await startGatewayHarness({ upstreamUrl: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}` });
});
afterAll(async () => {
  await h?.close();
  upstream?.close();
});

describe('upstream content encoding', () => {
  it('asks for identity encoding; the record has the answer and its tokens', async () => {
    const r = await h.post('/anthropic/v1/messages', { model: 'claude-gzip', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] }, { 'accept-encoding': 'gzip, br' });
    expect(r.status).toBe(200);
    expect(seen.at(-1)!['accept-encoding']).toBe('identity');
    const [rec] = await h.nextRecords(1);
    expect(rec).toMatchObject({ status: 'completed', http_status: 200 });
    expect(rec!.token_usages[0]).toMatchObject({ input_tokens: 21 });
  });
});
