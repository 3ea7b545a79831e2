/**
 * Scripted upstream answers for the real-client run (test/clients/run.ts): tiny builders for
 * Anthropic Messages and OpenAI Responses streams shaped like the real APIs' (every event a real
 * client waits for: `content_block_stop`, `response.output_item.done`, `response.completed`, …),
 * and the mock-upstream `handler` replies that decide, per request, whether the model "calls a
 * tool" or answers with text. Each scripted answer carries its own distinctive token numbers so the
 * run can check the records hold exactly those.
 */
import type { ServerResponse } from 'node:http';
import type { MockReply } from '../helpers/mock-upstream.js';

/** Marker in a prompt that makes the scripted model call a tool first. */
export const TOOL_MARKER = 'BRIDGE-TOOL-ROUND-TRIP';
/** What the scripted tool call runs; its output is looked for in the follow-up request. */
export const TOOL_ECHO = 'bridge-tool-ok';

export interface Usage {
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
  reasoning?: number;
}

/** A scripted answer: text, or one tool call (optionally after a reasoning summary). */
export type Script =
  | { kind: 'text'; id: string; text: string; usage: Usage }
  | { kind: 'tool'; id: string; callId: string; name: string; input: Record<string, unknown>; thought?: string; usage: Usage };

/** Splits a string into pieces of at most `n` characters (arguments arrive in many deltas). */
function pieces(s: string, n: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < s.length; i += n) out.push(s.slice(i, i + n));
  return out.length ? out : [''];
}

function sse(events: Array<[string, Record<string, unknown>]>): string {
  return events.map(([name, data]) => `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`).join('');
}

/** An Anthropic Messages stream for the script. */
export function anthropicStream(s: Script, model: string): string {
  const u = s.usage;
  const ev: Array<[string, Record<string, unknown>]> = [
    [
      'message_start',
      {
        type: 'message_start',
        message: {
          id: s.id, type: 'message', role: 'assistant', model, content: [], stop_reason: null, stop_sequence: null,
          usage: { input_tokens: u.input, cache_creation_input_tokens: u.cacheWrite, cache_read_input_tokens: u.cacheRead, output_tokens: 1, service_tier: 'standard' },
        },
      },
    ],
    ['ping', { type: 'ping' }],
  ];
  let index = 0;
  if (s.kind === 'tool' && s.thought) {
    ev.push(['content_block_start', { type: 'content_block_start', index, content_block: { type: 'thinking', thinking: '', signature: '' } }]);
    for (const p of pieces(s.thought, 9)) ev.push(['content_block_delta', { type: 'content_block_delta', index, delta: { type: 'thinking_delta', thinking: p } }]);
    ev.push(['content_block_delta', { type: 'content_block_delta', index, delta: { type: 'signature_delta', signature: 'c2lnbmF0dXJl' } }]);
    ev.push(['content_block_stop', { type: 'content_block_stop', index }]);
    index++;
  }
  if (s.kind === 'text') {
    ev.push(['content_block_start', { type: 'content_block_start', index, content_block: { type: 'text', text: '' } }]);
    for (const p of pieces(s.text, 6)) ev.push(['content_block_delta', { type: 'content_block_delta', index, delta: { type: 'text_delta', text: p } }]);
  } else {
    ev.push(['content_block_start', { type: 'content_block_start', index, content_block: { type: 'tool_use', id: s.callId, name: s.name, input: {} } }]);
    for (const p of pieces(JSON.stringify(s.input), 5)) ev.push(['content_block_delta', { type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: p } }]);
  }
  ev.push(['content_block_stop', { type: 'content_block_stop', index }]);
  ev.push(['message_delta', { type: 'message_delta', delta: { stop_reason: s.kind === 'tool' ? 'tool_use' : 'end_turn', stop_sequence: null }, usage: { output_tokens: u.output } }]);
  ev.push(['message_stop', { type: 'message_stop' }]);
  return sse(ev);
}

/** The blocking Anthropic Messages body for the script. */
export function anthropicJson(s: Script, model: string): Record<string, unknown> {
  const u = s.usage;
  const content =
    s.kind === 'text'
      ? [{ type: 'text', text: s.text }]
      : [...(s.thought ? [{ type: 'thinking', thinking: s.thought, signature: 'c2lnbmF0dXJl' }] : []), { type: 'tool_use', id: s.callId, name: s.name, input: s.input }];
  return {
    id: s.id, type: 'message', role: 'assistant', model, content, stop_reason: s.kind === 'tool' ? 'tool_use' : 'end_turn', stop_sequence: null,
    usage: { input_tokens: u.input, cache_creation_input_tokens: u.cacheWrite, cache_read_input_tokens: u.cacheRead, output_tokens: u.output },
  };
}

