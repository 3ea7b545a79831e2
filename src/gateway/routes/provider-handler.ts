/**
 * The provider prefixes (SPEC §4), in the order the contract fixes:
 * route (404) → Host guard (403) → bridge token (401) → bridge switch (503) → request gates
 * (src/gateway/gates.ts: concurrency 429; budgets next) → body (413/400) → provider adapter →
 * pipeline. Passthrough routes forward untouched and are not recorded.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Settings } from '../../config/schema.js';
import type { TokenStore } from '../../store/tokens.js';
import type { Initiator } from '../../record/types.js';
import { AuthError, BridgeDisabledError, GatewayError, NotFoundError, asGatewayError, sendError } from '../errors.js';
import type { OverloadGuard } from '../overload/index.js';
import { enterGates, leaveGates, type RequestGate } from '../gates.js';
import { hostGuard } from '../http/host-check.js';
import { bridgeTokenFrom } from '../http/bridge-token.js';
import { bodyTimeouts, readJsonBody } from '../http/read-body.js';
import type { RequestPath } from '../http/request-path.js';
import { CLIENT_ABORTED, runInterception, type InterceptedCall, type PipelineContext } from '../intercept/intercept.js';
import type { BodyBudget, BodyHold } from '../http/body-budget.js';
import { PREFIXES, matchRoute, type RouteMatch } from './provider-table.js';
import type { ProviderAdapters } from '../providers/index.js';
import type { UpstreamPool } from '../upstream/http.js';
import { passthrough } from './passthrough.js';
import type { SecretGuard } from '../secret-guard.js';

export interface ProviderRouteDeps {
  settings: () => Settings;
  tokens: Pick<TokenStore, 'verify' | 'verifyFresh'>;
  adapters: ProviderAdapters;
  pool: UpstreamPool;
  pipeline: PipelineContext;
  /** Counts requests refused before they became interceptions (metrics). */
  rejected?: (reason: string) => void;
  /** Checks after the token, before the body (src/gateway/gates.ts), in order. */
  gates?: readonly RequestGate[];
  /** Circuit breakers in front of the adapters' upstream calls (src/gateway/overload); none = none. */
  overload?: Pick<OverloadGuard, 'guard'>;
  /** The bound on request-body bytes held across calls (`max_body_memory`); none = unbounded. */
  bodyBudget?: BodyBudget;
  /** `block_secrets` in front of the breakers (src/gateway/secret-guard.ts): a refusal never counts as an upstream failure. */
  secrets?: SecretGuard;
}

/** Returns a handler for one prefix, or undefined when the URL is not under a provider prefix. */
export function providerHandler(deps: ProviderRouteDeps) {
  const gates = deps.gates ?? [];
  return async (req: IncomingMessage, res: ServerResponse, url: RequestPath): Promise<boolean> => {
    const prefix = PREFIXES.find((p) => url.pathname === p.prefix || url.pathname.startsWith(p.prefix + '/'));
    if (!prefix) return false;
    const path = url.pathname.slice(prefix.prefix.length) || '/';
    const route = matchRoute(prefix, req.method ?? 'GET', path);
    try {
      if (!route) throw new NotFoundError(`no route ${req.method} ${url.pathname}; see the AI Bridge docs for the supported endpoints`);
      const s = deps.settings();
      const forbidden = hostGuard(req.headers.host, s);
      if (forbidden) throw forbidden;
      const token = bridgeTokenFrom(req.headers, prefix.provider === 'bedrock');
      if (!token) throw new AuthError('missing bridge token: send it as x-api-key or Authorization: Bearer');
      const initiator = deps.tokens.verify(token) ?? (await deps.tokens.verifyFresh(token));
      if (!initiator) throw new AuthError('invalid or revoked bridge token');
      if (!s.enabled) throw new BridgeDisabledError();
      const intercepted = route.kind.type === 'intercept';
      const refused = enterGates(gates, initiator, intercepted);
      if (refused) {
        // Passthrough calls are never recorded; an intercepted one leaves a `failed` record (SPEC §6).
        if (!intercepted) throw refused;
        deps.rejected?.(refused.code);
        // The body is not read: the reply closes the connection (sendError) instead of draining it.
        await intercept(deps, req, res, route, url.search, initiator, s, refused);
        return true;
      }
      try {
        if (intercepted) await intercept(deps, req, res, route, url.search, initiator, s);
        else await passthrough(deps, req, res, prefix, route, url.search);
      } finally {
        leaveGates(gates, initiator, intercepted);
      }
    } catch (err) {
      const gerr = asGatewayError(err);
      if (!(err instanceof GatewayError)) deps.pipeline.warn({ err }, 'unexpected error on a provider route');
      deps.rejected?.(gerr.code);
      sendError(res, prefix.shape, gerr);
    }
    return true;
  };
}

