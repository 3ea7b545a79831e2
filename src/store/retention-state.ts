/**
 * The retention a server runs with, written to the data dir, so the CLI's read commands
 * (`interceptions list`, `export`) hide the same expired records as the API (SPEC §8) even when
 * the server's retention came from a flag the CLI never sees.
 */
import { join } from 'node:path';
import { readOptionalFile, writePrivateFile } from './private-file.js';

const FILE = 'retention-state.json';

export function writeRetentionState(dataDir: string, retentionMs: number): void {
  try {
    writePrivateFile(join(dataDir, FILE), JSON.stringify({ retention_ms: retentionMs }) + '\n');
  } catch {
    // Best effort: the CLI then falls back to env / file / dashboard settings.
  }
}

/** The last server's retention in ms, or undefined when no server has run on this data dir. */
export function readRetentionState(dataDir: string): number | undefined {
  try {
    const v = JSON.parse(readOptionalFile(join(dataDir, FILE)) ?? 'null') as { retention_ms?: unknown } | null;
    return typeof v?.retention_ms === 'number' && v.retention_ms >= 0 ? v.retention_ms : undefined;
  } catch {
    return undefined;
  }
}
