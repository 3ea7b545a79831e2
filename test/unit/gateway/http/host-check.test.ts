import { describe, expect, it } from 'vitest';
import { hostAllowed, hostGuard, hostName, isLoopbackHost, isLoopbackPeer, listenWarning } from '../../../../src/gateway/http/host-check.js';

const open = (h: string | undefined, bind = '127.0.0.1', allowed: string[] = []) => hostAllowed(h, bind, allowed);

describe('hostName', () => {
  it('drops the port and lower-cases', () => {
    expect(hostName('LocalHost:8080')).toBe('localhost');
    expect(hostName('127.0.0.1:1')).toBe('127.0.0.1');
    expect(hostName(' bridge.corp ')).toBe('bridge.corp');
  });
  it('keeps IPv6 literals whole, with or without a port', () => {
    expect(hostName('[::1]:8080')).toBe('::1');
    expect(hostName('[::1]')).toBe('::1');
    expect(hostName('[fe80::1%25eth0]:1')).toBe('fe80::1%25eth0');
  });
});

describe('hostAllowed', () => {
  it('lets loopback names through, with any port', () => {
    for (const h of ['localhost', 'localhost:4000', '127.0.0.1', '127.0.0.1:4000', '127.5.6.7:1', '[::1]:4000', '[::1]', 'app.localhost:4000']) {
      expect(open(h), h).toBe(true);
    }
  });

  it('refuses hostile names that merely start or end like loopback (DNS rebinding)', () => {
    for (const h of [
      '127.0.0.1.evil.com', '127.0.0.1.evil.com:4000', 'localhost.evil.com', 'evil.com', 'evil.com:4000',
      'evilocalhost', 'localhost.', '127.0.0.1.nip.io', '127.0.0.256.evil', '1270.0.0.1', '127.0.0.1evil',
      'x127.0.0.1', '[::1].evil.com', '[::2]:4000', '::1.evil', '0.0.0.0', '0.0.0.0:4000', '[::]',
    ]) {
      expect(open(h), h).toBe(false);
    }
  });

  it('accepts *.localhost only as a real label suffix', () => {
    expect(open('a.b.localhost')).toBe(true);
    expect(open('alocalhost')).toBe(false);
    expect(open('localhost.com')).toBe(false);
  });

  it('lets a missing Host through (HTTP/1.0 clients; browsers always send one)', () => {
    expect(open(undefined)).toBe(true);
    expect(open('')).toBe(true);
  });

  it('accepts the bound host itself, but never a wildcard bind address as a name', () => {
    expect(open('10.0.0.5:4000', '10.0.0.5')).toBe(true);
    expect(open('10.0.0.6:4000', '10.0.0.5')).toBe(false);
    expect(open('0.0.0.0:4000', '0.0.0.0')).toBe(false);
    expect(open('[::]:4000', '::')).toBe(false);
  });

  it('accepts exactly the configured allowed hosts, case-insensitively, and nothing that contains them', () => {
    const allowed = ['bridge.corp', 'gw.internal'];
    expect(open('bridge.corp', '0.0.0.0', allowed)).toBe(true);
    expect(open('BRIDGE.corp:8443', '0.0.0.0', allowed)).toBe(true);
    expect(open('gw.internal', '0.0.0.0', allowed)).toBe(true);
    expect(open('bridge.corp.evil.com', '0.0.0.0', allowed)).toBe(false);
    expect(open('evil-bridge.corp', '0.0.0.0', allowed)).toBe(false);
    expect(open('x.bridge.corp', '0.0.0.0', allowed)).toBe(false);
    // Without the setting the same names are refused.
    expect(open('bridge.corp', '0.0.0.0', [])).toBe(false);
  });
});

describe('hostGuard', () => {
  it('returns the 403 error naming the refused host, or nothing', () => {
    expect(hostGuard('localhost:1', { host: '127.0.0.1', allowed_hosts: [] })).toBeUndefined();
    const err = hostGuard('evil.com', { host: '127.0.0.1', allowed_hosts: [] });
    expect(err).toBeDefined();
    expect(err!.message).toContain('evil.com');
    expect(hostGuard('evil.com', { host: '127.0.0.1', allowed_hosts: ['evil.com'] })).toBeUndefined();
  });
});

describe('a wildcard bind and this machine\'s own addresses (issue #13)', () => {
  it('bound to every interface, the machine\'s own IP addresses pass; other IPs and names do not', () => {
    const local = ['127.0.0.1', '192.0.2.7', 'fd00::7'];
    expect(hostAllowed('192.0.2.7:8642', '0.0.0.0', [], local)).toBe(true);
    expect(hostAllowed('[fd00::7]:8642', '::', [], local)).toBe(true);
    expect(hostAllowed('192.0.2.8:8642', '0.0.0.0', [], local)).toBe(false);
    expect(hostAllowed('evil.com', '0.0.0.0', [], local)).toBe(false);
    // Bound to one address, other local addresses are not its names.
    expect(hostAllowed('192.0.2.7:8642', '10.0.0.1', [], local)).toBe(false);
  });
  it('loopback hosts and peers', () => {
    for (const h of ['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]']) expect(isLoopbackHost(h), h).toBe(true);
    for (const h of ['0.0.0.0', '::', '192.0.2.7', 'bridge.corp', '127.0.0.1.evil.com']) expect(isLoopbackHost(h), h).toBe(false);
    for (const a of ['127.0.0.1', '::1', '::ffff:127.0.0.1']) expect(isLoopbackPeer(a), a).toBe(true);
    for (const a of [undefined, '', '192.0.2.7', '::ffff:192.0.2.7', 'fd00::7', '::ffff:127.0.0.1.x']) expect(isLoopbackPeer(a), String(a)).toBe(false);
  });
  it('warns beyond loopback only', () => {
    expect(listenWarning('127.0.0.1', false)).toBeUndefined();
    expect(listenWarning('0.0.0.0', false)).toMatch(/beyond this machine.*this machine only/);
    expect(listenWarning('192.0.2.7', true)).toMatch(/admin token crosses the network in clear/);
  });
});
