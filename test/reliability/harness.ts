/**
 * Shared set-up for the reliability suite: a data dir with a bridge token, the mock upstream in
 * this process, and the gateway as a child process (test/reliability/gateway-process.ts) so that a
 * crash, a leak or `kill -9` is the gateway's own and never takes the test runner down.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { createBridgeToken, startGatewayProcess, type GatewayProcess } from './gateway-process.js';

export { startGatewayProcess, type GatewayProcess } from './gateway-process.js';

export interface Rec {
  id: string;
  status: string;
  http_status: number | null;
  error: string | null;
  model: string;
  streaming: boolean;
  provider: string;
  token_usages: unknown[];
  user_prompts: unknown[];
}

export const client = new Agent({ connections: 256, keepAliveTimeout: 10_000 });

export function tempDataDir(name: string): { dir: string; token: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), `aibridge-rel-${name}-`));
  const token = createBridgeToken(dir, 'reliability');
  return { dir, token, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Provider flags pointing both HTTP providers at one mock upstream. */
export function providerArgs(upstreamUrl: string): string[] {
  return [
    '--enabled',
    '--anthropic-key', 'sk-ant-reliability-000000000000',
    '--anthropic-base-url', upstreamUrl + '/',
    '--openai-key', 'sk-oai-reliability-000000000000',
    '--openai-base-url', upstreamUrl + '/v1/',
  ];
}

export async function adminGet<T>(gw: GatewayProcess, path: string): Promise<T> {
  const r = await request(gw.url + path, { headers: { authorization: `Bearer ${gw.adminToken}` }, dispatcher: client });
  const text = await r.body.text();
  if (r.statusCode !== 200) throw new Error(`GET ${path}: ${r.statusCode} ${text}`);
  return JSON.parse(text) as T;
}

/** Every record (ended ones, plus in-flight ones when asked), following the `after_id` cursor. */
export async function allRecords(gw: GatewayProcess, inFlight = false): Promise<Rec[]> {
  const out: Rec[] = [];
  let after = '';
  for (;;) {
    const page = await adminGet<{ count: number; results: Rec[]; partial?: boolean }>(
      gw,
      `/api/v1/interceptions?limit=1000${inFlight ? '&include_in_flight=true' : ''}${after ? `&after_id=${after}` : ''}`,
    );
    out.push(...page.results);
    // A page the byte budget cut short says `partial`: more follow.
    if (page.results.length < 1000 && !page.partial) return out;
    after = page.results.at(-1)!.id;
  }
}

export async function healthz(gw: GatewayProcess): Promise<{ ok: boolean; status?: string; error?: string }> {
  const r = await request(gw.url + '/healthz', { dispatcher: client });
  return (await r.body.json()) as { ok: boolean };
}

export const anthropicBody = (extra: Record<string, unknown> = {}) =>
  JSON.stringify({ model: 'claude-rel-1', max_tokens: 10, messages: [{ role: 'user', content: 'hello' }], ...extra });

export function bridgeHeaders(token: string, extra: Record<string, string> = {}): Record<string, string> {
  return { 'x-api-key': token, 'content-type': 'application/json', 'anthropic-version': '2023-06-01', ...extra };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Waits until `count` ended records exist and returns the newest. Records are finished just
 * after the client got its last byte (handed on in batches), so a test polls for them.
 */
export async function newestRecord(gw: GatewayProcess, count: number): Promise<Rec> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const page = await adminGet<{ count: number; results: Rec[] }>(gw, '/api/v1/interceptions?limit=1');
    if (page.count >= count) return page.results[0]!;
    if (Date.now() > deadline) throw new Error(`${page.count} of ${count} records after 10 s`);
    await sleep(20);
  }
}
