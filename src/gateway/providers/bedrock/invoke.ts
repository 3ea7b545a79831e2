/**
 * One upstream call through the SDK, shared by both Bedrock routes: InvokeModel for blocking calls,
 * InvokeModelWithResponseStream for streams. Classifies what can go wrong before an answer:
 * Bedrock error statuses come back as data (the adapters answer them), network failures and the
 * gateway's own timeout become GatewayErrors (502 / 504), and a client abort is rethrown as is.
 */
import { toAbortSignal, type CallSignal } from '../../upstream/call-abort.js';
import type { BedrockRuntimeClient, ResponseStream } from '@aws-sdk/client-bedrock-runtime';
import { bedrockRuntime } from './sdk.js';
import { UpstreamTimeoutError, UpstreamUnreachableError } from '../../errors.js';
import { describeBedrockError, isBedrockServiceError, isIdleTimeout, type BedrockErrorInfo } from './errors.js';

export interface InvokeArgs {
  modelId: string;
  body: Uint8Array;
  streaming: boolean;
  /** The call's signal: aborts the upstream request when the client goes away. */
  signal: CallSignal;
  /** How long Bedrock may take to answer (whole body when blocking, headers when streaming). */
  timeoutMs: number;
  /** The client's socket inactivity limit, for the 504 message when it fired. */
  idleTimeoutMs?: number;
}

export type InvokeResult =
  | { kind: 'blocking'; body: Uint8Array; contentType: string; requestId: string | undefined }
  | { kind: 'stream'; events: AsyncIterable<ResponseStream>; requestId: string | undefined }
  | { kind: 'error'; info: BedrockErrorInfo };

const PROVIDER = 'bedrock';

/**
 * Calls Bedrock. Resolves once Bedrock answered (a stream's events are read later by the caller);
 * throws UpstreamUnreachableError / UpstreamTimeoutError, or the abort error when `signal` fired.
 */
export async function invokeBedrock(client: BedrockRuntimeClient, args: InvokeArgs): Promise<InvokeResult> {
  const timeout = new AbortController();
  const timer = setTimeout(() => timeout.abort(new Error(`no answer within ${args.timeoutMs} ms`)), args.timeoutMs);
  timer.unref();
  // The combined signal stays attached to the stream after the timer is cleared, so a client that
  // disconnects mid-stream still aborts the upstream request.
  const abortSignal = AbortSignal.any([toAbortSignal(args.signal), timeout.signal]);
  const input = { modelId: args.modelId, body: args.body, contentType: 'application/json', accept: 'application/json' };
  const { InvokeModelCommand, InvokeModelWithResponseStreamCommand } = bedrockRuntime();
  try {
    if (args.streaming) {
      const out = await client.send(new InvokeModelWithResponseStreamCommand(input), { abortSignal });
      return { kind: 'stream', events: out.body ?? emptyStream(), requestId: out.$metadata.requestId };
    }
    const out = await client.send(new InvokeModelCommand(input), { abortSignal });
    return {
      kind: 'blocking',
      body: out.body ?? new Uint8Array(),
      contentType: out.contentType ?? 'application/json',
      requestId: out.$metadata.requestId,
    };
  } catch (err) {
    if (args.signal.aborted) throw err;
    if (timeout.signal.aborted) throw new UpstreamTimeoutError(PROVIDER, args.timeoutMs);
    if (isIdleTimeout(err)) throw new UpstreamTimeoutError(PROVIDER, args.idleTimeoutMs ?? args.timeoutMs);
    if (isBedrockServiceError(err)) return { kind: 'error', info: describeBedrockError(err) };
    throw new UpstreamUnreachableError(PROVIDER, err);
  } finally {
    clearTimeout(timer);
  }
}

async function* emptyStream(): AsyncGenerator<ResponseStream> {
  // A 200 without an event stream body: the caller reports the stream as ended early.
}

/** The PascalCase exception name when a stream member is a modeled exception rather than a chunk. */
export function streamExceptionMember(ev: ResponseStream): { name: string; message: string } | null {
  for (const [key, value] of Object.entries(ev)) {
    // `$unknown` members are events newer than this SDK knows; skipping them keeps the stream going.
    if (key === 'chunk' || key === '$unknown' || value === undefined) continue;
    const message = typeof value === 'object' && value !== null && typeof (value as { message?: unknown }).message === 'string'
      ? (value as { message: string }).message
      : key;
    return { name: key.charAt(0).toUpperCase() + key.slice(1), message };
  }
  return null;
}
