/**
 * A loopback mock of the Bedrock runtime (node:http, port 0) for tests. It checks that every call
 * carries a well-formed SigV4 `Authorization` header and `x-amz-date`, records what it got, answers
 * `POST /model/{id}/invoke` with the Anthropic message JSON and
 * `POST /model/{id}/invoke-with-response-stream` with a real AWS event stream (frames encoded with
 * `@smithy/eventstream-codec`, `chunk` payloads `{"bytes":"<base64 Anthropic event>"}`), built from
 * the recorded streams in test/fixtures/bedrock/*.sse. It enforces Bedrock's body rules for Claude
 * (no `model`/`stream`, `anthropic_version: bedrock-2023-05-31`) like the real service.
 */
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { EventStreamCodec, type MessageHeaders } from '@smithy/eventstream-codec';
import { fromUtf8, toUtf8 } from '@smithy/util-utf8';

const codec = new EventStreamCodec(toUtf8, fromUtf8);
const FIXTURES = fileURLToPath(new URL('../fixtures/bedrock/', import.meta.url));

export type FixtureName = 'text' | 'tool-use' | 'thinking';

/** Bedrock error classes the mock can answer with: status, `x-amzn-errortype` name, message. */
export const MOCK_ERRORS = {
  throttling: { status: 429, type: 'ThrottlingException', message: 'Too many requests, please wait before trying again.' },
  validation: { status: 400, type: 'ValidationException', message: 'messages.0.content: Field required' },
  'access-denied': { status: 403, type: 'AccessDeniedException', message: "You don't have access to the model with the specified model ID." },
  'model-not-ready': { status: 429, type: 'ModelNotReadyException', message: 'Model is not ready for inference. Retry your request.' },
  'service-unavailable': { status: 503, type: 'ServiceUnavailableException', message: 'Bedrock is unable to process your request.' },
  'not-found': { status: 404, type: 'ResourceNotFoundException', message: 'Could not resolve the foundation model from the model identifier.' },
  internal: { status: 500, type: 'InternalServerException', message: 'The server encountered an internal error.' },
  'model-timeout': { status: 408, type: 'ModelTimeoutException', message: 'Model has timed out in processing the request.' },
} as const;
export type MockErrorName = keyof typeof MOCK_ERRORS;

/**
 * What the next calls get (sticky until changed). A fixture name answers normally; an error name
 * answers that status; `exception-mid-stream` streams the text fixture's first events then an
 * exception frame; `hang` never answers; `die` closes the connection without answering;
 * `die-mid-stream` closes it after a few frames; `slow-stream` sends deltas every `intervalMs`.
 */
export type MockScenario = FixtureName | MockErrorName | 'exception-mid-stream' | 'hang' | 'die' | 'die-mid-stream' | 'slow-stream';

export interface ScenarioOptions {
  /** `:exception-type` for `exception-mid-stream` (camelCase, as on the wire). */
  exceptionType?: string;
  exceptionMessage?: string;
  /** Events sent before the exception / the cut. */
  after?: number;
  intervalMs?: number;
}

export interface MockBedrockRequest {
  method: string;
  /** Raw path as received, e.g. `/model/us.anthropic.claude-x%3A0/invoke`. */
  path: string;
  /** URL-decoded model id. */
  modelId: string;
  operation: 'invoke' | 'invoke-with-response-stream' | 'other';
  headers: IncomingHttpHeaders;
  rawBody: Buffer;
  body: unknown;
  /** Null when the SigV4 header was well formed, else what was wrong. */
  authProblem: string | null;
  /** SigV4 credential scope parts when well formed. */
  credential: { accessKeyId: string; date: string; region: string; service: string } | null;
  /** True once the client closed the connection before the answer was complete. */
  clientClosed: boolean;
  /** True once the answer was written completely. */
  finished: boolean;
}

export interface MockBedrock {
  /** e.g. http://127.0.0.1:PORT (the base URL for `--bedrock-base-url`). */
  readonly url: string;
  readonly requests: MockBedrockRequest[];
  setScenario(s: MockScenario, opts?: ScenarioOptions): void;
  /** The last request, throwing when there was none. */
  last(): MockBedrockRequest;
  close(): Promise<void>;
}

