/**
 * The intercepted calls' way to the upstream (issue #8): undici's dispatcher driven directly, with
 * a body that hands chunks on as events. undici's `request()` wraps every answer in a Readable
 * stream and an async-resource handler; on a blocking call that machinery was ~7 % of the
 * gateway's CPU. Same pool, same timeouts and the same error mapping as `upstreamRequest`, which
 * the passthrough routes and the connection test keep using.
 */
import { EventEmitter } from 'node:events';
import type { Dispatcher } from 'undici';
import { mapUpstreamError, undici, type UpstreamAnswer, type UpstreamPool, type UpstreamRequest } from './http.js';
import { CallAbort, type CallSignal } from './call-abort.js';

/** Bytes held while nobody reads before undici is asked to stop reading the socket. */
const HIGH_WATER = 64 * 1024;

/**
 * An upstream answer's body. Behaves like a Readable for what the gateway uses: `data`, `end`,
 * `error` and `close` events, `pause()`/`resume()` (backpressure reaches the upstream socket),
 * `destroy()`, `destroyed`, and async iteration. It starts paused: chunks that arrive before the
 * reader is ready are held (up to {@link HIGH_WATER}, then the socket waits) and handed on at
 * the first `resume()`.
 */
export class UpstreamBody extends EventEmitter implements AsyncIterable<Uint8Array> {
  destroyed = false;
  private held: Uint8Array[] = [];
  private heldBytes = 0;
  private paused = true;
  /** The upstream sent its last byte (`end` follows once everything held went out). */
  private complete = false;
  private endEmitted = false;
  private upstreamWaiting = false;
  /** Why the answer broke off, for a reader that comes after the events. */
  private failure: Error | undefined;

  constructor(
    private readonly resumeUpstream: () => void,
    private readonly abortUpstream: (err: Error) => void,
  ) {
    super();
  }

  /** undici's chunk; false asks undici to stop reading until {@link resume}. */
  push(chunk: Uint8Array): boolean {
    if (this.destroyed) return false;
    if (!this.paused && this.held.length === 0) {
      this.emit('data', chunk);
      return true;
    }
    this.held.push(chunk);
    this.heldBytes += chunk.byteLength;
    if (this.heldBytes < HIGH_WATER) return true;
    this.upstreamWaiting = true;
    return false;
  }

  /** undici: the answer is complete. */
  finish(): void {
    if (this.destroyed) return;
    this.complete = true;
    if (!this.paused && this.held.length === 0) this.emitEnd();
  }

  /** undici: the answer broke off (or timed out) after its headers. */
  fail(err: Error): void {
    if (this.destroyed) return;
    this.teardown(err);
  }

  pause(): this {
    this.paused = true;
    return this;
  }

  resume(): this {
    if (this.destroyed || !this.paused) return this;
    this.paused = false;
    while (!this.paused && !this.destroyed && this.held.length > 0) {
      const chunk = this.held.shift()!;
      this.heldBytes -= chunk.byteLength;
      this.emit('data', chunk);
    }
    if (this.paused || this.destroyed) return this;
    if (this.complete) this.emitEnd();
    else if (this.upstreamWaiting) {
      this.upstreamWaiting = false;
      this.resumeUpstream();
    }
    return this;
  }

  /** Stops reading and aborts the upstream call (if it is still running). */
  destroy(err?: Error): this {
    if (this.destroyed) return this;
    const running = !this.complete;
    // Torn down first: the abort makes undici report an error, which must not become this body's.
    this.teardown(err);
    if (running) this.abortUpstream(err ?? new (undici().errors.RequestAbortedError)());
    return this;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    // The events in a queue, one pull at a time (backpressure: paused while a chunk waits).
    const queue: Uint8Array[] = [];
    let finished = false;
    let failure: unknown;
    let wake: (() => void) | undefined;
    const onData = (c: Uint8Array) => {
      queue.push(c);
      this.pause();
      wake?.();
    };
    const onEnd = () => {
      finished = true;
      wake?.();
    };
    const onError = (err: unknown) => {
      failure = err;
      wake?.();
    };
    const onClose = () => {
      failure ??= Object.assign(new Error('Premature close'), { code: 'ERR_STREAM_PREMATURE_CLOSE' });
      wake?.();
    };
    if (this.destroyed && !this.endEmitted) throw this.failure ?? Object.assign(new Error('Premature close'), { code: 'ERR_STREAM_PREMATURE_CLOSE' });
    this.on('data', onData);
    this.on('end', onEnd);
    this.on('error', onError);
    this.on('close', onClose);
    let completed = false;
    try {
      for (;;) {
        if (queue.length > 0) {
          yield queue.shift()!;
          continue;
        }
        if (finished) break;
        if (failure !== undefined) throw failure;
        await new Promise<void>((resolve) => {
          wake = resolve;
          this.resume();
        });
        wake = undefined;
      }
      completed = true;
    } finally {
      this.off('data', onData);
      this.off('end', onEnd);
      this.off('close', onClose);
      // 'error' stays subscribed: an error after the reader left must not go unheard (crash).
      if (!completed) this.destroy();
    }
  }

