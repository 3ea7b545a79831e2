/**
 * "Export logs to file…": a save dialog, then `RunningApp.exportTo` (the same lines as
 * `aibridge export`, SPEC §7) for the last 24 hours, the last 7 days or everything stored.
 */
import { join } from 'node:path';
import type { RunningApp } from '../src/app-types.js';
import type { Platform } from './platform.js';
import type { ExportFormat, ExportRange } from './tray.js';

const HOUR = 3_600_000;

/** Start of the range in ms since epoch; undefined = from the first stored record. */
export function rangeStart(range: ExportRange, now: number): number | undefined {
  switch (range) {
    case '24h':
      return now - 24 * HOUR;
    case '7d':
      return now - 7 * 24 * HOUR;
    case 'all':
      return undefined;
  }
}

/** The file name the save dialog proposes, e.g. `aibridge-ecs-last-7d-2026-11-26.jsonl`. */
export function defaultExportName(range: ExportRange, format: ExportFormat, now: number): string {
  const day = new Date(now).toISOString().slice(0, 10);
  const span = range === 'all' ? 'all' : `last-${range}`;
  return `aibridge-${format === 'ecs' ? 'ecs-' : ''}${span}-${day}.jsonl`;
}

export interface ExportDeps {
  platform: Pick<Platform, 'dialog' | 'notify'>;
  running: Pick<RunningApp, 'exportTo'>;
  /** Folder the dialog starts in (the user's Downloads). */
  defaultDir: string;
  now: () => number;
}

/**
 * Asks where to save, then exports. Resolves to the file and line count, or undefined when the
 * dialog was cancelled or the export failed (the user was told why).
 */
export async function exportLogs(
  deps: ExportDeps,
  range: ExportRange,
  format: ExportFormat,
): Promise<{ file: string; lines: number } | undefined> {
  const now = deps.now();
  const file = await deps.platform.dialog.showSaveDialog({
    title: `Export interception logs (${format === 'ecs' ? 'Elastic Common Schema' : 'JSON lines'})`,
    defaultPath: join(deps.defaultDir, defaultExportName(range, format, now)),
    buttonLabel: 'Export',
    filters: [
      { name: 'JSON lines', extensions: ['jsonl', 'ndjson', 'json'] },
      { name: 'All files', extensions: ['*'] },
    ],
  });
  if (!file) return undefined;
  const since = rangeStart(range, now);
  try {
    const lines = await deps.running.exportTo(file, { format, ...(since !== undefined ? { since } : {}) });
    deps.platform.notify('Logs exported', `${lines} ${lines === 1 ? 'line' : 'lines'} written to ${file}`);
    return { file, lines };
  } catch (err) {
    deps.platform.dialog.showErrorBox('Export failed', `Could not write ${file}: ${err instanceof Error ? err.message : String(err)}`);
    return undefined;
  }
}
