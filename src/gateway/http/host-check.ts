/**
 * DNS-rebinding guard (SPEC §4, STYLE.md §8): a web page on evil.example that resolves its name to
 * 127.0.0.1 still sends `Host: evil.example`. Only loopback names, the bound host and configured
 * allowed hosts pass.
 */
import { networkInterfaces } from 'node:os';
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

export function hostAllowed(header: string | undefined, bindHost: string, allowed: readonly string[], localAddresses: readonly string[] = []): boolean {
  // HTTP/1.0 clients may omit Host; browsers (the attack vector) never do.
  if (header === undefined || header === '') return true;
  const name = hostName(header);
  if (LOOPBACK.has(name) || name.endsWith('.localhost')) return true;
  if (/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(name)) return true;
  const bind = bindHost.toLowerCase();
  if (name === bind && !isWildcardHost(bind)) return true;
  // Bound to every interface: this machine's own IP addresses are its names too (a LAN client
  // uses them). An IP literal cannot be rebound by DNS, so this opens nothing to a web page.
  if (isWildcardHost(bind) && localAddresses.includes(name)) return true;
  return allowed.includes(name);
}

/** `0.0.0.0` / `::`: listening on every interface. */
export function isWildcardHost(host: string): boolean {
  return host === '0.0.0.0' || host === '::' || host === '[::]';
}

/** Whether a listen host keeps the gateway on this machine (`127.x`, `::1`, `localhost`). */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/** Whether a peer address (`socket.remoteAddress`) is this machine's loopback. */
export function isLoopbackPeer(address: string | undefined): boolean {
  if (!address) return false;
  const a = address.toLowerCase();
  return a === '::1' || /^(::ffff:)?127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(a);
}

/** The DNS-rebinding guard's verdict for a request: the 403 to send, or undefined to go on. */
export function hostGuard(header: string | undefined, s: { host: string; allowed_hosts: readonly string[] }): ForbiddenHostError | undefined {
  const local = isWildcardHost(s.host.toLowerCase()) ? localInterfaceAddresses() : [];
  return hostAllowed(header, s.host, s.allowed_hosts, local) ? undefined : new ForbiddenHostError(header ?? '');
}

let local: { at: number; addresses: string[] } | undefined;

/** This machine's interface addresses, lower-cased, without zone ids; read again after 10 s (DHCP). */
function localInterfaceAddresses(): string[] {
  const now = Date.now();
  if (!local || now - local.at > 10_000) {
    const addresses: string[] = [];
    for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) addresses.push(a.address.toLowerCase().replace(/%.*$/, ''));
    local = { at: now, addresses };
  }
  return local.addresses;
}

/**
 * The start-up warning for a listen host beyond loopback (issue #13), or undefined on loopback:
 * said in the log, by `serve` and in `GET /api/v1/status` `warnings` (the dashboard shows it).
 */
export function listenWarning(host: string, allowRemoteAdmin: boolean): string | undefined {
  if (isLoopbackHost(host)) return undefined;
  const admin = allowRemoteAdmin
    ? 'the admin API and /metrics answer other machines too (--allow-remote-admin), and the admin token crosses the network in clear'
    : 'the admin API, the dashboard\'s data and /metrics answer this machine only (--allow-remote-admin opens them)';
  return `listening on ${host}, beyond this machine: anyone who can reach it and holds a bridge token can use your provider keys, over plain HTTP; ${admin}`;
}
