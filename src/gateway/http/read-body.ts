/**
 * Reads a request body with a size cap (SPEC §4: 413 past `--max-body-size`, 400 when not JSON)
 * and two clocks (issue #13: 408 when the body stalls for `--body-idle-timeout` or is not complete
 * after `--body-timeout`). Hand-written because it is on every request's path and the limits change
 * at runtime. A refused body is never drained: the error reply closes the connection (`sendError`).
 */
import type { IncomingMessage } from 'node:http';
import { BadRequestError, BodyTimeoutError, PayloadTooLargeError, type GatewayError } from '../errors.js';
import { formatDuration } from '../../config/duration.js';
import { createBodyBudget, type BodyHold } from './body-budget.js';
import { NOT_UTF8, withoutLongStrings, type LongStrings } from './large-body.js';
import { utf8Text } from './utf8-text.js';

/** How long a body may pause between pieces, and take in all (ms). */
export interface BodyTimeouts {
  idleMs: number;
  totalMs: number;
}

export interface ReadBody {
  raw: Buffer;
  json: Record<string, unknown> | undefined;
  error?: GatewayError;
  /**
   * Set when `json` was parsed with its long strings left in `raw` (placeholders in the tree):
   * expands the ones the record needs (src/gateway/http/large-body.ts).
   */
  long?: LongStrings;
}

export interface ReadOptions {
  /**
   * A body of 1 MiB or more may be parsed with its long strings left in its bytes (issue #13):
   * only when nothing reads the tree's strings in full (the adapter forwards the bytes as they
   * are, no check reads the whole prompt).
   */
  longStrings?: boolean;
}

/** The body clocks from the settings (read on every call: a change applies to the next body). */
export function bodyTimeouts(s: { body_idle_timeout: number; body_timeout: number }): BodyTimeouts {
  return { idleMs: s.body_idle_timeout, totalMs: s.body_timeout };
}

/**
 * Bytes of request bodies being parsed at once, process-wide: a parse briefly holds the body two
 * more times (its text and its object tree). Larger bodies take turns (issue #13).
 */
export const MAX_PARSE_BYTES = 64 * 1024 * 1024;
/** Bodies below this parse at once, without taking a turn (the hot path: nearly every call). */
const PARSE_TURN_FROM = 1024 * 1024;
const parsing = createBodyBudget(() => MAX_PARSE_BYTES);

/**
 * A turn to parse `bytes` (process-wide, {@link MAX_PARSE_BYTES} at once), to wait for; null, at
 * once and not as a promise, when the bytes are few enough to parse now (nearly every call: no
 * promise and no microtask hop on the hot path). Release the turn after parsing.
 */
export function parseTurn(bytes: number): Promise<BodyHold> | null {
  if (bytes < PARSE_TURN_FROM) return null;
  return parsing.acquire(bytes) as Promise<BodyHold>;
}

export async function readJsonBody(req: IncomingMessage, limit: number, timeouts?: BodyTimeouts, opts: ReadOptions = {}): Promise<ReadBody> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    return { raw: Buffer.alloc(0), json: undefined, error: new PayloadTooLargeError(limit) };
  }
  const raw = await (req.destroyed
    ? readByIterator(req, limit)
    : readByEvents(req, limit, timeouts, Number.isFinite(declared) && declared > 0 ? declared : 0));
  if (!Buffer.isBuffer(raw)) return raw;
  if (opts.longStrings && raw.length >= PARSE_TURN_FROM) return parseLargeBody(raw);
  const waiting = parseTurn(raw.length);
  const turn = waiting && (await waiting);
  try {
    return parseBody(raw);
  } finally {
    turn?.release();
  }
}

/**
 * The usual way in: the request's events (an async iterator over it costs ~0.5 % of a call's CPU
 * to set up). Same outcomes as {@link readByIterator}: over the cap mid-body the rest is drained
 * and the 413 still goes out; a request that closes before its end rejects.
 */
