/**
 * A small shared harness for integration tests that go through the real gateway: starts the mock
 * upstream (test/helpers/mock-upstream.ts), `startApp()` on a fresh temp data dir pointed at it
 * (Anthropic base = mock, OpenAI base = mock + `/v1/`, structured JSON log to a file), and makes a
 * bridge token. Then it offers raw HTTP helpers and a way to fetch the records the calls left.
 *
 *   const h = await startGatewayHarness();          // in beforeAll
 *   const r = await h.post('/anthropic/v1/messages', { model: 'm', stream: true, messages },
 *                          { 'x-mock-fixture': 'anthropic/tool-parallel.sse' });
 *   const [rec] = await h.nextRecords();            // the record that call left
 *   await h.close();                                // in afterAll
 *
 * Records are finished just after the client got its last byte, so {@link GatewayHarness.nextRecords}
 * polls until new ones show up. It assumes the calls whose records it waits for are made one after
 * the other (vitest runs the tests of one file sequentially); for concurrent calls, ask for all of
 * them at once and match records by prompt. It looks at the newest 1000 records only.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startApp } from '../../src/app.js';
import type { RunningApp } from '../../src/app-types.js';
import type { RecordConsumer } from '../../src/record/fanout.js';
import type { Interception } from '../../src/record/types.js';
import { startMockUpstream, type MockUpstream, type MockUpstreamOptions } from './mock-upstream.js';

export type { Interception } from '../../src/record/types.js';

/** Provider keys the gateway is configured with: tests assert they never leak. */
/**
 * A record's token usages, tool calls and thoughts in the shape fixture expectations write them
 * (no ids, no timestamps), for comparing a record with what a fixture's answer says.
 */
export function recordParts(rec: Interception): {
  token_usages: unknown[];
  tool_calls: { provider_response_id: string; tool_call_id: string; tool: string; input: unknown }[];
} {
  return {
    token_usages: rec.token_usages.map((u) => ({
      provider_response_id: u.provider_response_id,
      input_tokens: u.input_tokens,
      output_tokens: u.output_tokens,
      cache_read_input_tokens: u.cache_read_input_tokens,
      cache_write_input_tokens: u.cache_write_input_tokens,
      metadata: u.metadata,
    })),
    tool_calls: rec.tool_usages.map((t) => ({ provider_response_id: t.provider_response_id, tool_call_id: t.tool_call_id, tool: t.tool, input: t.input })),
  };
}

export const ANTHROPIC_KEY = 'sk-ant-api03-harness-SECRET-a1b2c3d4e5f6';
export const OPENAI_KEY = 'sk-proj-harness-SECRET-0f9e8d7c6b5a';

export interface HarnessOptions {
  /** Extra `serve` flags (e.g. `['--upstream-timeout', '1s']`). */
  argv?: string[];
  /** Options of the mock upstream. */
  mock?: MockUpstreamOptions;
  /** Point both providers here instead of the mock (e.g. a closed port). The mock still starts. */
  upstreamUrl?: string;
  /** Name of the bridge token. Default `alice`. */
  tokenName?: string;
  /** Extra consumers of the record fan-out (AppOptions.recordConsumers). */
  recordConsumers?: RecordConsumer[];
  /** The app's environment (default empty), e.g. `OTEL_BSP_SCHEDULE_DELAY`. */
  env?: NodeJS.ProcessEnv;
  /** The app's clock (AppOptions.now), for tests that move across local midnight or a month. */
  now?: () => number;
}

/** What a raw call got back: status, lower-cased headers and the exact body bytes. */
export interface RawReply {
  status: number;
  headers: Record<string, string>;
  bytes: Buffer;
  text: string;
}

export interface GatewayHarness {
  readonly up: MockUpstream;
  readonly app: RunningApp;
  /** Gateway URL, `http://127.0.0.1:PORT`. */
  readonly url: string;
  /** Base URLs as clients are configured (SPEC §4): `…/anthropic`, `…/openai/v1`. */
  readonly anthropicBase: string;
  readonly openaiBase: string;
  /** The bridge token (`abr_…`) and its id. */
  readonly token: string;
  readonly tokenId: string;
  readonly dataDir: string;
  /** The `--log-json` file. */
  readonly logFile: string;
  /** POSTs a JSON body (object → JSON.stringify; string/Buffer as is) with the bridge token as `x-api-key`. */
  post(path: string, body: unknown, headers?: Record<string, string>): Promise<RawReply>;
  /** Any method, full control over headers (no token added unless given). */
  request(method: string, path: string, opts?: { headers?: Record<string, string>; body?: string | Buffer }): Promise<RawReply>;
  /** `GET /api/v1/…` with the admin token; parsed JSON. */
  admin<T = unknown>(path: string): Promise<T>;
  /** Finished records, newest first (admin API, `limit=1000`, following pages cut short by the byte budget). */
  interceptions(query?: string): Promise<Interception[]>;
  /**
   * Waits until `n` records appear that no earlier `nextRecords` call returned; returns them
   * oldest first. Rejects after `timeoutMs` (default 10 s).
   */
  nextRecords(n?: number, timeoutMs?: number): Promise<Interception[]>;
  /** Marks every record that exists now as seen (after a test that leaves records it ignores). */
  skipRecords(): Promise<void>;
  /** The JSON log file's text (for leak checks). */
  logText(): string;
  close(): Promise<void>;
}

