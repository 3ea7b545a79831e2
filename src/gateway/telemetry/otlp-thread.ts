/**
 * The OTLP export, run on a worker thread (issue #20). The SDK's per-span work (span objects,
 * attribute checks, metric aggregation, protobuf encoding, HTTP export) cost ~50 µs a call on the
 * gateway's event loop, 11 % of a recorded call's CPU in the bench profile; on a worker it runs
 * on the machine's other core while the event loop serves calls.
 *
 * This side keeps the bound and the counts, so `queued`, `dropped` and `exported` mean what they
 * meant with the SDK in process: a record posted is a span "made"; it stays counted until the
 * worker reports it exported or dropped; past `OTEL_BSP_MAX_QUEUE_SIZE` unanswered spans a new one
 * is dropped here (`queue_full`) without being posted. Records are posted in batches, at most
 * every {@link POST_EVERY_MS} ms (a message has a fixed cost: posting once per turn of the event
 * loop, ~3 records at 3k calls/s, still took 4 % of its CPU); the SDK batches spans for seconds anyway.
 *
 * The worker is unref'd: it never keeps the process alive, except while {@link OtlpThread.shutdown}
 * waits for its last batch (bounded by `closeWaitMs`, then the thread is terminated).
 */
import { Worker } from 'node:worker_threads';
import type { FinishedRecord } from '../../record/fanout.js';
import type { OtlpPipelineOptions } from './otlp.js';
import type { TelemetryRecord } from './genai.js';

/** How long a finished record may wait on this side before it is posted to the thread. */
const POST_EVERY_MS = 20;

/** The thread's `workerData`: the pipeline's settings (callbacks are messages). */
export type WorkerSetup = Pick<OtlpPipelineOptions, 'endpoint' | 'headers' | 'protocol' | 'serviceVersion'> & { env: Record<string, string> };

/** One finished record as the thread gets it. */
export interface RecordItem {
  rec: TelemetryRecord;
  costUsd: number | null;
  content: boolean;
}

/**
 * Main → worker. A batch crosses as one JSON text of its {@link RecordItem}s: a string is copied
 * whole, where a structured clone walks every object of every record on both sides (the batch's
 * `postMessage` was 5 % of the event loop's CPU in the c=32 bench profile as objects).
 */
export type ToWorker =
  | { type: 'records'; json: string }
  | { type: 'shutdown' };

/** Worker → main. */
export type FromWorker =
  | { type: 'exported'; n: number }
  | { type: 'dropped'; reason: 'queue_full' | 'export_failed'; n: number }
  | { type: 'result'; signal: 'traces' | 'metrics'; error: { message: string; name: string; code?: unknown } | null }
  | { type: 'fault'; message: string }
  | { type: 'closed' };

export interface OtlpThreadOptions extends Omit<OtlpPipelineOptions, 'env'> {
  env: NodeJS.ProcessEnv;
  /** Spans made and not yet answered, at most (`OTEL_BSP_MAX_QUEUE_SIZE`). */
  maxQueueSize: number;
  /** How long {@link OtlpThread.shutdown} waits for the last export before it ends the thread. */
  closeWaitMs: number;
  /** A record the worker could not turn into a span (a fault of ours), or the thread failing. */
  onFault(message: string): void;
  /** The thread ended without being asked to (its owner may start a new one); why. */
  onDied?(message: string): void;
  /** Test seam: the thread, once started. */
  onStart?(worker: Worker): void;
}

export interface OtlpThread {
  /** Queues one finished record's span and metric points; false when it was dropped at the bound. */
  ship(rec: FinishedRecord, costUsd: number | null, content: boolean): boolean;
  /** Spans made and not yet answered by the collector. */
  pending(): number;
  /** Sends what is queued, lets the worker flush (bounded by `closeWaitMs`) and ends the thread. */
  shutdown(): Promise<void>;
}

/**
 * The worker: the compiled `otlp-worker.js` next to this file; under the TypeScript sources
 * (tests run them) `otlp-worker.ts`, loaded through tsx's loader, registered in the thread.
 */
function spawnWorker(workerData: WorkerSetup): Worker {
  const options = { workerData, resourceLimits: RESOURCE_LIMITS };
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./otlp-worker.js', import.meta.url), options);
  const src = new URL('./otlp-worker.ts', import.meta.url).href;
  const boot = `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(src)}); });`;
  return new Worker(boot, { ...options, eval: true });
}

/**
 * The thread's V8 heap. A small young generation: the thread makes short-lived span objects at the
 * gateway's call rate, and with V8's default the gateway's peak RSS under 200 open streams was
 * 150–153 MB against 145–148 MB with 4 MB (bench `--only rss`, four runs each; 132 MB with the SDK
 * in the main thread: the thread's own heap and code cost the rest). The old generation's is a
 * ceiling only, far above what a full span queue holds.
 */
const RESOURCE_LIMITS = { maxYoungGenerationSizeMb: 4, maxOldGenerationSizeMb: 512 };

/**
 * What crosses to the thread for one record: only the fields the mapping reads (./genai.ts
 * {@link TelemetryRecord}), content only with `otlp_content`. Cloning whole records (ids,
 * metadata, every row) cost ~25 µs a call on the event loop, half of what the thread saves.
 */
