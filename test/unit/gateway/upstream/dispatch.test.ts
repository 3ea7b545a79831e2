/**
 * The intercepted calls' upstream client (src/gateway/upstream/dispatch.ts) against a real
 * loopback server: the body behaves like the Readable it replaces — held until resumed, ends and
 * closes, errors when the upstream breaks off, pushes back on the socket while paused, aborts the
 * upstream call when destroyed or when the call's abort fires.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { createUpstreamPool, type UpstreamPool, type UpstreamRequest } from '../../../../src/gateway/upstream/http.js';
import { upstreamDispatch, type UpstreamBody } from '../../../../src/gateway/upstream/dispatch.js';
import { CallAbort } from '../../../../src/gateway/upstream/call-abort.js';
import { UpstreamTimeoutError, UpstreamUnreachableError } from '../../../../src/gateway/errors.js';

let server: Server | undefined;
let pool: UpstreamPool | undefined;
afterEach(async () => {
  await pool?.close().catch(() => undefined);
  server?.closeAllConnections();
  await new Promise((r) => (server ? server.close(r) : r(undefined)));
  server = undefined;
  pool = undefined;
});

async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<string> {
  server = createServer(handler);
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  pool = createUpstreamPool();
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const call = (url: string, over: Partial<UpstreamRequest> = {}): UpstreamRequest => ({
  provider: 'anthropic',
  url: url + '/v1/messages?beta=true',
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: Buffer.from('{"model":"m"}'),
  signal: new CallAbort(),
  headersTimeoutMs: 5_000,
  bodyTimeoutMs: 5_000,
  ...over,
});

/** Reads a body through its events (resuming it), as the pipeline does. */
function readAll(body: UpstreamBody): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  return new Promise((resolve, reject) => {
    body.on('data', (c: Uint8Array) => parts.push(c));
    body.on('end', () => resolve(Buffer.concat(parts)));
    body.on('error', reject);
    body.resume();
  });
}

