/**
 * A real OTLP/HTTP receiver for tests (SPEC §14): a node:http server on 127.0.0.1, port 0, that
 * takes `POST /v1/traces` and `POST /v1/metrics` in both protocols and decodes them:
 * - `application/x-protobuf` with the protobufjs classes generated from the official
 *   opentelemetry-proto definitions (shipped in @opentelemetry/otlp-transformer 0.215, the last
 *   release that bundled the trace and metrics classes; a devDependency under the alias `otlp-protos`);
 * - `application/json` (OTLP/JSON) as JSON.
 * Both end in the same normalized shape ({@link ReceivedSpan}, {@link ReceivedMetric}), so one
 * assertion serves both protocols.
 *
 * `mode`: `ok` answers 200 (an empty protobuf / `{}`), `fail` answers `failStatus` (default 503),
 * `hang` never answers (a slow collector). Every request is counted in `requests`, headers kept.
 */
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
interface ProtoType {
  decode(buf: Uint8Array): unknown;
  toObject(msg: unknown, opts: Record<string, unknown>): unknown;
}
interface ProtoRoot {
  opentelemetry: {
    proto: {
      collector: {
        trace: { v1: { ExportTraceServiceRequest: ProtoType } };
        metrics: { v1: { ExportMetricsServiceRequest: ProtoType } };
      };
    };
  };
}
// eslint-disable-next-line @typescript-eslint/no-unsafe-assignment -- generated CommonJS module
const root: ProtoRoot = require('otlp-protos/build/src/generated/root.js');

export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  name: string;
  /** OTLP SpanKind number (3 = CLIENT). */
  kind: number;
  startMs: number;
  endMs: number;
  attributes: Record<string, unknown>;
  events: { name: string; timeMs: number; attributes: Record<string, unknown> }[];
  /** OTLP status code (0 unset, 1 ok, 2 error). */
  status: { code: number; message?: string };
  resource: Record<string, unknown>;
}

export interface ReceivedPoint {
  attributes: Record<string, unknown>;
  count?: number;
  sum?: number;
  value?: number;
}

export interface ReceivedMetric {
  name: string;
  unit: string;
  points: ReceivedPoint[];
}

export interface ReceivedRequest {
  path: string;
  contentType: string;
  headers: IncomingHttpHeaders;
}

export interface OtlpReceiver {
  url: string;
  spans: ReceivedSpan[];
  metrics: ReceivedMetric[];
  requests: ReceivedRequest[];
  mode: 'ok' | 'fail' | 'hang';
  failStatus: number;
  /** Resolves once `n` spans have arrived (rejects after `timeoutMs`). */
  waitForSpans(n: number, timeoutMs?: number): Promise<ReceivedSpan[]>;
  /** Resolves once a metric named `name` has arrived. */
  waitForMetric(name: string, timeoutMs?: number): Promise<ReceivedMetric>;
  close(): Promise<void>;
}

type Json = Record<string, unknown>;

const hex = (v: unknown): string => {
  if (typeof v !== 'string') return '';
  return /^[0-9a-f]*$/i.test(v) && v.length % 2 === 0 ? v.toLowerCase() : Buffer.from(v, 'base64').toString('hex');
};
const nanosToMs = (v: unknown): number => Number(BigInt(String(v ?? 0)) / 1_000_000n);

function anyValue(v: Json | undefined): unknown {
  if (!v) return undefined;
  if ('stringValue' in v) return v['stringValue'];
  if ('intValue' in v) return Number(v['intValue']);
  if ('doubleValue' in v) return Number(v['doubleValue']);
  if ('boolValue' in v) return v['boolValue'];
  if ('arrayValue' in v) return ((v['arrayValue'] as Json)['values'] as Json[] | undefined ?? []).map(anyValue);
  return undefined;
}

function attrs(list: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const kv of (list as Json[] | undefined) ?? []) out[String(kv['key'])] = anyValue(kv['value'] as Json | undefined);
  return out;
}

function spansOf(req: Json): ReceivedSpan[] {
  const out: ReceivedSpan[] = [];
  for (const rs of (req['resourceSpans'] as Json[] | undefined) ?? []) {
    const resource = attrs((rs['resource'] as Json | undefined)?.['attributes']);
    for (const ss of (rs['scopeSpans'] as Json[] | undefined) ?? []) {
      for (const s of (ss['spans'] as Json[] | undefined) ?? []) {
        const status = (s['status'] as Json | undefined) ?? {};
        out.push({
          traceId: hex(s['traceId']),
          spanId: hex(s['spanId']),
          name: String(s['name']),
          kind: Number(s['kind'] ?? 0),
          startMs: nanosToMs(s['startTimeUnixNano']),
          endMs: nanosToMs(s['endTimeUnixNano']),
          attributes: attrs(s['attributes']),
          events: ((s['events'] as Json[] | undefined) ?? []).map((e) => ({
            name: String(e['name']),
            timeMs: nanosToMs(e['timeUnixNano']),
            attributes: attrs(e['attributes']),
          })),
          status: { code: Number(status['code'] ?? 0), ...(status['message'] ? { message: String(status['message']) } : {}) },
          resource,
        });
      }
    }
  }
  return out;
}

