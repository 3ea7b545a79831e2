/**
 * The intercepted call, start to end (ARCHITECTURE.md): adapter → upstream → tee → recorder.
 * Bytes go to the client as they arrive (never re-ordered, never held back); the recorder watches
 * a parsed copy (STYLE.md §6). A recorder fault never breaks the client's stream, a client that
 * goes away aborts the upstream call at once, and every call that got here leaves a record.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ProviderAdapter, ProviderCall, ProviderReply } from '../providers/adapter.js';
import { capText } from '../../record/field-cap.js';
import type { ApiOutcome, RequestFacts, StreamReducer } from '../providers/codec.js';
import type { EndStatus, Initiator, Interception } from '../../record/types.js';
import type { RecordSink } from '../../record/fanout.js';
import { endRecord, startRecord, upstreamErrorText } from './recorder.js';
import { detectClient } from './client-detect.js';
import { createSseParser } from '../sse/parser.js';
import { createTee, pumpBody, type Tee } from './tee.js';
import { BLOCKING_TAIL, MAX_BLOCKING_PARSE, notParsedNote, outcomeFromEnds } from './large-answer.js';
import { parseTurn } from '../http/read-body.js';
import type { LongStrings } from '../http/large-body.js';
import { CallAbort } from '../upstream/call-abort.js';
import { GatewayError, asGatewayError, sendError } from '../errors.js';


export interface PipelineContext {
  sink: RecordSink;
  now: () => number;
  /** Logs recorder faults; never thrown to the client. */
  warn: (obj: object, msg: string) => void;
  /** True once the gateway is shutting down: calls cut then end `interrupted`, not `cancelled`. */
  stopping?: () => boolean;
  /**
   * `max_stored_field`: the prompt is capped as soon as it is read, so a call holds no more of a
   * huge prompt than its record will keep (issue #13); the field cap leaves a marked row alone.
   */
  maxStoredField?: () => number;
}

export interface InterceptedCall {
  req: IncomingMessage;
  res: ServerResponse;
  adapter: ProviderAdapter;
  initiator: Initiator;
  /** Path after the provider prefix (`/v1/messages`, `/model/x/invoke`). */
  path: string;
  search: string;
  rawBody: Buffer;
  /** Undefined when the body was not a JSON object: then `bodyError` says why. */
  json: Record<string, unknown> | undefined;
  bodyError?: GatewayError;
  /** When `json` holds placeholders for a large body's long strings (read-body.ts). */
  long?: LongStrings;
}

/** What a dropped parsed body is replaced with. */
const EMPTY_JSON: Record<string, unknown> = Object.freeze({}) as Record<string, unknown>;

/** `bodyError.code` when the client hung up before its body was complete: recorded `cancelled`. */
export const CLIENT_ABORTED = 'client_aborted';

/** Most of an upstream error body we keep for the record. */
const MAX_ERROR_BODY = 64 * 1024;

