/**
 * Our span encoding (src/gateway/telemetry/otlp-spans.ts) against the OpenTelemetry SDK's, for the
 * same plans: the SDK makes its spans the way the export did before issue #20 (tracer.startSpan,
 * addEvent, setStatus, end, with the same limits) and serializes them with its own serializers;
 * both requests are decoded with the official opentelemetry-proto classes (or JSON.parse) and
 * must be equal but for the random ids.
 */
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { spanPlan, type SpanPlan } from '../../../../src/gateway/telemetry/genai.js';
import { jsonRequest, jsonSpan, ProtoWriter, requestPrefixer, spanLimitsFromEnv, writeSpan, type ExportHeader, type SpanLimits } from '../../../../src/gateway/telemetry/otlp-spans.js';
import type { FinishedRecord } from '../../../../src/record/fanout.js';
import { makeRecord } from '../../../helpers/make-record.js';

interface ProtoType {
  decode(buf: Uint8Array): unknown;
  toObject(msg: unknown, opts: Record<string, unknown>): Record<string, unknown>;
}
const require = createRequire(import.meta.url);
// eslint-disable-next-line @typescript-eslint/no-unsafe-assignment -- generated CommonJS module
const root: { opentelemetry: { proto: { collector: { trace: { v1: { ExportTraceServiceRequest: ProtoType } } } } } } = require('otlp-protos/build/src/generated/root.js');
const Request = root.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;

const VERSION = '9.9.9-test';
const header: ExportHeader = { resource: { 'service.name': 'aibridge', 'service.version': VERSION }, scope: { name: 'aibridge', version: VERSION } };

/** The SDK's spans for `plans`, made as the SDK-based export made them. */
function sdkSpans(plans: SpanPlan[], limits: SpanLimits): ReadableSpan[] {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes(header.resource),
    spanLimits: {
      attributeValueLengthLimit: limits.valueLength,
      attributeCountLimit: limits.attributeCount,
      eventCountLimit: limits.eventCount,
      attributePerEventCountLimit: limits.attributesPerEvent,
    },
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  const tracer = provider.getTracer('aibridge', VERSION);
  for (const plan of plans) {
    const span = tracer.startSpan(plan.name, { kind: SpanKind.CLIENT, startTime: plan.startMs, attributes: plan.attributes });
    for (const e of plan.events) span.addEvent(e.name, e.attributes, e.timeMs);
    if (plan.errorMessage !== null) span.setStatus({ code: SpanStatusCode.ERROR, message: plan.errorMessage });
    span.end(plan.endMs);
  }
  return exporter.getFinishedSpans();
}

function ourProto(plans: SpanPlan[], limits: SpanLimits): Uint8Array {
  const w = new ProtoWriter(64); // small on purpose: the buffer grows mid-span
  for (const p of plans) writeSpan(w, p, limits);
  const spans = w.written();
  return Buffer.concat([requestPrefixer(header)(spans.length), spans]);
}

type Obj = Record<string, unknown>;
const decode = (bytes: Uint8Array): Obj => Request.toObject(Request.decode(bytes), { longs: String, bytes: String, defaults: true, arrays: true });

/** The spans of a decoded request, with their ids checked for shape and taken out. */
function withoutIds(req: Obj, idKind: 'base64' | 'hex'): Obj {
  const spans = ((req['resourceSpans'] as Obj[])[0]!['scopeSpans'] as Obj[])[0]!['spans'] as Obj[];
  for (const s of spans) {
    const trace = idKind === 'hex' ? Buffer.from(String(s['traceId']), 'hex') : Buffer.from(String(s['traceId']), 'base64');
    const span = idKind === 'hex' ? Buffer.from(String(s['spanId']), 'hex') : Buffer.from(String(s['spanId']), 'base64');
    expect(trace.length).toBe(16);
    expect(span.length).toBe(8);
    expect(trace.some((b) => b !== 0)).toBe(true);
    delete s['traceId'];
    delete s['spanId'];
  }
  return req;
}

const T0 = Date.UTC(2026, 11, 1, 9, 0, 0);
const rec = (n: number, over: Parameters<typeof makeRecord>[2] = {}) => makeRecord(n, T0 + n * 1000, over) as FinishedRecord;
const tool = (i: number) => ({
  id: `t${i}`, interception_id: 'i', provider_response_id: 'msg_1', tool_call_id: `call_${i}`, tool: 'Read', input: { path: `/f/${i}`, text: 'é'.repeat(i) },
  server_url: null, injected: false, invocation_error: null, metadata: {}, created_at: new Date(T0 + 1000 + i).toISOString(),
});

