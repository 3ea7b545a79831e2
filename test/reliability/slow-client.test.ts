/**
 * A client that stops reading a big stream: the gateway's memory stays bounded and backpressure
 * reaches upstream — the upstream's `res.write` returns false and stays blocked — instead of the
 * gateway buffering the stream. When the client reads again, the stream moves again; when it goes
 * away, the upstream call is aborted and the record is `cancelled`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { once } from 'node:events';
import { allRecords, anthropicBody, bridgeHeaders, client, providerArgs, sleep, startGatewayProcess, tempDataDir, type GatewayProcess } from './harness.js';
import { request } from 'undici';

const TOTAL = 512 * 2 ** 20;
const EVENT = `event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"${'x'.repeat(16_000)}"}}\n\n`;

const upstream = { written: 0, blocked: false, closedEarly: false, done: false };
let server: Server;
let data: ReturnType<typeof tempDataDir>;
let gw: GatewayProcess;

beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume();
    if (req.method !== 'POST') {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"data":[],"has_more":false}');
      return;
    }
    req.on('end', async () => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('event: message_start\ndata: {"type":"message_start","message":{"id":"msg_slow","type":"message","role":"assistant","model":"claude-rel-1","content":[],"usage":{"input_tokens":1,"output_tokens":1}}}\n\n');
      res.on('close', () => {
        if (!upstream.done) upstream.closedEarly = true;
      });
      while (upstream.written < TOTAL && !res.destroyed) {
        upstream.written += EVENT.length;
        if (!res.write(EVENT)) {
          upstream.blocked = true;
          // The waits of the loser are taken off again: one per block would pile up on `res`.
          const ac = new AbortController();
          await Promise.race([once(res, 'drain', { signal: ac.signal }), once(res, 'close', { signal: ac.signal })]);
          ac.abort();
          upstream.blocked = false;
        }
      }
      if (res.destroyed) return;
      upstream.done = true;
      res.end('event: message_stop\ndata: {"type":"message_stop"}\n\n');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  data = tempDataDir('slow');
  gw = await startGatewayProcess({ dataDir: data.dir, args: providerArgs(`http://127.0.0.1:${(server.address() as AddressInfo).port}`) });
});
afterAll(async () => {
  await gw?.stop();
  server?.closeAllConnections();
  server?.close();
  data?.cleanup();
});

describe('slow client', () => {
  it('memory bounded, upstream writes block, resume moves it, leaving cancels upstream', async () => {
    // Warm the gateway so its baseline includes the code paths a stream uses.
    const warm = await request(`${gw.url}/anthropic/v1/models`, { headers: bridgeHeaders(data.token), dispatcher: client });
    await warm.body.text();
    const baseline = gw.rssMb();

    const url = new URL(`${gw.url}/anthropic/v1/messages`);
    const req = httpRequest({ host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: bridgeHeaders(data.token) });
    req.end(anthropicBody({ stream: true }));
    const [res] = (await once(req, 'response')) as [IncomingMessage];
    expect(res.statusCode).toBe(200);
    res.pause(); // stop reading: the socket's receive window fills up

    await sleep(2000);
    const writtenA = upstream.written;
    await sleep(1500);
    const writtenB = upstream.written;
    const rssPaused = gw.rssMb();
    console.log(`slow client: upstream wrote ${(writtenB / 2 ** 20).toFixed(1)} MiB of ${TOTAL / 2 ** 20} MiB and is blocked=${upstream.blocked}; gateway RSS ${baseline.toFixed(0)} → ${rssPaused.toFixed(0)} MB`);
    expect(upstream.blocked).toBe(true);
    expect(writtenB).toBe(writtenA); // nothing moved for 1.5 s: the writes are held up
    expect(writtenB).toBeLessThan(64 * 2 ** 20); // socket buffers along the path, not the gateway's heap
    expect(rssPaused - baseline).toBeLessThan(64);

    // Read for a while: the stream moves again, memory stays flat.
    let got = 0;
    res.on('data', (c: Buffer) => {
      got += c.length;
      if (got > 48 * 2 ** 20) res.pause(); // enough to prove it moves; keep the rest for the abort
    });
    res.resume();
    await expect.poll(() => got, { timeout: 20_000 }).toBeGreaterThan(48 * 2 ** 20);
    expect(upstream.written).toBeGreaterThan(writtenB + 40 * 2 ** 20);
    expect(gw.rssMb() - baseline).toBeLessThan(96);

    // Go away mid-stream: the upstream call is aborted and the record is cancelled.
    req.destroy();
    await expect.poll(() => upstream.closedEarly, { timeout: 10_000 }).toBe(true);
    expect(upstream.done).toBe(false);
    await expect.poll(async () => (await allRecords(gw)).map((r) => r.status), { timeout: 10_000 }).toEqual(['cancelled']);
  });
});
