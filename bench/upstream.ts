/**
 * The bench's own upstream: a minimal Anthropic Messages endpoint on 127.0.0.1 with a fixed
 * latency and a fixed chunk cadence (no fixtures, no per-request bookkeeping, so it costs as little
 * CPU as possible and the same for every path measured).
 *
 * Model `claude-sonnet-4-5` (asked and answered), so each record is priced (SPEC §11) like a real call.
 * - Blocking (`"stream":true` absent from the body): answers a ~600-byte message after `latencyMs`.
 * - Streaming: after `latencyMs` sends `message_start`, then `x-bench-chunks` text deltas (default
 *   20) one write each, `x-bench-cadence-ms` apart (default 10), then the closing events. Every
 *   delta carries `bench_ts`: {@link benchClock} at the moment of its write, which the load
 *   generator compares with its own at receipt.
 *
 * `npm run bench` runs it as its own process (`node --import tsx bench/upstream.ts LATENCY_MS`,
 * prints `listening on URL`): in the load generator's process it capped the node:http proxy at the
 * load generator's own rate on a quick day (docs/performance.md, fifteenth step), so the yardstick
 * read weaker than it is. `bench/ab-builds.ts` runs it the same way.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isMain } from './fresh-child.js';

/**
 * A millisecond clock shared across this machine's processes: the process's time origin (the wall
 * clock, µs, read once at its start) plus the monotonic time since. Two processes agree to well
 * within a pipe round trip: the child's reading always fell inside the parent's send → receive
 * window, 24–189 µs from either end (docs/performance.md, fifteenth step).
 */
export const benchClock = (): number => performance.timeOrigin + performance.now();

export interface BenchUpstream {
  readonly url: string;
  close(): Promise<void>;
}

const MESSAGE = JSON.stringify({
  id: 'msg_bench_0001',
  type: 'message',
  role: 'assistant',
  model: 'claude-sonnet-4-5',
  content: [{ type: 'text', text: 'The quick brown fox jumps over the lazy dog. '.repeat(8) }],
  stop_reason: 'end_turn',
  stop_sequence: null,
  usage: { input_tokens: 12, output_tokens: 80, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 },
});

const sse = (event: string, data: object) => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
const START = sse('message_start', {
  type: 'message_start',
  message: { id: 'msg_bench_0002', type: 'message', role: 'assistant', model: 'claude-sonnet-4-5', content: [], stop_reason: null, usage: { input_tokens: 12, output_tokens: 1 } },
}) + sse('content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } });
const END =
  sse('content_block_stop', { type: 'content_block_stop', index: 0 }) +
  sse('message_delta', { type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 40 } }) +
  sse('message_stop', { type: 'message_stop' });

export async function startBenchUpstream(opts: { latencyMs: number }): Promise<BenchUpstream> {
  const server: Server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      const streaming = Buffer.concat(parts).includes('"stream":true');
      const chunks = Number(req.headers['x-bench-chunks'] ?? 20);
      const cadence = Number(req.headers['x-bench-cadence-ms'] ?? 10);
      setTimeout(() => {
        if (!streaming) {
          res.writeHead(200, { 'content-type': 'application/json', 'request-id': 'req_bench' }).end(MESSAGE);
          return;
        }
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', 'request-id': 'req_bench' });
        res.write(START);
        let sent = 0;
        const timer = setInterval(() => {
          if (res.destroyed) return clearInterval(timer);
          if (sent === chunks) {
            clearInterval(timer);
            res.end(END);
            return;
          }
          sent++;
          res.write(
            `event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"token ${sent} "},"bench_ts":${benchClock()}}\n\n`,
          );
        }, cadence);
        res.on('close', () => clearInterval(timer));
      }, opts.latencyMs);
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

if (isMain(import.meta.url)) {
  const latencyMs = Number(process.argv[2] ?? 2);
  const up = await startBenchUpstream({ latencyMs });
  process.stdout.write(`listening on ${up.url}\n`);
  process.on('SIGTERM', () => void up.close().then(() => process.exit(0)));
  // The bench holds this process's stdin: when the bench ends, however it ends, so does this.
  process.stdin.on('end', () => process.exit(0)).resume();
}
