/**
 * readJsonBody (SPEC §4, issue #13) on a real node:http server, fed by raw sockets so each case
 * controls the framing (Content-Length or chunked), the pauses and the hang-ups exactly. Each
 * request's outcome (what readJsonBody returned, or how it rejected) is handed to the test; no
 * reply is needed, so a stalled or aborted body is observed as it is.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { connect, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { bodyTimeouts, parseTurn, readJsonBody, MAX_PARSE_BYTES, type BodyTimeouts, type ReadOptions } from '../../../../src/gateway/http/read-body.js';
import { LONG_STRING } from '../../../../src/gateway/http/large-body.js';

interface Outcome {
  json?: Record<string, unknown>;
  raw?: Buffer;
  error?: { status: number; code: string; message: string };
  longCount?: number;
  rejected?: { message: string; code?: string };
}

/** How the next request is read: limit, clocks, options. */
let plan: { limit: number; timeouts?: BodyTimeouts; opts?: ReadOptions } = { limit: 1024 };
const waiting: ((o: Outcome) => void)[] = [];
const done: Outcome[] = [];
let server: Server;
let port = 0;

function settle(o: Outcome): void {
  const w = waiting.shift();
  if (w) w(o);
  else done.push(o);
}

/** The outcome of the next request the server read. */
function nextOutcome(): Promise<Outcome> {
  const o = done.shift();
  return o ? Promise.resolve(o) : new Promise((r) => waiting.push(r));
}

async function handle(req: IncomingMessage): Promise<Outcome> {
  const { limit, timeouts, opts } = plan;
  try {
    const r = await readJsonBody(req, limit, timeouts, opts);
    return {
      json: r.json,
      raw: r.raw,
      error: r.error ? { status: r.error.status, code: r.error.code, message: r.error.message } : undefined,
      longCount: r.long ? 1 : 0,
    };
  } catch (err) {
    return { rejected: { message: (err as Error).message, code: (err as NodeJS.ErrnoException).code } };
  }
}

beforeAll(async () => {
  server = createServer((req, res) => {
    void handle(req).then((o) => {
      settle(o);
      // The gateway's error reply closes the connection; a plain 204 here ends what is left.
      if (!res.destroyed) res.writeHead(204, { connection: 'close' }).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

function open(): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => resolve(s));
    s.on('error', reject);
  });
}

const head = (headers: string) => `POST /v1/messages HTTP/1.1\r\nHost: 127.0.0.1\r\n${headers}\r\n`;
const chunk = (b: Buffer | string) => {
  const buf = Buffer.isBuffer(b) ? b : Buffer.from(b);
  return Buffer.concat([Buffer.from(buf.length.toString(16) + '\r\n'), buf, Buffer.from('\r\n')]);
};
const LAST = '0\r\n\r\n';
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One request with a Content-Length body, sent whole. */
async function sendLength(body: Buffer | string, contentLength?: number): Promise<Outcome> {
  const b = Buffer.isBuffer(body) ? body : Buffer.from(body);
  const s = await open();
  s.write(head(`Content-Type: application/json\r\nContent-Length: ${contentLength ?? b.length}\r\n`));
  s.write(b);
  const o = await nextOutcome();
  s.destroy();
  return o;
}

/** One chunked request, its pieces written with a pause between them. */
async function sendChunked(pieces: (Buffer | string)[], gapMs = 0): Promise<Outcome> {
  const s = await open();
  s.write(head('Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n'));
  for (const p of pieces) {
    s.write(chunk(p));
    if (gapMs) await pause(gapMs);
  }
  s.write(LAST);
  const o = await nextOutcome();
  s.destroy();
  return o;
}

const ok = (o: Outcome) => {
  expect(o.error, o.error?.message).toBeUndefined();
  expect(o.rejected).toBeUndefined();
  return o.json!;
};

describe('readJsonBody: framing', () => {
  it('a Content-Length body: the object, and the bytes as sent', async () => {
    plan = { limit: 1024 };
    const body = JSON.stringify({ model: 'claude-x', messages: [{ role: 'user', content: 'héllo 😀' }] });
    const o = await sendLength(body);
    expect(ok(o)).toEqual(JSON.parse(body));
    expect(o.raw!.toString('utf8')).toBe(body);
  });

  it('an all-ASCII body (every ASCII character) reads as it would through the UTF-8 decode; a BOM before it is dropped', async () => {
    plan = { limit: 4096 };
    let all = '';
    for (let c = 0; c < 128; c++) all += String.fromCharCode(c);
    const body = JSON.stringify({ model: 'claude-x', text: all, n: [1, 2.5, -3e2], t: true, z: null });
    expect(Buffer.from(body).every((b) => b < 0x80)).toBe(true);
    expect(ok(await sendLength(body))).toEqual(JSON.parse(body));
    const withBom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(body)]);
    expect(ok(await sendLength(withBom))).toEqual(JSON.parse(body));
  });

  it('a chunked body in pieces (a character split between two of them) is put back together', async () => {
    plan = { limit: 1024 };
    const body = Buffer.from(JSON.stringify({ model: 'gpt-x', input: 'ü€😀 split' }));
    const at = body.indexOf(Buffer.from('€')) + 1; // inside the 3-byte character
    const o = await sendChunked([body.subarray(0, 5), body.subarray(5, at), body.subarray(at)], 10);
    expect(ok(o)).toEqual({ model: 'gpt-x', input: 'ü€😀 split' });
    expect(o.raw!.equals(body)).toBe(true);
  });

  it('a Content-Length body over 64 KiB (read into one buffer as it comes) arrives whole', async () => {
    plan = { limit: 1024 * 1024 };
    const body = Buffer.from(JSON.stringify({ model: 'm', text: 'x€'.repeat(40_000) }));
    const s = await open();
    s.write(head(`Content-Length: ${body.length}\r\n`));
    for (let i = 0; i < body.length; i += 7_000) {
      s.write(body.subarray(i, i + 7_000));
      await pause(1);
    }
    const o = await nextOutcome();
    s.destroy();
    expect(ok(o)).toEqual(JSON.parse(body.toString('utf8')));
    expect(o.raw!.equals(body)).toBe(true);
  });
});

