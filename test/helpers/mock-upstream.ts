/**
 * A mock Anthropic + OpenAI upstream for tests: a real node:http server on 127.0.0.1, port 0.
 *
 * Routes (prefixes configurable; both default to `/v1`, which is what the gateway calls for an
 * Anthropic base `http://host/` and an OpenAI base `http://host/v1/`):
 *   Anthropic: POST {a}/messages, POST {a}/messages/count_tokens, GET {a}/models[/id]
 *   OpenAI:    POST {o}/chat/completions, POST {o}/responses, GET|DELETE {o}/responses/:id,
 *              GET {o}/models[/id]
 * With equal prefixes, `GET /v1/models` answers in Anthropic's shape when the request carries
 * `anthropic-version` or `x-api-key`, else in OpenAI's. Anything else: 404 in the provider's shape.
 *
 * Choosing the reply — first match wins:
 *  1. header `x-mock-reply: <MockReply JSON>` (any kind but `handler`), set by the test's client;
 *  2. header `x-mock-fixture: anthropic/tool-parallel.sse`, tuned by `x-mock-status`,
 *     `x-mock-chunk-size` (bytes per write), `x-mock-delay-ms` (pause between writes),
 *     `x-mock-die-after-bytes` / `x-mock-stall-after-bytes` (cut the stream there);
 *  3. header `x-mock-mode: hang | die | garbage`;
 *  4. the queue: `mock.enqueue(reply, route?)` — FIFO, each reply used once; a reply queued without
 *     a route goes to the next intercepted call (messages / chat / responses);
 *  5. sticky per route: `mock.setReply('chat', reply)` (null clears);
 *  6. defaults: `<provider>/text.sse` when the body has `stream: true`, else `<provider>/text.json`;
 *     fixed JSON for models, count_tokens and the stored-response routes.
 * Fixtures named `error-NNN.*` answer status NNN. Every answer carries `request-id` (Anthropic) or
 * `x-request-id` (OpenAI) = `req_mock_<n>`; throttling statuses add `retry-after` and rate-limit
 * headers. Streams are written one SSE event per write unless a ChunkPlan says otherwise.
 *
 * What the test can assert: `mock.requests` (method, path, search, headers, raw body, parsed JSON,
 * route) and per request `aborted` — true when the client (the gateway) closed the connection
 * before the answer was complete, which is how "client disconnect aborts upstream" is checked;
 * `await req.closed` waits for the connection to end. `close()` destroys open sockets.
 *
 * Example:
 *   const up = await startMockUpstream();
 *   // gateway configured with anthropic base = up.url, openai base = `${up.url}/v1/`
 *   up.enqueue({ kind: 'fixture', fixture: 'anthropic/tool-parallel.sse', chunks: { size: 7, delayMs: 2 } });
 *   up.enqueue({ kind: 'hang' });
 *   ...; await up.requests[1]!.closed; expect(up.requests[1]!.aborted).toBe(true);
 *   await up.close();
 */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  contentTypeOf,
  cutChunks,
  errorBodyFor,
  fixtureFile,
  planChunks,
  sleep,
  statusFromName,
  throttleHeaders,
  type ChunkPlan,
  type MockReply,
  type ReplyHeaders,
} from './mock-upstream-replies.js';

export type { ChunkPlan, MockReply } from './mock-upstream-replies.js';

/** Routes the mock knows. */
export type MockRoute =
  | 'messages'
  | 'count_tokens'
  | 'anthropic_models'
  | 'chat'
  | 'responses'
  | 'openai_models'
  | 'response_get'
  | 'response_delete'
  | 'not_found';

/** One request the mock received. */
export interface RecordedRequest {
  method: string;
  /** Path without the query string, as received. */
  path: string;
  /** Query string with its `?`, or ''. */
  search: string;
  headers: IncomingHttpHeaders;
  rawBody: Buffer;
  /** The body as UTF-8 text. */
  body: string;
  /** The parsed JSON body, or undefined when it was not JSON. */
  json: unknown;
  route: MockRoute;
  provider: 'anthropic' | 'openai';
  /** True when the client closed the connection before the answer was complete. */
  aborted: boolean;
  /** True once the answer was completely written. */
  finished: boolean;
  /** Resolves when the connection for this request is done (answered, aborted or killed). */
  closed: Promise<void>;
}

