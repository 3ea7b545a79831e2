/**
 * The per-call abort the pipeline hands to adapters: undici takes it as a request signal, and a
 * standard AbortSignal made from it (the AWS SDK's) follows it whenever it is made.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { CallAbort, toAbortSignal } from '../../../../src/gateway/upstream/call-abort.js';

let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r) ?? r(undefined));
  server = undefined;
});

describe('CallAbort', () => {
  it('fires once, keeps the first reason, and emits abort', () => {
    const a = new CallAbort();
    let fired = 0;
    a.on('abort', () => fired++);
    expect(a.aborted).toBe(false);
    a.abort(new Error('client disconnected'));
    a.abort(new Error('second'));
    expect(a.aborted).toBe(true);
    expect((a.reason as Error).message).toBe('client disconnected');
    expect(fired).toBe(1);
  });

  it('a signal made before the abort follows it; one made after starts aborted', () => {
    const early = new CallAbort();
    const s1 = early.signal;
    expect(s1.aborted).toBe(false);
    early.abort('gone');
    expect(s1.aborted).toBe(true);
    expect(s1.reason).toBe('gone');

    const late = new CallAbort();
    late.abort('already');
    expect(late.signal.aborted).toBe(true);
    expect(late.signal.reason).toBe('already');
    expect(toAbortSignal(late)).toBe(late.signal);
    const plain = new AbortController().signal;
    expect(toAbortSignal(plain)).toBe(plain);
  });

  it('aborts a real undici request waiting for its answer', async () => {
    let upstreamClosed!: () => void;
    const closed = new Promise<void>((r) => (upstreamClosed = r));
    server = createServer((req) => req.socket.on('close', upstreamClosed)); // never answers
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    const a = new CallAbort();
    const pending = request(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`, { method: 'POST', body: '{}', signal: a });
    setTimeout(() => a.abort(new Error('client disconnected')), 20);
    await expect(pending).rejects.toThrow('client disconnected');
    await closed;
  });
});
