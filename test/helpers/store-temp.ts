/** Temp data dirs and a recording logger for store tests. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export async function tempDir(prefix = 'aibridge-store-'): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

export interface LogLine {
  level: 'warn' | 'error';
  obj: object;
  msg: string;
}

/** A logger that keeps what it was told, so tests can check a warning happened. */
export function recordingLogger(): { lines: LogLine[]; warn(obj: object, msg: string): void; error(obj: object, msg: string): void } {
  const lines: LogLine[] = [];
  return {
    lines,
    warn: (obj, msg) => void lines.push({ level: 'warn', obj, msg }),
    error: (obj, msg) => void lines.push({ level: 'error', obj, msg }),
  };
}

/** Midnight UTC of a fixed day, so tests control which segment a record lands in. */
export const DAY0 = Date.parse('2026-11-20T00:00:00Z');
export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;
