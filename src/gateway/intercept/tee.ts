/**
 * Byte pumping for an intercepted call (STYLE.md §6, "tee, don't transform"): each upstream chunk
 * goes to the client first, as it arrives; then a copy to the recorder's parser and, for blocking
 * answers and error bodies, into the kept body. Backpressure is kept: while the client is full the
 * upstream body is paused. The story of the call (record, errors, ending) is in intercept.ts.
 */
import type { ServerResponse } from 'node:http';
import { once } from 'node:events';

/** Options for {@link createTee}. */
export interface TeeOptions {
  /** Hands a chunk to the recorder's parser (called on an immediate, after the chunk went out). */
  parse?: (chunk: Uint8Array) => void;
  /** Most bytes to keep (0 = keep nothing; blocking answers 32 MiB, error bodies 64 KiB). */
  keepLimit: number;
  /**
   * When set, a body longer than `keepLimit` is not kept whole: what was kept is let go, and only
   * its first {@link OVERFLOW_HEAD} bytes and last `keepTail` bytes stay (issue #13: a 200 MB
   * blocking answer must not be buffered whole to be parsed). See {@link Tee.overflow}.
   */
  keepTail?: number;
}

/** Bytes of the start of an overflowing body that are kept (ids and the model come first). */
export const OVERFLOW_HEAD = 64 * 1024;

/** What is left of a body that passed `keepLimit` with `keepTail` set. */
export interface Overflow {
  /** All the body's bytes. */
  total: number;
  head: Buffer;
  tail: Buffer;
}

/** What the pump writes through. */
export interface Tee {
  /** One chunk to the client, then to the parser queue and the kept body; false when the client is full. */
  take(chunk: Uint8Array): boolean;
  /** Parses what is still queued now (at the end of the body, before the reducer is finished). */
  parsePending(): void;
  /** The kept bytes, or undefined when nothing is kept (or the body overflowed). */
  kept(): Buffer | undefined;
  /** Set when the body passed `keepLimit` and `keepTail` was asked for. */
  overflow(): Overflow | undefined;
  /** Whether any chunk went to the client yet (the headers with it). */
  started(): boolean;
}

