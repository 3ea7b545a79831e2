/**
 * Yardsticks between the node:http bare proxy (bench/bare-http-proxy.ts) and the bridge, to
 * decompose the gap (issue #20, fourth step): each adds one thing the bridge's request path does.
 *
 * - `http-buffer`: the request body read into one Buffer (as src/gateway/http/read-body.ts does),
 *   then sent with its content-length via `http.request` over a keep-alive `http.Agent`; the answer
 *   `pipe`d back.
 * - `http-parse`: the same plus `JSON.parse` of the body (the bridge parses every body once).
 * - `dispatch-buffer`: the body read into one Buffer, sent through undici's `Agent.dispatch` with a
 *   minimal handler (headers → `writeHead`, chunks → `write`, complete → `end`): the bridge's
 *   client style (src/gateway/upstream/dispatch.ts), same pool options, a headers object per call.
 * - `dispatch-parse`: the same plus `JSON.parse`.
 *
 * Run as a child process: `node --import tsx bench/yard-proxy.ts MODE UPSTREAM_URL`; prints
 * `listening on http://127.0.0.1:PORT`. `bench/ab-builds.ts` takes `yard:MODE` as a target.
 */
import { Agent as HttpAgent, createServer, request, type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent, type Dispatcher } from 'undici';

const MODES = ['http-buffer', 'http-parse', 'dispatch-buffer', 'dispatch-parse'] as const;
type Mode = (typeof MODES)[number];
const [modeArg, upstreamArg] = process.argv.slice(2);
if (!MODES.includes(modeArg as Mode) || !upstreamArg) throw new Error(`usage: yard-proxy.ts ${MODES.join('|')} UPSTREAM_URL`);
const mode = modeArg as Mode;
const parse = mode.endsWith('-parse');
const up = new URL(upstreamArg);
const origin = up.origin;

const HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'host', 'content-length', 'upgrade', 'te', 'trailer', 'proxy-connection']);

/** rawHeaders [k, v, k, v…] minus hop-by-hop, as the flat array node:http accepts. */
function passRaw(raw: string[], first: string[]): string[] {
  const out = first;
  for (let i = 0; i < raw.length; i += 2) {
    const k = raw[i]!;
    if (!HOP.has(k.toLowerCase())) out.push(k, raw[i + 1]!);
  }
  return out;
}

/** The request body in one Buffer (one piece: no copy). */
function readBody(req: IncomingMessage, done: (body: Buffer) => void): void {
  const parts: Buffer[] = [];
  let n = 0;
  req.on('data', (c: Buffer) => {
    parts.push(c);
    n += c.length;
  });
  req.on('end', () => done(parts.length === 1 ? parts[0]! : Buffer.concat(parts, n)));
}

const httpAgent = new HttpAgent({ keepAlive: true, keepAliveMsecs: 30_000, maxSockets: 256, maxFreeSockets: 256, scheduling: 'lifo' });

function viaHttp(req: IncomingMessage, res: ServerResponse, body: Buffer): void {
  const out = request(
    {
      host: up.hostname,
      port: up.port,
      method: req.method,
      path: req.url,
      agent: httpAgent,
      headers: passRaw(req.rawHeaders, ['Host', up.host, 'Content-Length', String(body.length)]) as unknown as OutgoingHttpHeaders,
    },
    (ures: IncomingMessage) => {
      const h: string[] = [];
      res.writeHead(ures.statusCode ?? 502, passRaw(ures.rawHeaders, h));
      ures.pipe(res);
    },
  );
  out.on('error', () => res.destroy());
  res.on('close', () => {
    if (!res.writableFinished) out.destroy();
  });
  out.end(body);
}

const pool = new Agent({ keepAliveTimeout: 30_000, keepAliveMaxTimeout: 600_000, connections: 256 });

class Handler implements Dispatcher.DispatchHandler {
  constructor(private readonly res: ServerResponse) {}
  onConnect(): void {}
  onHeaders(status: number, raw: Buffer[]): boolean {
    if (status < 200) return true;
    const h: string[] = [];
    for (let i = 0; i + 1 < raw.length; i += 2) {
      const k = raw[i]!.toString('latin1');
      if (!HOP.has(k.toLowerCase())) h.push(k, raw[i + 1]!.toString('latin1'));
    }
    this.res.writeHead(status, h);
    return true;
  }
  onData(chunk: Buffer): boolean {
    this.res.write(chunk);
    return true;
  }
  onComplete(): void {
    this.res.end();
  }
  onError(): void {
    this.res.destroy();
  }
}

function viaDispatch(req: IncomingMessage, res: ServerResponse, body: Buffer): void {
  // A headers object per call, as the bridge's adapters build one.
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string' && !HOP.has(k)) headers[k] = v;
  headers['content-length'] = String(body.length);
  pool.dispatch({ origin, path: req.url ?? '/', method: 'POST', headers, body }, new Handler(res));
}

const forward = mode.startsWith('http-') ? viaHttp : viaDispatch;

const server = createServer({ keepAliveTimeout: 65_000, requestTimeout: 0 }, (req, res) => {
  readBody(req, (body) => {
    if (parse) {
      try {
        JSON.parse(body.toString('utf8'));
      } catch {
        res.writeHead(400).end();
        return;
      }
    }
    forward(req, res, body);
  });
});
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`listening on http://127.0.0.1:${(server.address() as AddressInfo).port}\n`);
});
process.on('SIGTERM', () => process.exit(0));
process.on('SIGINT', () => process.exit(0));