export async function runInterception(ctx: PipelineContext, call: InterceptedCall): Promise<void> {
  const { req, res, adapter } = call;
  const startedAt = ctx.now();
  let facts: RequestFacts = call.json
    ? safe(ctx, () => adapter.requestFacts?.(call.path, call.json ?? {}) ?? adapter.codec.requestFacts(call.json), fallbackFacts)
    : fallbackFacts();
  let promptTruncated = false;
  const long = call.long;
  if (long && long.has(facts.model)) facts = { ...facts, model: long.expand(facts.model).text };
  if (facts.prompt !== null && long?.has(facts.prompt)) {
    // Only the part the record keeps is decoded from the bytes (issue #13).
    const expanded = long.expand(facts.prompt, ctx.maxStoredField?.());
    facts = { ...facts, prompt: expanded.text };
    promptTruncated = expanded.truncated;
  } else if (facts.prompt !== null && ctx.maxStoredField) {
    const capped = capText(facts.prompt, ctx.maxStoredField());
    if (capped !== facts.prompt) {
      facts = { ...facts, prompt: capped };
      promptTruncated = true;
    }
  }
  // Built before `finish` can run: at once for a refused body, else right after the upstream
  // request is written (below).
  let rec: Interception;

  let finished = false;
  let extraMetadata: Record<string, unknown> | undefined;
  const finish = (status: EndStatus, httpStatus: number | null, error: string | null, outcome: ApiOutcome | null, model?: string) => {
    if (finished) return;
    finished = true;
    const done = endRecord(rec, { status, httpStatus, error, endedAt: ctx.now(), prompt: facts.prompt, promptTruncated, outcome, model, metadata: extraMetadata });
    ctx.sink.finish(done);
  };

  if (call.bodyError || !call.json) {
    const err = call.bodyError ?? new GatewayError(400, 'invalid_request', 'request body must be a JSON object');
    rec = recordOf(call, facts, startedAt, promptTruncated);
    ctx.sink.begin(rec);
    if (err.code === CLIENT_ABORTED) return finish('cancelled', null, err.message, null);
    sendError(res, adapter.errorShape, err);
    finish('failed', err.status, err.message, null);
    return;
  }

  const controller = new CallAbort();
  let clientGone = false;
  const onClose = () => {
    if (!res.writableFinished) {
      clientGone = true;
      controller.abort(new Error('client disconnected'));
    }
  };
  res.on('close', onClose);

  // The upstream request is written out (synchronously, by undici) before the record is built and
  // begun: that work (ids, times, the client's name, the begin hooks) overlaps the upstream's wait
  // instead of delaying the request (docs/performance.md, sixteenth step). A sink that throws still
  // aborts the call it started.
  const providerCall: ProviderCall = {
    rawBody: call.rawBody,
    json: call.json,
    path: call.path,
    search: call.search,
    headers: req.headers,
    signal: controller,
    facts,
  };
  const sending = adapter.send(providerCall);
  // The adapter has read the parsed body (ProviderCall.json): let the tree go now, so a large body
  // is held once (its raw bytes, which go upstream) while the call runs, not twice (issue #13).
  providerCall.json = EMPTY_JSON;
  call.json = undefined;
  try {
    rec = recordOf(call, facts, startedAt, promptTruncated);
    ctx.sink.begin(rec);
  } catch (err) {
    res.off('close', onClose);
    controller.abort(err);
    sending.then(destroyBody, () => undefined);
    throw err;
  }
  let reply: ProviderReply;
  try {
    reply = await sending;
  } catch (err) {
    if (clientGone) return finish('cancelled', null, 'client disconnected before the upstream answered', null);
    // The adapters turn network failures into 502/504 themselves; anything else thrown here is a
    // fault of ours (issue #13): a 500, never "upstream unreachable".
    if (!(err instanceof GatewayError)) ctx.warn({ err }, 'provider adapter failed before the upstream call');
    const gerr = asGatewayError(err);
    sendError(res, adapter.errorShape, gerr);
    return finish('failed', gerr.status, gerr.message, null);
  }

  const reducer: StreamReducer | undefined =
    reply.status < 300 && reply.mode !== 'json' ? safe(ctx, () => adapter.codec.createStreamReducer(), () => undefined) : undefined;
  let recorderFault: string | undefined;
  const feed = (fn: () => void) => {
    if (recorderFault !== undefined) return;
    try {
      fn();
    } catch (err) {
      recorderFault = describe(err);
      ctx.warn({ err, interception_id: rec.id }, 'recorder fault: stream keeps flowing, record may be incomplete');
    }
  };
  const parser = reducer && reply.mode === 'sse' ? createSseParser((ev) => feed(() => reducer.event(ev))) : undefined;
  if (reducer && reply.mode === 'events') reply.observer = { event: (ev) => feed(() => reducer.event(ev)) };

  const keepBody = reply.mode === 'json' || reply.status >= 300;
  const tee = createTee(res, {
    parse: parser ? (chunk) => feed(() => parser.push(chunk)) : undefined,
    keepLimit: keepBody ? (reply.status >= 300 ? MAX_ERROR_BODY : MAX_BLOCKING_PARSE) : 0,
    // A blocking answer past the parse limit keeps only its ends (large-answer.ts).
    keepTail: reply.status < 300 ? BLOCKING_TAIL : undefined,
  });

  res.writeHead(reply.status, reply.headers);
  // A stream's headers go out with its first bytes when those came with them (one write, as a
  // pass-through proxy sends them: the client wakes once), else at the end of this turn, so a
  // client sees the answer begin before its first event however long that takes.
  if (reply.mode !== 'json') setImmediate(flushHeadersIfPending, res, tee);

  let streamError: unknown;
  try {
    await pumpBody(reply.body, res, tee.take, () => clientGone);
  } catch (err) {
    streamError = err;
  }
  res.off('close', onClose);
  tee.parsePending();

  if (clientGone || controller.aborted) {
    destroyBody(reply);
    const outcome = reducer ? finishReducer(ctx, reducer) : null;
    if (ctx.stopping?.()) return finish('interrupted', reply.status, 'the gateway stopped mid-call', outcome, reply.model);
    return finish('cancelled', reply.status, 'client disconnected mid-response; upstream call aborted', outcome, reply.model);
  }
  if (streamError) {
    // Headers are out: the honest signal to the client is a broken connection, not a clean end.
    res.destroy(streamError instanceof Error ? streamError : undefined);
    const outcome = reducer ? (feed(() => parser?.end()), finishReducer(ctx, reducer)) : null;
    const why = streamError instanceof GatewayError ? streamError.message : describe(streamError);
    return finish('failed', reply.status, `upstream stream broke off: ${why}`, outcome, reply.model);
  }
  res.end();
  // Let the last bytes reach the client before the recording work (parse, store, log) runs, and
  // let the loop finish this turn's I/O first: the socket is uncorked on a tick queued by
  // `res.end`; the recording runs in this turn's check phase, before the next poll for I/O and
  // before any close callback, so a shutdown cannot overtake it (its fan-out close comes after
  // the server's close callback). Measured against `process.nextTick` here (bench/ab-builds.ts,
  // 6 rounds each way round): c=1 p50 −0.10 / −0.12 ms; c=32 req/s +10 / +8 %, event-loop CPU per
  // call −4 / −8 % (the recording of the calls a turn finished runs together).
  await new Promise<void>((resolve) => setImmediate(resolve));

  const body = tee.kept();
  if (reply.status >= 300) {
    return finish('failed', reply.status, upstreamErrorText(reply.status, body?.toString('utf8') ?? ''), null, reply.model);
  }
  let outcome: ApiOutcome | null;
  const overflow = tee.overflow();
  if (reducer) {
    if (parser) feed(() => parser.end());
    outcome = finishReducer(ctx, reducer);
  } else if (overflow) {
    outcome = safe(ctx, () => outcomeFromEnds(adapter.codec, overflow), () => ({ responses: [], error: null }));
    extraMetadata = { response_not_parsed: notParsedNote(overflow.total) };
  } else {
    const kept = body ?? Buffer.alloc(0);
    // Large answers take a parse turn like large request bodies (read-body.ts).
    const waiting = parseTurn(kept.length);
    const turn = waiting && (await waiting);
    try {
      outcome = parseBlockingBody(ctx, adapter, kept);
    } finally {
      turn?.release();
    }
  }
  if (recorderFault !== undefined) {
    // Our fault, not the upstream's: the client got the whole answer. The record says what is
    // missing instead of blaming the upstream for an "unfinished" stream the reducer stopped reading.
    extraMetadata = { ...extraMetadata, recorder_fault: `the recorder failed while reading this answer (${recorderFault}); tokens, tool calls and thoughts after that point are missing` };
    if (!outcome?.error) return finish('completed', reply.status, null, outcome, reply.model);
  }
  if (outcome?.error) return finish('failed', reply.status, outcome.error, outcome, reply.model);
  if (outcome && outcome.complete === false) {
    return finish('failed', reply.status, 'upstream stream ended before its final event', outcome, reply.model);
  }
  finish('completed', reply.status, null, outcome, reply.model);
}

