/**
 * Reads a request body with a size cap (SPEC §4: 413 past `--max-body-size`, 400 when not JSON).
 * Hand-written because it is on every request's path and the cap changes at runtime.
 */
import type { IncomingMessage } from 'node:http';
import { BadRequestError, PayloadTooLargeError, type GatewayError } from '../errors.js';

export interface ReadBody {
  raw: Buffer;
  json: Record<string, unknown> | undefined;
  error?: GatewayError;
}

export async function readJsonBody(req: IncomingMessage, limit: number): Promise<ReadBody> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    req.resume();
    return { raw: Buffer.alloc(0), json: undefined, error: new PayloadTooLargeError(limit) };
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) {
      req.resume();
      return { raw: Buffer.alloc(0), json: undefined, error: new PayloadTooLargeError(limit) };
    }
    chunks.push(chunk);
  }
  const raw = Buffer.concat(chunks, size);
  if (size === 0) return { raw, json: undefined, error: new BadRequestError('request body is empty; expected a JSON object') };
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(raw));
  } catch (err) {
    const what = err instanceof TypeError ? 'is not valid UTF-8' : `is not valid JSON (${(err as Error).message})`;
    return { raw, json: undefined, error: new BadRequestError(`request body ${what}`) };
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    return { raw, json: undefined, error: new BadRequestError('request body must be a JSON object') };
  }
  return { raw, json: json as Record<string, unknown> };
}