function metricsOf(req: Json): ReceivedMetric[] {
  const out: ReceivedMetric[] = [];
  for (const rm of (req['resourceMetrics'] as Json[] | undefined) ?? []) {
    for (const sm of (rm['scopeMetrics'] as Json[] | undefined) ?? []) {
      for (const m of (sm['metrics'] as Json[] | undefined) ?? []) {
        const data = (m['histogram'] ?? m['sum'] ?? m['gauge']) as Json | undefined;
        const points = ((data?.['dataPoints'] as Json[] | undefined) ?? []).map((p) => ({
          attributes: attrs(p['attributes']),
          ...(p['count'] !== undefined ? { count: Number(p['count']) } : {}),
          ...(p['sum'] !== undefined ? { sum: Number(p['sum']) } : {}),
          ...(p['asDouble'] !== undefined ? { value: Number(p['asDouble']) } : p['asInt'] !== undefined ? { value: Number(p['asInt']) } : {}),
        }));
        out.push({ name: String(m['name']), unit: String(m['unit'] ?? ''), points });
      }
    }
  }
  return out;
}

const TO_OBJECT = { longs: String, bytes: String, enums: Number, defaults: false, arrays: true };

/** Starts a receiver on 127.0.0.1, port 0. */
export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const sockets = new Set<Socket>();
  const hung: ServerResponse[] = [];
  const waiters = new Set<() => void>();
  const notify = () => {
    for (const w of [...waiters]) w();
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const contentType = String(req.headers['content-type'] ?? '');
      const path = (req.url ?? '').split('?')[0]!;
      r.requests.push({ path, contentType, headers: req.headers });
      if (r.mode === 'hang') {
        hung.push(res);
        return;
      }
      if (r.mode === 'fail') {
        res.writeHead(r.failStatus, { 'content-type': 'text/plain' }).end('collector says no');
        return;
      }
      const isJson = contentType.includes('json');
      try {
        if (path === '/v1/traces') {
          const obj = isJson
            ? (JSON.parse(body.toString('utf8')) as Json)
            : (root.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest.toObject(
                root.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest.decode(body),
                TO_OBJECT,
              ) as Json);
          r.spans.push(...spansOf(obj));
        } else if (path === '/v1/metrics') {
          const obj = isJson
            ? (JSON.parse(body.toString('utf8')) as Json)
            : (root.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest.toObject(
                root.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest.decode(body),
                TO_OBJECT,
              ) as Json);
          r.metrics.push(...metricsOf(obj));
        } else {
          res.writeHead(404).end();
          return;
        }
      } catch (err) {
        res.writeHead(400, { 'content-type': 'text/plain' }).end(String(err));
        return;
      }
      res.writeHead(200, { 'content-type': isJson ? 'application/json' : 'application/x-protobuf' }).end(isJson ? '{}' : '');
      notify();
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;

  const waitFor = <T>(check: () => T | undefined, timeoutMs: number, what: string): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const first = check();
      if (first !== undefined) return resolve(first);
      const timer = setTimeout(() => {
        waiters.delete(w);
        reject(new Error(`OTLP receiver: timed out waiting for ${what}`));
      }, timeoutMs);
      const w = () => {
        const v = check();
        if (v === undefined) return;
        clearTimeout(timer);
        waiters.delete(w);
        resolve(v);
      };
      waiters.add(w);
    });

  const r: OtlpReceiver = {
    url: `http://127.0.0.1:${port}`,
    spans: [],
    metrics: [],
    requests: [],
    mode: 'ok',
    failStatus: 503,
    waitForSpans: (n, timeoutMs = 10_000) => waitFor(() => (r.spans.length >= n ? r.spans : undefined), timeoutMs, `${n} spans`),
    waitForMetric: (name, timeoutMs = 10_000) =>
      waitFor(() => [...r.metrics].reverse().find((m) => m.name === name), timeoutMs, `metric ${name}`),
    async close() {
      for (const res of hung) res.destroy();
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return r;
}
