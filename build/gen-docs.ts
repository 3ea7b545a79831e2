/**
 * Generates the reference parts of the docs from the code, so they cannot drift:
 *   - docs/configuration.md: the settings table, from src/config/schema.ts + setting-docs.ts;
 *   - docs/cli.md: every command's `--help`, from the real CLI (commander).
 * Hand-written text lives outside the `<!-- generated:NAME -->` … `<!-- /generated:NAME -->` markers.
 *
 *   node --import tsx build/gen-docs.ts          # rewrite the docs
 *   node --import tsx build/gen-docs.ts --check  # exit 1 naming the files that differ
 *   … --dist                                      # run the built CLI (faster; dist/ must be fresh)
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { SETTINGS, SETTING_KEYS, envName, flagName, showSetting, type SettingKey } from '../src/config/schema.js';
import { SETTING_DOCS } from '../src/config/setting-docs.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));

const cell = (s: string): string => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function settingsTable(): string {
  const rows = SETTING_KEYS.map((k: SettingKey) => {
    const def = SETTINGS[k] as { default: unknown; secret?: boolean; expect: string };
    const shown = showSetting(k, def.default as never);
    const dflt = shown === null || shown === '' ? '—' : `\`${String(shown)}\``;
    const kind = def.secret ? `${def.expect}; secret: write-only, read back masked` : def.expect;
    return `| \`${k}\` | \`${flagName(k)}\` | \`${envName(k)}\` | ${dflt} | ${cell(kind)} | ${cell(SETTING_DOCS[k])} |`;
  });
  return ['| setting (YAML key) | flag | environment | default | value | what it does |', '| --- | --- | --- | --- | --- | --- |', ...rows].join('\n');
}

/** Every command path of the CLI, found from the help's "Commands:" sections. */
function commands(path: string[] = []): string[][] {
  const help = cliHelp(path);
  const section = /\nCommands:\n([\s\S]*)$/.exec(help)?.[1] ?? '';
  const names = [...section.matchAll(/^ {2}([a-z][\w-]*)/gm)].map((m) => m[1]!).filter((n) => n !== 'help');
  return [path, ...names.flatMap((n) => commands([...path, n]))];
}

// `--dist`: run the built CLI (dist/src/cli.js, fresh in tests: the Vitest global setup rebuilds a
// stale dist/) — one process start without tsx per command instead of a TypeScript compile each.
const CLI_ARGS = process.argv.includes('--dist') ? ['dist/src/cli.js'] : ['--import', 'tsx', 'src/cli.ts'];
const helpCache = new Map<string, string>();

function cliHelp(path: string[]): string {
  const key = path.join(' ');
  let help = helpCache.get(key);
  if (help === undefined) {
    help = execFileSync(process.execPath, [...CLI_ARGS, ...path, '--help'], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, COLUMNS: '100', NO_COLOR: '1' },
    }).trimEnd();
    helpCache.set(key, help);
  }
  return help;
}

function cliReference(): string {
  return commands()
    .map((p) => `### \`aibridge${p.length ? ' ' + p.join(' ') : ''}\`\n\n\`\`\`text\n${cliHelp(p)}\n\`\`\``)
    .join('\n\n');
}

const GENERATED: Record<string, Record<string, () => string>> = {
  'docs/configuration.md': { settings: settingsTable },
  'docs/cli.md': { commands: cliReference },
};

function render(file: string): string {
  let text = readFileSync(ROOT + file, 'utf8');
  for (const [name, make] of Object.entries(GENERATED[file]!)) {
    const re = new RegExp(`(<!-- generated:${name} -->)[\\s\\S]*?(<!-- /generated:${name} -->)`);
    if (!re.test(text)) throw new Error(`${file}: markers <!-- generated:${name} --> … <!-- /generated:${name} --> not found`);
    const body = make();
    text = text.replace(re, (_m, a: string, b: string) => `${a}\n${body}\n${b}`);
  }
  return text;
}

const check = process.argv.includes('--check');
const stale: string[] = [];
for (const file of Object.keys(GENERATED)) {
  const next = render(file);
  if (next === readFileSync(ROOT + file, 'utf8')) continue;
  if (check) stale.push(file);
  else {
    writeFileSync(ROOT + file, next);
    console.log(`wrote ${file}`);
  }
}
if (stale.length) {
  console.error(`out of date with the code: ${stale.join(', ')} — run \`npm run docs:gen\` and commit the result`);
  process.exit(1);
}