  private emitEnd(): void {
    if (this.endEmitted) return;
    this.endEmitted = true;
    this.emit('end');
    // A Readable closes right after its end; the close then says nothing new.
    this.destroyed = true;
    process.nextTick(() => this.emit('close'));
  }

  private teardown(err: Error | undefined): void {
    this.destroyed = true;
    this.failure = err;
    this.held = [];
    this.heldBytes = 0;
    // On an immediate, not a tick: an answer can break off in the same socket read as its headers,
    // before the promise continuations that attach the readers (pipeline, circuit breaker) ran.
    setImmediate(() => {
      if (err && this.listenerCount('error') > 0) this.emit('error', err);
      this.emit('close');
    });
  }
}

/** The legacy undici handler contract (the one `request()` itself implements). */
class AnswerHandler implements Dispatcher.DispatchHandler {
  private abortFn: ((err: Error) => void) | undefined;
  private body: UpstreamBody | undefined;
  private settled = false;

  constructor(
    private readonly r: UpstreamRequest,
    private readonly resolve: (a: UpstreamAnswer) => void,
    private readonly reject: (err: unknown) => void,
  ) {
    if (r.signal.aborted) return;
    listen(r.signal, this.onAbort);
  }

  private readonly onAbort = () => {
    const reason = abortReason(this.r.signal);
    if (this.body) this.body.destroy(reason);
    else this.abortFn?.(reason);
  };

  onConnect(abort: (err?: Error) => void): void {
    if (this.r.signal.aborted) {
      abort(abortReason(this.r.signal));
      return;
    }
    this.abortFn = abort;
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[], resume: () => void): boolean {
    if (statusCode < 200) return true; // 1xx: informational, the answer follows
    const abort = this.abortFn ?? (() => undefined);
    this.body = new UpstreamBody(resume, abort);
    this.settled = true;
    this.resolve({ status: statusCode, headers: parseHeaders(rawHeaders), body: this.body });
    return true;
  }

  onData(chunk: Buffer): boolean {
    return this.body ? this.body.push(chunk) : true;
  }

  onComplete(): void {
    unlisten(this.r.signal, this.onAbort);
    this.body?.finish();
  }

  onError(err: Error): void {
    unlisten(this.r.signal, this.onAbort);
    if (!this.settled) {
      this.settled = true;
      this.reject(mapUpstreamError(this.r.provider, err, this.r.headersTimeoutMs, this.r.signal));
      return;
    }
    this.body?.fail(err);
  }
}

/** One upstream call through the pool; resolves at the answer's headers. */
export function upstreamDispatch(pool: UpstreamPool, r: UpstreamRequest): Promise<UpstreamAnswer> {
  return new Promise<UpstreamAnswer>((resolve, reject) => {
    let target: Target;
    try {
      target = splitUrl(r.url);
    } catch (err) {
      reject(mapUpstreamError(r.provider, err, r.headersTimeoutMs, r.signal));
      return;
    }
    const handler = new AnswerHandler(r, resolve, reject);
    // The headers object is the call's own (built per call by the adapter).
    if (r.body) r.headers['content-length'] = String(r.body.length);
    pool.dispatcher.dispatch(
      {
        origin: target.origin,
        path: target.path,
        method: r.method,
        headers: r.headers,
        body: r.body,
        headersTimeout: r.headersTimeoutMs,
        bodyTimeout: r.bodyTimeoutMs,
      },
      handler,
    );
  });
}

interface Target {
  origin: string;
  path: string;
}

/** Parsed upstream URLs: a handful per gateway (base URL × route), so parse each once. */
const targets = new Map<string, Target>();

function splitUrl(url: string): Target {
  let t = targets.get(url);
  if (!t) {
    const u = new URL(url);
    t = { origin: u.origin, path: u.pathname + u.search };
    if (targets.size >= 256) targets.clear();
    targets.set(url, t);
  }
  return t;
}

function abortReason(s: CallSignal): Error {
  const reason = s.reason;
  return reason instanceof Error ? reason : new (undici().errors.RequestAbortedError)();
}

function listen(s: CallSignal, fn: () => void): void {
  if (s instanceof CallAbort) s.once('abort', fn);
  else s.addEventListener('abort', fn, { once: true });
}

function unlisten(s: CallSignal, fn: () => void): void {
  if (s instanceof CallAbort) s.off('abort', fn);
  else s.removeEventListener('abort', fn);
}

/** Raw header pairs → the object shape `request()` gives (lower-case names, repeats as arrays). */
function parseHeaders(raw: Buffer[]): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = Object.create(null) as Record<string, string | string[]>;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const key = raw[i]!.toString('latin1').toLowerCase();
    const value = raw[i + 1]!.toString('latin1');
    const prev = out[key];
    if (prev === undefined) out[key] = value;
    else if (Array.isArray(prev)) prev.push(value);
    else out[key] = [prev, value];
  }
  return out;
}
