#!/usr/bin/env node
/**
 * `aibridge` (SPEC §2). Every command takes `--data-dir`; the read commands work whether or not a
 * server is running on the same data dir (they open the store read-only).
 */
import { Command, CommanderError } from 'commander';
import { startApp } from './app.js';
import { appVersion } from './app-paths.js';
import { PortInUseError } from './app-types.js';
import { addSettingOptions, foldCoderFlags } from './config/flags.js';
import { ConfigError } from './config/schema.js';
import { loadFixedLayer, readConfigPrices } from './config/layers.js';
import { ConfigService } from './config/config.js';
import { ensureDataDir, resolveDataDir } from './store/data-dir.js';
import { fileSecretStore } from './store/secrets-file.js';
import { TokenError, TokenStore } from './store/tokens.js';
import { loadAdminToken } from './store/admin-token.js';
import { openInterceptionStore } from './store/interceptions/index.js';
import { exportToFile } from './store/export.js';
import { openPriceSettings } from './store/prices-file.js';
import { withCost, type PriceLookup } from './record/cost.js';
import { parseBudget, type Budget, type BudgetKind } from './record/budgets.js';
import { listQuery, QueryError, timeRange } from './store/query.js';
import { visibleCutoff } from './store/retention.js';
import { readRetentionState } from './store/retention-state.js';
import { connectClient, ConnectError, connectStatus, connectStatusAll, isConnectClient, undoConnect, type ConnectClient, type ConnectContext } from './store/connect.js';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { cliChainKey, PUBLIC_KEY_FILE, readPublicKeyPem } from './store/chain-key.js';
import { ed25519Signer } from './record/chain.js';
import { formatVerification, verifyFiles } from './gateway/log-verify.js';
import { announceServe } from './serve-banner.js';

class UsageError extends Error {}

function dataDirOf(cmd: Command): string {
  const o = cmd.optsWithGlobals<{ dataDir?: string }>();
  return ensureDataDir(resolveDataDir(o.dataDir));
}

/**
 * The retention that hides expired records from the read commands: set by env or `--config` here,
 * else the one the last server on this data dir ran with (its flags included), else the saved
 * dashboard setting or the default.
 */
function retentionCutoff(dataDir: string, cmd: Command): number | undefined {
  const o = cmd.optsWithGlobals<{ config?: string }>();
  const fixed = loadFixedLayer({ flags: {}, env: process.env, configFile: o.config ?? (process.env['AIBRIDGE_CONFIG'] || undefined) });
  const fromServer = fixed.retention ? undefined : readRetentionState(dataDir);
  // Without the switch: a read command must not persist AIBRIDGE_ENABLED into settings.json.
  const { enabled: _switch, ...readOnly } = fixed;
  const retention = fromServer ?? new ConfigService(dataDir, readOnly, fileSecretStore(dataDir)).get().retention;
  return visibleCutoff(Date.now(), retention);
}

/** The prices a server on this data dir uses (SPEC §11): the config file's `prices:` over the saved ones. */
async function cliPrices(dataDir: string, cmd: Command): Promise<PriceLookup> {
  const configFile = cmd.optsWithGlobals<{ config?: string }>().config ?? (process.env['AIBRIDGE_CONFIG'] || undefined);
  return (await openPriceSettings({ dataDir, fixed: readConfigPrices(configFile), fixedOrigin: configFile })).table;
}

const program = new Command('aibridge')
  .description('AI Bridge: a local gateway that records what AI coding tools send to OpenAI, Anthropic and Bedrock')
  .version(appVersion())
  .option('--data-dir <dir>', 'data folder (env AIBRIDGE_DATA_DIR; default: the OS app-data folder)')
  .option('--config <file>', 'YAML config file with settings under "aibridge:" (env AIBRIDGE_CONFIG)')
  .showHelpAfterError()
  .exitOverride();