/** The events of a fixture stream, in order. */
export function fixtureEvents(name: FixtureName): { event: string; data: string }[] {
  const text = readFileSync(`${FIXTURES}${name}.sse`, 'utf8');
  return text
    .split(/\n\n+/)
    .map((block) => block.trim())
    .filter((block) => block !== '')
    .map((block) => {
      const event = /^event: (.*)$/m.exec(block)?.[1] ?? '';
      const data = /^data: (.*)$/m.exec(block)?.[1] ?? '';
      return { event, data };
    });
}

/** The raw text of a fixture (`event:` lines and all). */
export function fixtureText(name: FixtureName): string {
  return readFileSync(`${FIXTURES}${name}.sse`, 'utf8');
}

type Json = Record<string, unknown>;

/** The blocking (InvokeModel) answer equivalent to a fixture stream. */
export function blockingMessage(name: FixtureName): Json {
  const events = fixtureEvents(name).map((e) => JSON.parse(e.data) as Json);
  const start = events.find((e) => e['type'] === 'message_start');
  const message = { ...((start?.['message'] as Json | undefined) ?? {}) };
  const blocks: Json[] = [];
  const partial: string[] = [];
  for (const ev of events) {
    const index = typeof ev['index'] === 'number' ? ev['index'] : 0;
    if (ev['type'] === 'content_block_start') {
      blocks[index] = { ...(ev['content_block'] as Json) };
      partial[index] = '';
    } else if (ev['type'] === 'content_block_delta') {
      const d = ev['delta'] as Json;
      const b = blocks[index] ?? {};
      if (d['type'] === 'text_delta') b['text'] = String(b['text'] ?? '') + String(d['text']);
      if (d['type'] === 'thinking_delta') b['thinking'] = String(b['thinking'] ?? '') + String(d['thinking']);
      if (d['type'] === 'signature_delta') b['signature'] = String(d['signature']);
      if (d['type'] === 'input_json_delta') partial[index] = (partial[index] ?? '') + String(d['partial_json']);
    } else if (ev['type'] === 'content_block_stop') {
      const b = blocks[index];
      if (b && b['type'] === 'tool_use') b['input'] = JSON.parse(partial[index] || '{}');
    } else if (ev['type'] === 'message_delta') {
      const d = ev['delta'] as Json;
      message['stop_reason'] = d['stop_reason'];
      message['stop_sequence'] = d['stop_sequence'];
      message['usage'] = { ...(message['usage'] as Json), ...(ev['usage'] as Json) };
    }
  }
  message['content'] = blocks;
  return message;
}

const SIGV4 =
  /^AWS4-HMAC-SHA256 Credential=([^/\s]+)\/(\d{8})\/([a-z0-9-]+)\/([a-z0-9-]+)\/aws4_request, ?SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})$/;

function checkAuth(headers: IncomingHttpHeaders): Pick<MockBedrockRequest, 'authProblem' | 'credential'> {
  const auth = headers['authorization'];
  if (typeof auth !== 'string') return { authProblem: 'missing Authorization header', credential: null };
  const m = SIGV4.exec(auth);
  if (!m) return { authProblem: `malformed SigV4 Authorization header: ${auth}`, credential: null };
  const [, accessKeyId = '', date = '', region = '', service = '', signed = ''] = m;
  if (service !== 'bedrock') return { authProblem: `SigV4 service is ${service}, not bedrock`, credential: null };
  const amzDate = headers['x-amz-date'];
  if (typeof amzDate !== 'string' || !/^\d{8}T\d{6}Z$/.test(amzDate) || !amzDate.startsWith(date)) {
    return { authProblem: `x-amz-date missing or not matching the credential date: ${String(amzDate)}`, credential: null };
  }
  if (!signed.split(';').includes('host') || !signed.split(';').includes('x-amz-date')) {
    return { authProblem: `SignedHeaders lacks host or x-amz-date: ${signed}`, credential: null };
  }
  return { authProblem: null, credential: { accessKeyId, date, region, service } };
}

