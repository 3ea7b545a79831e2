/**
 * Where the data lives: `--data-dir`, else AIBRIDGE_DATA_DIR, else the OS's per-user app-data
 * folder (the same folder Electron's `app.getPath('userData')` uses for "AI Bridge Desktop").
 */
import { mkdirSync, chmodSync } from 'node:fs';
import { homedir, platform } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';

export const APP_FOLDER = 'AI Bridge Desktop';

export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  switch (platform()) {
    case 'darwin':
      return join(homedir(), 'Library', 'Application Support', APP_FOLDER);
    case 'win32':
      return join(env['APPDATA'] || join(homedir(), 'AppData', 'Roaming'), APP_FOLDER);
    default:
      // An empty or relative XDG_CONFIG_HOME is invalid (XDG spec): fall back to ~/.config.
      return join(isAbsolute(env['XDG_CONFIG_HOME'] ?? '') ? env['XDG_CONFIG_HOME']! : join(homedir(), '.config'), APP_FOLDER);
  }
}

export function resolveDataDir(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const dir = flag ?? (env['AIBRIDGE_DATA_DIR'] || undefined) ?? defaultDataDir(env);
  return resolve(dir);
}

/**
 * Creates the data dir (0700: it holds keys and audit records). An existing folder keeps its mode
 * (issue #13: `--data-dir /tmp` must not take /tmp's sticky bit and 1777 away); the files we create
 * in it are 0600 whatever the folder's mode.
 */
export function ensureDataDir(dir: string): string {
  const created = mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (created !== undefined) {
    try {
      // mkdir's mode passes through the umask, which can only take bits away: make it exact.
      chmodSync(dir, 0o700);
    } catch {
      // A file system without modes (e.g. some mounts): the files inside are 0600 anyway.
    }
  }
  return dir;
}
