/** Reducers and blocking parsers never throw, whatever arrives (types.ts: "neither may throw"). */
import { describe, expect, it } from 'vitest';
import { messagesCodec } from '../../../../src/gateway/providers/anthropic/codec.js';
import { chatCompletionsCodec } from '../../../../src/gateway/providers/openai/chat-codec.js';
import { responsesCodec } from '../../../../src/gateway/providers/openai/responses-codec.js';
import type { ApiCodec, SseEvent } from '../../../../src/gateway/providers/codec.js';
import { prng, runStream } from '../../../helpers/codec-harness.js';

const CODECS: ApiCodec[] = [messagesCodec, chatCompletionsCodec, responsesCodec];

/** Event types every codec knows, to aim garbage payloads at real code paths. */
const TYPES = [
  'message_start',
  'content_block_start',
  'content_block_delta',
  'content_block_stop',
  'message_delta',
  'message_stop',
  'error',
  'ping',
  'response.created',
  'response.output_item.added',
  'response.output_item.done',
  'response.function_call_arguments.delta',
  'response.function_call_arguments.done',
  'response.custom_tool_call_input.delta',
  'response.reasoning_summary_text.delta',
  'response.reasoning_summary_text.done',
  'response.reasoning_summary_part.done',
  'response.completed',
  'response.failed',
  undefined,
];

/** Values of every JSON type, including ones with the wrong shape for each field. */
const ODD: unknown[] = [null, 0, -1, 1.5, 'x', '', true, [], [null], {}, { type: 1 }, { index: 'a' }, [{ index: {} }], { text: [] }];

function garbageEvents(seed: number, count: number): SseEvent[] {
  const next = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)] as T;
  const events: SseEvent[] = [];
  for (let i = 0; i < count; i++) {
    const type = pick(TYPES);
    const fields = ['index', 'output_index', 'summary_index', 'item_id', 'delta', 'content_block', 'message', 'usage', 'response', 'item', 'choices', 'error', 'text', 'arguments', 'part'];
    const obj: Record<string, unknown> = { type: next() < 0.9 ? type : pick(ODD) };
    for (const f of fields) if (next() < 0.4) obj[f] = pick(ODD);
    if (next() < 0.3) obj.choices = [{ index: pick(ODD), delta: { tool_calls: [pick(ODD), { index: pick(ODD), function: pick(ODD) }], function_call: pick(ODD) } }];
    if (next() < 0.3) obj.response = { id: pick(ODD), output: [pick(ODD), { type: 'function_call', arguments: pick(ODD) }, { type: 'reasoning', summary: pick(ODD) }], usage: pick(ODD), error: pick(ODD) };
    const r = next();
    const data = r < 0.1 ? '[DONE]' : r < 0.2 ? '{"truncated": ' : r < 0.25 ? String(pick(ODD)) : JSON.stringify(obj);
    events.push({ event: typeof type === 'string' && next() < 0.8 ? type : undefined, data, id: undefined });
  }
  return events;
}

describe('robustness', () => {
  for (const codec of CODECS) {
    it(`${codec.api}: garbage events never throw and finish() still answers`, () => {
      for (let seed = 1; seed <= 30; seed++) {
        const reducer = codec.createStreamReducer();
        for (const ev of garbageEvents(seed, 300)) expect(() => reducer.event(ev)).not.toThrow();
        const out = reducer.finish();
        expect(Array.isArray(out.responses)).toBe(true);
        expect(out.error === null || typeof out.error === 'string').toBe(true);
        expect(() => JSON.stringify(out)).not.toThrow();
      }
    });

    it(`${codec.api}: random bytes through the parser never throw`, () => {
      const next = prng(7);
      const bytes = Buffer.from(Array.from({ length: 20_000 }, () => (next() < 0.1 ? 10 : Math.floor(next() * 256))));
      expect(() => runStream(codec, [bytes])).not.toThrow();
    });

    it(`${codec.api}: parseBlocking and requestFacts never throw on odd bodies`, () => {
      const cyclic: Record<string, unknown> = { type: 'message', object: 'response', choices: [] };
      cyclic.self = cyclic;
      for (const body of [...ODD, cyclic, { content: ODD, output: ODD, choices: ODD, usage: ODD, messages: ODD, input: ODD }]) {
        expect(() => codec.parseBlocking(body)).not.toThrow();
        expect(() => codec.requestFacts(body)).not.toThrow();
      }
    });
  }
});
