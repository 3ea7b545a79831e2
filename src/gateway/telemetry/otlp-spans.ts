/**
 * Spans straight from a {@link SpanPlan} to OTLP bytes (issue #20): each finished record's span is
 * encoded once, into its export batch, without the SDK's span objects. In the export thread's
 * profile the SDK's path cost ~40 µs a call (span objects and their attribute checks 11 %, the
 * two-pass protobuf serializer 27 %, and most of the 26 % GC), on a thread that shares the
 * machine's 2 cores with the gateway.
 *
 * What a span holds is what the SDK (sdk-trace 2.12, Span.js) would have put in it, so a collector
 * sees the same data; test/unit/gateway/telemetry/otlp-spans.test.ts decodes ours and the SDK's
 * with the official protos and compares them:
 * - attributes in the plan's order, null values skipped, at most `attributeCount` (later ones
 *   counted dropped), strings cut to `valueLength` UTF-16 units (`substring`, as the SDK does);
 * - the last `eventCount` events (older ones counted dropped), each with at most
 *   `attributesPerEvent` attributes;
 * - random 16-byte trace and 8-byte span ids (never all zero), kind CLIENT, flags 0x101
 *   (sampled, parent-is-remote known: a root span);
 * - status ERROR with the message for failed calls, else UNSET.
 *
 * The wire format is opentelemetry-proto's trace.proto (field numbers in the comments). The HTTP
 * transport, retries and timeouts stay the SDK's (./otlp.ts).
 */
import { randomFillSync } from 'node:crypto';
import type { AttributeValue, Attributes } from '@opentelemetry/api';
import { isAttributeValue } from '@opentelemetry/core';
import type { SpanPlan } from './genai.js';
import { envNumber } from './env.js';

/** The SDK's span limits, from the same settings. */
export interface SpanLimits {
  valueLength: number;
  attributeCount: number;
  eventCount: number;
  attributesPerEvent: number;
}

/**
 * Limits as the SDK reads them: `OTEL_SPAN_*` first, then the general `OTEL_ATTRIBUTE_*`, then its
 * defaults (128), except the value length, whose default is ours (content attributes can be
 * 1 MiB each, and the queue holds up to 2048 spans).
 */
export function spanLimitsFromEnv(env: NodeJS.ProcessEnv, defaultValueLength: number): SpanLimits {
  return {
    valueLength: envNumber(env, 'OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT', envNumber(env, 'OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT', defaultValueLength)),
    attributeCount: envNumber(env, 'OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT', envNumber(env, 'OTEL_ATTRIBUTE_COUNT_LIMIT', 128)),
    eventCount: envNumber(env, 'OTEL_SPAN_EVENT_COUNT_LIMIT', 128),
    attributesPerEvent: envNumber(env, 'OTEL_SPAN_ATTRIBUTE_PER_EVENT_COUNT_LIMIT', 128),
  };
}

/** `resource` and `scope` as the request carries them, once per pipeline. */
export interface ExportHeader {
  resource: Attributes;
  scope: { name: string; version: string };
}

// ---- ids ----------------------------------------------------------------------------------------

/** Random bytes drawn 4 KiB at a time: one `randomFillSync` per 170 spans, not two per span. */
const ID_POOL = Buffer.alloc(4096);
let idPos = ID_POOL.length;

function randomId(n: 8 | 16): Buffer {
  for (;;) {
    if (idPos + n > ID_POOL.length) {
      randomFillSync(ID_POOL);
      idPos = 0;
    }
    const id = ID_POOL.subarray(idPos, idPos + n);
    idPos += n;
    for (let i = 0; i < n; i++) if (id[i] !== 0) return id; // all-zero ids are invalid
  }
}

// ---- protobuf writer ----------------------------------------------------------------------------

/**
 * An append-only protobuf writer over one growing buffer. A length-delimited field reserves one
 * byte for its length and moves its content up when it turns out longer than 127 bytes: one pass,
 * where the SDK's serializer measures everything first and then writes.
 */
