/**
 * Test harness for the provider codecs: loads raw fixtures from test/fixtures and feeds them
 * through the real SSE parser (src/gateway/sse/parser.ts) in different chunkings, so framing is
 * exercised exactly as the pipeline does it.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createSseParser } from '../../src/gateway/sse/parser.js';
import type { ApiCodec, ApiOutcome } from '../../src/gateway/providers/codec.js';

/** test/fixtures, absolute. */
export const FIXTURES_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures');

/** Fixture names (`dir/file`) in one fixture folder, expected-value files left out. */
export function listFixtures(dir: string): string[] {
  return readdirSync(join(FIXTURES_DIR, dir))
    .filter((f) => !f.endsWith('.expected.json'))
    .sort()
    .map((f) => `${dir}/${f}`);
}

export function fixtureBytes(name: string): Buffer {
  return readFileSync(join(FIXTURES_DIR, name));
}

/** The sibling `<name>.expected.json`, or undefined when the fixture has none. */
export function expectedFor(name: string): unknown {
  try {
    return JSON.parse(readFileSync(join(FIXTURES_DIR, `${name}.expected.json`), 'utf8')) as unknown;
  } catch {
    return undefined;
  }
}

/** Deterministic PRNG (mulberry32) so a failing random split can be replayed from its seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type Chunking = { name: string; split(bytes: Buffer): Buffer[] };

/** Whole, byte by byte, and a few seeded random splits (1–40 bytes, cutting UTF-8 sequences too). */
export function chunkings(): Chunking[] {
  const random = (seed: number): Chunking => ({
    name: `random(seed=${seed})`,
    split(bytes) {
      const next = prng(seed);
      const out: Buffer[] = [];
      for (let i = 0; i < bytes.length; ) {
        const n = 1 + Math.floor(next() * 40);
        out.push(bytes.subarray(i, i + n));
        i += n;
      }
      return out;
    },
  });
  return [
    { name: 'whole', split: (b) => [b] },
    { name: 'byte-by-byte', split: (b) => Array.from({ length: b.length }, (_, i) => b.subarray(i, i + 1)) },
    random(1),
    random(42),
    random(20261126),
  ];
}

/** Runs raw stream bytes through parser + reducer in the given chunks; returns finish(). */
export function runStream(codec: ApiCodec, chunks: readonly Uint8Array[]): ApiOutcome {
  const reducer = codec.createStreamReducer();
  const parser = createSseParser((ev) => reducer.event(ev));
  for (const c of chunks) parser.push(c);
  parser.end();
  return reducer.finish();
}

/** Feeds raw SSE text (one chunk) and returns the outcome; handy for inline edge cases. */
export function runSseText(codec: ApiCodec, text: string): ApiOutcome {
  return runStream(codec, [Buffer.from(text, 'utf8')]);
}

/** `event: name\ndata: json\n\n` for inline cases. */
export function sse(event: string | undefined, data: unknown): string {
  const body = typeof data === 'string' ? data : JSON.stringify(data);
  return `${event === undefined ? '' : `event: ${event}\n`}data: ${body}\n\n`;
}
