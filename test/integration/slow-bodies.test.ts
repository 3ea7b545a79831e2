/**
 * Issue #13, "slow bodies": a client that trickles (or stops sending) its request body must not
 * keep its socket, or a concurrency slot, for ever. Real sockets: the request head is written by
 * hand and the body byte by byte, as an attacker would.
 *
 * - answered before the body was read (401, 413 by `Content-Length`, 413 mid-body): the reply
 *   says `connection: close` and the server closes the socket without draining the rest;
 * - authenticated, the body stalls past `--body-idle-timeout` or trickles past `--body-timeout`:
 *   408 in the provider's shape, a `failed` record with `http_status` 408, the slot given back;
 * - `--max-connections`: sockets past the limit are closed at once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type Socket } from 'node:net';
import { startGatewayHarness, type GatewayHarness } from '../helpers/gateway-harness.js';

let h: GatewayHarness;
let port: number;

beforeAll(async () => {
  h = await startGatewayHarness({
    argv: ['--body-idle-timeout', '1s', '--body-timeout', '3s', '--max-concurrency', '2', '--max-connections', '6', '--max-body-size', '1000'],
  });
  port = Number(new URL(h.url).port);
});
afterAll(async () => {
  await h?.close();
});

interface Raw {
  socket: Socket;
  /** Everything the server sent so far. */
  text(): string;
  /** Resolves when the server closed its side (or the socket broke); never rejects. */
  closed: Promise<void>;
  /** True once the server has closed. */
  isClosed(): boolean;
}

async function open(): Promise<Raw> {
  const socket = connect(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  let got = '';
  let closed = false;
  socket.setEncoding('utf8').on('data', (d: string) => (got += d));
  socket.on('error', () => {});
  const done = new Promise<void>((resolve) => {
    const end = () => {
      closed = true;
      resolve();
    };
    socket.once('end', end);
    socket.once('close', end);
  });
  return { socket, text: () => got, closed: done, isClosed: () => closed };
}

function head(path: string, length: number, headers: Record<string, string> = {}): string {
  const lines = [`POST ${path} HTTP/1.1`, `Host: 127.0.0.1:${port}`, 'Content-Type: application/json', `Content-Length: ${length}`];
  for (const [k, v] of Object.entries(headers)) lines.push(`${k}: ${v}`);
  return lines.join('\r\n') + '\r\n\r\n';
}

/** Waits until `cond` holds, checking every 20 ms; false after `ms`. */
async function until(cond: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, 20));
  }
  return true;
}

/** Writes one byte every `everyMs` until the socket is closed (or `max` bytes). */
function trickle(raw: Raw, everyMs: number, max: number): void {
  let n = 0;
  const t = setInterval(() => {
    if (raw.isClosed() || raw.socket.destroyed || n++ >= max) {
      clearInterval(t);
      return;
    }
    raw.socket.write(' ');
  }, everyMs);
}

const status = (raw: Raw) => Number(/^HTTP\/1\.1 (\d{3})/.exec(raw.text())?.[1]);

