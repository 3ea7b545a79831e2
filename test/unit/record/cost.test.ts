/**
 * Cost (SPEC §11) matches the price package's own computation: each case takes a provider's real
 * usage object, runs it through our codec (the token row we store) and compares our cost with what
 * `@pydantic/genai-prices` computes from the same usage object with its own extractor.
 */
import { describe, expect, it } from 'vitest';
import { calcPrice, extractUsage, findProvider } from '@pydantic/genai-prices';
import { recordCost, sumsCost, withCost } from '../../../src/record/cost.js';
import { bedrockBaseModel, createPriceTable, parsePriceOverrides } from '../../../src/record/prices.js';
import { tokenSums } from '../../../src/record/usage.js';
import type { ApiCodec } from '../../../src/gateway/providers/codec.js';
import { messagesCodec } from '../../../src/gateway/providers/anthropic/codec.js';
import { chatCompletionsCodec } from '../../../src/gateway/providers/openai/chat-codec.js';
import { responsesCodec } from '../../../src/gateway/providers/openai/responses-codec.js';
import type { Interception, ProviderKind } from '../../../src/record/types.js';
import { makeRecord } from '../../helpers/make-record.js';

const table = await createPriceTable();
const AT = '2026-11-26T10:00:00.000Z';

/** A record whose token rows are what our codec makes of a blocking `body`. */
function recordOf(codec: ApiCodec, body: unknown, provider: ProviderKind, model: string, startedAt = AT): Interception {
  const outcome = codec.parseBlocking(body);
  const rec = makeRecord(1, Date.parse(startedAt), { provider, provider_name: provider, model });
  rec.token_usages = outcome.responses.flatMap((r, i) =>
    r.usage ? [{ ...rec.token_usages[0]!, id: `u${i}`, ...r.usage }] : [],
  );
  return rec;
}

/** The package's price of a response body, with its own usage extractor. */
function packagePrice(providerId: string, body: unknown, model: string, flavor?: string, at = AT): number {
  const provider = findProvider({ providerId })!;
  const { usage } = extractUsage(provider, body, flavor);
  return calcPrice(usage, model, { providerId, timestamp: new Date(at) })!.total_price;
}

const anthropicBody = (usage: object, model = 'claude-sonnet-4-5-20250929') => ({
  id: 'msg_1', type: 'message', role: 'assistant', model, content: [{ type: 'text', text: 'hi' }], stop_reason: 'end_turn', usage,
});

