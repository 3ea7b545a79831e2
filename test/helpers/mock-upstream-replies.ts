/**
 * Replies of the mock Anthropic/OpenAI upstream (see mock-upstream.ts for how to use it): what a
 * reply can be, how a fixture is cut into writes, and how each reply is played on a response.
 */
import { readFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** test/fixtures, absolute. */
export const FIXTURES_DIR = fileURLToPath(new URL('../fixtures/', import.meta.url));

/** How a streamed fixture is written: one write per SSE event by default. */
export interface ChunkPlan {
  /** Bytes per write; overrides the per-event split. */
  size?: number;
  /** Explicit byte offsets to cut at (sorted or not); overrides `size` and the per-event split. */
  splitAt?: number[];
  /** `true`: the whole fixture in one write. */
  whole?: boolean;
  /** Pause before every write after the first (ms). Default 0 (still one macrotask apart). */
  delayMs?: number;
}

/** Extra response headers; `request-id` / `x-request-id` are always added unless given here. */
export type ReplyHeaders = Record<string, string>;

/** What the mock answers. Serializable except `handler` (so it also fits in `x-mock-reply`). */
export type MockReply =
  /** A file under test/fixtures: `.sse` streams as text/event-stream, `.json` answers as JSON. */
  | { kind: 'fixture'; fixture: string; status?: number; headers?: ReplyHeaders; chunks?: ChunkPlan }
  /** Any JSON body. */
  | { kind: 'json'; body: unknown; status?: number; headers?: ReplyHeaders }
  /** An error status; without `body`, a provider-shaped error body. 429/529/503 get `retry-after`. */
  | { kind: 'error'; status: number; body?: unknown; headers?: ReplyHeaders }
  /** Reads the request and never answers (until the client gives up or the mock closes). */
  | { kind: 'hang' }
  /** Sends the status, headers and the first `afterBytes` / `afterEvents` of a fixture, then goes silent. */
  | { kind: 'stall'; fixture: string; afterBytes?: number; afterEvents?: number; chunks?: ChunkPlan }
  /**
   * Destroys the socket. With a fixture: after its first `afterBytes` / `afterEvents` went out
   * (a stream cut mid-way). Without: before answering anything.
   */
  | { kind: 'die'; fixture?: string; afterBytes?: number; afterEvents?: number; chunks?: ChunkPlan }
  /** A 2xx (default 200) body that is not the API's format; `contentType` defaults per request. */
  | { kind: 'garbage'; status?: number; contentType?: string; body?: string }
  /** Full control for one-off cases. */
  | { kind: 'handler'; handle(res: ServerResponse, body: unknown): void | Promise<void> };

const fileCache = new Map<string, Buffer>();

/** Raw bytes of a fixture (`anthropic/text.sse`), cached. */
export function fixtureFile(name: string): Buffer {
  let bytes = fileCache.get(name);
  if (!bytes) {
    bytes = readFileSync(join(FIXTURES_DIR, name));
    fileCache.set(name, bytes);
  }
  return bytes;
}

/** Status implied by a fixture name: `error-429.json` → 429, else 200. */
export function statusFromName(name: string): number {
  const m = /(?:^|\/)error-(\d{3})[^/]*$/.exec(name);
  return m?.[1] ? Number(m[1]) : 200;
}

/** Byte offsets just after each blank line that ends an SSE event (LF, CRLF or CR framing). */
function eventEnds(bytes: Buffer): number[] {
  const ends: number[] = [];
  const text = bytes.toString('latin1'); // 1 char per byte, so indexes are byte offsets
  const re = /\r\n\r\n|\n\n|\r\r/g;
  for (let m = re.exec(text); m; m = re.exec(text)) ends.push(m.index + m[0].length);
  return ends;
}

/** Cuts bytes into writes following the plan (default: one per SSE event). */
export function planChunks(bytes: Buffer, plan: ChunkPlan = {}): Buffer[] {
  let cuts: number[];
  if (plan.whole) cuts = [];
  else if (plan.splitAt) cuts = [...plan.splitAt].sort((a, b) => a - b);
  else if (plan.size && plan.size > 0) {
    const size = plan.size;
    cuts = Array.from({ length: Math.ceil(bytes.length / size) }, (_, i) => (i + 1) * size);
  }
  else cuts = eventEnds(bytes);
  const out: Buffer[] = [];
  let from = 0;
  for (const cut of cuts) {
    if (cut <= from || cut >= bytes.length) continue;
    out.push(bytes.subarray(from, cut));
    from = cut;
  }
  if (from < bytes.length) out.push(bytes.subarray(from));
  return out;
}

/** The prefix of `chunks` that holds the first `afterBytes` bytes or `afterEvents` SSE events. */
export function cutChunks(bytes: Buffer, chunks: Buffer[], afterBytes?: number, afterEvents?: number): Buffer[] {
  let limit = bytes.length;
  if (afterEvents !== undefined) limit = eventEnds(bytes)[afterEvents - 1] ?? (afterEvents <= 0 ? 0 : bytes.length);
  if (afterBytes !== undefined) limit = Math.min(limit, afterBytes);
  const out: Buffer[] = [];
  let sent = 0;
  for (const c of chunks) {
    if (sent >= limit) break;
    const take = Math.min(c.length, limit - sent);
    out.push(c.subarray(0, take));
    sent += take;
  }
  return out;
}

/** Content type of a fixture by extension. */
export function contentTypeOf(name: string): string {
  return name.endsWith('.sse') ? 'text/event-stream; charset=utf-8' : 'application/json';
}

/** Provider-shaped error body for a status. */
export function errorBodyFor(provider: 'anthropic' | 'openai', status: number): unknown {
  const anthropicType: Record<number, string> = {
    400: 'invalid_request_error',
    401: 'authentication_error',
    403: 'permission_error',
    404: 'not_found_error',
    413: 'request_too_large',
    429: 'rate_limit_error',
    500: 'api_error',
    529: 'overloaded_error',
  };
  const message = `mock upstream error ${status}`;
  if (provider === 'anthropic') return { type: 'error', error: { type: anthropicType[status] ?? 'api_error', message }, request_id: 'req_mock' };
  return { error: { message, type: status === 429 ? 'requests' : status >= 500 ? 'server_error' : 'invalid_request_error', param: null, code: status === 429 ? 'rate_limit_exceeded' : null } };
}

/** `retry-after` and rate-limit headers a real upstream adds to throttling answers. */
export function throttleHeaders(provider: 'anthropic' | 'openai', status: number): ReplyHeaders {
  if (status !== 429 && status !== 529 && status !== 503) return {};
  if (provider === 'anthropic') return { 'retry-after': '1', 'anthropic-ratelimit-requests-remaining': '0' };
  return { 'retry-after': '1', 'x-ratelimit-remaining-requests': '0', 'x-ratelimit-reset-requests': '1s' };
}

/** Promise that resolves after `ms` (0 → next macrotask). */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
