/**
 * Request-side rules for Anthropic-on-Bedrock (InvokeModel / InvokeModelWithResponseStream):
 * which Bedrock model a call goes to, and how an Anthropic Messages body becomes a Bedrock body.
 *
 * Bedrock takes the Anthropic Messages body with these differences (AWS "Anthropic Claude Messages
 * API" request/response page): the model is in the URL, not the body; streaming is chosen by the
 * operation, not `stream`; `anthropic_version` must be `bedrock-2023-05-31`; betas go in the body as
 * `anthropic_beta: [...]`; first-party-only fields and beta flags are rejected with a 400
 * ("Extra inputs are not permitted", "invalid beta flag"). Everything else passes through as sent.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { BedrockConfig } from './config.js';
import { BadRequestError } from '../../errors.js';
import { CONTEXT_MANAGEMENT_BETA, EFFORT_BETA, MODEL_GATED_BETAS, bedrockModelRule } from './model-rules.js';

/** The only `anthropic_version` Bedrock accepts. */
export const BEDROCK_ANTHROPIC_VERSION = 'bedrock-2023-05-31';

/**
 * Top-level Anthropic Messages fields Bedrock rejects. `model`/`stream` are expressed by the URL;
 * the rest are first-party API features absent from Bedrock's schema (Coder AI Bridge strips the
 * same: metadata, service_tier, container, inference_geo). `betas` is an SDK-side parameter that
 * some clients leak into the body.
 */
const REJECTED_FIELDS = ['model', 'stream', 'metadata', 'service_tier', 'container', 'inference_geo', 'mcp_servers', 'betas'];

/**
 * Beta flags Bedrock accepts for Claude (AWS request/response page; the same list Coder AI Bridge
 * keeps); the model-gated ones also need the model's row in model-rules.ts. Others (claude-code-20250219, oauth-2025-04-20, prompt-caching-scope-2026-01-05, …)
 * make Bedrock answer 400 "invalid beta flag", so they are dropped.
 */
const SUPPORTED_BETAS = new Set([
  'computer-use-2024-10-22',
  'computer-use-2025-01-24',
  'token-efficient-tools-2025-02-19',
  'interleaved-thinking-2025-05-14',
  'output-128k-2025-02-19',
  'dev-full-thinking-2025-05-14',
  'context-1m-2025-08-07',
  'context-management-2025-06-27',
  'effort-2025-11-24',
  'fine-grained-tool-streaming-2025-05-14',
  'tool-search-tool-2025-10-19',
  'tool-examples-2025-10-29',
]);

/** Share of `max_tokens` given to thinking per effort when adaptive becomes a budget (as Coder AI Bridge). */
const EFFORT_RATIO: Record<string, number> = { low: 0.2, medium: 0.5, high: 0.8, max: 0.95 };

/** True for names that want the small fast model (Claude Code's background calls use Haiku). */
export function isSmallFastModel(clientModel: string): boolean {
  return clientModel.toLowerCase().includes('haiku');
}

/**
 * The Bedrock model for an Anthropic-route call: names containing `haiku` go to the small fast
 * model, everything else to the model (SPEC §3, as Coder AI Bridge does).
 */
export function mapModel(clientModel: string, cfg: BedrockConfig): string {
  const mapped = isSmallFastModel(clientModel) ? cfg.smallFastModel : cfg.model;
  return mapped ?? cfg.model ?? clientModel;
}

/** True for first-party Anthropic model names (`claude-…`), which Bedrock does not know. */
export function isAnthropicStyleModel(id: string): boolean {
  return /^claude-/i.test(id);
}

/**
 * The Bedrock model for a Bedrock-native call. A native client names a real Bedrock model id,
 * inference profile or ARN in the URL and gets exactly that; only a first-party name such as
 * `claude-3-5-haiku-20241022` (which Bedrock would reject) is mapped like on the Anthropic route.
 */
export function nativeModelId(pathModelId: string, cfg: BedrockConfig): string {
  return isAnthropicStyleModel(pathModelId) ? mapModel(pathModelId, cfg) : pathModelId;
}

/** What a Bedrock-native path (`/model/{id}/invoke[-with-response-stream]`) asks for. */
export interface NativePath {
  /** URL-decoded model id as the client sent it. */
  modelId: string;
  streaming: boolean;
}

/** Parses `/model/{id}/invoke` and `/model/{id}/invoke-with-response-stream`; null for other paths. */
export function parseNativePath(path: string): NativePath | null {
  const m = /^\/model\/([^/]+)\/(invoke|invoke-with-response-stream)\/?$/.exec(path.split('?')[0] ?? '');
  if (!m || m[1] === undefined) return null;
  let modelId: string;
  try {
    modelId = decodeURIComponent(m[1]);
  } catch {
    modelId = m[1];
  }
  return { modelId, streaming: m[2] === 'invoke-with-response-stream' };
}