describe('cost matches @pydantic/genai-prices', () => {
  it('Anthropic with 5-minute and 1-hour cache writes and cache reads', () => {
    const usage = {
      input_tokens: 1200, output_tokens: 800, cache_read_input_tokens: 30_000, cache_creation_input_tokens: 9000,
      cache_creation: { ephemeral_5m_input_tokens: 4000, ephemeral_1h_input_tokens: 5000 },
    };
    const body = anthropicBody(usage);
    const rec = recordOf(messagesCodec, body, 'anthropic', 'claude-sonnet-4-5-20250929');
    expect(rec.token_usages[0]!.metadata['cache_write_1h_input_tokens']).toBe(5000);
    const cost = recordCost(rec, table);
    const expected = packagePrice('anthropic', body, 'claude-sonnet-4-5-20250929');
    expect(cost.usd).toBeCloseTo(expected, 12);
    expect(cost).toMatchObject({ priced_model: 'claude-sonnet-4-5', source: 'catalog' });
    // By hand: 1200×3 + 800×15 + 30000×0.3 + 4000×3.75 + 5000×6, per million.
    expect(cost.usd).toBeCloseTo((1200 * 3 + 800 * 15 + 30_000 * 0.3 + 4000 * 3.75 + 5000 * 6) / 1e6, 12);
    // The 1-hour writes cost more than if they were 5-minute ones.
    const no1h = structuredClone(rec);
    no1h.token_usages[0]!.metadata = {};
    expect(recordCost(no1h, table).usd!).toBeLessThan(cost.usd!);
  });

  it('Anthropic above the 200k-token tier prices the whole row at the higher rate', () => {
    const body = anthropicBody({ input_tokens: 150_000, output_tokens: 2000, cache_read_input_tokens: 60_000, cache_creation_input_tokens: 0 });
    const rec = recordOf(messagesCodec, body, 'anthropic', 'claude-sonnet-4-5');
    const cost = recordCost(rec, table).usd!;
    expect(cost).toBeCloseTo(packagePrice('anthropic', body, 'claude-sonnet-4-5'), 12);
    expect(cost).toBeCloseTo((150_000 * 6 + 2000 * 22.5 + 60_000 * 0.6) / 1e6, 12);
    // From the index sums (one row): the same figure.
    const t = tokenSums(rec);
    const fromSums = sumsCost(table, { provider: 'anthropic', model: 'claude-sonnet-4-5', startedMs: Date.parse(AT), tokIn: t.input, tokOut: t.output, tokCacheRead: t.cacheRead, tokCacheWrite: t.cacheWrite, tokCacheWrite1h: t.cacheWrite1h });
    expect(fromSums).toBeCloseTo(cost, 12);
  });

  it('OpenAI Chat Completions with cached input and reasoning tokens', () => {
    const body = {
      id: 'chatcmpl-1', object: 'chat.completion', model: 'gpt-5', created: 1,
      choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 5000, completion_tokens: 3000, total_tokens: 8000, prompt_tokens_details: { cached_tokens: 4096 }, completion_tokens_details: { reasoning_tokens: 2500 } },
    };
    const rec = recordOf(chatCompletionsCodec, body, 'openai', 'gpt-5');
    expect(rec.token_usages[0]).toMatchObject({ input_tokens: 904, cache_read_input_tokens: 4096, output_tokens: 3000, metadata: { reasoning_tokens: 2500 } });
    const cost = recordCost(rec, table);
    expect(cost.usd).toBeCloseTo(packagePrice('openai', body, 'gpt-5', 'chat'), 12);
    // Reasoning is inside output_tokens: priced once, as output.
    expect(cost.usd).toBeCloseTo((904 * 1.25 + 4096 * 0.125 + 3000 * 10) / 1e6, 12);
  });

  it('OpenAI Responses with cached input and reasoning tokens', () => {
    const body = {
      id: 'resp_1', object: 'response', model: 'gpt-4.1-mini', status: 'completed', output: [],
      usage: { input_tokens: 7000, output_tokens: 900, total_tokens: 7900, input_tokens_details: { cached_tokens: 2048 }, output_tokens_details: { reasoning_tokens: 300 } },
    };
    const rec = recordOf(responsesCodec, body, 'openai', 'gpt-4.1-mini');
    expect(rec.token_usages).toHaveLength(1);
    expect(recordCost(rec, table).usd).toBeCloseTo(packagePrice('openai', body, 'gpt-4.1-mini', 'responses'), 12);
  });

  it('Bedrock model ids price as their Anthropic model', () => {
    for (const id of [
      'anthropic.claude-sonnet-4-5-20250929-v1:0',
      'us.anthropic.claude-sonnet-4-5-20250929-v1:0',
      'global.anthropic.claude-sonnet-4-5-20250929-v1:0',
      'arn:aws:bedrock:us-east-1:123456789012:inference-profile/eu.anthropic.claude-sonnet-4-5-20250929-v1:0',
    ]) {
      expect(bedrockBaseModel(id)).toBe('claude-sonnet-4-5-20250929');
      const usage = { input_tokens: 1000, output_tokens: 500, cache_read_input_tokens: 200, cache_creation_input_tokens: 300, cache_creation: { ephemeral_1h_input_tokens: 100 } };
      const body = anthropicBody(usage, id);
      const rec = recordOf(messagesCodec, body, 'bedrock', id);
      const cost = recordCost(rec, table);
      expect(cost).toMatchObject({ priced_model: 'claude-sonnet-4-5', source: 'catalog' });
      expect(cost.usd).toBeCloseTo(packagePrice('anthropic', body, 'claude-sonnet-4-5-20250929'), 12);
    }
  });

  it('catalog prices follow the record\'s date (o3 was cut on 2025-06-10)', () => {
    const body = { id: 'c', object: 'chat.completion', model: 'o3', choices: [], usage: { prompt_tokens: 1_000_000, completion_tokens: 0 } };
    const before = recordOf(chatCompletionsCodec, body, 'openai', 'o3', '2025-06-01T00:00:00.000Z');
    const after = recordOf(chatCompletionsCodec, body, 'openai', 'o3', '2025-07-01T00:00:00.000Z');
    expect(recordCost(before, table).usd).toBeCloseTo(packagePrice('openai', body, 'o3', 'chat', '2025-06-01T00:00:00.000Z'), 12);
    expect(recordCost(after, table).usd).toBeCloseTo(2, 12);
    expect(recordCost(before, table).usd).toBeCloseTo(10, 12);
  });
});

