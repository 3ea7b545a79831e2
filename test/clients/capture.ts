/**
 * Capture mode of the real-client run (`AIBRIDGE_CAPTURE_DIR=DIR npm run test:clients`): a
 * loopback recording proxy sits between each client and the gateway and keeps exactly what the
 * client sent and received; with what the scripted upstream answered (test/clients/scripted.ts),
 * what reached it, and the record the call left, each intercepted exchange becomes a fixture folder
 * in the format of test/helpers/captured.ts (documented in test/fixtures/captured/README.md).
 *
 * `expected` in each fixture is derived from what the client and the upstream said — the script
 * the mock served (tokens, tool calls, thoughts), the session id the CLI printed, the model and
 * prompt in the request body (SPEC §6 rule, implemented here on its own) — never copied from the
 * gateway's record, so a replay of the fixture checks the gateway instead of freezing its output.
 *
 * `AIBRIDGE_CAPTURE_TRIM=N` cuts strings longer than N characters in the parts of a request body
 * no record field is read from (system prompt, `instructions`, tool descriptions) and lists every
 * cut in `trimmed`.
 */
import { createServer, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RecordedRequest } from '../helpers/mock-upstream.js';
import { BRIDGE_TOKEN_PLACEHOLDER, leaks, type CapturedExchange, type CapturedExpectation } from '../helpers/captured.js';
import type { Interception } from '../../src/record/types.js';
import type { Served } from './scripted.js';

/** One exchange through the proxy: the client's request and the gateway's answer, as bytes. */
export interface ProxyExchange {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
  status: number;
  resHeaders: IncomingHttpHeaders;
  resBody: Buffer;
  /** True once the gateway's answer ended (false when the client hung up first). */
  complete: boolean;
}

export interface CaptureProxy {
  /** `http://127.0.0.1:PORT`: give this to the client in place of the gateway URL. */
  url: string;
  exchanges: ProxyExchange[];
  close(): Promise<void>;
}