describe('readJsonBody: the size cap (--max-body-size → 413)', () => {
  it('exactly the limit is read; one byte more is refused, declared or chunked', async () => {
    const body = JSON.stringify({ pad: 'p'.repeat(90) });
    plan = { limit: Buffer.byteLength(body) };
    expect(ok(await sendLength(body))).toEqual(JSON.parse(body));
    expect(ok(await sendChunked([body.slice(0, 40), body.slice(40)]))).toEqual(JSON.parse(body));
    plan = { limit: Buffer.byteLength(body) - 1 };
    const declared = await sendLength(body);
    expect(declared.error).toMatchObject({ status: 413, code: 'request_too_large' });
    expect(declared.error!.message).toContain(`${plan.limit} bytes (--max-body-size)`);
    expect(declared.raw!.length).toBe(0);
    const chunked = await sendChunked([body.slice(0, 40), body.slice(40)]);
    expect(chunked.error).toMatchObject({ status: 413, code: 'request_too_large' });
    expect(chunked.raw!.length).toBe(0);
  });

  it('a declared length over the limit is refused before any byte of the body arrives', async () => {
    // No clocks: were the body waited for, this would never settle.
    plan = { limit: 100 };
    const s = await open();
    s.write(head('Content-Length: 101\r\n'));
    const o = await nextOutcome();
    s.destroy();
    expect(o.error).toMatchObject({ status: 413 });
  });

  it('a chunked body is refused as soon as it passes the limit, with the rest never sent', async () => {
    plan = { limit: 100, timeouts: { idleMs: 60_000, totalMs: 60_000 } };
    const s = await open();
    s.write(head('Transfer-Encoding: chunked\r\n'));
    s.write(chunk('{"a":"' + 'x'.repeat(120)));
    const o = await nextOutcome();
    s.destroy();
    expect(o.error).toMatchObject({ status: 413, code: 'request_too_large' });
  });
});

describe('readJsonBody: the clocks (--body-idle-timeout, --body-timeout → 408)', () => {
  it('a body that stops arriving is refused by the idle clock, naming it and the bytes received', async () => {
    plan = { limit: 1024, timeouts: { idleMs: 150, totalMs: 60_000 } };
    const s = await open();
    s.write(head('Content-Length: 50\r\n'));
    s.write('{"model":"stalls');
    const o = await nextOutcome();
    s.destroy();
    expect(o.error).toMatchObject({ status: 408, code: 'request_timeout' });
    expect(o.error!.message).toMatch(/stalled: no bytes for .* \(--body-idle-timeout\); received 16 bytes$/);
  });

  it('a body that keeps coming, slower than the total allows, is refused by the total clock', async () => {
    plan = { limit: 4096, timeouts: { idleMs: 5_000, totalMs: 250 } };
    const s = await open();
    s.write(head('Transfer-Encoding: chunked\r\n'));
    s.write(chunk('{"a":"'));
    let sent = 0;
    let settled: Outcome | undefined;
    void nextOutcome().then((o) => (settled = o));
    while (!settled && sent < 1000) {
      s.write(chunk('x'));
      sent++;
      await pause(20);
    }
    s.destroy();
    expect(settled!.error).toMatchObject({ status: 408, code: 'request_timeout' });
    expect(settled!.error!.message).toMatch(/did not arrive within .* \(--body-timeout\); received \d+ bytes$/);
  });

  it('each piece restarts the idle clock: a body trickling for longer than the idle time is read', async () => {
    plan = { limit: 4096, timeouts: { idleMs: 300, totalMs: 60_000 } };
    const pieces = ['{"a":"', ...Array.from({ length: 40 }, () => 'y'), '"}']; // ~840 ms of pieces 20 ms apart
    expect(ok(await sendChunked(pieces, 20))).toEqual({ a: 'y'.repeat(40) });
  });

  it('without clocks a slow body is waited for', async () => {
    plan = { limit: 1024 };
    expect(ok(await sendChunked(['{"slow"', ':', 'true}'], 100))).toEqual({ slow: true });
  });

  it('the clocks come from the settings, as they are now', () => {
    expect(bodyTimeouts({ body_idle_timeout: 30_000, body_timeout: 600_000 })).toEqual({ idleMs: 30_000, totalMs: 600_000 });
  });
});

