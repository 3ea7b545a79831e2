/**
 * Price overrides saved from the dashboard or `PUT /api/v1/prices` (SPEC §11), kept in the data dir
 * as `prices.json` (`{"overrides": {MODEL: {input, output, …}}}`, 0600, written atomically). The
 * config file's `prices:` sit above them: a model named there is fixed (read-only in the UI).
 */
import { join } from 'node:path';
import { createPriceTable, parsePriceOverrides, type PriceOverrides, type PriceTable } from '../record/prices.js';
import { readOptionalFile, writePrivateFile } from './private-file.js';

const FILE = 'prices.json';

/** The saved overrides; {} when none were saved. A damaged file is reported, never fatal. */
export function readSavedPrices(dataDir: string, warn: (msg: string) => void = () => {}): PriceOverrides {
  const path = join(dataDir, FILE);
  const text = readOptionalFile(path);
  if (text === undefined) return {};
  try {
    const doc = JSON.parse(text) as { overrides?: unknown };
    return parsePriceOverrides(doc?.overrides, path);
  } catch (err) {
    warn(`ignoring saved price overrides: ${(err as Error).message}`);
    return {};
  }
}

/** Saves the dashboard's overrides (replacing the previous set). */
export function writeSavedPrices(dataDir: string, overrides: PriceOverrides): void {
  writePrivateFile(join(dataDir, FILE), JSON.stringify({ overrides }, null, 2) + '\n');
}

/** The prices a running gateway uses: the table, what the config file fixed, what was saved. */
export interface PriceSettings {
  readonly table: PriceTable;
  /** Overrides from the config file's `prices:` (read-only in the dashboard). */
  readonly fixed: PriceOverrides;
  /** Where the fixed ones come from (the config file's path), for messages. */
  readonly fixedOrigin: string | undefined;
  /** Saved overrides (dashboard, `PUT /api/v1/prices`). */
  saved(): PriceOverrides;
  /**
   * Replaces the saved overrides and re-prices at once. Entries for models the config file fixes
   * must repeat its values (they are not saved); a different value throws {@link FixedPriceError}.
   */
  save(overrides: PriceOverrides): void;
  /** Calls `fn` after every saved change (figures kept up to date re-read their history). */
  onChange(fn: () => void): void;
}

/** A saved override tried to change a price the config file fixes. */
export class FixedPriceError extends Error {}

/** Loads the overrides (config file above the saved ones) into a price table. */
export async function openPriceSettings(opts: { dataDir: string; fixed: PriceOverrides; fixedOrigin?: string; warn?: (msg: string) => void }): Promise<PriceSettings> {
  let saved = readSavedPrices(opts.dataDir, opts.warn);
  const fixedLower = new Map(Object.entries(opts.fixed).map(([k, v]) => [k.toLowerCase(), { key: k, v }]));
  const effective = () => {
    const out: PriceOverrides = {};
    for (const [k, v] of Object.entries(saved)) if (!fixedLower.has(k.toLowerCase())) out[k] = v;
    return { ...out, ...opts.fixed };
  };
  const table = await createPriceTable(effective());
  const listeners: (() => void)[] = [];
  return {
    onChange: (fn) => listeners.push(fn),
    table,
    fixed: opts.fixed,
    fixedOrigin: opts.fixedOrigin,
    saved: () => saved,
    save(overrides) {
      const next: PriceOverrides = {};
      for (const [k, v] of Object.entries(overrides)) {
        const f = fixedLower.get(k.toLowerCase());
        if (!f) {
          next[k] = v;
          continue;
        }
        if (JSON.stringify(sorted(f.v)) !== JSON.stringify(sorted(v))) {
          throw new FixedPriceError(`the price of "${f.key}" is set in ${opts.fixedOrigin ?? 'the config file'}; change it there`);
        }
      }
      writeSavedPrices(opts.dataDir, next);
      saved = next;
      table.setOverrides(effective());
      for (const fn of listeners) fn();
    },
  };
}

function sorted(o: object): [string, unknown][] {
  return Object.entries(o).sort(([a], [b]) => a.localeCompare(b));
}