export class ProtoWriter {
  buf: Buffer;
  pos = 0;

  constructor(size = 64 * 1024) {
    this.buf = Buffer.allocUnsafe(size);
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  byte(b: number): void {
    this.ensure(1);
    this.buf[this.pos++] = b;
  }

  varint(v: number): void {
    this.ensure(10);
    if (v >= 0 && v <= 0xffffffff) {
      this.varint32(v);
      return;
    }
    // int64 two's complement (negative or above 32 bits): BigInt, off the common path.
    let b = BigInt.asUintN(64, BigInt(v));
    while (b > 0x7fn) {
      this.buf[this.pos++] = Number(b & 0x7fn) | 0x80;
      b >>= 7n;
    }
    this.buf[this.pos++] = Number(b);
  }

  /** An unsigned 32-bit varint at `pos`, room already ensured. */
  private varint32(v: number): void {
    while (v > 0x7f) {
      this.buf[this.pos++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    this.buf[this.pos++] = v;
  }

  /** Epoch milliseconds as fixed64 nanoseconds. */
  fixed64Ms(ms: number): void {
    this.ensure(8);
    this.buf.writeBigUInt64LE(BigInt.asUintN(64, nanos(ms)), this.pos);
    this.pos += 8;
  }

  double(v: number): void {
    this.ensure(8);
    this.buf.writeDoubleLE(v, this.pos);
    this.pos += 8;
  }

  fixed32(v: number): void {
    this.ensure(4);
    this.buf.writeUInt32LE(v >>> 0, this.pos);
    this.pos += 4;
  }

  /** Appends bytes as they are (an already-encoded field). */
  raw(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  bytes(b: Uint8Array): void {
    this.varint(b.length);
    this.raw(b);
  }

  string(s: string): void {
    // Worst case 3 bytes per UTF-16 unit; the length is fixed after the write.
    const mark = this.begin(s.length * 3);
    if (s.length <= 64) {
      // Short strings (names, ids, models) are ASCII nearly always: a loop beats Buffer#write's call.
      const buf = this.buf;
      let p = this.pos;
      let i = 0;
      for (; i < s.length; i++) {
        const c = s.charCodeAt(i);
        if (c >= 0x80) break;
        buf[p++] = c;
      }
      if (i === s.length) {
        this.pos = p;
        this.end(mark);
        return;
      }
    }
    this.pos += this.buf.write(s, this.pos, 'utf8');
    this.end(mark);
  }

  /** Starts a length-delimited field's content; returns its mark for {@link end}. */
  begin(expect = 0): number {
    this.ensure(1 + expect);
    this.pos++;
    return this.pos;
  }

  /** Writes the length of the content started at `mark`, moving it up if the length needs more than a byte. */
  end(mark: number): void {
    const len = this.pos - mark;
    if (len < 0x80) {
      this.buf[mark - 1] = len;
      return;
    }
    const extra = varintSize(len) - 1;
    this.ensure(extra);
    this.buf.copyWithin(mark + extra, mark, this.pos);
    const after = this.pos + extra;
    this.pos = mark - 1;
    this.varint32(len);
    this.pos = after;
  }

  /** What was written so far (a view: the next write may change it). */
  written(): Buffer {
    return this.buf.subarray(0, this.pos);
  }
}

/** Epoch milliseconds as Unix nanoseconds, the SDK's way (millisToHrTime, then hrTimeToNanos). */
function nanos(ms: number): bigint {
  return BigInt(Math.trunc(ms / 1000)) * 1_000_000_000n + BigInt(Math.round((ms % 1000) * 1e6));
}

function varintSize(v: number): number {
  let n = 1;
  while (v > 0x7f) {
    v >>>= 7;
    n++;
  }
  return n;
}

/** `field << 3 | wire type` bytes for the tags used here (all fit one byte but flags' 16). */
const LEN = 2;
const tag = (field: number, wire: number): number => (field << 3) | wire;

/** Attribute keys with their KeyValue.key field already encoded: the few keys repeat on every span. */
const keyBytes = new Map<string, Buffer>();
function encodedKey(key: string): Buffer {
  let b = keyBytes.get(key);
  if (b === undefined) {
    const k = Buffer.from(key, 'utf8');
    const w = new ProtoWriter(k.length + 6);
    w.byte(tag(1, LEN));
    w.bytes(k);
    b = Buffer.from(w.written());
    if (keyBytes.size < 512) keyBytes.set(key, b); // keys are the mapping's constants; bounded regardless
  }
  return b;
}

/** AnyValue, as the SDK's writeAnyValue for the value types a plan holds. */
function writeAnyValue(w: ProtoWriter, v: AttributeValue): void {
  if (typeof v === 'string') {
    w.byte(tag(1, LEN));
    w.string(v);
  } else if (typeof v === 'boolean') {
    w.byte(tag(2, 0));
    w.byte(v ? 1 : 0);
  } else if (typeof v === 'number') {
    if (Number.isInteger(v) && v >= -(2 ** 63) && v < 2 ** 63) {
      w.byte(tag(3, 0));
      w.varint(v);
    } else {
      w.byte(tag(4, 1));
      w.double(v);
    }
  } else {
    // Arrays: the mapping makes none; encoded as the SDK does (ArrayValue of AnyValue).
    w.byte(tag(5, LEN));
    const arr = w.begin();
    for (const item of v) {
      w.byte(tag(1, LEN));
      const m = w.begin();
      if (item !== null && item !== undefined) writeAnyValue(w, item);
      w.end(m);
    }
    w.end(arr);
  }
}

/**
 * What the SDK keeps (Span#setAttribute, sanitizeAttributes): a non-empty key, and a primitive or
 * a homogeneous array of one; anything else is left out without being counted.
 */
function validAttribute(key: string, value: AttributeValue | undefined): value is AttributeValue {
  if (value === undefined || value === null || key.length === 0) return false;
  return typeof value !== 'object' || isAttributeValue(value);
}

/** The SDK's _truncateToSize: strings (and strings in arrays) cut to the limit. */
function truncate(v: AttributeValue, limit: number): AttributeValue {
  if (limit <= 0) return v;
  if (typeof v === 'string') return v.length <= limit ? v : v.substring(0, limit);
  if (Array.isArray(v)) return v.map((x: unknown) => (typeof x === 'string' && x.length > limit ? x.substring(0, limit) : x)) as AttributeValue;
  return v;
}

/**
 * The attributes a span or event keeps, in order, each truncated: `keep` gets them; returns how
 * many the count limit dropped. Both encodings go through here, so the SDK's rules are in one place.
 */
function limitAttributes(attrs: Attributes, countLimit: number, valueLength: number, keep: (key: string, value: AttributeValue) => void): number {
  let kept = 0;
  let dropped = 0;
  for (const key in attrs) {
    const value = attrs[key];
    if (!validAttribute(key, value)) continue;
    if (kept >= countLimit) {
      dropped++;
      continue;
    }
    kept++;
    keep(key, truncate(value, valueLength));
  }
  return dropped;
}

/** Writes `attrs` as repeated KeyValue field `field`; returns how many the count limit dropped. */
function writeAttributes(w: ProtoWriter, field: number, attrs: Attributes, countLimit: number, valueLength: number): number {
  return limitAttributes(attrs, countLimit, valueLength, (key, value) => {
    w.byte(tag(field, LEN));
    const kv = w.begin(64);
    w.raw(encodedKey(key));
    w.byte(tag(2, LEN));
    const any = w.begin();
    writeAnyValue(w, value);
    w.end(any);
    w.end(kv);
  });
}

const SPAN_KIND_CLIENT = 3; // SpanKind.CLIENT (2) + 1: the proto's enum has UNSPECIFIED at 0
const STATUS_ERROR = 2;
const FLAGS = 0x101; // W3C sampled | SPAN_FLAGS_CONTEXT_HAS_IS_REMOTE_MASK (a root span, not remote)

/** Appends one span as a ScopeSpans.spans entry (field 2, tag included). */
export function writeSpan(w: ProtoWriter, plan: SpanPlan, limits: SpanLimits): void {
  w.byte(tag(2, LEN));
  const span = w.begin(512);
  w.byte(tag(1, LEN));
  w.bytes(randomId(16));
  w.byte(tag(2, LEN));
  w.bytes(randomId(8));
  w.byte(tag(5, LEN));
  w.string(plan.name);
  w.byte(tag(6, 0));
  w.byte(SPAN_KIND_CLIENT);
  const endMs = plan.endMs < plan.startMs ? plan.startMs : plan.endMs;
  w.byte(tag(7, 1));
  w.fixed64Ms(plan.startMs);
  w.byte(tag(8, 1));
  w.fixed64Ms(endMs);
  const droppedAttributes = writeAttributes(w, 9, plan.attributes, limits.attributeCount, limits.valueLength);
  if (droppedAttributes > 0) {
    w.byte(tag(10, 0));
    w.varint(droppedAttributes);
  }
  const first = Math.max(0, plan.events.length - limits.eventCount);
  for (let i = first; i < plan.events.length; i++) {
    const e = plan.events[i]!;
    w.byte(tag(11, LEN));
    const ev = w.begin(128);
    w.byte(tag(1, 1));
    w.fixed64Ms(e.timeMs);
    w.byte(tag(2, LEN));
    w.string(e.name);
    const droppedEventAttributes = writeAttributes(w, 3, e.attributes, limits.attributesPerEvent, limits.valueLength);
    if (droppedEventAttributes > 0) {
      w.byte(tag(4, 0));
      w.varint(droppedEventAttributes);
    }
    w.end(ev);
  }
  if (first > 0) {
    w.byte(tag(12, 0));
    w.varint(first);
  }
  w.byte(tag(15, LEN)); // status, UNSET (0) unless the call failed: written either way, as the SDK does
  const st = w.begin();
  if (plan.errorMessage) {
    w.byte(tag(2, LEN));
    w.string(plan.errorMessage);
  }
  w.byte(tag(3, 0));
  w.byte(plan.errorMessage === null ? 0 : STATUS_ERROR);
  w.end(st);
  w.byte(0x85); // tag(16, 5) as a varint: two bytes
  w.byte(0x01);
  w.fixed32(FLAGS);
  w.end(span);
}

/**
 * The bytes of an ExportTraceServiceRequest around a batch's spans: ResourceSpans { resource,
 * ScopeSpans { scope, spans… } }, the spans (already ScopeSpans entries) to follow them. The
 * resource and scope are the pipeline's own, so they are encoded once, here; a batch adds the lengths.
 */
export function requestPrefixer(header: ExportHeader): (spansLength: number) => Uint8Array {
  const scope = new ProtoWriter(128); // ScopeSpans.scope
  scope.byte(tag(1, LEN));
  const s = scope.begin();
  scope.byte(tag(1, LEN));
  scope.string(header.scope.name);
  if (header.scope.version) {
    scope.byte(tag(2, LEN));
    scope.string(header.scope.version);
  }
  scope.end(s);
  const resource = new ProtoWriter(256); // ResourceSpans.resource
  resource.byte(tag(1, LEN));
  const r = resource.begin();
  writeAttributes(resource, 1, header.resource, Infinity, 0);
  resource.end(r);
  const scopeBytes = scope.written();
  const resourceBytes = resource.written();

  return (spansLength) => {
    const scopeSpansLength = scopeBytes.length + spansLength;
    const resourceSpansLength = resourceBytes.length + 1 + varintSize(scopeSpansLength) + scopeSpansLength;
    const w = new ProtoWriter(resourceBytes.length + scopeBytes.length + 16);
    w.byte(tag(1, LEN)); // ExportTraceServiceRequest.resource_spans
    w.varint(resourceSpansLength);
    w.raw(resourceBytes);
    w.byte(tag(2, LEN)); // ResourceSpans.scope_spans
    w.varint(scopeSpansLength);
    w.raw(scopeBytes);
    return w.written();
  };
}

// ---- OTLP/JSON ----------------------------------------------------------------------------------

/** One span as the SDK's JSON serializer writes it (hex ids, nanoseconds as decimal strings). */
export interface JsonSpan {
  traceId: string;
  spanId: string;
  name: string;
  kind: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes: JsonKeyValue[];
  droppedAttributesCount: number;
  events: { attributes: JsonKeyValue[]; name: string; timeUnixNano: string; droppedAttributesCount: number }[];
  droppedEventsCount: number;
  status: { code: number; message?: string };
  links: never[];
  droppedLinksCount: number;
  flags: number;
}
interface JsonKeyValue {
  key: string;
  value: Record<string, unknown>;
}

function jsonAnyValue(v: AttributeValue): Record<string, unknown> {
  if (typeof v === 'string') return { stringValue: v };
  if (typeof v === 'number') return Number.isInteger(v) ? { intValue: v } : { doubleValue: v };
  if (typeof v === 'boolean') return { boolValue: v };
  return { arrayValue: { values: v.map((x) => (x === null || x === undefined ? {} : jsonAnyValue(x as AttributeValue))) } };
}

function jsonAttributes(attrs: Attributes, countLimit: number, valueLength: number): { list: JsonKeyValue[]; dropped: number } {
  const list: JsonKeyValue[] = [];
  const dropped = limitAttributes(attrs, countLimit, valueLength, (key, value) => list.push({ key, value: jsonAnyValue(value) }));
  return { list, dropped };
}

/** One span for an OTLP/JSON request. */
export function jsonSpan(plan: SpanPlan, limits: SpanLimits): JsonSpan {
  const attrs = jsonAttributes(plan.attributes, limits.attributeCount, limits.valueLength);
  const first = Math.max(0, plan.events.length - limits.eventCount);
  const status: JsonSpan['status'] = { code: plan.errorMessage === null ? 0 : STATUS_ERROR };
  if (plan.errorMessage !== null) status.message = plan.errorMessage;
  return {
    traceId: randomId(16).toString('hex'),
    spanId: randomId(8).toString('hex'),
    name: plan.name,
    kind: SPAN_KIND_CLIENT,
    startTimeUnixNano: nanos(plan.startMs).toString(),
    endTimeUnixNano: nanos(plan.endMs < plan.startMs ? plan.startMs : plan.endMs).toString(),
    attributes: attrs.list,
    droppedAttributesCount: attrs.dropped,
    events: plan.events.slice(first).map((e) => {
      const a = jsonAttributes(e.attributes, limits.attributesPerEvent, limits.valueLength);
      return { attributes: a.list, name: e.name, timeUnixNano: nanos(e.timeMs).toString(), droppedAttributesCount: a.dropped };
    }),
    droppedEventsCount: first,
    status,
    links: [],
    droppedLinksCount: 0,
    flags: FLAGS,
  };
}

/** An OTLP/JSON ExportTraceServiceRequest for a batch of spans. */
export function jsonRequest(header: ExportHeader, spans: JsonSpan[]): Uint8Array {
  const request = {
    resourceSpans: [
      {
        resource: { attributes: jsonAttributes(header.resource, Infinity, 0).list, droppedAttributesCount: 0 },
        scopeSpans: [{ scope: { name: header.scope.name, version: header.scope.version }, spans }],
      },
    ],
  };
  return Buffer.from(JSON.stringify(request), 'utf8');
}