/** An OpenAI Responses stream for the script (what Codex needs to see, SPEC-side CLIENTS.md). */
export function responsesStream(s: Script, model: string): string {
  const u = s.usage;
  let seq = 0;
  const base = { id: s.id, object: 'response', created_at: 1764150000, model, parallel_tool_calls: true, store: false, error: null, incomplete_details: null };
  const ev: Array<[string, Record<string, unknown>]> = [
    ['response.created', { type: 'response.created', response: { ...base, status: 'in_progress', output: [] }, sequence_number: seq++ }],
    ['response.in_progress', { type: 'response.in_progress', response: { ...base, status: 'in_progress', output: [] }, sequence_number: seq++ }],
  ];
  const output: Record<string, unknown>[] = [];
  let oi = 0;
  if (s.kind === 'tool' && s.thought) {
    const rid = `rs_${s.id}`;
    ev.push(['response.output_item.added', { type: 'response.output_item.added', output_index: oi, item: { id: rid, type: 'reasoning', summary: [] }, sequence_number: seq++ }]);
    ev.push(['response.reasoning_summary_part.added', { type: 'response.reasoning_summary_part.added', item_id: rid, output_index: oi, summary_index: 0, part: { type: 'summary_text', text: '' }, sequence_number: seq++ }]);
    for (const p of pieces(s.thought, 9)) {
      ev.push(['response.reasoning_summary_text.delta', { type: 'response.reasoning_summary_text.delta', item_id: rid, output_index: oi, summary_index: 0, delta: p, sequence_number: seq++ }]);
    }
    ev.push(['response.reasoning_summary_text.done', { type: 'response.reasoning_summary_text.done', item_id: rid, output_index: oi, summary_index: 0, text: s.thought, sequence_number: seq++ }]);
    ev.push(['response.reasoning_summary_part.done', { type: 'response.reasoning_summary_part.done', item_id: rid, output_index: oi, summary_index: 0, part: { type: 'summary_text', text: s.thought }, sequence_number: seq++ }]);
    const item = { id: rid, type: 'reasoning', summary: [{ type: 'summary_text', text: s.thought }] };
    ev.push(['response.output_item.done', { type: 'response.output_item.done', output_index: oi, item, sequence_number: seq++ }]);
    output.push(item);
    oi++;
  }
  if (s.kind === 'text') {
    const mid = `msg_${s.id}`;
    ev.push(['response.output_item.added', { type: 'response.output_item.added', output_index: oi, item: { id: mid, type: 'message', status: 'in_progress', content: [], role: 'assistant' }, sequence_number: seq++ }]);
    ev.push(['response.content_part.added', { type: 'response.content_part.added', item_id: mid, output_index: oi, content_index: 0, part: { type: 'output_text', annotations: [], text: '' }, sequence_number: seq++ }]);
    for (const p of pieces(s.text, 6)) {
      ev.push(['response.output_text.delta', { type: 'response.output_text.delta', item_id: mid, output_index: oi, content_index: 0, delta: p, sequence_number: seq++ }]);
    }
    ev.push(['response.output_text.done', { type: 'response.output_text.done', item_id: mid, output_index: oi, content_index: 0, text: s.text, sequence_number: seq++ }]);
    const part = { type: 'output_text', annotations: [], text: s.text };
    ev.push(['response.content_part.done', { type: 'response.content_part.done', item_id: mid, output_index: oi, content_index: 0, part, sequence_number: seq++ }]);
    const item = { id: mid, type: 'message', status: 'completed', content: [part], role: 'assistant' };
    ev.push(['response.output_item.done', { type: 'response.output_item.done', output_index: oi, item, sequence_number: seq++ }]);
    output.push(item);
  } else {
    const fid = `fc_${s.id}`;
    const args = JSON.stringify(s.input);
    ev.push(['response.output_item.added', { type: 'response.output_item.added', output_index: oi, item: { id: fid, type: 'function_call', status: 'in_progress', arguments: '', call_id: s.callId, name: s.name }, sequence_number: seq++ }]);
    for (const p of pieces(args, 5)) {
      ev.push(['response.function_call_arguments.delta', { type: 'response.function_call_arguments.delta', item_id: fid, output_index: oi, delta: p, sequence_number: seq++ }]);
    }
    ev.push(['response.function_call_arguments.done', { type: 'response.function_call_arguments.done', item_id: fid, output_index: oi, arguments: args, sequence_number: seq++ }]);
    const item = { id: fid, type: 'function_call', status: 'completed', arguments: args, call_id: s.callId, name: s.name };
    ev.push(['response.output_item.done', { type: 'response.output_item.done', output_index: oi, item, sequence_number: seq++ }]);
    output.push(item);
  }
  const usage = {
    input_tokens: u.input + u.cacheRead,
    input_tokens_details: { cached_tokens: u.cacheRead },
    output_tokens: u.output,
    output_tokens_details: { reasoning_tokens: u.reasoning ?? 0 },
    total_tokens: u.input + u.cacheRead + u.output,
  };
  ev.push(['response.completed', { type: 'response.completed', response: { ...base, status: 'completed', output, usage }, sequence_number: seq++ }]);
  return sse(ev);
}

