/**
 * The strongest yardstick (issue #20): the fastest bare Node pass-through proxy we could write,
 * node:http on both sides — `http.request` over a keep-alive `http.Agent`, bodies `pipe`d both
 * ways, no parsing, no recording, headers copied from the raw arrays without building objects.
 * Whatever it reaches on these cores is the practical limit of a Node proxy here; the bench
 * reports the bridge against it and against the undici one (bench/bare-proxy.ts).
 *
 * Run as a child process: `node --import tsx bench/bare-http-proxy.ts UPSTREAM_URL`; prints
 * `listening on http://127.0.0.1:PORT`.
 */
import { Agent, createServer, request, type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

const upstreamArg = process.argv[2];
if (!upstreamArg) throw new Error('usage: bare-http-proxy.ts UPSTREAM_URL');
const up = new URL(upstreamArg);
const agent = new Agent({ keepAlive: true, keepAliveMsecs: 30_000, maxSockets: 256, maxFreeSockets: 256, scheduling: 'lifo' });

// Hop-by-hop headers (and host, which the agent sets), lower-case. content-length passes, so a
// sized body keeps its framing (one write, no chunked encoding) as the bridge does.
const HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'host', 'upgrade', 'te', 'trailer', 'proxy-connection']);

/** rawHeaders [k, v, k, v…] minus hop-by-hop, as the flat array node:http accepts. */
function passHeaders(raw: string[], first?: [string, string]): string[] {
  const out: string[] = first ? [...first] : [];
  for (let i = 0; i < raw.length; i += 2) {
    const k = raw[i]!;
    if (!HOP.has(k.toLowerCase())) out.push(k, raw[i + 1]!);
  }
  return out;
}

const server = createServer({ keepAliveTimeout: 65_000, requestTimeout: 0 }, (req, res) => {
  const out = request(
    {
      host: up.hostname,
      port: up.port,
      method: req.method,
      path: req.url,
      agent,
      // An array of headers gets no Host from node:http: ours goes first.
      headers: passHeaders(req.rawHeaders, ['Host', up.host]) as unknown as OutgoingHttpHeaders,
    },
    (ures: IncomingMessage) => {
      res.writeHead(ures.statusCode ?? 502, passHeaders(ures.rawHeaders));
      ures.pipe(res);
    },
  );
  out.on('error', () => res.destroy());
  res.on('close', () => {
    if (!res.writableFinished) out.destroy();
  });
  req.pipe(out);
});
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`listening on http://127.0.0.1:${(server.address() as AddressInfo).port}\n`);
});
// A clean exit on the bench's SIGTERM, so `--cpu-prof` (when profiling the yardstick) gets written.
process.on('SIGTERM', () => process.exit(0));
process.on('SIGINT', () => process.exit(0));
