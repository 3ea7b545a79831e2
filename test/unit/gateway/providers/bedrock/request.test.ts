import { describe, expect, it } from 'vitest';
import {
  betaHeaderValues,
  filterBetas,
  mapModel,
  nativeModelId,
  parseNativePath,
  toBedrockBody,
} from '../../../../../src/gateway/providers/bedrock/request.js';
import { BEDROCK_MODEL_RULES, bedrockModelRule } from '../../../../../src/gateway/providers/bedrock/model-rules.js';

const cfg = { region: 'us-east-1', model: 'us.anthropic.claude-sonnet-4-5-20250929-v1:0', smallFastModel: 'us.anthropic.claude-haiku-4-5-20251001-v1:0' };

describe('model mapping', () => {
  it('sends haiku names to the small fast model and everything else to the model', () => {
    expect(mapModel('claude-3-5-haiku-20241022', cfg)).toBe(cfg.smallFastModel);
    expect(mapModel('claude-haiku-4-5', cfg)).toBe(cfg.smallFastModel);
    expect(mapModel('CLAUDE-HAIKU', cfg)).toBe(cfg.smallFastModel);
    expect(mapModel('claude-sonnet-4-20250514', cfg)).toBe(cfg.model);
    expect(mapModel('claude-opus-4-1', cfg)).toBe(cfg.model);
    expect(mapModel('', cfg)).toBe(cfg.model);
  });

  it('keeps Bedrock ids on native routes and maps only first-party names', () => {
    expect(nativeModelId('anthropic.claude-3-haiku-20240307-v1:0', cfg)).toBe('anthropic.claude-3-haiku-20240307-v1:0');
    expect(nativeModelId('us.anthropic.claude-sonnet-4-20250514-v1:0', cfg)).toBe('us.anthropic.claude-sonnet-4-20250514-v1:0');
    const arn = 'arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-3-5-haiku-20241022-v1:0';
    expect(nativeModelId(arn, cfg)).toBe(arn);
    expect(nativeModelId('claude-3-5-haiku-20241022', cfg)).toBe(cfg.smallFastModel);
    expect(nativeModelId('claude-sonnet-4-20250514', cfg)).toBe(cfg.model);
  });

  it('parses native paths, URL-decoding the model id', () => {
    expect(parseNativePath('/model/us.anthropic.claude-3-5-haiku-20241022-v1%3A0/invoke')).toEqual({
      modelId: 'us.anthropic.claude-3-5-haiku-20241022-v1:0',
      streaming: false,
    });
    expect(parseNativePath('/model/m/invoke-with-response-stream')).toEqual({ modelId: 'm', streaming: true });
    expect(parseNativePath('/model/m/converse')).toBeNull();
    expect(parseNativePath('/v1/messages')).toBeNull();
  });
});

describe('beta flags', () => {
  it('collects comma-separated and repeated header values', () => {
    expect(betaHeaderValues({ 'anthropic-beta': 'a, b,,c ' })).toEqual(['a', 'b', 'c']);
    expect(betaHeaderValues({})).toEqual([]);
  });

  it('keeps the flags Bedrock accepts, gated by model', () => {
    const claudeCode = ['claude-code-20250219', 'interleaved-thinking-2025-05-14', 'fine-grained-tool-streaming-2025-05-14', 'context-management-2025-06-27', 'prompt-caching-scope-2026-01-05', 'effort-2025-11-24', 'oauth-2025-04-20'];
    expect(filterBetas(claudeCode, 'us.anthropic.claude-sonnet-4-5-20250929-v1:0')).toEqual([
      'interleaved-thinking-2025-05-14',
      'fine-grained-tool-streaming-2025-05-14',
      'context-management-2025-06-27',
    ]);
    expect(filterBetas(claudeCode, 'anthropic.claude-sonnet-4-20250514-v1:0')).toEqual([
      'interleaved-thinking-2025-05-14',
      'fine-grained-tool-streaming-2025-05-14',
    ]);
    expect(filterBetas(claudeCode, 'global.anthropic.claude-opus-4-5-20251101-v1:0')).toEqual([
      'interleaved-thinking-2025-05-14',
      'fine-grained-tool-streaming-2025-05-14',
      'effort-2025-11-24',
    ]);
    expect(filterBetas(claudeCode, 'global.anthropic.claude-opus-4-6-v1')).toEqual(['interleaved-thinking-2025-05-14', 'fine-grained-tool-streaming-2025-05-14']);
    expect(filterBetas(['context-1m-2025-08-07', 'context-1m-2025-08-07'], 'x')).toEqual(['context-1m-2025-08-07']);
  });
});

