/**
 * "Test connection" (dashboard, issue #6): one cheap real call with the configured key — the models
 * list for Anthropic and OpenAI, a 1-token message to the small fast model for Bedrock (Bedrock's
 * runtime API has no free listing call).
 */
import type { HttpProviderConfig } from './http-adapter.js';
import { joinUrl, upstreamRequest, type UpstreamPool } from '../upstream/http.js';
import { bedrockConfigured, type BedrockConfig } from './bedrock/config.js';
import { createBedrockClient } from './bedrock/client.js';
import { describeBedrockError } from './bedrock/errors.js';
import { BEDROCK_ANTHROPIC_VERSION } from './bedrock/request.js';
import { bedrockRuntime } from './bedrock/sdk.js';

export interface ConnectionResult {
  ok: boolean;
  status: number | null;
  message: string;
  models: string[];
}

export interface TestDeps {
  http(provider: 'anthropic' | 'openai'): HttpProviderConfig;
  bedrock(): BedrockConfig;
  pool: UpstreamPool;
}

export async function testProvider(name: string, deps: TestDeps): Promise<ConnectionResult> {
  if (name === 'bedrock') return testBedrock(deps.bedrock());
  const provider = name === 'openai' ? 'openai' : 'anthropic';
  const cfg = deps.http(provider);
  if (!cfg.key) {
    return { ok: false, status: null, message: `No ${provider} key is set: fill in the ${provider} key first.`, models: [] };
  }
  const headers: Record<string, string> =
    provider === 'anthropic' ? { 'x-api-key': cfg.key, 'anthropic-version': '2023-06-01' } : { authorization: `Bearer ${cfg.key}` };
  const url = joinUrl(cfg.baseUrl, provider === 'anthropic' ? 'v1/models' : 'models');
  try {
    const res = await upstreamRequest(deps.pool, {
      provider,
      url,
      method: 'GET',
      headers,
      signal: AbortSignal.timeout(15_000),
      headersTimeoutMs: 15_000,
      bodyTimeoutMs: 15_000,
    });
    const chunks: Buffer[] = [];
    for await (const c of res.body) chunks.push(Buffer.from(c));
    const text = Buffer.concat(chunks).toString('utf8');
    let models: string[] = [];
    let message = '';
    try {
      const j = JSON.parse(text) as { data?: Array<{ id?: unknown }>; error?: { message?: unknown } };
      models = (j.data ?? []).map((m) => String(m.id ?? '')).filter(Boolean);
      if (typeof j.error?.message === 'string') message = j.error.message;
    } catch {
      message = text.slice(0, 200);
    }
    const ok = res.status >= 200 && res.status < 300;
    return {
      ok,
      status: res.status,
      message: ok ? `Connected to ${url.replace(/\/models$/, '')}: ${models.length} models available.` : `The provider answered ${res.status}${message ? `: ${message}` : ''}`,
      models: models.slice(0, 50),
    };
  } catch (err) {
    return { ok: false, status: null, message: `Could not reach ${url}: ${(err as Error).message}`, models: [] };
  }
}

async function testBedrock(cfg: BedrockConfig): Promise<ConnectionResult> {
  if (!bedrockConfigured(cfg)) return { ok: false, status: null, message: 'Bedrock is not configured: set a region or base URL.', models: [] };
  const model = cfg.smallFastModel || cfg.model;
  if (!model) return { ok: false, status: null, message: 'Set the Bedrock model and small fast model first.', models: [] };
  const client = createBedrockClient(cfg);
  const { InvokeModelCommand } = bedrockRuntime();
  try {
    const body = JSON.stringify({ anthropic_version: BEDROCK_ANTHROPIC_VERSION, max_tokens: 1, messages: [{ role: 'user', content: 'ping' }] });
    await client.send(new InvokeModelCommand({ modelId: model, body, contentType: 'application/json', accept: 'application/json' }), {
      abortSignal: AbortSignal.timeout(15_000),
    });
    return { ok: true, status: 200, message: `Bedrock answered with ${model}.`, models: [cfg.model ?? '', cfg.smallFastModel ?? ''].filter(Boolean) };
  } catch (err) {
    const info = describeBedrockError(err);
    return { ok: false, status: info.bedrockStatus ?? null, message: `Bedrock answered ${info.name}: ${info.message}`, models: [] };
  } finally {
    client.destroy();
  }
}