/** All `anthropic-beta` flags of a header (comma-separated and/or repeated), trimmed, no blanks. */
export function betaHeaderValues(headers: IncomingHttpHeaders): string[] {
  const raw = headers['anthropic-beta'];
  const lines = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw];
  return lines.flatMap((l) => l.split(',')).map((s) => s.trim()).filter((s) => s !== '');
}

/** Keeps the beta flags Bedrock accepts for this model (model-rules.ts), in order, without duplicates. */
export function filterBetas(flags: readonly string[], model: string): string[] {
  const rule = bedrockModelRule(model);
  const out: string[] = [];
  for (const flag of flags) {
    if (!SUPPORTED_BETAS.has(flag) || out.includes(flag)) continue;
    if (MODEL_GATED_BETAS.has(flag) && !rule.betas.includes(flag)) continue;
    out.push(flag);
  }
  return out;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Bedrock's `cache_control` takes `type` and `ttl`; `scope` (a first-party beta) is rejected. */
function stripCacheScope(block: unknown): void {
  if (isRecord(block) && isRecord(block['cache_control'])) delete block['cache_control']['scope'];
}

function stripCacheScopes(body: Record<string, unknown>): void {
  const system = body['system'];
  if (Array.isArray(system)) system.forEach(stripCacheScope);
  const tools = body['tools'];
  if (Array.isArray(tools)) tools.forEach(stripCacheScope);
  const messages = body['messages'];
  if (!Array.isArray(messages)) return;
  for (const msg of messages) {
    if (isRecord(msg) && Array.isArray(msg['content'])) msg['content'].forEach(stripCacheScope);
  }
}

/**
 * Claude Code picks the thinking shape from the first-party model name it asked for, which may not
 * suit the Bedrock model it is mapped to (model-rules.ts): `adaptive` becomes `enabled` with a
 * budget derived from `max_tokens` and the effort (or `disabled` when that budget would be under the
 * 1024 minimum) on models without adaptive thinking, and `enabled` becomes `adaptive` on
 * adaptive-only models.
 */
function fitThinking(body: Record<string, unknown>, model: string): void {
  const thinking = body['thinking'];
  if (!isRecord(thinking)) return;
  const rule = bedrockModelRule(model);
  if (thinking['type'] === 'adaptive' && rule.thinking === 'budget') {
    const maxTokens = typeof body['max_tokens'] === 'number' ? body['max_tokens'] : 0;
    const effort = isRecord(body['output_config']) ? body['output_config']['effort'] : undefined;
    const ratio = (typeof effort === 'string' ? EFFORT_RATIO[effort] : undefined) ?? EFFORT_RATIO['high'] ?? 0.8;
    const budget = Math.floor(maxTokens * ratio);
    body['thinking'] = budget >= 1024 ? { type: 'enabled', budget_tokens: budget } : { type: 'disabled' };
  } else if (thinking['type'] === 'enabled' && rule.thinking === 'adaptive-only') {
    body['thinking'] = { type: 'adaptive' };
  }
}

/**
 * A deep copy of a parsed body. `structuredClone` overflows the stack near 3,000 levels and
 * `JSON.stringify` (which must succeed anyway, to send the body) near 6,000: a body nested that
 * deep is the client's 400 (issue #13), not a 502 that opens the model's circuit for everyone.
 */
function copyJson(json: Record<string, unknown>): Record<string, unknown> {
  try {
    return JSON.parse(JSON.stringify(json)) as Record<string, unknown>;
  } catch (err) {
    if (err instanceof RangeError) throw new BadRequestError('request body is nested too deeply to re-encode for Bedrock', err);
    throw err;
  }
}

/**
 * Turns an Anthropic Messages body (+ the client's headers) into the body Bedrock accepts for
 * `model`. Never mutates `json`; unknown fields pass through.
 */
export function toBedrockBody(json: Record<string, unknown>, headers: IncomingHttpHeaders, model: string): Record<string, unknown> {
  const body = copyJson(json);
  for (const field of REJECTED_FIELDS) delete body[field];
  body['anthropic_version'] = BEDROCK_ANTHROPIC_VERSION;

  const fromBody = Array.isArray(json['anthropic_beta']) ? json['anthropic_beta'].filter((v): v is string => typeof v === 'string') : [];
  const betas = filterBetas([...fromBody, ...betaHeaderValues(headers)], model);
  // An empty array is rejected by some models, so the field is left out entirely then.
  if (betas.length > 0) body['anthropic_beta'] = betas;
  else delete body['anthropic_beta'];

  // The thinking budget reads the effort before output_config may go.
  fitThinking(body, model);
  if (!betas.includes(CONTEXT_MANAGEMENT_BETA)) delete body['context_management'];
  if (!betas.includes(EFFORT_BETA) && bedrockModelRule(model).outputConfig !== 'native') delete body['output_config'];
  stripCacheScopes(body);
  return body;
}
