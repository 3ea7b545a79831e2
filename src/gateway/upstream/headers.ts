/**
 * Header hygiene (issue #3): what crosses the gateway. Client → upstream: everything but auth,
 * cookies, hop-by-hop and framing headers (the provider key is added by the adapter).
 * Upstream → client: everything but hop-by-hop headers and cookies, so `request-id`,
 * `retry-after` and rate-limit headers arrive as sent.
 */
import type { IncomingHttpHeaders } from 'node:http';

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

const NEVER_UPSTREAM = new Set([
  ...HOP_BY_HOP,
  'host',
  'content-length',
  // `Expect: 100-continue` is answered by our own server (Node sends the 100); undici refuses to
  // send it ("expect header not supported"), and the body is complete by the time we forward it.
  'expect',
  // Identity encoding keeps the tee readable; upstream compression would be forwarded opaque.
  'accept-encoding',
  'authorization',
  'x-api-key',
  'api-key',
  'x-goog-api-key',
  'cookie',
  'forwarded',
  'x-forwarded-for',
  'x-forwarded-host',
  'x-forwarded-proto',
  'x-real-ip',
  'origin',
  'referer',
]);

// `content-length` goes through: the body is forwarded byte for byte, so the upstream's length is
// the client's, and a sized answer needs no chunked framing (one write to the client, not two).
const NEVER_DOWNSTREAM = new Set([...HOP_BY_HOP, 'set-cookie', 'set-cookie2', 'alt-svc', 'date', 'server']);

/** Client headers safe to send upstream, plus the headers a `connection:` header names. */
export function upstreamRequestHeaders(h: IncomingHttpHeaders): Record<string, string> {
  const named = listed(h['connection']);
  const out: Record<string, string> = {};
  for (const k in h) {
    const v = h[k];
    if (v === undefined || NEVER_UPSTREAM.has(k) || named.has(k) || k.startsWith('proxy-')) continue;
    out[k] = Array.isArray(v) ? v.join(', ') : v;
  }
  // Said out loud (issue #13): with no Accept-Encoding an upstream may pick any coding (RFC 9110
  // §12.5.3), and a gzipped answer reaches the client fine but leaves the record unreadable.
  out['accept-encoding'] = 'identity';
  return out;
}

/** Upstream response headers to give the client (whose body must be the upstream's, byte for byte). */
export function downstreamHeaders(h: Record<string, string | string[] | undefined>): Record<string, string> {
  const named = listed(h['connection']);
  const out: Record<string, string> = {};
  for (const k in h) {
    const v = h[k];
    const key = k.toLowerCase();
    if (v === undefined || NEVER_DOWNSTREAM.has(key) || named.has(key)) continue;
    out[key] = Array.isArray(v) ? v.join(', ') : v;
  }
  return out;
}

const NONE: ReadonlySet<string> = new Set();

function listed(v: string | string[] | undefined): ReadonlySet<string> {
  // The usual values name only hop-by-hop headers, which are dropped anyway.
  if (!v || v === 'keep-alive' || v === 'close') return NONE;
  return new Set(
    (Array.isArray(v) ? v.join(',') : v)
      .split(',')
      .map((s) => s.trim().toLowerCase())
      .filter(Boolean),
  );
}
