/**
 * Command-line flags for the SPEC §3 settings, shared by `aibridge serve` and the desktop app.
 * Coder's spelling (`--aibridge-openai-key`) is accepted by folding it onto ours before parsing.
 */
import { Command, Option } from 'commander';
import { SETTINGS, SETTING_KEYS, type SettingKey } from './schema.js';

/** Registers one option per setting on a commander command. */
export function addSettingOptions(cmd: Command): Command {
  for (const key of SETTING_KEYS) {
    const def = SETTINGS[key];
    const isBool = typeof def.default === 'boolean';
    const opt = new Option(`--${def.flag} ${isBool ? '[value]' : '<value>'}`, describe(key));
    cmd.addOption(opt);
  }
  return cmd;
}

function describe(key: SettingKey): string {
  const def = SETTINGS[key];
  return `${key.replace(/_/g, ' ')} (${def.expect}; env AIBRIDGE_${key.toUpperCase()})`;
}

/** `--aibridge-openai-key x` → `--openai-key x` (Coder's flag names). */
export function foldCoderFlags(argv: readonly string[]): string[] {
  return argv.map((a) => (a.startsWith('--aibridge-') ? '--' + a.slice('--aibridge-'.length) : a));
}

/** commander's attribute name for a flag (`openai-key` → `openaiKey`). */
function attr(flag: string): string {
  return flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

/** Picks the setting flags out of commander's parsed options, as raw text. */
export function settingFlagValues(opts: Record<string, unknown>): Partial<Record<SettingKey, string>> {
  const out: Partial<Record<SettingKey, string>> = {};
  for (const key of SETTING_KEYS) {
    const v = opts[attr(SETTINGS[key].flag)];
    if (v === undefined) continue;
    out[key] = v === true ? 'true' : String(v);
  }
  return out;
}

export interface ServeFlags {
  settings: Partial<Record<SettingKey, string>>;
  dataDir?: string;
  config?: string;
}

/** Parses `serve`'s flags from an argv tail (used by the desktop app, which has no CLI). */
export function parseServeFlags(argv: readonly string[]): ServeFlags {
  const cmd = addSettingOptions(new Command('serve'))
    .option('--data-dir <dir>')
    .option('--config <file>')
    .exitOverride()
    .configureOutput({ writeErr: () => undefined, writeOut: () => undefined });
  cmd.parse(foldCoderFlags(argv), { from: 'user' });
  const opts = cmd.opts<Record<string, unknown>>();
  return {
    settings: settingFlagValues(opts),
    dataDir: typeof opts['dataDir'] === 'string' ? opts['dataDir'] : undefined,
    config: typeof opts['config'] === 'string' ? opts['config'] : undefined,
  };
}
