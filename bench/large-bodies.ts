/**
 * Bench row "RSS with 6 concurrent 30 MB bodies" (issue #13): a fresh `aibridge serve` (recording
 * and structured logging on), an upstream that reads each body and answers after a pause (so the six
 * calls overlap in the gateway), six clients each POSTing a 30 MB Anthropic Messages body (one 30 MB
 * user prompt) at once. Reports the gateway's idle RSS and its peak RSS while the six are in flight.
 *
 * Run alone: `npm run build && node --import tsx bench/run.ts --only large` (also part of `npm run bench`).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBridgeToken, startGatewayProcess } from '../test/reliability/gateway-process.js';

export interface LargeBodyFigures {
  idleMb: number;
  peakMb: number;
  statuses: number[];
}

/** Runs the measure; `bodies` × `mb` MB bodies at once, answered after `holdMs`. */
export async function largeBodies(opts: { bodies?: number; mb?: number; holdMs?: number; args?: string[] } = {}): Promise<LargeBodyFigures> {
  const n = opts.bodies ?? 6;
  const mb = opts.mb ?? 30;
  const hold = opts.holdMs ?? 1500;
  const upstream = createServer((req, res) => {
    let bytes = 0;
    req.on('data', (c: Buffer) => (bytes += c.length));
    req.on('end', () => {
      setTimeout(() => {
        res.writeHead(200, { 'content-type': 'application/json', 'request-id': 'req_big' });
        res.end(JSON.stringify({
          id: 'msg_big', type: 'message', role: 'assistant', model: 'claude-bench-1',
          content: [{ type: 'text', text: `read ${bytes} bytes` }], stop_reason: 'end_turn',
          usage: { input_tokens: 12, output_tokens: 5 },
        }));
      }, hold);
    });
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  const upUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  const dir = mkdtempSync(join(tmpdir(), 'abr-bench-large-'));
  const token = createBridgeToken(dir);
  const gw = await startGatewayProcess({
    dataDir: dir,
    args: ['--enabled', '--anthropic-key', 'sk-ant-bench-0000000000000000', '--anthropic-base-url', upUrl + '/', '--structured-logging', '--log-json', join(dir, 'log.jsonl'), ...(opts.args ?? [])],
  });
  try {
    const body = (i: number) =>
      Buffer.from(JSON.stringify({ model: 'claude-bench-1', max_tokens: 16, messages: [{ role: 'user', content: String(i % 10).repeat(mb * 1_000_000) }] }));
    const call = (b: Buffer) =>
      fetch(`${gw.url}/anthropic/v1/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': token, 'anthropic-version': '2023-06-01' },
        body: b,
      }).then(async (r) => (await r.arrayBuffer(), r.status));
    // Warm up with one small call, then let the heap settle.
    await call(Buffer.from(JSON.stringify({ model: 'claude-bench-1', max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] })));
    await new Promise((r) => setTimeout(r, 500));
    const idleMb = gw.rssMb();
    let peakMb = idleMb;
    const sampler = setInterval(() => (peakMb = Math.max(peakMb, gw.rssMb())), 50);
    const bodies = Array.from({ length: n }, (_, i) => body(i));
    const statuses = await Promise.all(bodies.map(call));
    clearInterval(sampler);
    peakMb = Math.max(peakMb, gw.rssMb());
    return { idleMb, peakMb, statuses };
  } finally {
    await gw.stop();
    await new Promise<void>((r) => upstream.close(() => r()));
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const f = await largeBodies();
  process.stdout.write(`RSS with 6 concurrent 30 MB bodies: peak ${f.peakMb.toFixed(0)} MB (idle ${f.idleMb.toFixed(0)} MB), statuses ${f.statuses.join(',')}\n`);
}