describe('slow request bodies', () => {
  it('401 to an unauthenticated trickled body closes the socket without draining it', async () => {
    const raw = await open();
    raw.socket.write(head('/anthropic/v1/messages', 1_000_000) + '{"model":');
    trickle(raw, 200, 1000);
    expect(await until(raw.isClosed, 5000)).toBe(true);
    expect(status(raw)).toBe(401);
    expect(raw.text().toLowerCase()).toContain('connection: close');
  });

  it('413 by Content-Length closes without reading the body', async () => {
    const raw = await open();
    raw.socket.write(head('/anthropic/v1/messages', 5000, { 'x-api-key': h.token }) + '{"model":');
    trickle(raw, 200, 1000);
    expect(await until(raw.isClosed, 5000)).toBe(true);
    expect(status(raw)).toBe(413);
    await h.nextRecords(1);
  });

  it('413 past the cap mid-body (chunked) closes the connection', async () => {
    const raw = await open();
    const lines = [`POST /anthropic/v1/messages HTTP/1.1`, `Host: 127.0.0.1:${port}`, 'Content-Type: application/json', 'Transfer-Encoding: chunked', `x-api-key: ${h.token}`];
    raw.socket.write(lines.join('\r\n') + '\r\n\r\n');
    raw.socket.write(`7d0\r\n${'x'.repeat(2000)}\r\n`);
    const t = setInterval(() => !raw.isClosed() && raw.socket.write('1\r\n \r\n'), 200);
    try {
      expect(await until(raw.isClosed, 5000)).toBe(true);
    } finally {
      clearInterval(t);
    }
    expect(status(raw)).toBe(413);
    await h.nextRecords(1);
  });

  it('a stalled authenticated body gets 408 (provider shape) after --body-idle-timeout, recorded, slot back', async () => {
    const raw = await open();
    const body = JSON.stringify({ model: 'claude-stall', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] });
    raw.socket.write(head('/anthropic/v1/messages', body.length, { 'x-api-key': h.token, 'anthropic-version': '2023-06-01' }) + body.slice(0, 20));
    expect(await until(raw.isClosed, 5000)).toBe(true);
    expect(status(raw)).toBe(408);
    const text = raw.text();
    const json = JSON.parse(text.slice(text.indexOf('{'), text.lastIndexOf('}') + 1)) as { type: string; error: { type: string; message: string } };
    expect(json.type).toBe('error');
    expect(json.error.message).toMatch(/--body-idle-timeout/);
    const [rec] = await h.nextRecords(1);
    expect(rec).toMatchObject({ status: 'failed', http_status: 408 });
    expect(rec!.error).toMatch(/stalled/);
    const st = await h.admin<{ overload: { in_flight: number } }>('/status');
    expect(st.overload.in_flight).toBe(0);
  });

  it('a body trickled a byte at a time (never idle) gets 408 after --body-timeout', async () => {
    const raw = await open();
    raw.socket.write(head('/openai/v1/chat/completions', 900, { authorization: `Bearer ${h.token}` }) + '{"model":"gpt-trickle","messages":[');
    trickle(raw, 300, 2000);
    expect(await until(raw.isClosed, 8000)).toBe(true);
    expect(status(raw)).toBe(408);
    expect(raw.text()).toMatch(/--body-timeout/);
    const [rec] = await h.nextRecords(1);
    expect(rec).toMatchObject({ status: 'failed', http_status: 408, provider: 'openai' });
  });

  it('two trickling clients cannot lock out a third past --max-concurrency for ever', async () => {
    const a = await open();
    const b = await open();
    for (const r of [a, b]) {
      r.socket.write(head('/anthropic/v1/messages', 900, { 'x-api-key': h.token }) + '{');
      trickle(r, 300, 2000);
    }
    // Both slots are taken now; once the body clock ends them, a normal call goes through.
    expect(await until(() => a.isClosed() && b.isClosed(), 8000)).toBe(true);
    const ok = await h.post('/anthropic/v1/messages', { model: 'claude-after', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] });
    expect(ok.status).toBe(200);
    await h.nextRecords(3);
  });

  it('connections past --max-connections are closed at once; freed ones can be reused', async () => {
    const held: Raw[] = [];
    for (let i = 0; i < 6; i++) held.push(await open());
    const extra = await open();
    expect(await until(extra.isClosed, 3000)).toBe(true);
    expect(extra.text()).toBe('');
    for (const r of held) r.socket.destroy();
    // Once the server has seen the closes (an event, not a fixed pause), a new connection is served.
    const health = async () => {
      try {
        return (await fetch(`${h.url}/healthz`)).status;
      } catch {
        return 0; // refused while the slots were still counted
      }
    };
    await expect.poll(health, { timeout: 10_000, interval: 20 }).toBe(200);
  });
});
