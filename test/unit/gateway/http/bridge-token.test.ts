import { describe, expect, it } from 'vitest';
import { bridgeTokenFrom } from '../../../../src/gateway/http/bridge-token.js';

describe('bridgeTokenFrom', () => {
  it('reads x-api-key first, trimmed', () => {
    expect(bridgeTokenFrom({ 'x-api-key': ' abt_1 ', authorization: 'Bearer abt_2' }, false)).toBe('abt_1');
  });
  it('reads Authorization: Bearer, case-insensitive scheme', () => {
    expect(bridgeTokenFrom({ authorization: 'Bearer abt_2' }, false)).toBe('abt_2');
    expect(bridgeTokenFrom({ authorization: 'bearer abt_3  ' }, false)).toBe('abt_3');
  });
  it('refuses malformed or empty credentials', () => {
    expect(bridgeTokenFrom({}, true)).toBeUndefined();
    expect(bridgeTokenFrom({ 'x-api-key': '   ' }, true)).toBeUndefined();
    expect(bridgeTokenFrom({ authorization: 'Bearer' }, true)).toBeUndefined();
    expect(bridgeTokenFrom({ authorization: 'Bearer a b' }, true)).toBeUndefined();
    expect(bridgeTokenFrom({ authorization: 'Basic YWJj' }, true)).toBeUndefined();
  });
  it('takes a SigV4 access key id only where SigV4 is allowed (the Bedrock-native routes)', () => {
    const sig = 'AWS4-HMAC-SHA256 Credential=abt_sig/20261205/us-east-1/bedrock/aws4_request, SignedHeaders=host, Signature=00';
    expect(bridgeTokenFrom({ authorization: sig }, true)).toBe('abt_sig');
    expect(bridgeTokenFrom({ authorization: sig }, false)).toBeUndefined();
  });
});
