/**
 * The interception store's contract. The gateway writes through {@link InterceptionWriter};
 * the admin API, CLI, export and retention read through {@link InterceptionReader}.
 * Layout and durability rules: src/store/interceptions/README (issue #2).
 */
import type { Interception, EndStatus } from '../../record/types.js';
import type { UsageTotals } from '../../record/usage.js';
import type { IndexedTokens, SumsPricer } from '../../record/cost.js';

export interface InterceptionFilter {
  provider?: string;
  model?: string;
  /** Matches the initiator's name or id. */
  initiator?: string;
  client?: string;
  status?: string;
  /** Only the calls of this `client_session_id` (SPEC §15). */
  session?: string;
  /** Inclusive lower bound on started_at (ms since epoch). */
  startedAfter?: number;
  /** Exclusive upper bound on started_at (ms since epoch). */
  startedBefore?: number;
  includeInFlight?: boolean;
}

export interface ListQuery extends InterceptionFilter {
  /**
   * Full-text search (SPEC §15): only records holding every word of this text in their prompts,
   * tool names and inputs, thoughts or error text (src/record/search-text.ts says what a word is).
   */
  q?: string;
  /** 1–1000, default 100. */
  limit?: number;
  /** Cursor: the page starts right after this interception in (started_at desc, id desc) order. */
  afterId?: string;
  /**
   * Byte budget of the page's records as stored JSON (default {@link LIST_BYTE_BUDGET}): the page
   * ends before the record that would pass it (one record always comes, however large). A
   * page cut short says `partial: true`; the next one starts after its last record.
   */
  maxBytes?: number;
}

/** Default byte budget of one list page: 8 MiB of records (issue #13). */
export const LIST_BYTE_BUDGET = 8 * 1024 * 1024;

export interface ListResult {
  /** Total records matching the filter (not just this page). */
  count: number;
  /** Whole records, newest first by (started_at, id). */
  results: Interception[];
  /** Present (true) when the byte budget ended the page before `limit` records. */
  partial?: true;
}

export interface InterceptionReader {
  list(q: ListQuery): Promise<ListResult>;
  get(id: string): Promise<Interception | undefined>;
  /**
   * Every stored, ended record with started_at in [since, until), oldest first, streamed so memory
   * stays flat however many records there are (export, usage).
   */
  iterate(range: { since?: number; until?: number }): AsyncIterable<Interception>;
  /**
   * Token sums of the ended records with started_at in [since, until), one row per `keyOf` of each
   * record's index fields. Answered from the in-memory index (records whose index line predates
   * the sums are read once), so it costs no disk reads however many records there are. With a
   * `pricer` (src/record/cost.ts: {@link sumsPricer}), each row also carries its {@link CostTotals}.
   */
  usage(range: Range, keyOf: (e: UsageFields) => string, pricer?: SumsPricer): Promise<Map<string, UsageSums>>;
  /**
   * One row per `client_session_id` of the ended records with started_at in [since, until)
   * (SPEC §15), in no particular order; priced with `pricer` (`cost_usd` null = no call had a price).
   */
  sessions(range: Range, pricer?: SumsPricer): Promise<SessionSums[]>;
}

/** A session's figures, from the index (no record read). */
export interface SessionSums {
  client_session_id: string;
  /** Client and initiator name of the session's latest call. */
  client: string;
  initiator: string;
  /** started_at of its first and latest call, ms since epoch. */
  firstMs: number;
  lastMs: number;
  interceptions: number;
  /** Without cache reads, as in token rows. */
  input_tokens: number;
  output_tokens: number;
  /** USD of its priced calls; null when none had a price. */
  cost_usd: number | null;
}

type Range = { since?: number; until?: number };

/**
 * A usage row: the token sums, and with a `pricer` (which prices the records from their index
 * fields) their cost, so a price change re-prices every figure at
 * the next call (SPEC §11).
 */
export type UsageSums = UsageTotals & Partial<CostTotals>;

/** Cost of a usage row: USD of its priced records, and how many records had no price. */
export interface CostTotals {
  /** Null when no record of the row had a price (the dashboard shows "no price", not $0). */
  cost_usd: number | null;
  unpriced_requests: number;
}

/** What a usage row can be keyed by (and priced from: the record's token sums). */
export interface UsageFields extends IndexedTokens {
  provider: string;
  model: string;
  initiatorId: string;
  initiatorName: string;
  client: string;
  /** started_at, ms since epoch. */
  startedMs: number;
}

export interface InterceptionWriter {
  /**
   * Records that a call started (an `in_flight` record with no parts). If the process dies before
   * {@link finish}, the next start turns it into `interrupted`.
   */
  begin(rec: Interception): void;
  // Both begin() and finish() take ownership of the object: do not mutate it afterwards.
  /** Stores the whole finished record (status is an EndStatus). On disk within 1 s. */
  finish(rec: Interception & { status: EndStatus }): void;
  /** Resolves when everything handed in so far is written to disk. */
  flush(): Promise<void>;
}

/** Where the full-text index stands (`GET /api/v1/status` `search_index`, SPEC §15). */
export interface SearchIndexStatus {
  /** Older segments are still loading or records wait for the index: searches read records themselves meanwhile (exact, slower). */
  building: boolean;
  /** Records the index answers for. */
  indexed: number;
  /** Loaded records it has not reached yet. */
  waiting: number;
}

export interface InterceptionStore extends InterceptionReader, InterceptionWriter {
  /** Health of the write path: false after a write error (disk full, read-only), with the reason. */
  health(): { ok: boolean; error: string | null };
  /** The full-text index's progress; null without one (read-only mode, `searchIndex: false`). */
  searchIndex(): SearchIndexStatus | null;
  /**
   * Deletes, in bounded batches, every record with started_at < before. Yields between batches so
   * the gateway keeps serving. Returns the number of records deleted.
   */
  purge(before: number, opts?: { batchSize?: number }): Promise<number>;
  /**
   * Strips content (prompt text, tool inputs, thoughts) from records with started_at < before,
   * keeping metadata and token usage. Returns the number of records changed.
   */
  stripContent(before: number, opts?: { batchSize?: number }): Promise<number>;
  close(): Promise<void>;
}