/** A recording pass-through proxy to `target` (the gateway), streaming both ways. */
export async function startCaptureProxy(target: string): Promise<CaptureProxy> {
  const to = new URL(target);
  const exchanges: ProxyExchange[] = [];
  const server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      const body = Buffer.concat(parts);
      const ex: ProxyExchange = { method: req.method ?? 'GET', path: req.url ?? '/', headers: req.headers, body, status: 0, resHeaders: {}, resBody: Buffer.alloc(0), complete: false };
      exchanges.push(ex);
      const out = httpRequest({ host: to.hostname, port: to.port, method: ex.method, path: ex.path, headers: { ...req.headers, host: to.host } }, (up) => {
        ex.status = up.statusCode ?? 0;
        ex.resHeaders = up.headers;
        res.writeHead(ex.status, up.headers);
        up.on('data', (c: Buffer) => {
          ex.resBody = Buffer.concat([ex.resBody, c]);
          res.write(c);
        });
        up.on('end', () => {
          ex.complete = true;
          res.end();
        });
        up.on('error', () => res.destroy());
      });
      out.on('error', () => res.destroy());
      res.on('close', () => {
        if (!res.writableFinished) out.destroy();
      });
      out.end(body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    exchanges,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** A stretch of the run: one client invocation, whose exchanges share a client name and session. */
export interface CaptureSegment {
  /** Folder name prefix, e.g. `claude-code-tool`. */
  label: string;
  scenario: string;
  /** Program and version, e.g. `claude-code 2.1.3`. */
  capturedFrom: string;
  client: string;
  sessionId: string | null;
  /** Index range in the proxy's exchanges: [from, to). */
  from: number;
  to: number;
}

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** SPEC §6 `user_prompts`, written here on its own (not src/'s) so fixtures check the gateway. */
function specPrompt(api: Served['api'], body: unknown): string | null {
  if (!isObj(body)) return null;
  const texts = (content: unknown, types: string[]): string | null => {
    if (typeof content === 'string') return content;
    if (!Array.isArray(content)) return null;
    const t = (content as unknown[]).filter((p): p is Json => isObj(p) && types.includes(String(p['type'])) && typeof p['text'] === 'string').map((p) => p['text'] as string);
    return t.length ? t.join('\n') : null;
  };
  if (api === 'messages' || api === 'chat') {
    // Chat Completions: `developer` is a system role too; a `tool` message first means a tool-result turn.
    const msgs = Array.isArray(body['messages']) ? (body['messages'] as unknown[]) : [];
    for (const m of [...msgs].reverse()) {
      if (!isObj(m)) return null;
      if (m['role'] === 'system' || m['role'] === 'assistant' || (api === 'chat' && m['role'] === 'developer')) continue;
      return m['role'] === 'user' ? texts(m['content'], ['text']) : null;
    }
    return null;
  }
  const input = body['input'];
  if (typeof input === 'string') return input;
  for (const item of Array.isArray(input) ? [...(input as unknown[])].reverse() : []) {
    if (!isObj(item)) return null;
    const role = item['role'];
    if (typeof role === 'string' && (item['type'] === undefined || item['type'] === 'message')) {
      if (role === 'system' || role === 'developer' || role === 'assistant') continue;
      return role === 'user' ? texts(item['content'], ['input_text', 'text']) : null;
    }
    if (typeof item['type'] === 'string' && item['type'].endsWith('_output')) return null;
  }
  return null;
}

/** What the record must hold, from the served script and the client's own facts. */
function expectationOf(seg: CaptureSegment, s: Served, clientBody: unknown): CapturedExpectation {
  const sc = s.script;
  const u = sc.usage;
  const responses = s.api === 'responses';
  const chat = s.api === 'chat';
  return {
    client: seg.client,
    client_session_id: seg.sessionId,
    provider: responses || chat ? 'openai' : 'anthropic',
    api: s.api === 'chat' ? 'chat_completions' : s.api,
    model: isObj(clientBody) && typeof clientBody['model'] === 'string' ? clientBody['model'] : '',
    streaming: isObj(clientBody) && clientBody['stream'] === true,
    status: 'completed',
    http_status: s.reply.status,
    error: null,
    prompt: specPrompt(s.api, clientBody),
    token_usages: [{
      provider_response_id: sc.id,
      input_tokens: u.input,
      output_tokens: u.output,
      cache_read_input_tokens: u.cacheRead,
      cache_write_input_tokens: u.cacheWrite,
      metadata: responses ? { reasoning_tokens: u.reasoning ?? 0 } : {},
    }],
    tool_calls: sc.kind === 'tool' ? [{ provider_response_id: sc.id, tool_call_id: sc.callId, tool: sc.name, input: sc.input }] : [],
    thoughts: sc.kind === 'tool' && sc.thought && !chat ? [{ content: sc.thought, source: responses ? 'reasoning_summary' : 'thinking' }] : [],
  };
}

const DROPPED_HEADERS = new Set(['host', 'content-length', 'connection', 'keep-alive', 'transfer-encoding', 'te', 'upgrade', 'date']);

/** Lower-cased single-valued headers; secrets replaced by the placeholder, framing ones dropped. */
function cleanHeaders(h: IncomingHttpHeaders, secrets: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) {
    if (v === undefined || DROPPED_HEADERS.has(k) || k.startsWith('proxy-')) continue;
    let value = Array.isArray(v) ? v.join(', ') : v;
    for (const s of secrets) value = value.split(s).join(BRIDGE_TOKEN_PLACEHOLDER);
    out[k] = value;
  }
  return out;
}

/**
 * Cuts long strings where no record field is read from — the system prompt (`system`,
 * `instructions`, `system` / `developer` messages: the SPEC §6 prompt walk skips them by role) and
 * every `description` inside `tools` — and returns the cuts made. Roles, keys and every other
 * byte stay, so the replay takes the same paths.
 */
function trimBody(body: Json, limit: number): string[] {
  const cuts: string[] = [];
  const cut = (holder: Json, key: string, where: string) => {
    const v = holder[key];
    if (typeof v !== 'string' || v.length <= limit) return;
    holder[key] = `${v.slice(0, limit)}[… ${v.length - limit} chars trimmed for the fixture]`;
    cuts.push(`${where}: ${v.length} → ${limit} chars`);
  };
  const texts = (content: unknown, where: string) => {
    if (!Array.isArray(content)) return;
    (content as unknown[]).forEach((b, i) => isObj(b) && cut(b, 'text', `${where}[${i}].text`));
  };
  const descriptions = (v: unknown, where: string): void => {
    if (Array.isArray(v)) return (v as unknown[]).forEach((x, i) => descriptions(x, `${where}[${i}]`));
    if (!isObj(v)) return;
    for (const k of Object.keys(v)) {
      if (k === 'description') cut(v, k, `${where}.description`);
      else descriptions(v[k], `${where}.${k}`);
    }
  };
  cut(body, 'system', 'system');
  texts(body['system'], 'system');
  cut(body, 'instructions', 'instructions');
  for (const key of ['messages', 'input']) {
    const list = body[key];
    if (!Array.isArray(list)) continue;
    (list as unknown[]).forEach((m, i) => {
      if (!isObj(m) || (m['role'] !== 'system' && m['role'] !== 'developer')) return;
      cut(m, 'content', `${key}[${i}].content`);
      texts(m['content'], `${key}[${i}].content`);
    });
  }
  descriptions(body['tools'], 'tools');
  return cuts;
}

/** The record with ids and times blanked (they change on every run). */
function blankRecord(r: Interception): unknown {
  const blank = (o: Json) => ({ ...o, id: '<id>', interception_id: '<id>', created_at: '<time>' });
  return {
    ...r,
    id: '<id>',
    initiator: { ...r.initiator, id: '<id>' },
    started_at: '<time>',
    ended_at: '<time>',
    token_usages: r.token_usages.map((x) => blank(x as unknown as Json)),
    user_prompts: r.user_prompts.map((x) => blank(x as unknown as Json)),
    tool_usages: r.tool_usages.map((x) => blank(x as unknown as Json)),
    model_thoughts: r.model_thoughts.map((x) => {
      const { interception_id: _i, ...rest } = blank(x as unknown as Json);
      return { ...rest, interception_id: '<id>' };
    }),
  };
}

export interface CaptureInput {
  dir: string;
  segments: CaptureSegment[];
  proxy: ProxyExchange[];
  served: Served[];
  upstream: RecordedRequest[];
  records: Interception[];
  /** Bridge tokens and provider keys of the run: replaced in headers, then searched for in every file. */
  secrets: string[];
  /** `AIBRIDGE_CAPTURE_TRIM`: cut strings longer than this (see the module comment). */
  trimOver?: number;
}

export interface CaptureResult {
  written: string[];
  /** Anything that keeps a capture from being a faithful fixture (each fails a check of the run). */
  problems: string[];
}

/** Writes one fixture folder per intercepted exchange of each segment. */
export function writeCaptures(c: CaptureInput): CaptureResult {
  const written: string[] = [];
  const problems: string[] = [];
  mkdirSync(c.dir, { recursive: true });
  for (const seg of c.segments) {
    const mine = c.proxy.slice(seg.from, seg.to).filter((x) => x.method === 'POST' && /\/(messages|responses|chat\/completions)(\?|$)/.test(x.path));
    mine.forEach((x, k) => {
      const name = `${seg.label}-${k + 1}`;
      const rid = x.resHeaders['request-id'] ?? x.resHeaders['x-request-id'];
      const n = /^req_script_(\d+)$/.exec(String(rid))?.[1];
      const s = n === undefined ? undefined : c.served[Number(n) - 1];
      if (!s) return void problems.push(`${name}: no scripted answer for request id ${String(rid)}`);
      const up = c.upstream.find((r) => r.json === s.request);
      if (!up) return void problems.push(`${name}: the upstream request is missing`);
      const record = c.records.find((r) => r.token_usages.some((t) => t.provider_response_id === s.script.id));
      const clientBody = JSON.parse(x.body.toString('utf8')) as Json;
      const expected = expectationOf(seg, s, clientBody);
      // docs/recording.md: a Chat Completions stream without stream_options gets it spliced in upstream.
      const spliced = Buffer.concat([x.body.subarray(0, 1), Buffer.from('"stream_options":{"include_usage":true},'), x.body.subarray(1)]);
      const upstreamBody = up.rawBody.equals(x.body) ? 'identical' : s.api === 'chat' && up.rawBody.equals(spliced) ? 'inject_stream_usage' : undefined;
      const upstreamSame = upstreamBody !== undefined;
      const receivedSame = x.resBody.equals(Buffer.from(s.reply.body, 'utf8'));
      if (!upstreamSame) problems.push(`${name}: the upstream got other bytes than the client sent (not the documented inject_stream_usage splice either)`);
      if (!receivedSame) problems.push(`${name}: the client got other bytes than the upstream answered (${x.resBody.length} of ${s.reply.body.length}${x.complete ? '' : ', the client hung up first'})`);
      let requestBody = x.body;
      let trimmed: string[] = [];
      if (c.trimOver !== undefined) {
        const copy = JSON.parse(x.body.toString('utf8')) as Json;
        trimmed = trimBody(copy, c.trimOver);
        if (trimmed.length) requestBody = Buffer.from(JSON.stringify(copy), 'utf8');
      }
      const stream = (s.reply.headers['content-type'] ?? '').startsWith('text/event-stream');
      const exchange: CapturedExchange = {
        format: 1,
        captured_from: seg.capturedFrom,
        scenario: `${seg.scenario} (call ${k + 1} of ${mine.length}: ${s.script.kind === 'tool' ? 'the model calls a tool' : 'text'})`,
        request: { method: x.method, path: x.path, headers: cleanHeaders(x.headers, c.secrets), body_file: 'request.json' },
        upstream_request: { path: `${up.path}${up.search}`, body: upstreamBody ?? 'identical' },
        response: { status: s.reply.status, headers: s.reply.headers, body_file: stream ? 'response.sse' : 'response.json' },
        client_received: 'identical',
        trimmed,
        expected,
      };
      const at = join(c.dir, name);
      rmSync(at, { recursive: true, force: true });
      mkdirSync(at);
      writeFileSync(join(at, 'exchange.json'), `${JSON.stringify(exchange, null, 2)}\n`);
      writeFileSync(join(at, 'request.json'), requestBody);
      writeFileSync(join(at, exchange.response.body_file), s.reply.body);
      if (record) writeFileSync(join(at, 'record.json'), `${JSON.stringify(blankRecord(record), null, 2)}\n`);
      else problems.push(`${name}: no record carries response id ${s.script.id}`);
      written.push(at);
    });
  }
  problems.push(...leaks(c.dir, c.secrets));
  return { written, problems };
}
