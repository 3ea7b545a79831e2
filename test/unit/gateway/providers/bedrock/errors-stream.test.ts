import { describe, expect, it } from 'vitest';
import { EventStreamCodec } from '@smithy/eventstream-codec';
import { fromUtf8, toUtf8 } from '@smithy/util-utf8';
import {
  ThrottlingException,
  ValidationException,
  ModelNotReadyException,
  BedrockRuntimeServiceException,
} from '@aws-sdk/client-bedrock-runtime';
import {
  anthropicErrorBody,
  anthropicMappingFor,
  describeBedrockError,
  normalizeExceptionName,
} from '../../../../../src/gateway/providers/bedrock/errors.js';
import { chunkEvent, encodeChunkFrame, encodeExceptionFrame, encodeSse } from '../../../../../src/gateway/providers/bedrock/stream.js';

const meta = { $metadata: { httpStatusCode: 429, requestId: 'req-1' } };

describe('Bedrock errors → Anthropic', () => {
  it.each([
    ['ThrottlingException', 429, 'rate_limit_error'],
    ['ServiceQuotaExceededException', 429, 'rate_limit_error'],
    ['ValidationException', 400, 'invalid_request_error'],
    ['AccessDeniedException', 403, 'permission_error'],
    ['ResourceNotFoundException', 404, 'not_found_error'],
    ['ModelNotReadyException', 503, 'overloaded_error'],
    ['ServiceUnavailableException', 503, 'overloaded_error'],
    ['ModelTimeoutException', 504, 'timeout_error'],
    ['ModelErrorException', 500, 'api_error'],
    ['InternalServerException', 500, 'api_error'],
  ])('%s → %i %s', (name, status, type) => {
    expect(anthropicMappingFor({ name, bedrockStatus: 400 })).toEqual({ status, type });
  });

  it('falls back on the status for exceptions it does not know', () => {
    expect(anthropicMappingFor({ name: 'UnrecognizedClientException', bedrockStatus: 403 })).toEqual({ status: 403, type: 'permission_error' });
    expect(anthropicMappingFor({ name: 'Weird', bedrockStatus: 302 })).toEqual({ status: 500, type: 'api_error' });
  });

  it('reads SDK exceptions', () => {
    const err = new ThrottlingException({ message: 'slow down', ...meta });
    expect(describeBedrockError(err)).toEqual({ name: 'ThrottlingException', message: 'slow down', bedrockStatus: 429, requestId: 'req-1' });
    const v = new ValidationException({ message: 'bad', $metadata: {} });
    expect(describeBedrockError(v).bedrockStatus).toBe(400);
    const n = new ModelNotReadyException({ message: 'warming', $metadata: {} });
    expect(anthropicErrorBody(describeBedrockError(n))).toEqual({
      type: 'error',
      error: { type: 'overloaded_error', message: 'ModelNotReadyException: warming' },
    });
    const unknown = new BedrockRuntimeServiceException({ name: 'Unknown', $fault: 'server', message: 'UnknownError', $metadata: { httpStatusCode: 502 } });
    expect(describeBedrockError(unknown)).toMatchObject({ name: 'Unknown', message: 'Unknown', bedrockStatus: 502 });
  });

  it('normalizes frame and header exception names', () => {
    expect(normalizeExceptionName('throttlingException')).toBe('ThrottlingException');
    expect(normalizeExceptionName('ValidationException:http://internal.amazon.com/coral/com.amazon.bedrock/')).toBe('ValidationException');
    expect(normalizeExceptionName('com.amazon.bedrock#AccessDeniedException')).toBe('AccessDeniedException');
  });
});

describe('stream conversions', () => {
  const codec = new EventStreamCodec(toUtf8, fromUtf8);
  const json = '{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"hé ✓"}}';

  it('turns a chunk into one SSE event named by its type', () => {
    const ev = chunkEvent(fromUtf8(json));
    expect(ev).toEqual({ type: 'content_block_delta', data: json });
    expect(toUtf8(encodeSse(ev!.type, ev!.data))).toBe(`event: content_block_delta\ndata: ${json}\n\n`);
  });

  it('puts pretty-printed JSON on one line and skips payloads without a type', () => {
    expect(chunkEvent(fromUtf8('{\n  "type": "ping"\n}'))).toEqual({ type: 'ping', data: '{"type":"ping"}' });
    expect(chunkEvent(fromUtf8('{"no":"type"}'))).toBeNull();
    expect(chunkEvent(fromUtf8('not json'))).toBeNull();
  });

  it('re-encodes chunks and exceptions as AWS event-stream frames', () => {
    const frame = codec.decode(encodeChunkFrame(fromUtf8(json)));
    expect(frame.headers[':event-type']?.value).toBe('chunk');
    expect(frame.headers[':message-type']?.value).toBe('event');
    const payload = JSON.parse(toUtf8(frame.body)) as { bytes: string };
    expect(Buffer.from(payload.bytes, 'base64').toString('utf8')).toBe(json);

    const exc = codec.decode(encodeExceptionFrame('ThrottlingException', 'slow down'));
    expect(exc.headers[':message-type']?.value).toBe('exception');
    expect(exc.headers[':exception-type']?.value).toBe('throttlingException');
    expect(JSON.parse(toUtf8(exc.body))).toEqual({ message: 'slow down' });
  });
});
