/**
 * Passthrough routes (SPEC §4: model lists, token counting, stored OpenAI responses): forwarded
 * untouched with the provider key swapped in, never recorded.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { NotFoundError } from '../errors.js';
import { bodyTimeouts, readJsonBody } from '../http/read-body.js';
import type { BodyHold } from '../http/body-budget.js';
import { prepareUpstream, type HttpAdapterSpec } from '../providers/http-adapter.js';
import { anthropicAuth } from '../providers/anthropic/adapter.js';
import { openaiAuth } from '../providers/openai/adapter.js';
import { mapUpstreamError, upstreamRequest } from '../upstream/http.js';
import { downstreamHeaders } from '../upstream/headers.js';
import { CallAbort } from '../upstream/call-abort.js';
import type { ProviderPrefix, RouteMatch } from './provider-table.js';
import type { ProviderRouteDeps } from './provider-handler.js';

const AUTH: Record<'anthropic' | 'openai', Pick<HttpAdapterSpec, 'name' | 'keySetting' | 'authorize'>> = {
  anthropic: anthropicAuth,
  openai: openaiAuth,
};

/** Upstream path for a passthrough route: Anthropic bases end before `/v1`, OpenAI bases include it. */
function passPath(provider: 'anthropic' | 'openai', path: string): string {
  return provider === 'openai' ? path.replace(/^\/v1/, '') : path;
}

export async function passthrough(
  deps: Pick<ProviderRouteDeps, 'adapters' | 'settings' | 'pool' | 'pipeline' | 'bodyBudget'>,
  req: IncomingMessage,
  res: ServerResponse,
  prefix: ProviderPrefix,
  route: RouteMatch,
  search: string,
): Promise<void> {
  if (prefix.provider === 'bedrock') throw new NotFoundError('no passthrough routes for Bedrock');
  const cfg = deps.adapters.http(prefix.provider);
  const { url, headers } = prepareUpstream(AUTH[prefix.provider], cfg, { headers: req.headers, search }, passPath(prefix.provider, route.path));
  let body: Buffer | undefined;
  let hold: BodyHold | null | undefined;
  if (req.method === 'POST') {
    const s = deps.settings();
    // Counted against max_body_memory like an intercepted call's body (body-budget.ts).
    const declared = Number(req.headers['content-length']);
    const known = Number.isFinite(declared) && declared >= 0;
    if (deps.bodyBudget && (!known || declared <= s.max_body_size)) {
      hold = await deps.bodyBudget.acquire(known ? declared : 0, (cancel) => req.once('close', cancel));
      if (hold === null) return; // the client went away while waiting
    }
    try {
      const read = await readJsonBody(req, s.max_body_size, bodyTimeouts(s));
      if (read.error) throw read.error;
      body = read.raw;
      if (!known) hold?.grow(body.length);
    } catch (err) {
      hold?.release();
      throw err;
    }
    headers['content-type'] ??= 'application/json';
  }
  try {
    await forward(deps, req, res, prefix, url, headers, body, cfg);
  } finally {
    hold?.release();
  }
}

async function forward(
  deps: Pick<ProviderRouteDeps, 'pipeline' | 'pool'>,
  req: IncomingMessage,
  res: ServerResponse,
  prefix: ProviderPrefix,
  url: string,
  headers: Record<string, string>,
  body: Buffer | undefined,
  cfg: { headersTimeoutMs: number; bodyTimeoutMs: number },
): Promise<void> {
  const controller = new CallAbort();
  res.on('close', () => {
    if (!res.writableFinished) controller.abort(new Error('client disconnected'));
  });
  const answer = await upstreamRequest(deps.pool, {
    provider: prefix.provider,
    url,
    method: req.method === 'DELETE' ? 'DELETE' : req.method === 'POST' ? 'POST' : 'GET',
    headers,
    body,
    signal: controller,
    headersTimeoutMs: cfg.headersTimeoutMs,
    bodyTimeoutMs: cfg.bodyTimeoutMs,
  });
  res.writeHead(answer.status, downstreamHeaders(answer.headers));
  try {
    for await (const chunk of answer.body) res.write(chunk);
    res.end();
  } catch (err) {
    if (!controller.aborted) {
      const mapped = mapUpstreamError(prefix.provider, err, cfg.bodyTimeoutMs);
      deps.pipeline.warn({ err: mapped instanceof Error ? mapped.message : String(mapped) }, 'passthrough broke off');
    }
    res.destroy();
  }
}

