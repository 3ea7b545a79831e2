/**
 * The yardstick for throughput (SPEC §9): a bare Node pass-through proxy, node:http in front of
 * undici, no parsing, no recording. Whatever it reaches on these cores is the practical limit of
 * any Node proxy here. Run as a child process: `node --import tsx bench/bare-proxy.ts UPSTREAM_URL`;
 * prints `listening on http://127.0.0.1:PORT`.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { once } from 'node:events';
import { Agent, request } from 'undici';

const upstream = process.argv[2];
if (!upstream) throw new Error('usage: bare-proxy.ts UPSTREAM_URL');
const agent = new Agent({ keepAliveTimeout: 30_000, connections: 256 });
const HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'host', 'content-length', 'upgrade', 'te', 'trailer']);

const server = createServer({ keepAliveTimeout: 65_000, requestTimeout: 0 }, (req, res) => {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) if (v !== undefined && !HOP.has(k)) headers[k] = Array.isArray(v) ? v.join(', ') : v;
  const ac = new AbortController();
  res.on('close', () => { if (!res.writableFinished) ac.abort(); });
  request(upstream + (req.url ?? '/'), { method: 'POST', headers, body: req, dispatcher: agent, signal: ac.signal })
    .then(async (up) => {
      const out: Record<string, string> = {};
      for (const [k, v] of Object.entries(up.headers)) if (v !== undefined && !HOP.has(k)) out[k] = Array.isArray(v) ? v.join(', ') : v;
      res.writeHead(up.statusCode, out);
      for await (const chunk of up.body) if (!res.write(chunk)) await once(res, 'drain');
      res.end();
    })
    .catch(() => res.destroy());
});
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`listening on http://127.0.0.1:${(server.address() as AddressInfo).port}\n`);
});
// A clean exit on the bench's SIGTERM, so `--cpu-prof` (when profiling the yardstick) gets written.
process.on('SIGTERM', () => process.exit(0));
process.on('SIGINT', () => process.exit(0));