async function readReply(res: Response): Promise<RawReply> {
  const bytes = Buffer.from(await res.arrayBuffer());
  const headers: Record<string, string> = {};
  res.headers.forEach((v, k) => (headers[k] = v));
  return { status: res.status, headers, bytes, text: bytes.toString('utf8') };
}

export async function startGatewayHarness(opts: HarnessOptions = {}): Promise<GatewayHarness> {
  const up = await startMockUpstream(opts.mock);
  const dataDir = mkdtempSync(join(tmpdir(), 'abr-harness-'));
  const logFile = join(dataDir, 'gateway.log.jsonl');
  const base = opts.upstreamUrl ?? up.url;
  const app = await startApp({
    dataDir,
    port: 0,
    env: opts.env ?? {},
    now: opts.now,
    recordConsumers: opts.recordConsumers,
    argv: [
      '--enabled',
      '--anthropic-key', ANTHROPIC_KEY,
      '--anthropic-base-url', base,
      '--openai-key', OPENAI_KEY,
      '--openai-base-url', `${base}/v1/`,
      '--structured-logging',
      '--log-json', logFile,
      ...(opts.argv ?? []),
    ],
  });
  const adminHeaders = { authorization: `Bearer ${app.adminToken}` };
  const created = await fetch(`${app.url}/api/v1/tokens`, {
    method: 'POST',
    headers: { ...adminHeaders, 'content-type': 'application/json' },
    body: JSON.stringify({ name: opts.tokenName ?? 'alice' }),
  });
  if (created.status !== 201) throw new Error(`harness: token creation answered ${created.status}`);
  const { token, id: tokenId } = (await created.json()) as { token: string; id: string };

  const seen = new Set<string>();
  const admin = async <T>(path: string): Promise<T> => {
    const res = await fetch(`${app.url}/api/v1${path}`, { headers: adminHeaders });
    if (!res.ok) throw new Error(`harness: GET /api/v1${path} answered ${res.status}: ${await res.text()}`);
    return (await res.json()) as T;
  };
  const interceptions = async (query = ''): Promise<Interception[]> => {
    // A page the byte budget cut short (`partial`) is followed up to the 1000 asked for.
    const out: Interception[] = [];
    let after = '';
    for (;;) {
      const page = await admin<{ results: Interception[]; partial?: boolean }>(
        `/interceptions?limit=${1000 - out.length}${after ? `&after_id=${after}` : ''}${query ? `&${query}` : ''}`,
      );
      out.push(...page.results);
      if (!page.partial || out.length >= 1000 || page.results.length === 0) return out;
      after = page.results[page.results.length - 1]!.id;
    }
  };

  return {
    up,
    app,
    url: app.url,
    anthropicBase: `${app.url}/anthropic`,
    openaiBase: `${app.url}/openai/v1`,
    token,
    tokenId,
    dataDir,
    logFile,
    async post(path, body, headers = {}) {
      const payload = typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body);
      const res = await fetch(`${app.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': token, ...headers },
        body: payload,
      });
      return readReply(res);
    },
    async request(method, path, o = {}) {
      return readReply(await fetch(`${app.url}${path}`, { method, headers: o.headers, body: o.body }));
    },
    admin,
    interceptions,
    async nextRecords(n = 1, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const fresh = (await interceptions()).filter((r) => !seen.has(r.id));
        if (fresh.length >= n) {
          const picked = fresh.slice(-n).reverse(); // the n oldest unseen, oldest first
          for (const r of picked) seen.add(r.id);
          return picked;
        }
        if (Date.now() > deadline) throw new Error(`harness: ${fresh.length} of ${n} new records after ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    async skipRecords() {
      for (const r of await interceptions()) seen.add(r.id);
    },
    logText: () => readFileSync(logFile, 'utf8'),
    async close() {
      await app.close();
      await up.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