describe('upstreamDispatch', () => {
  it('a blocking answer: status, headers as request() gives them, the exact bytes, then end and close', async () => {
    let seen: { path: string; body: string; length: string | undefined } | undefined;
    const url = await serve((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c));
      req.on('end', () => {
        seen = { path: req.url ?? '', body, length: req.headers['content-length'] };
        res.writeHead(201, [['Request-Id', 'req_1'], ['X-Multi', 'a'], ['X-Multi', 'b'], ['Content-Type', 'application/json']]);
        res.end('{"ok":"é"}');
      });
    });
    const answer = await upstreamDispatch(pool!, call(url));
    expect(seen).toEqual({ path: '/v1/messages?beta=true', body: '{"model":"m"}', length: '13' });
    expect(answer.status).toBe(201);
    expect(answer.headers['request-id']).toBe('req_1');
    expect(answer.headers['x-multi']).toEqual(['a', 'b']);
    const body = answer.body as UpstreamBody;
    // Nothing is lost while nobody reads yet.
    await new Promise((r) => setTimeout(r, 20));
    const closed = once(body, 'close');
    expect((await readAll(body)).toString('utf8')).toBe('{"ok":"é"}');
    await closed;
    expect(body.destroyed).toBe(true);
  });

  it('a stream arrives chunk by chunk, and async iteration reads it too', async () => {
    const url = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      let n = 0;
      const t = setInterval(() => {
        if (++n > 5) {
          clearInterval(t);
          res.end();
        } else res.write(`data: ${n}\n\n`);
      }, 5);
    });
    const answer = await upstreamDispatch(pool!, call(url));
    const chunks: string[] = [];
    for await (const c of answer.body) chunks.push(Buffer.from(c).toString('utf8'));
    expect(chunks.join('')).toBe('data: 1\n\ndata: 2\n\ndata: 3\n\ndata: 4\n\ndata: 5\n\n');
  });

  it('while paused, the upstream socket stops (its writes block); resumed, every byte arrives', async () => {
    let written = 0;
    let blocked = false;
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    const url = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const pump = () => {
        while (written < 64 * 2 ** 20) {
          written += chunk.length;
          if (!res.write(chunk)) {
            blocked = true;
            res.once('drain', pump);
            return;
          }
        }
        res.end();
      };
      pump();
    });
    const answer = await upstreamDispatch(pool!, call(url));
    // Wait until the buffers between us and the upstream are full and its writes have settled
    // (however slow the machine): then, with nobody reading, nothing more may leave the upstream.
    let before = -1;
    for (let i = 0; i < 100 && before !== written; i++) {
      before = written;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(blocked).toBe(true);
    expect(written).toBe(before);
    expect(before).toBeLessThan(64 * 2 ** 20);
    const all = await readAll(answer.body as UpstreamBody);
    expect(all.length).toBe(written);
  });

  it('destroy() mid-stream aborts the upstream call', async () => {
    let upstreamClosed!: () => void;
    const closed = new Promise<void>((r) => (upstreamClosed = r));
    const url = await serve((req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: first\n\n');
      req.socket.on('close', upstreamClosed);
    });
    const answer = await upstreamDispatch(pool!, call(url));
    const body = answer.body as UpstreamBody;
    const first = await new Promise<string>((resolve) => {
      body.once('data', (c: Uint8Array) => resolve(Buffer.from(c).toString('utf8')));
      body.resume();
    });
    expect(first).toBe('data: first\n\n');
    const bodyClosed = once(body, 'close');
    body.destroy();
    await Promise.all([closed, bodyClosed]);
  });

  it("the call's abort before the answer rejects with its reason and closes the upstream request", async () => {
    let upstreamClosed!: () => void;
    const closed = new Promise<void>((r) => (upstreamClosed = r));
    let received!: () => void;
    const arrived = new Promise<void>((r) => (received = r));
    const url = await serve((req) => {
      req.socket.on('close', upstreamClosed);
      received();
    }); // never answers
    const abort = new CallAbort();
    const pending = upstreamDispatch(pool!, call(url, { signal: abort }));
    // Abort once the upstream holds the request (a fixed delay raced the connection on a busy machine).
    await arrived;
    abort.abort(new Error('client disconnected'));
    await expect(pending).rejects.toThrow('client disconnected');
    await closed;
  });

  it("the call's abort mid-stream ends the body with an error and closes the upstream request", async () => {
    let upstreamClosed!: () => void;
    const closed = new Promise<void>((r) => (upstreamClosed = r));
    const url = await serve((req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: x\n\n');
      req.socket.on('close', upstreamClosed);
    });
    const abort = new CallAbort();
    const answer = await upstreamDispatch(pool!, call(url, { signal: abort }));
    const failed = readAll(answer.body as UpstreamBody);
    setTimeout(() => abort.abort(new Error('client disconnected')), 20);
    await expect(failed).rejects.toThrow('client disconnected');
    await closed;
  });

  it('an upstream that dies after its headers: the body errors, then closes', async () => {
    const url = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: partial\n\n');
      setTimeout(() => res.socket?.destroy(), 20);
    });
    const answer = await upstreamDispatch(pool!, call(url));
    const body = answer.body as UpstreamBody;
    const closed = new Promise((r) => body.once('close', r));
    await expect(readAll(body)).rejects.toThrow('other side closed');
    await closed;
  });

  it('no headers within the timeout → UpstreamTimeoutError; nothing listening → UpstreamUnreachableError', async () => {
    const url = await serve(() => undefined);
    await expect(upstreamDispatch(pool!, call(url, { headersTimeoutMs: 100 }))).rejects.toBeInstanceOf(UpstreamTimeoutError);
    await expect(upstreamDispatch(pool!, call('http://127.0.0.1:1'))).rejects.toBeInstanceOf(UpstreamUnreachableError);
  });
});

describe('UpstreamBody', () => {
  it('an answer that breaks off before anyone listens still reaches listeners attached by the awaiting code', async () => {
    const { UpstreamBody } = await import('../../../../src/gateway/upstream/dispatch.js');
    let aborted = false;
    const body = new UpstreamBody(() => undefined, () => (aborted = true));
    // As undici does it: in one socket callback the headers resolve the caller's promise and the
    // answer breaks off; the readers attach in the promise continuation, after that callback.
    await new Promise<void>((resolve) =>
      setImmediate(() => {
        resolve();
        body.push(Buffer.from('data: x\n\n'));
        body.fail(new Error('other side closed'));
      }),
    );
    await Promise.resolve();
    const events: string[] = [];
    body.once('error', (err: Error) => events.push(`error:${err.message}`));
    body.once('close', () => events.push('close'));
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setImmediate(r));
    expect(events).toEqual(['error:other side closed', 'close']);
    expect(aborted).toBe(false); // undici ended it; nothing to abort
    // A reader that comes later still learns why.
    const it = body[Symbol.asyncIterator]();
    await expect(it.next()).rejects.toThrow('other side closed');
  });
});