addSettingOptions(program.command('serve').description('run the gateway and the dashboard')).action(async (_opts, cmd: Command) => {
  const argv = process.argv.slice(process.argv.indexOf('serve') + 1);
  const app = await startApp({ argv: withGlobals(argv, cmd) });
  // Human lines on stdout, or JSON log lines when stdout is the --log-json stream (src/serve-banner.ts).
  const say = announceServe(app, { stdout: process.stdout, stderr: process.stderr, env: process.env });
  let stopping = false;
  const stop = (sig: string) => {
    if (stopping) return;
    stopping = true;
    // Where the start-up lines went: stderr may be the JSON log (`--log-json /dev/stderr`).
    say(`${sig}: stopping, flushing records…`);
    void app.close().then(() => process.exit(0));
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
});

/** `--data-dir`/`--config` given before `serve` belong to serve too. */
function withGlobals(argv: string[], cmd: Command): string[] {
  const o = cmd.optsWithGlobals<{ dataDir?: string; config?: string }>();
  const out = [...argv];
  if (o.dataDir && !argv.includes('--data-dir')) out.push('--data-dir', o.dataDir);
  if (o.config && !argv.includes('--config')) out.push('--config', o.config);
  return out;
}

const tokens = program.command('tokens').description('bridge tokens for your coding tools');

/** The budget flags of `tokens create` / `tokens budget` (SPEC §11) and the budget field each sets. */
const BUDGET_FLAGS: { flag: string; key: 'budgetUsdDay' | 'budgetUsdMonth' | 'budgetTokensDay'; kind: BudgetKind; help: string }[] = [
  { flag: '--budget-usd-day <usd>', key: 'budgetUsdDay', kind: 'usd_per_day', help: 'USD per local day' },
  { flag: '--budget-usd-month <usd>', key: 'budgetUsdMonth', kind: 'usd_per_month', help: 'USD per local calendar month' },
  { flag: '--budget-tokens-day <n>', key: 'budgetTokensDay', kind: 'tokens_per_day', help: 'tokens per local day (input + output, cache reads and writes included)' },
];
type BudgetOpts = Partial<Record<(typeof BUDGET_FLAGS)[number]['key'], string>>;

function withBudgetFlags(cmd: Command, none: boolean): Command {
  for (const f of BUDGET_FLAGS) cmd.option(f.flag, none ? `${f.help}; "none" removes this limit` : f.help);
  return cmd;
}

/**
 * The budget the flags ask for, starting from `base` (a flag replaces its limit; `none` removes it);
 * null when no limit is left. Checked like the admin API's (exit 2 with the reason).
 */
function budgetFromFlags(o: BudgetOpts, base: Budget | null): Budget | null {
  const raw: Record<string, unknown> = { ...(base ?? {}) };
  for (const f of BUDGET_FLAGS) {
    const v = o[f.key];
    if (v === undefined) continue;
    raw[f.kind] = v.trim().toLowerCase() === 'none' ? null : v;
  }
  try {
    return parseBudget(raw);
  } catch (err) {
    const flag = BUDGET_FLAGS.find((f) => (err as Error).message.includes(f.kind))?.flag.split(' ')[0];
    throw new UsageError(flag ? `${flag}: ${(err as Error).message}` : (err as Error).message);
  }
}

/** "USD 5/day, USD 100/month, 2000000 tokens/day", or "none". */
function budgetText(b: Budget | null): string {
  if (!b) return 'none';
  const parts: string[] = [];
  if (b.usd_per_day !== null) parts.push(`USD ${b.usd_per_day}/day`);
  if (b.usd_per_month !== null) parts.push(`USD ${b.usd_per_month}/month`);
  if (b.tokens_per_day !== null) parts.push(`${b.tokens_per_day} tokens/day`);
  return parts.join(', ');
}

withBudgetFlags(
  tokens
    .command('create')
    .description('make a bridge token; the token is printed once, alone on the last line')
    .requiredOption('--name <name>', 'who or what uses it (e.g. alice, ci)'),
  false,
).action(async (o: { name: string } & BudgetOpts, cmd: Command) => {
  const budget = budgetFromFlags(o, null);
  const store = new TokenStore(dataDirOf(cmd));
  const { info, token } = await store.create(o.name, budget);
  const limits = budget ? ` with budget ${budgetText(budget)}` : '';
  process.stdout.write(`created token "${info.name}" (id ${info.id})${limits}; copy it now, it is not shown again:\n${token}\n`);
});
withBudgetFlags(
  tokens
    .command('budget')
    .argument('<id-or-name>')
    .description('set or clear a token\'s budget (limits not named keep their value); without flags, print it. A running server applies it within a second')
    .option('--clear', 'remove the whole budget'),
  true,
).action(async (idOrName: string, o: { clear?: boolean } & BudgetOpts, cmd: Command) => {
  const store = new TokenStore(dataDirOf(cmd));
  const given = BUDGET_FLAGS.some((f) => o[f.key] !== undefined);
  if (o.clear && given) throw new UsageError('--clear removes the whole budget: give it alone, or name the limits to set');
  const current = store.list().find((t) => t.id === idOrName) ?? store.list().find((t) => t.name === idOrName && !t.revoked_at);
  if (!current) throw new TokenError(`no token with id or name "${idOrName}"`, 404);
  if (!o.clear && !given) {
    process.stdout.write(`token "${current.name}" (id ${current.id}) budget: ${budgetText(current.budget)}\n`);
    return;
  }
  const info = await store.setBudget(current.id, o.clear ? null : budgetFromFlags(o, current.budget));
  process.stdout.write(`token "${info.name}" (id ${info.id}) budget: ${budgetText(info.budget)}\n`);
});
tokens
  .command('list')
  .description('list bridge tokens (never the tokens themselves)')
  .option('--json', 'print JSON')
  .action((o: { json?: boolean }, cmd: Command) => {
    const list = new TokenStore(dataDirOf(cmd)).list();
    if (o.json) {
      process.stdout.write(JSON.stringify(list, null, 2) + '\n');
      return;
    }
    if (!list.length) {
      process.stdout.write('no tokens yet: aibridge tokens create --name NAME\n');
      return;
    }
    for (const t of list) {
      const state = t.revoked_at ? `revoked ${t.revoked_at}` : `last used ${t.last_used_at ?? 'never'}`;
      const budget = t.budget && !t.revoked_at ? `  budget ${budgetText(t.budget)}` : '';
      process.stdout.write(`${t.id}  ${t.name.padEnd(20)} ${t.prefix}…  created ${t.created_at}  ${state}${budget}\n`);
    }
  });
tokens
  .command('revoke')
  .argument('<id-or-name>')
  .description('revoke a token; a running server refuses it within a second')
  .action(async (idOrName: string, _o: unknown, cmd: Command) => {
    const info = await new TokenStore(dataDirOf(cmd)).revoke(idOrName);
    process.stdout.write(`revoked token "${info.name}" (id ${info.id})\n`);
  });

/**
 * The URL `serve` would listen on for this data dir: env, `--config` and the saved settings (SPEC
 * §16), so `AIBRIDGE_PORT=N aibridge connect …` points at a server on port N. A wildcard listen
 * address is reached through loopback.
 */
function bridgeUrlOf(dataDir: string, cmd: Command): string {
  const o = cmd.optsWithGlobals<{ config?: string }>();
  const fixed = loadFixedLayer({ flags: {}, env: process.env, configFile: o.config ?? (process.env['AIBRIDGE_CONFIG'] || undefined) });
  const { enabled: _switch, ...readOnly } = fixed;
  const s = new ConfigService(dataDir, readOnly, fileSecretStore(dataDir)).get();
  const host = ['0.0.0.0', '::', '[::]', ''].includes(s.host) ? '127.0.0.1' : s.host;
  return `http://${host.includes(':') && !host.startsWith('[') ? `[${host}]` : host}:${s.port}`;
}

program
  .command('connect')
  .description('point Claude Code or Codex at this bridge: makes a token and writes the client\'s own config (SPEC §16)')
  .argument('[client]', 'claude-code or codex')
  .option('--token-name <name>', 'name of the bridge token made for the client (default: the client)')
  .option('--home <dir>', 'home folder whose client config is edited (default: yours)')
  .option('--undo', 'restore the client\'s config file as it was before, byte for byte, and revoke its token')
  .option('--status', 'say which clients point at this bridge')
  .action(async (client: string | undefined, o: { tokenName?: string; home?: string; undo?: boolean; status?: boolean }, cmd: Command) => {
    const dataDir = dataDirOf(cmd);
    const ctx: ConnectContext = {
      dataDir,
      home: resolve(o.home ?? homedir()),
      codexHome: o.home === undefined && process.env['CODEX_HOME'] ? resolve(process.env['CODEX_HOME']) : undefined,
      bridgeUrl: bridgeUrlOf(dataDir, cmd),
      tokens: new TokenStore(dataDir),
    };
    if (o.status) {
      for (const st of client === undefined ? connectStatusAll(ctx) : [connectStatus(ctx, clientArg(client))]) {
        const state = st.error ? `cannot read: ${st.error}` : st.points_here ? `connected to ${ctx.bridgeUrl}` : 'not connected to this bridge';
        process.stdout.write(`${st.client.padEnd(12)} ${state}${st.connected ? ` (token "${st.token_name}", since ${st.connected_at}; undo: aibridge connect ${st.client} --undo)` : ''}\n  ${st.file}\n`);
      }
      return;
    }
    if (client === undefined) throw new UsageError('name a client: aibridge connect claude-code|codex (or --status)');
    const c = clientArg(client);
    if (o.undo) {
      const st = await undoConnect(ctx, c);
      process.stdout.write(`${st.label}: ${st.file} restored as it was before connecting; its bridge token is revoked\n`);
      return;
    }
    const st = await connectClient(ctx, c, { tokenName: o.tokenName });
    process.stdout.write(
      `${st.label} now goes through the bridge at ${ctx.bridgeUrl} (token "${st.token_name}"): wrote ${st.file}\n` +
        `the previous file is kept; undo with: aibridge connect ${c} --undo\n`,
    );
  });

function clientArg(client: string): ConnectClient {
  if (!isConnectClient(client)) throw new UsageError(`unknown client "${client}": use claude-code or codex`);
  return client;
}

program
  .command('interceptions')
  .description('recorded interceptions')
  .command('list')
  .description('print interceptions as a JSON array, newest first')
  .option('--provider <p>')
  .option('--model <m>')
  .option('--initiator <name>')
  .option('--client <c>')
  .option('--status <s>')
  .option('--search <text>', 'only records holding every word of TEXT in prompts, tools, thoughts or errors')
  .option('--session <id>', 'only the calls of this client session')
  .option('--started-after <time>', 'RFC 3339')
  .option('--started-before <time>', 'RFC 3339')
  .option('--limit <n>', '1–1000', '100')
  .option('--after-id <id>', 'paging cursor')
  .option('--include-in-flight')
  .action(async (o: Record<string, string | boolean | undefined>, cmd: Command) => {
    const dir = dataDirOf(cmd);
    const store = await openInterceptionStore({ dir, readOnly: true });
    try {
      const q = listQuery(
        {
          provider: o['provider'],
          model: o['model'],
          initiator: o['initiator'],
          client: o['client'],
          status: o['status'],
          q: o['search'],
          session: o['session'],
          started_after: o['startedAfter'],
          started_before: o['startedBefore'],
          limit: o['limit'],
          after_id: o['afterId'],
          include_in_flight: o['includeInFlight'] ? 'true' : undefined,
        },
        retentionCutoff(dir, cmd),
      );
      // The whole page asked for (no byte budget: this is the user's own process), written a
      // record at a time so a page of large records never has to fit in one string.
      const page = await store.list({ ...q, maxBytes: Number.POSITIVE_INFINITY });
      // The price catalog is loaded only when there is something to price.
      const prices = page.results.length === 0 ? undefined : await cliPrices(dir, cmd);
      if (page.results.length === 0 || !prices) process.stdout.write('[]\n');
      else {
        page.results.forEach((rec, i) => {
          process.stdout.write((i === 0 ? '[\n  ' : ',\n  ') + JSON.stringify(withCost(rec, prices), null, 2).replace(/\n/g, '\n  '));
        });
        process.stdout.write('\n]\n');
      }
    } finally {
      await store.close();
    }
  });

program
  .command('export')
  .description('write stored records as structured log lines (SPEC §7), for a SIEM')
  .requiredOption('--out <file>', 'output file (- for stdout)')
  .option('--since <dur-or-time>', 'e.g. 1h, 7d or an RFC 3339 time')
  .option('--until <time>', 'RFC 3339 time or duration ago')
  .option('--format <jsonl|ecs|ocsf>', 'jsonl (the log lines as is), ecs (Elastic Common Schema) or ocsf (one OCSF API Activity event per interception)', 'jsonl')
  .action(async (o: { out: string; since?: string; until?: string; format: string }, cmd: Command) => {
    if (o.format !== 'jsonl' && o.format !== 'ecs' && o.format !== 'ocsf') throw new UsageError(`--format must be jsonl, ecs or ocsf, not "${o.format}"`);
    const { since, until } = timeRange({ since: o.since, until: o.until }, Date.now(), undefined, '--');
    const dir = dataDirOf(cmd);
    const store = await openInterceptionStore({ dir, readOnly: true });
    try {
      const { key, reason } = cliChainKey(dir);
      if (reason) process.stderr.write(`aibridge: the export is chained but not signed: ${reason}\n`);
      const signer = key ? ed25519Signer(key.privateKey) : undefined;
      const n = await exportToFile(store, { format: o.format, since, until, retentionCutoff: retentionCutoff(dir, cmd), loadPrices: () => cliPrices(dir, cmd), signer }, o.out);
      process.stderr.write(`exported ${n} lines to ${o.out}\n`);
    } finally {
      await store.close();
    }
  });

program
  .command('public-key')
  .description('print the PEM public key that checks the log chain\'s signed checkpoints (SPEC §13)')
  .action((_o: unknown, cmd: Command) => {
    process.stdout.write(readPublicKeyPem(dataDirOf(cmd)));
  });

program
  .command('verify')
  .argument('<file...>', 'log files (their rotated siblings come along) or exports')
  .option('--public-key <pem>', 'PEM file (or PEM text) of the key that signed the checkpoints; default: this install\'s key')
  .description('check the chain and signed checkpoints of log files or exports; exit 0 when all holds, 1 naming file, line and break')
  .action(async (files: string[], o: { publicKey?: string }, cmd: Command) => {
    let pem: string;
    if (o.publicKey) {
      pem = o.publicKey.includes('-----BEGIN') ? o.publicKey : readFileSync(o.publicKey, 'utf8');
    } else {
      const dir = resolveDataDir(cmd.optsWithGlobals<{ dataDir?: string }>().dataDir);
      try {
        pem = readFileSync(join(dir, PUBLIC_KEY_FILE), 'utf8');
      } catch {
        throw new UsageError(`no public key: pass --public-key PEM (this install has no ${join(dir, PUBLIC_KEY_FILE)} yet)`);
      }
    }
    let key;
    try {
      key = createPublicKey(pem);
    } catch (err) {
      throw new UsageError(`--public-key: not a PEM public key: ${(err as Error).message}`);
    }
    let chains;
    try {
      chains = await verifyFiles(files, key);
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    const { text, ok } = formatVerification(chains, key);
    process.stdout.write(text);
    process.exitCode = ok ? 0 : 1;
  });

program
  .command('admin-token')
  .description('print the admin token (dashboard and admin API)')
  .action((_o: unknown, cmd: Command) => {
    process.stdout.write(loadAdminToken(dataDirOf(cmd), process.env) + '\n');
  });

try {
  await program.parseAsync(foldCoderFlags(process.argv.slice(2)), { from: 'user' });
} catch (err) {
  if (err instanceof CommanderError) process.exit(err.exitCode);
  if (err instanceof ConfigError) {
    process.stderr.write(`aibridge: configuration error: ${err.message}\n`);
    process.exit(2);
  }
  if (err instanceof PortInUseError) {
    process.stderr.write(`aibridge: ${err.message}; pick another with --port (or AIBRIDGE_PORT)\n`);
    process.exit(1);
  }
  if (err instanceof TokenError || err instanceof UsageError || err instanceof QueryError || err instanceof ConnectError) {
    process.stderr.write(`aibridge: ${err.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`aibridge: ${(err as Error).message ?? String(err)}\n`);
  process.exit(1);
}
