/**
 * DNS-rebinding guard (SPEC §4, STYLE.md §8): a web page on evil.example that resolves its name to
 * 127.0.0.1 still sends `Host: evil.example`. Only loopback names, the bound host and configured
 * allowed hosts pass.
 */
import { ForbiddenHostError } from '../errors.js';

const LOOPBACK = new Set(['localhost', '127.0.0.1', '::1', '[::1]']);

/** The host part of a Host header, lower-cased, without the port (IPv6 brackets kept off). */
export function hostName(header: string): string {
  const h = header.trim().toLowerCase();
  if (h.startsWith('[')) {
    // `[v6]` or `[v6]:port` only: anything else after the bracket (`[::1].evil.com`) is kept whole,
    // so it matches no allowed name.
    const m = /^\[([^\]]+)\](?::\d*)?$/.exec(h);
    return m ? m[1]! : h;
  }
  const colon = h.lastIndexOf(':');
  return colon >= 0 && h.indexOf(':') === colon ? h.slice(0, colon) : h;
}

export function hostAllowed(header: string | undefined, bindHost: string, allowed: readonly string[]): boolean {
  // HTTP/1.0 clients may omit Host; browsers (the attack vector) never do.
  if (header === undefined || header === '') return true;
  const name = hostName(header);
  if (LOOPBACK.has(name) || name.endsWith('.localhost')) return true;
  if (/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(name)) return true;
  const bind = bindHost.toLowerCase();
  if (name === bind && bind !== '0.0.0.0' && bind !== '::') return true;
  return allowed.includes(name);
}

/** The DNS-rebinding guard's verdict for a request: the 403 to send, or undefined to go on. */
export function hostGuard(header: string | undefined, s: { host: string; allowed_hosts: readonly string[] }): ForbiddenHostError | undefined {
  return hostAllowed(header, s.host, s.allowed_hosts) ? undefined : new ForbiddenHostError(header ?? '');
}
