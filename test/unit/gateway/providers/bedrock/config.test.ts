import { describe, expect, it } from 'vitest';
import { bedrockConfigured, validateBedrockConfig } from '../../../../../src/gateway/providers/bedrock/config.js';

const models = { model: 'us.anthropic.claude-sonnet-4-20250514-v1:0', smallFastModel: 'us.anthropic.claude-3-5-haiku-20241022-v1:0' };

describe('bedrock config', () => {
  it('is configured by a region or a base URL', () => {
    expect(bedrockConfigured({})).toBe(false);
    expect(bedrockConfigured({ region: '' })).toBe(false);
    expect(bedrockConfigured({ region: 'us-west-2' })).toBe(true);
    expect(bedrockConfigured({ baseUrl: 'http://127.0.0.1:9/' })).toBe(true);
  });

  it('accepts both keys or neither', () => {
    expect(validateBedrockConfig({ region: 'us-east-1', ...models })).toBeNull();
    expect(validateBedrockConfig({ region: 'us-east-1', accessKey: 'AKID', accessKeySecret: 's', ...models })).toBeNull();
    expect(validateBedrockConfig({})).toBeNull();
  });

  it('names the missing half of the key pair', () => {
    expect(validateBedrockConfig({ region: 'us-east-1', accessKey: 'AKID', ...models })).toBe(
      'bedrock-access-key-secret is required when bedrock-access-key is set',
    );
    expect(validateBedrockConfig({ region: 'us-east-1', accessKeySecret: 's', ...models })).toBe(
      'bedrock-access-key is required when bedrock-access-key-secret is set',
    );
    // Even before a region is set: a half key pair is always a mistake.
    expect(validateBedrockConfig({ accessKey: 'AKID' })).toMatch(/^bedrock-access-key-secret is required/);
  });

  it('requires both models once Bedrock is configured', () => {
    expect(validateBedrockConfig({ region: 'us-east-1' })).toMatch(/^bedrock-model is required/);
    expect(validateBedrockConfig({ baseUrl: 'http://proxy.local', model: 'm' })).toMatch(/^bedrock-small-fast-model is required/);
    expect(validateBedrockConfig({ model: 'm' })).toBeNull();
  });

  it('rejects a base URL that is not http(s)', () => {
    expect(validateBedrockConfig({ baseUrl: 'ftp://x', ...models })).toMatch(/^bedrock-base-url must be an http\(s\) URL/);
    expect(validateBedrockConfig({ baseUrl: 'not a url', ...models })).toMatch(/^bedrock-base-url/);
  });
});