describe('Anthropic body → Bedrock body', () => {
  const claudeCodeBody = {
    model: 'claude-sonnet-4-5-20250929',
    stream: true,
    max_tokens: 32000,
    metadata: { user_id: '{"device_id":"abc","session_id":"s"}' },
    system: [{ type: 'text', text: 'You are Claude Code.', cache_control: { type: 'ephemeral', scope: 'global' } }],
    messages: [
      { role: 'user', content: [{ type: 'text', text: 'hi', cache_control: { type: 'ephemeral', ttl: '1h' } }] },
    ],
    tools: [{ name: 'Bash', input_schema: { type: 'object' }, cache_control: { type: 'ephemeral' } }],
    thinking: { type: 'enabled', budget_tokens: 1024 },
    context_management: { edits: [{ type: 'clear_thinking_20251015', keep: 'all' }] },
    service_tier: 'auto',
    temperature: 1,
    some_future_field: { kept: true },
  };

  it('removes what Bedrock rejects, sets anthropic_version and moves betas into the body', () => {
    const headers = { 'anthropic-beta': 'claude-code-20250219,interleaved-thinking-2025-05-14,context-management-2025-06-27', 'anthropic-version': '2023-06-01' };
    const out = toBedrockBody(claudeCodeBody, headers, cfg.model);
    expect(out).toEqual({
      anthropic_version: 'bedrock-2023-05-31',
      anthropic_beta: ['interleaved-thinking-2025-05-14', 'context-management-2025-06-27'],
      max_tokens: 32000,
      system: [{ type: 'text', text: 'You are Claude Code.', cache_control: { type: 'ephemeral' } }],
      messages: [{ role: 'user', content: [{ type: 'text', text: 'hi', cache_control: { type: 'ephemeral', ttl: '1h' } }] }],
      tools: [{ name: 'Bash', input_schema: { type: 'object' }, cache_control: { type: 'ephemeral' } }],
      thinking: { type: 'enabled', budget_tokens: 1024 },
      context_management: { edits: [{ type: 'clear_thinking_20251015', keep: 'all' }] },
      temperature: 1,
      some_future_field: { kept: true },
    });
    // The client's object is left alone (the pipeline still reads it).
    expect(claudeCodeBody.model).toBe('claude-sonnet-4-5-20250929');
    expect(claudeCodeBody.system[0]?.cache_control).toEqual({ type: 'ephemeral', scope: 'global' });
  });

  it('drops context_management / output_config when their beta cannot go along', () => {
    const out = toBedrockBody({ ...claudeCodeBody, output_config: { effort: 'high' } }, { 'anthropic-beta': 'context-management-2025-06-27,effort-2025-11-24' }, 'anthropic.claude-sonnet-4-20250514-v1:0');
    expect(out['context_management']).toBeUndefined();
    expect(out['output_config']).toBeUndefined();
    expect(out['anthropic_beta']).toBeUndefined();
    // Opus 4.6 takes output_config on the first-party API but not on Bedrock (issue 14, Coder AI Bridge).
    const opus46 = toBedrockBody({ ...claudeCodeBody, output_config: { effort: 'high' } }, {}, 'global.anthropic.claude-opus-4-6-v1');
    expect(opus46['output_config']).toBeUndefined();
    const opus47 = toBedrockBody({ ...claudeCodeBody, output_config: { effort: 'high' } }, {}, 'global.anthropic.claude-opus-4-7');
    expect(opus47['output_config']).toEqual({ effort: 'high' });
  });

  it('merges betas already in the body with the header and leaves out an empty list', () => {
    const out = toBedrockBody({ messages: [], anthropic_beta: ['output-128k-2025-02-19'] }, { 'anthropic-beta': 'token-efficient-tools-2025-02-19' }, 'm');
    expect(out['anthropic_beta']).toEqual(['output-128k-2025-02-19', 'token-efficient-tools-2025-02-19']);
    const none = toBedrockBody({ messages: [], anthropic_beta: [] }, { 'anthropic-beta': 'claude-code-20250219' }, 'm');
    expect('anthropic_beta' in none).toBe(false);
  });

  it('fits the thinking shape to the Bedrock model', () => {
    const adaptive = { max_tokens: 32000, thinking: { type: 'adaptive' }, messages: [] };
    expect(toBedrockBody(adaptive, {}, 'us.anthropic.claude-sonnet-4-5-20250929-v1:0')['thinking']).toEqual({ type: 'enabled', budget_tokens: 25600 });
    expect(toBedrockBody({ ...adaptive, output_config: { effort: 'low' } }, {}, 'anthropic.claude-sonnet-4-20250514-v1:0')['thinking']).toEqual({
      type: 'enabled',
      budget_tokens: 6400,
    });
    expect(toBedrockBody({ ...adaptive, max_tokens: 1000 }, {}, 'anthropic.claude-sonnet-4-20250514-v1:0')['thinking']).toEqual({ type: 'disabled' });
    expect(toBedrockBody(adaptive, {}, 'global.anthropic.claude-sonnet-4-6')['thinking']).toEqual({ type: 'adaptive' });
    const enabled = { max_tokens: 32000, thinking: { type: 'enabled', budget_tokens: 31999 }, messages: [] };
    expect(toBedrockBody(enabled, {}, 'global.anthropic.claude-opus-4-7')['thinking']).toEqual({ type: 'adaptive' });
    expect(toBedrockBody(enabled, {}, 'us.anthropic.claude-sonnet-4-5-20250929-v1:0')['thinking']).toEqual(enabled.thinking);
  });
});