/**
 * An OpenAI Chat Completions stream for the script: the usage chunk (`choices: []`) only when the
 * request asked for it with `stream_options.include_usage`, as OpenAI does.
 */
export function chatStream(s: Script, model: string, withUsage: boolean): string {
  const u = s.usage;
  const chunk = (delta: Record<string, unknown>, finish: string | null) =>
    `data: ${JSON.stringify({ id: s.id, object: 'chat.completion.chunk', created: 1764150000, model, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }], ...(withUsage ? { usage: null } : {}) })}\n\n`;
  let out = chunk({ role: 'assistant', content: s.kind === 'text' ? '' : null }, null);
  if (s.kind === 'text') {
    for (const p of pieces(s.text, 6)) out += chunk({ content: p }, null);
    out += chunk({}, 'stop');
  } else {
    out += chunk({ tool_calls: [{ index: 0, id: s.callId, type: 'function', function: { name: s.name, arguments: '' } }] }, null);
    for (const p of pieces(JSON.stringify(s.input), 5)) out += chunk({ tool_calls: [{ index: 0, function: { arguments: p } }] }, null);
    out += chunk({}, 'tool_calls');
  }
  if (withUsage) {
    const usage = { prompt_tokens: u.input + u.cacheRead, completion_tokens: u.output, total_tokens: u.input + u.cacheRead + u.output, prompt_tokens_details: { cached_tokens: u.cacheRead } };
    out += `data: ${JSON.stringify({ id: s.id, object: 'chat.completion.chunk', created: 1764150000, model, choices: [], usage })}\n\n`;
  }
  return `${out}data: [DONE]\n\n`;
}

/** Writes a stream as a real upstream would: headers first, then one write per event. */
async function writeStream(res: ServerResponse, text: string, headers: Record<string, string>): Promise<void> {
  res.writeHead(200, headers);
  for (const chunk of text.split(/(?<=\n\n)/)) {
    if (res.destroyed) return;
    res.write(chunk);
    await new Promise((r) => setImmediate(r));
  }
  res.end();
}

/** Every scripted answer given, in order, with the request it answered (for the run's checks). */
export interface Served {
  api: 'messages' | 'responses' | 'chat';
  script: Script;
  /** The parsed request body (the same object as the mock's `RecordedRequest.json`). */
  request: unknown;
  /** Exactly what was answered: status, the headers set here, the body text. */
  reply: { status: number; headers: Record<string, string>; body: string };
}

/**
 * A sticky `handler` reply for a route: `decide(body)` picks the script for each request; the
 * handler streams or answers JSON as the request asked, and logs what it served in `served`.
 */
export function scriptedReply(api: 'messages' | 'responses' | 'chat', decide: (body: unknown) => Script, served: Served[]): MockReply {
  return {
    kind: 'handler',
    async handle(res, body) {
      const script = decide(body);
      const b = (typeof body === 'object' && body !== null ? body : {}) as { model?: unknown; stream?: unknown; stream_options?: { include_usage?: unknown } };
      const model = typeof b.model === 'string' ? b.model : 'mock-model';
      const idHeader = { [api === 'messages' ? 'request-id' : 'x-request-id']: `req_script_${served.length + 1}` };
      if (api === 'messages' && b.stream !== true) {
        const reply = { status: 200, headers: { 'content-type': 'application/json', ...idHeader }, body: JSON.stringify(anthropicJson(script, model)) };
        served.push({ api, script, request: body, reply });
        res.writeHead(reply.status, reply.headers);
        res.end(reply.body);
        return;
      }
      const reply = {
        status: 200,
        headers: { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', ...idHeader },
        body: api === 'messages' ? anthropicStream(script, model) : api === 'chat' ? chatStream(script, model, b.stream_options?.include_usage === true) : responsesStream(script, model),
      };
      served.push({ api, script, request: body, reply });
      await writeStream(res, reply.body, reply.headers);
    },
  };
}