export interface MockUpstreamOptions {
  /** Path prefix of the Anthropic routes. Default `/v1`. */
  anthropicPrefix?: string;
  /** Path prefix of the OpenAI routes. Default `/v1`. */
  openaiPrefix?: string;
}

export interface MockUpstream {
  /** `http://127.0.0.1:PORT` (no trailing slash). */
  readonly url: string;
  readonly port: number;
  readonly requests: RecordedRequest[];
  /** Queues a one-shot reply; without `route` it serves the next intercepted call. */
  enqueue(reply: MockReply, route?: MockRoute): void;
  /** Sticky reply for a route (null restores the default). */
  setReply(route: MockRoute, reply: MockReply | null): void;
  /** Clears queue, sticky replies and recorded requests. */
  reset(): void;
  /** The last request; throws when there is none. */
  last(): RecordedRequest;
  /** Resolves once `count` requests arrived (rejects after `timeoutMs`, default 10 s). */
  waitForRequests(count: number, timeoutMs?: number): Promise<RecordedRequest[]>;
  close(): Promise<void>;
}

const INTERCEPTED = new Set<MockRoute>(['messages', 'chat', 'responses']);

function routeOf(method: string, path: string, headers: IncomingHttpHeaders, a: string, o: string): { route: MockRoute; provider: 'anthropic' | 'openai'; id?: string } {
  const anthropicish = headers['anthropic-version'] !== undefined || headers['x-api-key'] !== undefined;
  if (path.startsWith(`${a}/`)) {
    const rest = path.slice(a.length);
    if (method === 'POST' && rest === '/messages') return { route: 'messages', provider: 'anthropic' };
    if (method === 'POST' && rest === '/messages/count_tokens') return { route: 'count_tokens', provider: 'anthropic' };
    if (method === 'GET' && (rest === '/models' || rest.startsWith('/models/')) && (a !== o || anthropicish)) {
      return { route: 'anthropic_models', provider: 'anthropic', id: rest.slice('/models/'.length) || undefined };
    }
  }
  if (path.startsWith(`${o}/`)) {
    const rest = path.slice(o.length);
    if (method === 'POST' && rest === '/chat/completions') return { route: 'chat', provider: 'openai' };
    if (method === 'POST' && rest === '/responses') return { route: 'responses', provider: 'openai' };
    const m = /^\/responses\/([^/]+)$/.exec(rest);
    if (m?.[1] && method === 'GET') return { route: 'response_get', provider: 'openai', id: m[1] };
    if (m?.[1] && method === 'DELETE') return { route: 'response_delete', provider: 'openai', id: m[1] };
    if (method === 'GET' && (rest === '/models' || rest.startsWith('/models/'))) {
      return { route: 'openai_models', provider: 'openai', id: rest.slice('/models/'.length) || undefined };
    }
  }
  return { route: 'not_found', provider: anthropicish || path.includes('/messages') ? 'anthropic' : 'openai' };
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function numberHeader(headers: IncomingHttpHeaders, name: string): number | undefined {
  const v = header(headers, name);
  return v === undefined || v === '' || Number.isNaN(Number(v)) ? undefined : Number(v);
}

/** Steps 1–3 of the selection: a reply described by the request's own `x-mock-*` headers. */
function replyFromHeaders(h: IncomingHttpHeaders): MockReply | undefined {
  const json = header(h, 'x-mock-reply');
  if (json) return JSON.parse(json) as MockReply;
  const fixture = header(h, 'x-mock-fixture');
  if (fixture) {
    const chunks: ChunkPlan = {};
    const size = numberHeader(h, 'x-mock-chunk-size');
    const delay = numberHeader(h, 'x-mock-delay-ms');
    if (size !== undefined) chunks.size = size;
    if (delay !== undefined) chunks.delayMs = delay;
    const die = numberHeader(h, 'x-mock-die-after-bytes');
    if (die !== undefined) return { kind: 'die', fixture, afterBytes: die, chunks };
    const stall = numberHeader(h, 'x-mock-stall-after-bytes');
    if (stall !== undefined) return { kind: 'stall', fixture, afterBytes: stall, chunks };
    const status = numberHeader(h, 'x-mock-status');
    return status === undefined ? { kind: 'fixture', fixture, chunks } : { kind: 'fixture', fixture, chunks, status };
  }
  const mode = header(h, 'x-mock-mode');
  if (mode === 'hang' || mode === 'die' || mode === 'garbage') return { kind: mode };
  return undefined;
}

function defaultReply(route: MockRoute, provider: 'anthropic' | 'openai', json: unknown, id: string | undefined): MockReply {
  const streaming = typeof json === 'object' && json !== null && (json as { stream?: unknown }).stream === true;
  const ext = streaming ? 'sse' : 'json';
  switch (route) {
    case 'messages':
      return { kind: 'fixture', fixture: `anthropic/text.${ext}` };
    case 'chat':
      return { kind: 'fixture', fixture: `openai-chat/text.${ext}` };
    case 'responses':
      return { kind: 'fixture', fixture: `openai-responses/text.${ext}` };
    case 'count_tokens':
      return { kind: 'json', body: { input_tokens: 42 } };
    case 'anthropic_models': {
      const model = { type: 'model', id: id ?? 'claude-sonnet-4-5-20250929', display_name: 'Claude Sonnet 4.5', created_at: '2025-09-29T00:00:00Z' };
      return { kind: 'json', body: id ? model : { data: [model], has_more: false, first_id: model.id, last_id: model.id } };
    }
    case 'openai_models': {
      const model = { id: id ?? 'gpt-4o', object: 'model', created: 1715367049, owned_by: 'system' };
      return { kind: 'json', body: id ? model : { object: 'list', data: [model] } };
    }
    case 'response_get': {
      const body = JSON.parse(fixtureFile('openai-responses/text.json').toString('utf8')) as Record<string, unknown>;
      return { kind: 'json', body: { ...body, id } };
    }
    case 'response_delete':
      return { kind: 'json', body: { id, object: 'response', deleted: true } };
    case 'not_found':
      return { kind: 'error', status: 404, body: errorBodyFor(provider, 404) };
  }
}

/** Starts the mock on 127.0.0.1 with an OS-assigned port. */
export async function startMockUpstream(opts: MockUpstreamOptions = {}): Promise<MockUpstream> {
  const a = (opts.anthropicPrefix ?? '/v1').replace(/\/+$/, '');
  const o = (opts.openaiPrefix ?? '/v1').replace(/\/+$/, '');
  const requests: RecordedRequest[] = [];
  const queue: Array<{ reply: MockReply; route: MockRoute | undefined }> = [];
  const sticky = new Map<MockRoute, MockReply>();
  const waiters: Array<() => void> = [];
  let shuttingDown = false;
  let counter = 0;

  function pick(route: MockRoute, rec: RecordedRequest, id: string | undefined): MockReply {
    const own = replyFromHeaders(rec.headers);
    if (own) return own;
    const qi = queue.findIndex((q) => (q.route === undefined ? INTERCEPTED.has(route) : q.route === route));
    if (qi >= 0) return queue.splice(qi, 1)[0]!.reply;
    return sticky.get(route) ?? defaultReply(route, rec.provider, rec.json, id);
  }

  async function play(reply: MockReply, rec: RecordedRequest, res: ServerResponse, killed: () => void): Promise<void> {
    const base: ReplyHeaders = { [rec.provider === 'anthropic' ? 'request-id' : 'x-request-id']: `req_mock_${++counter}` };
    const streamingReq = typeof rec.json === 'object' && rec.json !== null && (rec.json as { stream?: unknown }).stream === true;
    const live = (): boolean => !res.destroyed && !shuttingDown;
    const writeAll = async (chunks: Buffer[], plan: ChunkPlan | undefined): Promise<void> => {
      for (let i = 0; i < chunks.length && live(); i++) {
        if (i > 0) await sleep(plan?.delayMs ?? 0);
        if (live()) res.write(chunks[i]);
      }
    };
    switch (reply.kind) {
      case 'fixture': {
        const bytes = fixtureFile(reply.fixture);
        const status = reply.status ?? statusFromName(reply.fixture);
        res.writeHead(status, { ...base, ...throttleHeaders(rec.provider, status), 'content-type': contentTypeOf(reply.fixture), 'cache-control': 'no-cache', ...reply.headers });
        await writeAll(planChunks(bytes, reply.chunks), reply.chunks);
        if (live()) res.end();
        return;
      }
      case 'json':
      case 'error': {
        const status = reply.kind === 'json' ? (reply.status ?? 200) : reply.status;
        const body = reply.kind === 'error' && reply.body === undefined ? errorBodyFor(rec.provider, status) : reply.body;
        const text = typeof body === 'string' ? body : JSON.stringify(body);
        res.writeHead(status, { ...base, ...throttleHeaders(rec.provider, status), 'content-type': 'application/json', ...reply.headers });
        res.end(text);
        return;
      }
      case 'hang':
        return; // the socket stays open until the client or close() ends it
      case 'stall':
      case 'die': {
        if (reply.kind === 'die' && reply.fixture === undefined) {
          killed();
          res.socket?.destroy();
          return;
        }
        const name = reply.fixture ?? '';
        const bytes = fixtureFile(name);
        res.writeHead(200, { ...base, 'content-type': contentTypeOf(name), 'cache-control': 'no-cache' });
        res.flushHeaders();
        await writeAll(cutChunks(bytes, planChunks(bytes, reply.chunks), reply.afterBytes, reply.afterEvents), reply.chunks);
        if (reply.kind === 'die' && live()) {
          await sleep(5); // let the bytes leave before the cut
          killed();
          res.socket?.destroy();
        }
        return;
      }
      case 'garbage': {
        const sse = streamingReq && reply.contentType === undefined;
        const body = reply.body ?? (sse ? 'data: {this is not json\n\nevent: ???\ndata: <html>oops</html>\n\n' : '<html><body>502 Bad Gateway (not an API response)</body></html>');
        res.writeHead(reply.status ?? 200, { ...base, 'content-type': reply.contentType ?? (sse ? 'text/event-stream' : 'application/json') });
        res.end(body);
        return;
      }
      case 'handler':
        await reply.handle(res, rec.json);
        return;
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const parts: Buffer[] = [];
    for await (const c of req) parts.push(c as Buffer);
    const rawBody = Buffer.concat(parts);
    const url = new URL(req.url ?? '/', 'http://mock');
    const method = req.method ?? 'GET';
    const r = routeOf(method, url.pathname, req.headers, a, o);
    let json: unknown;
    try {
      json = rawBody.length ? (JSON.parse(rawBody.toString('utf8')) as unknown) : undefined;
    } catch {
      json = undefined;
    }
    let resolveClosed: () => void = () => {};
    const rec: RecordedRequest = {
      method,
      path: url.pathname,
      search: url.search,
      headers: req.headers,
      rawBody,
      body: rawBody.toString('utf8'),
      json,
      route: r.route,
      provider: r.provider,
      aborted: false,
      finished: false,
      closed: new Promise<void>((resolve) => (resolveClosed = resolve)),
    };
    let killedByMock = false;
    res.on('finish', () => (rec.finished = true));
    res.on('close', () => {
      if (!res.writableFinished && !killedByMock && !shuttingDown) rec.aborted = true;
      resolveClosed();
    });
    requests.push(rec);
    for (const w of waiters.splice(0)) w();
    try {
      await play(pick(r.route, rec, r.id), rec, res, () => (killedByMock = true));
    } catch (err) {
      if (!res.headersSent && !res.destroyed) {
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(`mock upstream fault: ${String(err)}`);
      } else {
        res.destroy();
      }
    }
  }

  const server = createServer((req, res) => void handle(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    enqueue: (reply, route) => void queue.push({ reply, route }),
    setReply: (route, reply) => void (reply ? sticky.set(route, reply) : sticky.delete(route)),
    reset() {
      queue.length = 0;
      sticky.clear();
      requests.length = 0;
    },
    last() {
      const r = requests[requests.length - 1];
      if (!r) throw new Error('mock upstream: no request received');
      return r;
    },
    async waitForRequests(count, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (requests.length < count) {
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`mock upstream: ${requests.length} of ${count} requests after ${timeoutMs} ms`);
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, left);
          waiters.push(() => {
            clearTimeout(t);
            resolve();
          });
        });
      }
      return requests.slice(0, count);
    },
    async close() {
      shuttingDown = true;
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