/**
 * Every row of the per-model table (model-rules.ts) against the body and headers Coder AI Bridge's
 * Bedrock test sends ("unsupported fields removed"): Claude Code's fields Bedrock may refuse, adaptive
 * thinking with medium effort, and a beta header with flags only some models take.
 */
describe('per-model rules (issue 14)', () => {
  const body = {
    model: 'claude-opus-4-6',
    max_tokens: 32000,
    messages: [{ role: 'user', content: 'hi' }],
    metadata: { user_id: 'u' },
    service_tier: 'auto',
    container: 'c',
    inference_geo: 'us',
    thinking: { type: 'adaptive' },
    output_config: { effort: 'medium' },
    context_management: { edits: [{ type: 'clear_thinking_20251015', keep: 'all' }] },
  };
  const headers = { 'anthropic-beta': 'interleaved-thinking-2025-05-14,effort-2025-11-24,context-management-2025-06-27,prompt-caching-scope-2026-01-05' };
  const strippable = ['metadata', 'service_tier', 'container', 'inference_geo', 'output_config', 'context_management'];
  const budget = { type: 'enabled', budget_tokens: 16000 }; // 32000 × 0.5 (medium)

  it.each([
    { model: 'beddel', thinking: budget, kept: [], betas: ['interleaved-thinking-2025-05-14'] },
    { model: 'anthropic.claude-opus-4-5-20251101-v1:0', thinking: budget, kept: ['output_config'], betas: ['interleaved-thinking-2025-05-14', 'effort-2025-11-24'] },
    { model: 'us.anthropic.claude-sonnet-4-5-20250929-v1:0', thinking: budget, kept: ['context_management'], betas: ['interleaved-thinking-2025-05-14', 'context-management-2025-06-27'] },
    { model: 'us.anthropic.claude-haiku-4-5-20251001-v1:0', thinking: budget, kept: ['context_management'], betas: ['interleaved-thinking-2025-05-14', 'context-management-2025-06-27'] },
    { model: 'global.anthropic.claude-opus-4-6-v1', thinking: { type: 'adaptive' }, kept: [], betas: ['interleaved-thinking-2025-05-14'] },
    { model: 'us.anthropic.claude-sonnet-4-6', thinking: { type: 'adaptive' }, kept: [], betas: ['interleaved-thinking-2025-05-14'] },
    { model: 'us.anthropic.claude-sonnet-5', thinking: { type: 'adaptive' }, kept: ['output_config'], betas: ['interleaved-thinking-2025-05-14'] },
    { model: 'global.anthropic.claude-opus-4-7', thinking: { type: 'adaptive' }, kept: ['output_config'], betas: ['interleaved-thinking-2025-05-14'] },
    { model: 'anthropic.claude-sonnet-4-20250514-v1:0', thinking: budget, kept: [], betas: ['interleaved-thinking-2025-05-14'] },
  ])('$model', ({ model, thinking, kept, betas }) => {
    const out = toBedrockBody(body, headers, model);
    for (const field of strippable) expect(field in out, field).toBe(kept.includes(field));
    expect(out['thinking']).toEqual(thinking);
    expect(out['anthropic_beta']).toEqual(betas);
    if (kept.includes('output_config')) expect(out['output_config']).toEqual({ effort: 'medium' });
  });

  it('turns enabled thinking into adaptive on adaptive-only models and keeps the effort', () => {
    const enabled = { ...body, thinking: { type: 'enabled', budget_tokens: 16000 } };
    const out = toBedrockBody(enabled, headers, 'us.anthropic.claude-sonnet-5');
    expect(out['thinking']).toEqual({ type: 'adaptive' });
    expect(out['output_config']).toEqual({ effort: 'medium' });
    // Models with a budget keep enabled thinking as sent.
    expect(toBedrockBody(enabled, headers, 'global.anthropic.claude-opus-4-6-v1')['thinking']).toEqual(enabled.thinking);
  });

  it('has one row per model family, first match wins, the last row catches everything', () => {
    expect(bedrockModelRule('us.anthropic.claude-opus-4-5-20251101-v1:0').name).toBe('Claude Opus 4.5');
    expect(bedrockModelRule('arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc').name).toBe('any other model');
    expect(bedrockModelRule('anthropic.claude-3-5-haiku-20241022-v1:0').name).toBe('any other model');
    expect(BEDROCK_MODEL_RULES.at(-1)?.match.test('')).toBe(true);
  });
});
