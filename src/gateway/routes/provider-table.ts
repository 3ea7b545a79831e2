/**
 * The client-side route table of SPEC §4. Each provider prefix owns a small table; anything else
 * under the prefix is a 404 in that provider's shape, checked before anything else.
 */
import type { ErrorShape } from '../errors.js';

export type RouteKind =
  | { type: 'intercept'; api: 'anthropic-messages' | 'openai-chat' | 'openai-responses' | 'bedrock-native' }
  | { type: 'pass' };

export interface RouteMatch {
  kind: RouteKind;
  /** Path after the prefix, e.g. `/v1/messages`. */
  path: string;
}

interface RouteDef {
  method: string | string[];
  pattern: RegExp;
  kind: RouteKind;
}

export interface ProviderPrefix {
  prefix: '/anthropic' | '/openai' | '/bedrock';
  shape: ErrorShape;
  /** Which provider's key/settings a passthrough route uses. */
  provider: 'anthropic' | 'openai' | 'bedrock';
  routes: RouteDef[];
}

export const PREFIXES: ProviderPrefix[] = [
  {
    prefix: '/anthropic',
    shape: 'anthropic',
    provider: 'anthropic',
    routes: [
      { method: 'POST', pattern: /^\/v1\/messages\/?$/, kind: { type: 'intercept', api: 'anthropic-messages' } },
      { method: 'POST', pattern: /^\/v1\/messages\/count_tokens\/?$/, kind: { type: 'pass' } },
      { method: 'GET', pattern: /^\/v1\/models(\/[^/]+)?\/?$/, kind: { type: 'pass' } },
    ],
  },
  {
    prefix: '/openai',
    shape: 'openai',
    provider: 'openai',
    routes: [
      { method: 'POST', pattern: /^\/v1\/chat\/completions\/?$/, kind: { type: 'intercept', api: 'openai-chat' } },
      { method: 'POST', pattern: /^\/v1\/responses\/?$/, kind: { type: 'intercept', api: 'openai-responses' } },
      { method: 'GET', pattern: /^\/v1\/models(\/[^/]+)?\/?$/, kind: { type: 'pass' } },
      { method: ['GET', 'DELETE'], pattern: /^\/v1\/responses\/[^/]+\/?$/, kind: { type: 'pass' } },
    ],
  },
  {
    prefix: '/bedrock',
    shape: 'bedrock',
    provider: 'bedrock',
    routes: [
      {
        method: 'POST',
        pattern: /^\/model\/[^/]+\/(invoke|invoke-with-response-stream)\/?$/,
        kind: { type: 'intercept', api: 'bedrock-native' },
      },
    ],
  },
];

/** The route a request hits, or undefined (→ 404). `path` is after the prefix, without query. */
export function matchRoute(prefix: ProviderPrefix, method: string, path: string): RouteMatch | undefined {
  for (const r of prefix.routes) {
    const methods = Array.isArray(r.method) ? r.method : [r.method];
    if (methods.includes(method) && r.pattern.test(path)) return { kind: r.kind, path };
  }
  return undefined;
}
