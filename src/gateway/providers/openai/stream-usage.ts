/**
 * `inject_stream_usage` (SPEC §10 2026-12-04): a Chat Completions stream reports token usage only
 * when the request says `stream_options.include_usage: true`; without it the record would have no
 * token row. Like Coder AI Bridge, the gateway asks for it when the client did not. OpenAI then ends
 * the stream with one more chunk, `choices: []` and `usage`, which the official SDKs and
 * Cursor-style clients read like any other chunk: this is the one place where the bytes a client
 * receives differ from a call made without the gateway (docs/recording.md).
 */

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * The body to send upstream so the stream carries usage, or undefined when the client's bytes go as
 * they are (not a stream, or usage already asked for). When the client sent no `stream_options`,
 * the field is spliced in after the opening brace so every other byte stays the client's; when it
 * sent `stream_options` without `include_usage: true`, the body is re-serialized with
 * `include_usage: true` and its other options kept.
 */
export function withStreamUsage(raw: Buffer, json: Record<string, unknown>): Buffer | undefined {
  if (json['stream'] !== true) return undefined;
  const opts = json['stream_options'];
  if (isRecord(opts) && opts['include_usage'] === true) return undefined;
  if (opts === undefined) {
    // Spliced as bytes: the body is copied once, not decoded and re-encoded (issue #13).
    const brace = raw.indexOf(0x7b);
    if (brace >= 0) return Buffer.concat([raw.subarray(0, brace + 1), STREAM_OPTIONS, raw.subarray(brace + 1)]);
  }
  // Re-serialized from the bytes, not from `json`: a large body's tree may hold placeholders for
  // its long strings (src/gateway/http/large-body.ts).
  const whole = JSON.parse(new TextDecoder().decode(raw)) as Record<string, unknown>;
  return Buffer.from(JSON.stringify({ ...whole, stream_options: { ...(isRecord(opts) ? opts : {}), include_usage: true } }), 'utf8');
}

const STREAM_OPTIONS = Buffer.from('"stream_options":{"include_usage":true},');
