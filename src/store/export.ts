/**
 * `aibridge export` and `GET /api/v1/export` (SPEC §5, §7): stored records as log lines.
 *
 * `jsonl` writes exactly what the live structured log wrote for the same records (both go through
 * src/record/log-lines.ts); `ecs` maps each of those lines onto Elastic Common Schema
 * (src/store/ecs.ts); `ocsf` writes one OCSF API Activity event per record (src/store/ocsf.ts). Records stream one at a time from the store and every write waits for the
 * sink to drain, so memory stays flat however many records there are.
 *
 * Every exported line, in every format, carries SPEC §13's `chain` as a top-level member (the
 * export is a chain of its own: seq from 1, `prev` of the first line 64 zeros), with a signed
 * checkpoint every 1,000 lines and one at the end when a signer is given (src/record/chain.ts).
 */
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import type { Writable } from 'node:stream';
import type { ExportOptions } from '../app-types.js';
import type { Interception } from '../record/types.js';
import { formatLogLine, interceptionLogLines } from '../record/log-lines.js';
import { recordCost, type PriceLookup } from '../record/cost.js';
import { ChainedLines, type ChainSigner } from '../record/chain.js';
import { chainedInterceptionLines } from '../record/log-texts.js';
import type { InterceptionReader } from './interceptions/types.js';
import { toEcs } from './ecs.js';
import { toOcsf } from './ocsf.js';

/** Options for {@link exportRecords}. */
export interface ExportRecordsOptions extends ExportOptions {
  /**
   * Records that started before this (ms since epoch) are expired (SPEC §8) and never exported,
   * even if the purge has not removed them yet. See `visibleCutoff` in src/store/retention.ts.
   */
  retentionCutoff?: number;
  /** Prices `cost_usd` on `interception_end` lines (SPEC §11), as the live log does. */
  prices?: PriceLookup;
  /** Or: loads them at the first record (the CLI: an empty export never loads the catalog). */
  loadPrices?: () => Promise<PriceLookup>;
  /** Signs the export's chain checkpoints (SPEC §13); without it the lines are chained, unsigned. */
  signer?: ChainSigner;
}

/**
 * The serialized lines of one record in the chosen format, concatenated; chained when `chain` is
 * given (then `text` may end in a checkpoint line, counted in `count`).
 */
export function exportLines(rec: Interception, format: ExportOptions['format'], prices?: PriceLookup, chain?: ChainedLines): { text: string; count: number } {
  const one = (obj: object): string => (chain ? chain.line(obj) : formatLogLine(obj));
  let text: string;
  // OCSF: one API Activity event per interception, not one per log line.
  if (format === 'ocsf') text = one(toOcsf(rec, { costUsd: prices ? recordCost(rec, prices).usd : null }));
  else if (format === 'jsonl' && chain) text = chainedInterceptionLines(rec, chain, prices);
  else {
    text = '';
    for (const l of interceptionLogLines(rec, prices)) text += one(format === 'ecs' ? toEcs(l, rec) : l);
  }
  let count = 0;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) count++;
  return { text, count };
}

/**
 * Streams stored, ended records whose `started_at` lies in [since, until) (and not before the
 * retention cutoff) to `out` as log lines, oldest first. Does not end `out`. Resolves with the
 * number of lines written; rejects if `out` errors or closes early.
 */
export async function exportRecords(
  reader: Pick<InterceptionReader, 'iterate'>,
  opts: ExportRecordsOptions,
  out: Writable,
): Promise<number> {
  const since = opts.retentionCutoff === undefined ? opts.since
    : Math.max(opts.since ?? Number.NEGATIVE_INFINITY, opts.retentionCutoff);
  if (opts.until !== undefined && since !== undefined && since >= opts.until) return 0;

  let failure: Error | undefined;
  const onError = (err: Error): void => { failure ??= err; };
  const onClose = (): void => { failure ??= new Error('export destination closed early'); };
  out.on('error', onError);
  out.on('close', onClose);
  let count = 0;
  let prices: PriceLookup | undefined;
  // A checkpoint's time is the last exported record's end, so the same records always export to
  // the same bytes (Ed25519 signatures are deterministic too).
  let lastMs = 0;
  const chain = new ChainedLines(undefined, opts.signer, () => lastMs, undefined, opts.format === 'ecs');
  try {
    for await (const rec of reader.iterate({ since: Number.isFinite(since) ? since : undefined, until: opts.until })) {
      // The store already filters by range; check again so a cutoff is never crossed by accident.
      const started = Date.parse(rec.started_at);
      if (since !== undefined && started < since) continue;
      if (opts.until !== undefined && started >= opts.until) continue;
      if (rec.status === 'in_flight') continue;
      if (failure) throw failure;
      prices ??= opts.prices ?? (await opts.loadPrices?.());
      lastMs = Math.max(lastMs, Date.parse(rec.ended_at ?? rec.started_at) || 0);
      const { text, count: n } = exportLines(rec, opts.format, prices, chain);
      count += n;
      if (!out.write(text)) await waitDrain(out, () => failure);
    }
    if (failure) throw failure;
    // The end of an export is signed (SPEC §13).
    const last = chain.checkpoint();
    if (last) {
      count++;
      if (!out.write(last)) await waitDrain(out, () => failure);
    }
    if (failure) throw failure;
    return count;
  } finally {
    out.off('error', onError);
    out.off('close', onClose);
  }
}

async function waitDrain(out: Writable, failed: () => Error | undefined): Promise<void> {
  const err = failed();
  if (err) throw err;
  const ac = new AbortController();
  try {
    await Promise.race([
      once(out, 'drain', { signal: ac.signal }),
      once(out, 'close', { signal: ac.signal }).then(() => { throw failed() ?? new Error('export destination closed early'); }),
      // `once(…, 'error')` rejects with the error itself.
      once(out, 'error', { signal: ac.signal }),
    ]);
  } finally {
    ac.abort();
  }
}

/**
 * {@link exportRecords} into a file (created 0600: it holds prompts), or to stdout for `-`.
 * The one way both `aibridge export --out` and `RunningApp.exportTo` (the desktop's "Export logs")
 * write a file. Resolves with the number of lines once the file is complete.
 */
export async function exportToFile(reader: Pick<InterceptionReader, 'iterate'>, opts: ExportRecordsOptions, path: string): Promise<number> {
  if (path === '-') return exportRecords(reader, opts, process.stdout);
  const out = createWriteStream(path, { mode: 0o600 });
  await once(out, 'open');
  try {
    const n = await exportRecords(reader, opts, out);
    out.end();
    await once(out, 'finish');
    return n;
  } catch (err) {
    out.destroy();
    throw err;
  }
}