function readByEvents(req: IncomingMessage, limit: number, timeouts: BodyTimeouts | undefined, declared: number): Promise<Buffer | ReadBody> {
  return new Promise<Buffer | ReadBody>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    // With a declared length, chunks are copied into one buffer as they come: the body exists
    // once, not as a chunk list plus its concatenation (issue #13: memory per large body).
    const whole = declared > 64 * 1024 ? Buffer.allocUnsafe(declared) : undefined;
    let filled = 0;
    // One timer for both clocks: it fires at the nearer of "idle since the last piece" and the
    // overall deadline; a piece that arrives only moves the idle part.
    let timer: NodeJS.Timeout | undefined;
    const deadline = timeouts ? Date.now() + timeouts.totalMs : 0;
    let lastPiece = Date.now();
    const arm = () => {
      if (!timeouts) return;
      const wait = Math.min(lastPiece + timeouts.idleMs, deadline) - Date.now();
      timer = setTimeout(onTimer, Math.max(0, wait));
    };
    const onTimer = () => {
      const now = Date.now();
      if (now < deadline && now < lastPiece + timeouts!.idleMs) {
        arm();
        return;
      }
      stop();
      const why =
        now >= deadline
          ? `the request body did not arrive within ${formatDuration(timeouts!.totalMs)} (--body-timeout)`
          : `the request body stalled: no bytes for ${formatDuration(timeouts!.idleMs)} (--body-idle-timeout)`;
      resolve({ raw: Buffer.alloc(0), json: undefined, error: new BodyTimeoutError(`${why}; received ${size} bytes`) });
    };
    const stop = () => {
      clearTimeout(timer);
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      lastPiece = Date.now();
      if (size > limit) {
        stop();
        req.pause();
        resolve({ raw: Buffer.alloc(0), json: undefined, error: new PayloadTooLargeError(limit) });
        return;
      }
      if (whole && chunks.length === 0 && filled + chunk.length <= whole.length) {
        chunk.copy(whole, filled);
        filled += chunk.length;
      } else chunks.push(chunk);
    };
    const onEnd = () => {
      stop();
      // One piece (a small body): node:http gave it in a buffer of its own, so it is kept as is.
      if (!whole) resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
      else if (chunks.length === 0) resolve(whole.subarray(0, filled));
      else resolve(Buffer.concat([whole.subarray(0, filled), ...chunks], size));
    };
    const onError = (err: Error) => {
      stop();
      reject(err);
    };
    const onClose = () => {
      stop();
      reject(Object.assign(new Error('Premature close'), { code: 'ERR_STREAM_PREMATURE_CLOSE' }));
    };
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
    req.on('data', onData);
    arm();
  });
}

async function readByIterator(req: IncomingMessage, limit: number): Promise<Buffer | ReadBody> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) {
      return { raw: Buffer.alloc(0), json: undefined, error: new PayloadTooLargeError(limit) };
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size);
}

function parseBody(raw: Buffer): ReadBody {
  if (raw.length === 0) return { raw, json: undefined, error: new BadRequestError('request body is empty; expected a JSON object') };
  const text = utf8Text(raw);
  if (text === undefined) return { raw, json: undefined, error: new BadRequestError('request body is not valid UTF-8') };
  return parsed(raw, () => JSON.parse(text) as unknown);
}

/**
 * A large body with its long strings left in its bytes: the text parsed and the tree are small,
 * so no parse turn is needed unless the body is mostly short strings (then it takes one like any).
 */
async function parseLargeBody(raw: Buffer): Promise<ReadBody> {
  let cut: ReturnType<typeof withoutLongStrings>;
  try {
    cut = withoutLongStrings(raw);
  } catch {
    return { raw, json: undefined, error: new BadRequestError('request body is not valid UTF-8') };
  }
  if ('error' in cut) {
    const what = cut.error === NOT_UTF8 ? 'is not valid UTF-8' : `is not valid JSON (${cut.error})`;
    return { raw, json: undefined, error: new BadRequestError(`request body ${what}`) };
  }
  const { text, long } = cut;
  const waiting = parseTurn(text.length);
  const turn = waiting && (await waiting);
  try {
    const body = parsed(raw, () => JSON.parse(text) as unknown);
    return body.json ? { ...body, long } : body;
  } finally {
    turn?.release();
  }
}

function parsed(raw: Buffer, parse: () => unknown): ReadBody {
  let json: unknown;
  try {
    json = parse();
  } catch (err) {
    return { raw, json: undefined, error: new BadRequestError(`request body is not valid JSON (${(err as Error).message})`) };
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    return { raw, json: undefined, error: new BadRequestError('request body must be a JSON object') };
  }
  return { raw, json: json as Record<string, unknown> };
}