describe('readJsonBody: a client that hangs up', () => {
  it('rejects (the caller records the call cancelled), with or without clocks', async () => {
    for (const timeouts of [undefined, { idleMs: 60_000, totalMs: 60_000 }]) {
      plan = { limit: 1024, timeouts };
      const s = await open();
      s.write(head('Content-Length: 500\r\n'));
      s.write('{"model":"gone');
      await pause(20);
      s.destroy();
      const o = await nextOutcome();
      expect(o.rejected, JSON.stringify(o)).toBeDefined();
      expect(o.json).toBeUndefined();
    }
  });
});

describe('readJsonBody: what is not a JSON object → 400', () => {
  it.each([
    ['empty', '', /request body is empty; expected a JSON object/],
    ['not JSON', '{"model": ', /request body is not valid JSON \(/],
    ['trailing garbage', '{"a":1} x', /request body is not valid JSON \(/],
    ['an array', '[{"a":1}]', /request body must be a JSON object/],
    ['null', 'null', /request body must be a JSON object/],
    ['a string', '"hi"', /request body must be a JSON object/],
    ['a number', '42', /request body must be a JSON object/],
  ])('%s', async (_, body, message) => {
    plan = { limit: 1024 };
    const o = await sendLength(body);
    expect(o.error).toMatchObject({ status: 400, code: 'invalid_request' });
    expect(o.error!.message).toMatch(message);
    expect(o.json).toBeUndefined();
  });

  it('bytes that are not UTF-8 are refused, not replaced with U+FFFD', async () => {
    plan = { limit: 1024 };
    for (const bad of [Buffer.from([0xff]), Buffer.from([0xc3]), Buffer.from([0xed, 0xa0, 0x80])]) {
      const body = Buffer.concat([Buffer.from('{"model":"m","text":"a'), bad, Buffer.from('b"}')]);
      const o = await sendLength(body);
      expect(o.error).toMatchObject({ status: 400, code: 'invalid_request', message: 'request body is not valid UTF-8' });
    }
  });
});

describe('readJsonBody: large bodies with long strings left in their bytes (longStrings)', () => {
  const big = (text: string) => JSON.stringify({ model: 'claude-x', messages: [{ role: 'user', content: text }] });

  it('parses a 1 MiB+ body with its long strings as placeholders, and says so', async () => {
    plan = { limit: 8 * 1024 * 1024, opts: { longStrings: true } };
    const body = big('é'.repeat(600_000));
    const o = await sendLength(body);
    const json = ok(o);
    expect(json['model']).toBe('claude-x');
    expect(o.longCount).toBe(1);
    expect(o.raw!.toString('utf8')).toBe(body);
    // Without the option the same body is parsed whole.
    plan = { limit: 8 * 1024 * 1024 };
    const whole = await sendLength(body);
    expect(ok(whole)).toEqual(JSON.parse(body));
    expect(whole.longCount).toBe(0);
  });

  it('refuses a large body that is not UTF-8 or not JSON as the small path does', async () => {
    plan = { limit: 8 * 1024 * 1024, opts: { longStrings: true } };
    const text = 'a'.repeat(LONG_STRING * 70);
    const notUtf8 = Buffer.from(big(text));
    notUtf8[notUtf8.length - 10] = 0xff;
    expect((await sendLength(notUtf8)).error).toMatchObject({ status: 400, message: 'request body is not valid UTF-8' });
    const notJson = big(text).slice(0, -1);
    const o = await sendLength(notJson);
    expect(o.error).toMatchObject({ status: 400 });
    expect(o.error!.message).toMatch(/request body is not valid JSON/);
    const notObject = JSON.stringify([text]);
    expect((await sendLength(notObject)).error).toMatchObject({ status: 400, message: 'request body must be a JSON object' });
  });
});

describe('parseTurn', () => {
  it('small bodies parse at once; large ones take a turn within the process-wide bound', async () => {
    expect(parseTurn(1024)).toBeNull(); // at once, not a promise
    const a = await parseTurn(MAX_PARSE_BYTES - 1024 * 1024);
    expect(a).not.toBeNull();
    let second = false;
    const b = parseTurn(2 * 1024 * 1024)!.then((h) => ((second = true), h));
    await pause(20);
    expect(second).toBe(false); // waits: the two would pass the bound
    a!.release();
    (await b)!.release();
    expect(second).toBe(true);
  });
});