/** The call's `in_flight` record: its ids, start time and the client named from its headers. */
function recordOf(call: InterceptedCall, facts: RequestFacts, startedAt: number, promptTruncated: boolean): Interception {
  const { req, adapter } = call;
  const client = detectClient(req.headers);
  return startRecord({
    initiator: call.initiator,
    provider: adapter.kind,
    providerName: adapter.name,
    api: adapter.codec.api,
    facts,
    client: client.client,
    clientSessionId: client.client_session_id,
    userAgent: typeof req.headers['user-agent'] === 'string' ? req.headers['user-agent'] : null,
    startedAt,
    promptTruncated,
  });
}

/** `res.headersSent` is true from `writeHead` on, sent or not: the tee knows whether bytes went. */
function flushHeadersIfPending(res: ServerResponse, tee: Tee): void {
  if (!tee.started() && !res.writableEnded && !res.destroyed) res.flushHeaders();
}

function parseBlockingBody(ctx: PipelineContext, adapter: ProviderAdapter, body: Buffer): ApiOutcome {
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    return { responses: [], error: `upstream answered 200 with a body that is not JSON (${body.length} bytes)` };
  }
  return safe(ctx, () => adapter.codec.parseBlocking(json), () => ({ responses: [], error: null }));
}

function finishReducer(ctx: PipelineContext, reducer: StreamReducer): ApiOutcome | null {
  return safe(ctx, () => reducer.finish(), () => null);
}

function destroyBody(reply: ProviderReply): void {
  const b = reply.body as { destroy?: (err?: Error) => void };
  b.destroy?.();
}

function safe<T>(ctx: PipelineContext, fn: () => T, fallback: () => T): T {
  try {
    return fn();
  } catch (err) {
    ctx.warn({ err }, 'recorder fault');
    return fallback();
  }
}

function fallbackFacts(): RequestFacts {
  return { model: '', streaming: false, prompt: null };
}

function describe(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as { code?: string }).code;
    return code ? `${code}: ${err.message}` : err.message;
  }
  return String(err);
}
