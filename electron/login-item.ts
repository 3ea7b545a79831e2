/**
 * "Start at login". macOS and Windows have login items (`app.setLoginItemSettings`); Linux has
 * none in Electron, so there it is an XDG autostart entry, `~/.config/autostart/<name>.desktop`.
 * Either way the app is started with {@link HIDDEN_FLAG}: at login it goes to the tray only.
 */
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AppHandle } from './platform.js';

/** Command-line flag for a start without the dashboard window. */
export const HIDDEN_FLAG = '--hidden';

/** Get and set "Start at login". */
export interface LoginItem {
  get(): boolean;
  set(on: boolean): void;
}

const DESKTOP_FILE = 'ai-bridge-desktop.desktop';

/** Quotes an Exec argument per the Desktop Entry spec. */
function execArg(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `"${arg.replace(/(["`$\\])/g, '\\$1')}"`;
}

/** The autostart entry for the executable. */
export function autostartEntry(executable: string): string {
  return [
    '[Desktop Entry]',
    'Type=Application',
    'Name=AI Bridge Desktop',
    'Comment=Local gateway for AI coding tools',
    `Exec=${execArg(executable)} ${HIDDEN_FLAG}`,
    'Terminal=false',
    'X-GNOME-Autostart-enabled=true',
    '',
  ].join('\n');
}

/** The login item for this OS. `env` supplies XDG_CONFIG_HOME on Linux. */
export function createLoginItem(app: AppHandle, env: NodeJS.ProcessEnv = process.env): LoginItem {
  if (app.os !== 'linux') {
    return { get: () => app.getOpenAtLogin(), set: (on) => app.setOpenAtLogin(on, [HIDDEN_FLAG]) };
  }
  const dir = join(env['XDG_CONFIG_HOME'] || join(app.getPath('home'), '.config'), 'autostart');
  const file = join(dir, DESKTOP_FILE);
  return {
    get: () => existsSync(file),
    set(on) {
      if (!on) {
        rmSync(file, { force: true });
        return;
      }
      mkdirSync(dir, { recursive: true });
      writeFileSync(file, autostartEntry(app.executablePath));
    },
  };
}