describe('no price, overrides', () => {
  it('an unknown model has usd null, never 0', () => {
    const rec = makeRecord(1, Date.parse(AT), { provider: 'openai', model: 'my-local-llama' });
    expect(recordCost(rec, table)).toEqual({ usd: null, priced_model: 'my-local-llama', source: 'catalog' });
    expect(withCost(rec, table).cost.usd).toBeNull();
  });

  it('a record without token rows costs 0 when the model has a price', () => {
    expect(recordCost(makeRecord(1, Date.parse(AT), { token_usages: [] }), table).usd).toBe(0);
  });

  it('an override re-prices an old record; one for the catalog id covers its dated aliases; missing classes keep the catalog rate', async () => {
    const t = await createPriceTable();
    const rec = makeRecord(1, Date.parse('2026-01-02T00:00:00Z'), { model: 'claude-sonnet-4-5-20250929' });
    rec.token_usages[0] = { ...rec.token_usages[0]!, input_tokens: 100_000, output_tokens: 100_000, cache_read_input_tokens: 50_000, cache_write_input_tokens: 0 };
    expect(recordCost(rec, t).usd).toBeCloseTo(0.3 + 1.5 + 0.015, 12);
    t.setOverrides({ 'claude-sonnet-4-5': { input: 1, output: 2 } });
    expect(recordCost(rec, t)).toEqual({ usd: expect.closeTo(0.1 + 0.2 + 0.015, 12) as number, priced_model: 'claude-sonnet-4-5', source: 'override' });
    t.setOverrides({ 'CLAUDE-SONNET-4-5-20250929': { input: 0, output: 0, cache_read: 0 } });
    expect(recordCost(rec, t).usd).toBe(0);
    t.setOverrides({});
    expect(recordCost(rec, t).usd).toBeCloseTo(1.815, 12);
  });

  it('a record is priced once per price version: the same record object gets the kept cost, a changed copy its own', async () => {
    const t = await createPriceTable();
    const rec = makeRecord(1, Date.parse(AT), { model: 'claude-sonnet-4-5-20250929' });
    const first = recordCost(rec, t);
    expect(recordCost(rec, t)).toBe(first);
    // Records are replaced, never changed: a copy with more tokens is a new key.
    const more = { ...rec, token_usages: rec.token_usages.map((u) => ({ ...u, output_tokens: u.output_tokens + 1_000_000 })) };
    expect(recordCost(more, t).usd).toBeCloseTo(first.usd! + 15, 9);
    // A lookup without a memo prices every time, to the same figure.
    const bare = { lookup: t.lookup };
    expect(recordCost(rec, bare)).not.toBe(first);
    expect(recordCost(rec, bare)).toEqual(first);
    t.setOverrides({ 'claude-sonnet-4-5': { input: 0, output: 0, cache_read: 0, cache_write: 0 } });
    expect(recordCost(rec, t)).toEqual({ usd: 0, priced_model: 'claude-sonnet-4-5', source: 'override' });
  });

  it('an override prices a model the catalog does not know; cache classes without a rate count as input', async () => {
    const t = await createPriceTable({ 'my-local-llama': { input: 0.5, output: 1 } });
    const rec = makeRecord(1, Date.parse(AT), { provider: 'openai', model: 'my-local-llama' });
    rec.token_usages[0] = { ...rec.token_usages[0]!, input_tokens: 1_000_000, output_tokens: 1_000_000, cache_read_input_tokens: 1_000_000, cache_write_input_tokens: 0 };
    expect(recordCost(rec, t)).toEqual({ usd: expect.closeTo(0.5 * 2 + 1, 12) as number, priced_model: 'my-local-llama', source: 'override' });
  });

  it('overrides are checked: a mapping of known classes with numbers of 0 or more', () => {
    expect(parsePriceOverrides({ m: { input: 3, output: '15' } }, 'x')).toEqual({ m: { input: 3, output: 15 } });
    expect(() => parsePriceOverrides({ m: { input: -1 } }, 'x')).toThrow(/price "input" for "m" must be a number/);
    expect(() => parsePriceOverrides({ m: { inptu: 1 } }, 'x')).toThrow(/unknown price "inptu" for "m"/);
    expect(() => parsePriceOverrides({ m: 3 }, 'x')).toThrow(/prices for "m" must be a mapping/);
    expect(() => parsePriceOverrides([1], 'x')).toThrow(/prices must be a mapping/);
    expect(() => parsePriceOverrides({ m: {} }, 'x')).toThrow(/name no price/);
  });
});
