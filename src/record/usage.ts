/**
 * Token arithmetic on records: the one counting rule that `/api/v1/usage`, the store's index, the
 * overview's "today" and the tray share (SPEC §5, §6). Input excludes cache reads; reasoning
 * tokens are the `metadata.reasoning_tokens` of each token row.
 */
import type { Interception } from './types.js';

/** Token sums of one record. */
export interface TokenSums {
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
  /** The 1-hour part of `cacheWrite` (token rows' `metadata.cache_write_1h_input_tokens`, SPEC §11). */
  cacheWrite1h: number;
  reasoning: number;
}

/** One usage row's sums (SPEC §5 `GET /usage`). */
export interface UsageTotals {
  requests: number;
  input_tokens: number;
  output_tokens: number;
  cache_read_input_tokens: number;
  cache_write_input_tokens: number;
  reasoning_tokens: number;
}

const NO_TOKENS: TokenSums = Object.freeze({ input: 0, output: 0, cacheRead: 0, cacheWrite: 0, cacheWrite1h: 0, reasoning: 0 });

/** Sums a record's token_usages. Never throws on a hand-edited record: odd values count as 0. */
export function tokenSums(rec: Interception): TokenSums {
  const rows = rec.token_usages;
  if (!Array.isArray(rows) || rows.length === 0) return NO_TOKENS;
  const t: TokenSums = { input: 0, output: 0, cacheRead: 0, cacheWrite: 0, cacheWrite1h: 0, reasoning: 0 };
  for (const u of rows) {
    t.input += num(u.input_tokens);
    t.output += num(u.output_tokens);
    t.cacheRead += num(u.cache_read_input_tokens);
    t.cacheWrite += num(u.cache_write_input_tokens);
    t.cacheWrite1h += num(u.metadata?.['cache_write_1h_input_tokens']);
    t.reasoning += num(u.metadata?.['reasoning_tokens']);
  }
  return t;
}

function num(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : 0;
}

/** A usage row with nothing counted yet. */
export function emptyUsage(): UsageTotals {
  return { requests: 0, input_tokens: 0, output_tokens: 0, cache_read_input_tokens: 0, cache_write_input_tokens: 0, reasoning_tokens: 0 };
}

/** Counts one request with these sums into `row`. */
export function addTokens(row: UsageTotals, t: Readonly<TokenSums>): void {
  row.requests += 1;
  row.input_tokens += t.input;
  row.output_tokens += t.output;
  row.cache_read_input_tokens += t.cacheRead;
  row.cache_write_input_tokens += t.cacheWrite;
  row.reasoning_tokens += t.reasoning;
}

/** Counts one record into `row`, as the store's index counts it. */
export function addUsage(row: UsageTotals, rec: Interception): void {
  addTokens(row, tokenSums(rec));
}
