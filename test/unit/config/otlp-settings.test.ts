/** SPEC §14 settings: otlp_headers parsing (secret, never echoed), otlp_protocol values. */
import { expect, it } from 'vitest';
import { parseOtlpHeaders, parseSetting, showSetting } from '../../../src/config/schema.js';

it('otlp_headers: k=v pairs, percent-decoded values, bad pairs refused without echoing the value', () => {
  expect(parseOtlpHeaders('authorization=Bearer abc,x-team=ai')).toEqual({ authorization: 'Bearer abc', 'x-team': 'ai' });
  expect(parseOtlpHeaders('api-key=a%3Db')).toEqual({ 'api-key': 'a=b' });
  expect(parseOtlpHeaders('novalue')).toBeUndefined();
  expect(parseOtlpHeaders('=x')).toBeUndefined();
  expect(parseOtlpHeaders('bad name=x')).toBeUndefined();
  expect(() => parseSetting('otlp_headers', 'oops-sk-SECRET', 'flag')).toThrow(/invalid value \(hidden\) for otlp_headers/);
  expect(String(showSetting('otlp_headers', 'authorization=Bearer sk-SECRET-123456'))).not.toContain('SECRET');
});

it('otlp_protocol: http/protobuf or http/json', () => {
  expect(parseSetting('otlp_protocol', 'http/json', 'flag')).toBe('http/json');
  expect(() => parseSetting('otlp_protocol', 'grpc', 'flag')).toThrow(/expected http\/protobuf or http\/json/);
  expect(parseSetting('otlp_endpoint', 'http://127.0.0.1:4318', 'flag')).toBe('http://127.0.0.1:4318/');
  expect(parseSetting('otlp_content', 'true', 'flag')).toBe(true);
});