function stringHeaders(h: Record<string, string>): MessageHeaders {
  const out: MessageHeaders = {};
  for (const [k, v] of Object.entries(h)) out[k] = { type: 'string', value: v };
  return out;
}

/** One `chunk` frame around an Anthropic event's JSON. */
export function chunkFrame(json: string): Uint8Array {
  return codec.encode({
    headers: stringHeaders({ ':event-type': 'chunk', ':content-type': 'application/json', ':message-type': 'event' }),
    body: fromUtf8(JSON.stringify({ bytes: Buffer.from(json, 'utf8').toString('base64') })),
  });
}

/** One exception frame, as Bedrock sends it mid-stream. */
export function exceptionFrame(type: string, message: string): Uint8Array {
  return codec.encode({
    headers: stringHeaders({ ':exception-type': type, ':content-type': 'application/json', ':message-type': 'exception' }),
    body: fromUtf8(JSON.stringify({ message })),
  });
}

let requestCounter = 0;

function sendError(res: ServerResponse, status: number, type: string, message: string): void {
  res.writeHead(status, {
    'content-type': 'application/json',
    'x-amzn-errortype': `${type}:http://internal.amazon.com/coral/com.amazon.bedrock/`,
    'x-amzn-requestid': `mock-req-${++requestCounter}`,
  });
  res.end(JSON.stringify({ message }));
}

/** Bedrock's body rules for Anthropic models; null when the body is acceptable. */
function bodyProblem(body: unknown, modelId: string): string | null {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return 'Malformed input request: body is not a JSON object';
  const b = body as Json;
  for (const field of ['model', 'stream']) if (field in b) return `extraneous key [${field}] is not permitted`;
  // AWS documents `bedrock-2023-05-31`; @anthropic-ai/bedrock-sdk 1.x sends its own API version
  // date here, so only presence is enforced.
  if (typeof b['anthropic_version'] !== 'string' || b['anthropic_version'] === '') return 'anthropic_version: Field required';
  if ('anthropic_beta' in b && (!Array.isArray(b['anthropic_beta']) || b['anthropic_beta'].length === 0)) return 'invalid beta flag';
  for (const field of ['service_tier', 'container', 'inference_geo']) if (field in b) return `${field}: Extra inputs are not permitted`;
  const thinking = b['thinking'] as Json | undefined;
  if (thinking?.['type'] === 'adaptive' && !/claude-(opus|sonnet)-4-[6-9]/.test(modelId)) return 'thinking.type: adaptive thinking is not supported on this model';
  // Model-gated betas and the fields they unlock, as Coder AI Bridge's Bedrock test states them:
  // effort only on Opus 4.5, context management only on Sonnet 4.5 / Haiku 4.5; adaptive-only
  // models (Opus 4.7 on, Claude 5) take output_config natively.
  const betas = Array.isArray(b['anthropic_beta']) ? (b['anthropic_beta'] as unknown[]) : [];
  if (betas.includes('effort-2025-11-24') && !/claude-opus-4-5/.test(modelId)) return 'invalid beta flag';
  if (betas.includes('context-management-2025-06-27') && !/claude-(sonnet|haiku)-4-5/.test(modelId)) return 'invalid beta flag';
  if ('context_management' in b && !betas.includes('context-management-2025-06-27')) return 'context_management: Extra inputs are not permitted';
  const nativeOutputConfig = /claude-opus-4-[7-9]|claude-(opus|sonnet|haiku)-[5-9]/.test(modelId);
  if ('output_config' in b && !betas.includes('effort-2025-11-24') && !nativeOutputConfig) return 'output_config: Extra inputs are not permitted';
  return null;
}

const pause = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const tick = () => new Promise<void>((r) => setImmediate(r));