export function telemetryRecord(rec: FinishedRecord, content: boolean): TelemetryRecord {
  const responseModel = rec.metadata?.['response_model'];
  return {
    id: rec.id,
    initiator: { id: rec.initiator.id, name: rec.initiator.name },
    provider: rec.provider,
    model: rec.model,
    api: rec.api,
    streaming: rec.streaming,
    client: rec.client,
    client_session_id: rec.client_session_id,
    started_at: rec.started_at,
    ended_at: rec.ended_at,
    status: rec.status,
    http_status: rec.http_status,
    error: rec.error,
    metadata: responseModel === undefined ? {} : { response_model: responseModel },
    token_usages: rec.token_usages.map((u) => {
      const reasoning = u.metadata?.['reasoning_tokens'];
      return {
        provider_response_id: u.provider_response_id,
        input_tokens: u.input_tokens,
        output_tokens: u.output_tokens,
        cache_read_input_tokens: u.cache_read_input_tokens,
        cache_write_input_tokens: u.cache_write_input_tokens,
        metadata: reasoning === undefined ? {} : { reasoning_tokens: reasoning },
      };
    }),
    user_prompts: content ? rec.user_prompts.map((p) => ({ prompt: p.prompt })) : [],
    model_thoughts: content ? rec.model_thoughts.map((m) => ({ content: m.content })) : [],
    tool_usages: rec.tool_usages.map((u) => ({ tool: u.tool, tool_call_id: u.tool_call_id, input: content ? u.input : null, created_at: u.created_at })),
  };
}

/** Starts the worker thread; it loads the SDK itself, and records posted meanwhile wait in its port. */
export function startOtlpThread(opts: OtlpThreadOptions): OtlpThread {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(opts.env)) if (k.startsWith('OTEL_') && v !== undefined) env[k] = v;
  const setup: WorkerSetup = { endpoint: opts.endpoint, headers: opts.headers, protocol: opts.protocol, serviceVersion: opts.serviceVersion, env };
  const worker = spawnWorker(setup);
  worker.unref();
  opts.onStart?.(worker);

  let inFlight = 0;
  let batch: RecordItem[] = [];
  let dead = false;
  let stopping = false;
  let closed: (() => void) | undefined;

  const settle = (reason: 'queue_full' | 'export_failed', n: number): void => {
    inFlight = Math.max(0, inFlight - n);
    opts.onDropped(reason, n);
  };
  const gone = (why: string): void => {
    if (dead) return;
    dead = true;
    batch = [];
    if (inFlight > 0) settle('export_failed', inFlight);
    closed?.();
    if (!stopping) opts.onDied?.(why);
  };
  worker.on('message', (m: FromWorker) => {
    switch (m.type) {
      case 'exported':
        inFlight = Math.max(0, inFlight - m.n);
        opts.onExported(m.n);
        break;
      case 'dropped':
        settle(m.reason, m.n);
        break;
      case 'result':
        opts.onResult(m.signal, m.error === null ? null : Object.assign(new Error(m.error.message), { name: m.error.name, code: m.error.code }));
        break;
      case 'fault':
        opts.onFault(m.message);
        break;
      case 'closed':
        closed?.();
        break;
    }
  });
  worker.on('error', (err) => {
    opts.onResult('traces', err);
    opts.onFault(`the telemetry thread failed: ${err.message}`);
    gone(err.message);
  });
  worker.on('exit', (code) => gone(`the telemetry thread exited with code ${code}`));

  const post = (): void => {
    if (batch.length === 0 || dead) return;
    const items = batch;
    batch = [];
    try {
      worker.postMessage({ type: 'records', json: JSON.stringify(items) } satisfies ToWorker);
    } catch (err) {
      // A record that cannot be serialized (a fault of ours): its spans are lost, never the call.
      opts.onFault(`could not hand records to the telemetry thread: ${(err as Error).message}`);
      settle('export_failed', items.length);
    }
  };

  return {
    ship(rec, costUsd, content) {
      if (dead || stopping || inFlight >= opts.maxQueueSize) {
        opts.onDropped('queue_full', 1);
        return false;
      }
      let slim: TelemetryRecord;
      try {
        slim = telemetryRecord(rec, content);
      } catch (err) {
        // A record of a shape we did not expect (a fault of ours): its span is counted, never the call's problem.
        opts.onFault(`telemetry: could not map interception ${rec.id} (${(err as Error).message})`);
        opts.onDropped('export_failed', 1);
        return false;
      }
      inFlight++;
      if (batch.push({ rec: slim, costUsd, content }) === 1) setTimeout(post, POST_EVERY_MS).unref();
      return true;
    },
    pending: () => inFlight,
    shutdown() {
      if (stopping) return Promise.resolve();
      stopping = true;
      post();
      if (dead) return Promise.resolve();
      worker.ref();
      return new Promise<void>((resolve) => {
        const timer = setTimeout(() => void worker.terminate(), opts.closeWaitMs);
        closed = () => {
          clearTimeout(timer);
          closed = undefined;
          void worker.terminate();
          resolve();
        };
        worker.postMessage({ type: 'shutdown' } satisfies ToWorker);
      });
    },
  };
}