async function intercept(
  deps: ProviderRouteDeps,
  req: IncomingMessage,
  res: ServerResponse,
  route: RouteMatch,
  search: string,
  initiator: Initiator,
  s: Settings,
  refused?: GatewayError,
): Promise<void> {
  if (route.kind.type !== 'intercept') return;
  const chosen =
    route.kind.api === 'anthropic-messages'
      ? deps.adapters.messages()
      : route.kind.api === 'openai-chat'
        ? deps.adapters.openaiChat
        : route.kind.api === 'openai-responses'
          ? deps.adapters.openaiResponses
          : deps.adapters.bedrockNative;
  const breaker = deps.overload ? deps.overload.guard(chosen) : chosen;
  const adapter = deps.secrets ? deps.secrets.guard(breaker) : breaker;
  if (refused) {
    // Shed before the body is read: the record has no model or prompt, only who and when.
    await runInterception(deps.pipeline, { req, res, adapter, initiator, path: route.path, search, rawBody: Buffer.alloc(0), json: undefined, bodyError: refused });
    return;
  }
  // The body's bytes are reserved before it is read and held until the call ends (the raw body
  // goes upstream as it is): past `max_body_memory`, calls wait here (src/gateway/http/body-budget.ts).
  const declared = Number(req.headers['content-length']);
  const known = Number.isFinite(declared) && declared >= 0;
  let hold: BodyHold | null | undefined;
  if (deps.bodyBudget && (!known || declared <= s.max_body_size)) {
    hold = await deps.bodyBudget.acquire(known ? declared : 0, (cancel) => req.once('close', cancel));
    if (hold === null) {
      const gone = new GatewayError(400, CLIENT_ABORTED, 'the client closed the connection while its body waited for memory (max_body_memory)');
      await runInterception(deps.pipeline, { req, res, adapter, initiator, path: route.path, search, rawBody: Buffer.alloc(0), json: undefined, bodyError: gone });
      return;
    }
  }
  try {
    const call: InterceptedCall = { req, res, adapter, initiator, path: route.path, search, rawBody: Buffer.alloc(0), json: undefined };
    try {
      // A large body's long strings may stay in its bytes when nothing reads the tree whole: not
      // an adapter that re-encodes the body, not block_secrets (it scans the whole prompt).
      const longStrings = !chosen.readsWholeBody && !s.block_secrets;
      const body = await readJsonBody(req, s.max_body_size, bodyTimeouts(s), { longStrings });
      if (!known) hold?.grow(body.raw.length);
      call.rawBody = body.raw;
      call.json = body.json;
      call.bodyError = body.error;
      call.long = body.long;
    } catch (err) {
      // The client hung up mid-body: still an authenticated call, so it leaves a record (cancelled).
      call.bodyError = new GatewayError(400, CLIENT_ABORTED, 'the client closed the connection before the request body was complete', { cause: err });
    }
    // Only `call` holds the body from here: runInterception lets go of it as soon as it can.
    await runInterception(deps.pipeline, call);
  } finally {
    hold?.release();
  }
}