export function createTee(res: ServerResponse, opts: TeeOptions): Tee {
  const parse = opts.parse;
  const keepLimit = opts.keepLimit;
  const keepTail = opts.keepTail ?? 0;
  const keep: Buffer[] = [];
  let kept = 0;
  let over: { total: number; head: Buffer; tail: Buffer[]; tailBytes: number } | undefined;
  const toTail = (b: Buffer) => {
    const o = over!;
    o.tail.push(b);
    o.tailBytes += b.length;
    while (o.tail.length > 1 && o.tailBytes - o.tail[0]!.length >= keepTail) o.tailBytes -= o.tail.shift()!.length;
  };
  // The tee parses a chunk only after it went out, and after this turn's other input: `res.write`
  // corks the socket until the next tick, and parsing on an immediate lets every stream whose
  // chunk arrived in the same turn forward it first (a burst of N streams is not held back by
  // N − 1 parses).
  const unparsed: Uint8Array[] = [];
  let parseQueued = false;
  let started = false;
  const parsePending = (): void => {
    parseQueued = false;
    if (!parse) return;
    for (let i = 0; i < unparsed.length; i++) parse(unparsed[i]!);
    unparsed.length = 0;
  };
  return {
    take(chunk) {
      started = true;
      const flowing = res.write(chunk);
      if (parse) {
        unparsed.push(chunk);
        if (!parseQueued) {
          parseQueued = true;
          setImmediate(parsePending);
        }
      }
      if (over) {
        over.total += chunk.byteLength;
        toTail(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
      } else if (keepTail > 0 && kept + chunk.byteLength > keepLimit) {
        // Past the limit: keep the head and a rolling tail, let the rest go.
        const b = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
        const head = Buffer.concat([...keep, b.subarray(0, OVERFLOW_HEAD)]).subarray(0, OVERFLOW_HEAD);
        over = { total: kept + b.length, head: Buffer.from(head), tail: [], tailBytes: 0 };
        keep.length = 0;
        kept = 0;
        toTail(b);
      } else if (kept < keepLimit) {
        keep.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
        kept += chunk.byteLength;
      }
      return flowing;
    },
    parsePending,
    kept: () => {
      if (keepLimit <= 0 || over) return undefined;
      // An answer in one piece (a blocking answer usually is): that piece, not a copy of it.
      if (keep.length === 1 && kept <= keepLimit) return keep[0]!;
      return Buffer.concat(keep, Math.min(kept, keepLimit));
    },
    started: () => started,
    overflow: () => {
      if (!over) return undefined;
      const tail = Buffer.concat(over.tail);
      return { total: over.total, head: over.head, tail: tail.subarray(Math.max(0, tail.length - keepTail)) };
    },
  };
}

/**
 * Reads `body` to its end, handing each chunk to `take`; waits while the client is full. Resolves
 * at the end or once the client went away (`gone`); rejects with the body's error.
 */
export async function pumpBody(body: AsyncIterable<Uint8Array>, res: ServerResponse, take: (chunk: Uint8Array) => boolean, gone: () => boolean): Promise<void> {
  if (isLiveNodeStream(body) && !gone()) {
    // undici's body: read through its events (an async iterator costs a promise per chunk and
    // ~3 % of a blocking call's CPU just to set up).
    await pumpEvents(body, res, take, gone);
    return;
  }
  for await (const chunk of body) {
    if (gone()) break;
    if (!take(chunk)) await drainOrClose(res);
  }
}

interface NodeBody extends AsyncIterable<Uint8Array> {
  on(ev: string, fn: (...args: never[]) => void): unknown;
  off(ev: string, fn: (...args: never[]) => void): unknown;
  pause(): unknown;
  resume(): unknown;
  destroyed: boolean;
}

/** A Node Readable nobody destroyed yet (an already-destroyed one goes the iterator's way). */
function isLiveNodeStream(body: AsyncIterable<Uint8Array>): body is NodeBody {
  const b = body as Partial<NodeBody>;
  return typeof b.on === 'function' && typeof b.off === 'function' && typeof b.pause === 'function' && typeof b.resume === 'function' && b.destroyed === false;
}

/**
 * Reads `body` to its end through its events, handing each chunk to `take` as it comes; pauses the
 * body while the client is full (backpressure reaches upstream). Resolves at the end, or once the
 * client went away (`gone`, or the response closed); rejects with the body's error, or with a
 * premature-close error when the body closed without ending — as `for await` would.
 */
function pumpEvents(body: NodeBody, res: ServerResponse, take: (chunk: Uint8Array) => boolean, gone: () => boolean): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let done = false;
    const settle = (err?: unknown) => {
      if (done) return;
      done = true;
      body.off('data', onData);
      body.off('end', onEnd);
      // The 'error' listener stays: a body destroyed after we stopped reading (client gone → abort)
      // still emits its error, and an 'error' nobody listens to would crash the process.
      body.off('close', onBodyClose);
      res.off('drain', onDrain);
      res.off('close', onResClose);
      if (err === undefined) resolve();
      else reject(err);
    };
    const onData = (chunk: Uint8Array) => {
      if (done) return;
      if (gone()) {
        body.pause();
        settle();
        return;
      }
      let flowing: boolean;
      try {
        flowing = take(chunk);
      } catch (err) {
        body.pause();
        settle(err);
        return;
      }
      if (!flowing && !res.destroyed) body.pause();
    };
    const onDrain = () => {
      if (!done) body.resume();
    };
    const onResClose = () => settle();
    const onEnd = () => settle();
    const onError = (err: unknown) => settle(err);
    const onBodyClose = () => settle(Object.assign(new Error('Premature close'), { code: 'ERR_STREAM_PREMATURE_CLOSE' }));
    res.on('drain', onDrain);
    res.on('close', onResClose);
    body.on('end', onEnd);
    body.on('error', onError);
    body.on('close', onBodyClose);
    body.on('data', onData);
    // A Readable flows once it has a 'data' listener; the dispatcher's body waits to be resumed.
    body.resume();
  });
}

/** Waits for the client to take more, or to go away (backpressure reaches upstream meanwhile). */
async function drainOrClose(res: ServerResponse): Promise<void> {
  if (res.destroyed) return;
  const ac = new AbortController();
  try {
    await Promise.race([once(res, 'drain', { signal: ac.signal }), once(res, 'close', { signal: ac.signal })]);
  } finally {
    ac.abort();
  }
}
