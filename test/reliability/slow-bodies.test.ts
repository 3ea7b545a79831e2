/**
 * Issue #13 against the built gateway as a child process: clients that trickle their request
 * bodies (with and without a bridge token) and clients that send `Expect: 100-continue`.
 *
 * - 200 unauthenticated sockets announcing 1 MB bodies and sending a byte every 200 ms are all
 *   closed by the gateway (401, no draining); 8 authenticated tricklers on a gateway with
 *   `--max-concurrency 8` end with 408 after `--body-timeout` (a normal call is refused 429 while
 *   they hold the slots and served after); the gateway's RSS stays bounded throughout.
 * - curl posting 2 MiB bodies (curl adds `Expect: 100-continue` by itself) 8 times in a row: all
 *   200, no circuit opens (the breaker's threshold is 2 here).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type Socket } from 'node:net';
import { spawn } from 'node:child_process';
import { startMockUpstream, type MockUpstream } from '../helpers/mock-upstream.js';
import { adminGet, allRecords, anthropicBody, providerArgs, sleep, startGatewayProcess, tempDataDir, type GatewayProcess } from './harness.js';

let up: MockUpstream;
let data: ReturnType<typeof tempDataDir>;
let gw: GatewayProcess;

beforeAll(async () => {
  up = await startMockUpstream();
  data = tempDataDir('trickle');
  gw = await startGatewayProcess({
    dataDir: data.dir,
    args: [...providerArgs(up.url), '--body-idle-timeout', '2s', '--body-timeout', '4s', '--max-concurrency', '8', '--circuit-failure-threshold', '2'],
  });
});
afterAll(async () => {
  await gw?.stop();
  await up?.close();
  data?.cleanup();
});

interface Trickler {
  socket: Socket;
  closed: () => boolean;
  text: () => string;
}

function trickler(headers: string[], length: number): Trickler {
  const socket = connect(gw.port, '127.0.0.1');
  let closed = false;
  let got = '';
  socket.on('error', () => {});
  socket.setEncoding('utf8').on('data', (d: string) => (got += d));
  socket.once('close', () => (closed = true));
  socket.once('connect', () => {
    socket.write(['POST /anthropic/v1/messages HTTP/1.1', `Host: 127.0.0.1:${gw.port}`, 'Content-Type: application/json', `Content-Length: ${length}`, ...headers].join('\r\n') + '\r\n\r\n{');
    const t = setInterval(() => {
      if (closed || socket.destroyed) clearInterval(t);
      else socket.write(' ');
    }, 200);
  });
  return { socket, closed: () => closed, text: () => got };
}

async function until(cond: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) return false;
    await sleep(50);
  }
  return true;
}

describe('trickled request bodies', () => {
  it('unauthenticated tricklers are cut off at once; authenticated ones end with 408; RSS bounded', async () => {
    const baseline = gw.rssMb();
    const anon = Array.from({ length: 200 }, () => trickler([], 1_000_000));
    expect(await until(() => anon.every((t) => t.closed()), 20_000)).toBe(true);
    expect(anon.every((t) => /^HTTP\/1\.1 401/.test(t.text()))).toBe(true);

    const auth = Array.from({ length: 8 }, () => trickler([`x-api-key: ${data.token}`, 'anthropic-version: 2023-06-01'], 1_000_000));
    await sleep(500);
    // All 8 slots are held by tricklers: a normal call is refused (429) for now …
    const refused = await fetch(`${gw.url}/anthropic/v1/messages`, { method: 'POST', headers: { 'x-api-key': data.token, 'content-type': 'application/json' }, body: anthropicBody() });
    expect(refused.status).toBe(429);
    await refused.text();
    // … until the body clock (4 s) ends them.
    expect(await until(() => auth.every((t) => t.closed()), 20_000)).toBe(true);
    expect(auth.map((t) => /^HTTP\/1\.1 (\d+)/.exec(t.text())?.[1])).toEqual(Array(8).fill('408'));
    const ok = await fetch(`${gw.url}/anthropic/v1/messages`, { method: 'POST', headers: { 'x-api-key': data.token, 'content-type': 'application/json' }, body: anthropicBody() });
    expect(ok.status).toBe(200);
    await ok.text();
    const rss = gw.rssMb();
    console.log(`trickled bodies: 200 unauthenticated + 8 authenticated; RSS ${baseline.toFixed(0)} → ${rss.toFixed(0)} MB`);
    expect(rss - baseline).toBeLessThan(100);

    await sleep(1500);
    const recs = await allRecords(gw);
    expect(recs.filter((r) => r.http_status === 408)).toHaveLength(8);
    expect(recs.filter((r) => r.http_status === 429)).toHaveLength(1);
  });
});

describe('Expect: 100-continue', () => {
  it('curl with 2 MiB bodies: 8 × 200, no circuit opens', async () => {
    const body = JSON.stringify({ model: 'claude-rel-expect', max_tokens: 5, messages: [{ role: 'user', content: 'x'.repeat(2 * 2 ** 20) }] });
    const codes: string[] = [];
    for (let i = 0; i < 8; i++) {
      const child = spawn('curl', ['-sS', '-o', '/dev/null', '-w', '%{http_code}', '-H', `x-api-key: ${data.token}`, '-H', 'content-type: application/json', '--data-binary', '@-', `${gw.url}/anthropic/v1/messages`]);
      let out = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
      child.stdin.end(body);
      await new Promise((r) => child.once('close', r));
      codes.push(out.trim());
    }
    expect(codes).toEqual(Array(8).fill('200'));
    const st = await adminGet<{ overload: { circuits: unknown[] } }>(gw, '/api/v1/status');
    expect(st.overload.circuits).toEqual([]);
    expect(up.requests.filter((r) => r.headers['expect'] !== undefined)).toEqual([]);
  });
});
