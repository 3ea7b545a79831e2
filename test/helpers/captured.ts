/**
 * The captured-exchange fixture format (test/fixtures/captured/README.md): one folder per exchange
 * a real client made through the gateway, written by the real-client run's capture mode
 * (`AIBRIDGE_CAPTURE_DIR`, test/clients/capture.ts) and replayed by
 * test/integration/captured-replay.test.ts.
 *
 *   exchange.json   what was sent and answered (below), and what the record must say (`expected`)
 *   request.<ext>   the body bytes the client sent (after any documented trim)
 *   response.<ext>  the exact bytes the upstream answered (`.sse` for a stream, `.json` otherwise)
 *   record.json     the record the gateway made at capture time (ids and times blanked), for reading
 *
 * No secret is stored: the header that carried the bridge token keeps its name with the value
 * {@link BRIDGE_TOKEN_PLACEHOLDER} (the replay puts its own token there), and the provider key only
 * ever travels gateway → upstream, which is not captured.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where the curated fixtures live. */
export const CAPTURED_DIR = resolve(fileURLToPath(new URL('../fixtures/captured/', import.meta.url)));

/** Stands for the bridge token in a captured header value (`Bearer <bridge token>` keeps its scheme). */
export const BRIDGE_TOKEN_PLACEHOLDER = '<bridge token>';

/** What the record of the exchange must hold: derived from what the client and the upstream said. */
export interface CapturedExpectation {
  client: string;
  client_session_id: string | null;
  provider: 'anthropic' | 'openai';
  api: 'messages' | 'chat_completions' | 'responses';
  model: string;
  streaming: boolean;
  status: 'completed' | 'failed';
  http_status: number;
  error: string | null;
  /** The SPEC §6 prompt of the request body (null on a tool-result turn). */
  prompt: string | null;
  token_usages: Array<{
    provider_response_id: string;
    input_tokens: number;
    output_tokens: number;
    cache_read_input_tokens: number;
    cache_write_input_tokens: number;
    metadata: Record<string, unknown>;
  }>;
  tool_calls: Array<{ provider_response_id: string; tool_call_id: string; tool: string; input: unknown }>;
  thoughts: Array<{ content: string; source: string }>;
}

export interface CapturedExchange {
  format: 1;
  /** Who made the call: the program and version that ran (`claude-code 2.1.x`, `codex-cli 0.x`, `openai SDK 6.x`). */
  captured_from: string;
  /** The scenario of the real-client run this came from (`text`, `tool call`, `tool result`, …). */
  scenario: string;
  /** What the client sent the gateway. */
  request: {
    method: string;
    /** Path and query on the gateway (`/anthropic/v1/messages?beta=true`). */
    path: string;
    /** Lower-cased headers minus host, content-length and hop-by-hop ones; the token placeholder in its header. */
    headers: Record<string, string>;
    body_file: string;
  };
  /** What reached the upstream at capture time. */
  upstream_request: {
    /** Path and query the upstream saw (on a base URL of `/` for Anthropic, `/v1/` for OpenAI). */
    path: string;
    /** `identical`: the client's bytes; otherwise the documented change (`inject_stream_usage`, …). */
    body: 'identical' | 'inject_stream_usage';
  };
  /** What the upstream answered. */
  response: {
    status: number;
    /** The headers the upstream set itself (node adds date, connection and framing ones). */
    headers: Record<string, string>;
    body_file: string;
  };
  /** What the client received, compared with the response at capture time. */
  client_received: 'identical' | 'inject_stream_usage';
  /** Parts of the request body cut to keep the fixture small, e.g. `system[2].text: 24310 → 200 chars`. */
  trimmed: string[];
  expected: CapturedExpectation;
}

export interface LoadedExchange {
  name: string;
  dir: string;
  exchange: CapturedExchange;
  requestBody: Buffer;
  responseBody: Buffer;
}

/** Every fixture folder under `dir`, sorted by name. */
export function loadCaptured(dir = CAPTURED_DIR): LoadedExchange[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort()
    .map((name) => {
      const at = join(dir, name);
      const exchange = JSON.parse(readFileSync(join(at, 'exchange.json'), 'utf8')) as CapturedExchange;
      return {
        name,
        dir: at,
        exchange,
        requestBody: readFileSync(join(at, exchange.request.body_file)),
        responseBody: readFileSync(join(at, exchange.response.body_file)),
      };
    });
}

/** Files under `dir` holding one of `secrets` or anything shaped like a bridge token or provider key. */
export function leaks(dir: string, secrets: string[]): string[] {
  const found: string[] = [];
  const walk = (d: string) => {
    for (const f of readdirSync(d)) {
      const p = join(d, f);
      if (statSync(p).isDirectory()) {
        walk(p);
        continue;
      }
      const text = readFileSync(p, 'utf8');
      for (const s of secrets) if (s && text.includes(s)) found.push(`${p}: holds a secret of the run`);
      if (/abr_[A-Za-z0-9_-]{16,}|sk-(ant|proj)-[A-Za-z0-9_-]{8,}/.test(text)) found.push(`${p}: holds something shaped like a bridge token or provider key`);
    }
  };
  walk(dir);
  return found;
}