/** Plans from records (the real mapping) and by hand (the limits' edges). */
function plans(): SpanPlan[] {
  const out: SpanPlan[] = [
    spanPlan(rec(1), { content: false }),
    spanPlan(rec(2), { content: true, costUsd: 0.0123 }),
    spanPlan(rec(3, { status: 'failed', http_status: 503, error: 'upstream said no' }), { content: false }),
    spanPlan(rec(4, { status: 'failed', http_status: null, error: null }), { content: false }),
    spanPlan(rec(5, { token_usages: [], client_session_id: null }), { content: false, costUsd: 2 }),
    spanPlan(rec(6, { tool_usages: [tool(1), tool(2), tool(3)] }), { content: true }),
    // Content past the 127- and 16,383-byte lengths (multi-byte varints), with non-ASCII text.
    spanPlan(rec(7, { user_prompts: [{ id: 'p', interception_id: 'i', provider_response_id: 'r', prompt: 'ü€𝄞'.repeat(3000), metadata: {}, created_at: new Date(T0).toISOString() }] }), { content: true }),
  ];
  out.push({
    name: 'chat ünïcödé',
    startMs: T0 + 0.5, // sub-millisecond: the SDK rounds to nanoseconds
    endMs: T0 - 10, // before the start: the SDK ends it at the start
    attributes: {
      a: 'x'.repeat(300), b: true, c: false, d: -42, e: 1.5, f: 2 ** 40, g: 2 ** 62, n: undefined, '': 'no key',
      arr: ['one', 'y'.repeat(200), null], mixed: ['a', 1] as unknown as string[], obj: { no: 'objects' } as unknown as string, z: 'tail',
    },
    events: Array.from({ length: 7 }, (_, i) => ({ name: `e${i}`, timeMs: T0 + i, attributes: { i, s: 'y'.repeat(i * 40), t: 'last' } })),
    errorMessage: '',
  });
  return out;
}

describe('spans encoded by hand equal the SDK\'s', () => {
  const limitsCases: [string, SpanLimits][] = [
    ['default limits', spanLimitsFromEnv({}, 32 * 1024)],
    ['tight limits (values 100, 5 attributes, 3 events of 2 attributes)', spanLimitsFromEnv(
      { OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT: '100', OTEL_ATTRIBUTE_COUNT_LIMIT: '5', OTEL_SPAN_EVENT_COUNT_LIMIT: '3', OTEL_SPAN_ATTRIBUTE_PER_EVENT_COUNT_LIMIT: '2' },
      32 * 1024,
    )],
  ];
  for (const [name, limits] of limitsCases) {
    it(`http/protobuf, ${name}`, () => {
      const ps = plans();
      const theirs = decode(ProtobufTraceSerializer.serializeRequest(sdkSpans(ps, limits))!);
      const ours = decode(ourProto(ps, limits));
      expect(withoutIds(ours, 'base64')).toEqual(withoutIds(theirs, 'base64'));
    });

    it(`http/json, ${name}`, () => {
      const ps = plans();
      const theirs = JSON.parse(Buffer.from(JsonTraceSerializer.serializeRequest(sdkSpans(ps, limits))!).toString()) as Obj;
      const ours = JSON.parse(Buffer.from(jsonRequest(header, ps.map((p) => jsonSpan(p, limits)))).toString()) as Obj;
      expect(withoutIds(ours, 'hex')).toEqual(withoutIds(theirs, 'hex'));
    });
  }

  it('the limits read the SDK\'s settings in its order of precedence', () => {
    expect(spanLimitsFromEnv({}, 77)).toEqual({ valueLength: 77, attributeCount: 128, eventCount: 128, attributesPerEvent: 128 });
    expect(spanLimitsFromEnv({ OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT: '10', OTEL_ATTRIBUTE_COUNT_LIMIT: '9' }, 77)).toMatchObject({ valueLength: 10, attributeCount: 9 });
    expect(spanLimitsFromEnv({ OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT: '10', OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT: '20', OTEL_ATTRIBUTE_COUNT_LIMIT: '9', OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT: '8' }, 77))
      .toMatchObject({ valueLength: 20, attributeCount: 8 });
  });

  it('every span gets its own ids', () => {
    const ps = Array.from({ length: 300 }, () => plans()[0]!);
    const req = decode(ourProto(ps, spanLimitsFromEnv({}, 1024)));
    const spans = ((req['resourceSpans'] as Obj[])[0]!['scopeSpans'] as Obj[])[0]!['spans'] as Obj[];
    expect(new Set(spans.map((s) => s['traceId'])).size).toBe(300);
    expect(new Set(spans.map((s) => s['spanId'])).size).toBe(300);
  });
});