/** Starts the mock on 127.0.0.1, port 0. */
export async function startMockBedrock(): Promise<MockBedrock> {
  let scenario: MockScenario = 'text';
  let options: ScenarioOptions = {};
  const requests: MockBedrockRequest[] = [];

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const rawBody = Buffer.concat(chunks);
      const path = req.url ?? '/';
      const m = /^\/model\/([^/]+)\/(invoke|invoke-with-response-stream)$/.exec(path.split('?')[0] ?? '');
      let body: unknown;
      try {
        body = JSON.parse(rawBody.toString('utf8'));
      } catch {
        body = undefined;
      }
      const rec: MockBedrockRequest = {
        method: req.method ?? '',
        path,
        modelId: m?.[1] ? decodeURIComponent(m[1]) : '',
        operation: m ? (m[2] as 'invoke' | 'invoke-with-response-stream') : 'other',
        headers: req.headers,
        rawBody,
        body,
        ...checkAuth(req.headers),
        clientClosed: false,
        finished: false,
      };
      requests.push(rec);
      res.on('close', () => {
        if (!res.writableFinished) rec.clientClosed = true;
      });
      res.on('finish', () => {
        rec.finished = true;
      });
      void answer(rec, res, scenario, options);
    });
  });

  async function answer(rec: MockBedrockRequest, res: ServerResponse, s: MockScenario, o: ScenarioOptions): Promise<void> {
    if (rec.authProblem) return sendError(res, 403, 'UnrecognizedClientException', rec.authProblem);
    if (rec.method !== 'POST' || rec.operation === 'other') return sendError(res, 404, 'UnknownOperationException', `no route ${rec.path}`);
    if (s === 'hang') return;
    if (s === 'die') {
      res.socket?.destroy();
      return;
    }
    const problem = bodyProblem(rec.body, rec.modelId);
    if (problem) return sendError(res, 400, 'ValidationException', problem);
    if (s in MOCK_ERRORS) {
      const e = MOCK_ERRORS[s as MockErrorName];
      return sendError(res, e.status, e.type, e.message);
    }
    const fixture: FixtureName = s === 'tool-use' || s === 'thinking' ? s : 'text';
    if (rec.operation === 'invoke') {
      res.writeHead(200, { 'content-type': 'application/json', 'x-amzn-requestid': `mock-req-${++requestCounter}` });
      res.end(JSON.stringify(blockingMessage(fixture)));
      return;
    }
    res.writeHead(200, {
      'content-type': 'application/vnd.amazon.eventstream',
      'x-amzn-bedrock-content-type': 'application/json',
      'x-amzn-requestid': `mock-req-${++requestCounter}`,
    });
    const events = fixtureEvents(fixture);
    if (s === 'slow-stream') return slowStream(res, events, o.intervalMs ?? 50);
    const cut = s === 'exception-mid-stream' || s === 'die-mid-stream' ? (o.after ?? 3) : events.length;
    for (const ev of events.slice(0, cut)) {
      if (res.destroyed) return;
      res.write(chunkFrame(ev.data));
      await tick();
    }
    if (s === 'die-mid-stream') {
      res.socket?.destroy();
      return;
    }
    if (s === 'exception-mid-stream') {
      res.write(exceptionFrame(o.exceptionType ?? 'throttlingException', o.exceptionMessage ?? MOCK_ERRORS.throttling.message));
    }
    res.end();
  }

  async function slowStream(res: ServerResponse, events: { data: string }[], intervalMs: number): Promise<void> {
    // message_start and content_block_start, then many small deltas until the client goes away.
    for (const ev of events.slice(0, 2)) res.write(chunkFrame(ev.data));
    for (let i = 0; i < 400 && !res.destroyed; i++) {
      await pause(intervalMs);
      if (res.destroyed) return;
      res.write(chunkFrame(JSON.stringify({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: `tick ${i} ` } })));
    }
    for (const ev of events.slice(-4)) if (!res.destroyed) res.write(chunkFrame(ev.data));
    res.end();
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    setScenario(s, opts = {}) {
      scenario = s;
      options = opts;
    },
    last() {
      const r = requests[requests.length - 1];
      if (!r) throw new Error('mock Bedrock received no request');
      return r;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
