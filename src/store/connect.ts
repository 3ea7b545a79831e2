/**
 * `aibridge connect claude-code|codex` (SPEC §16, issue #19): makes a bridge token for a client and
 * writes the client's own configuration so that a new `claude` / `codex` goes through the bridge
 * with no environment to export:
 * - Claude Code: `~/.claude/settings.json` → `env.ANTHROPIC_BASE_URL` and `env.ANTHROPIC_AUTH_TOKEN`
 *   (sent as `Authorization: Bearer`; unlike `ANTHROPIC_API_KEY` it needs no interactive approval —
 *   ../shared/CLIENTS.md). An `env.ANTHROPIC_API_KEY` there is removed while connected.
 * - Codex: `~/.codex/config.toml` (or `$CODEX_HOME/config.toml`) → `model_provider = "aibridge"`
 *   (a top-level key) and `[model_providers.aibridge]` with `wire_api = "responses"` and the token
 *   as `experimental_bearer_token` (an `env_key` would need an exported variable).
 * Files are edited, not rewritten: jsonc-parser and @decimalturn/toml-patch keep every other key,
 * comment and table as they were. The file as it was before the first connect is kept in the data
 * dir (`connect/<client>.json`, 0600: it may hold the user's own keys) and `undo` puts it back byte
 * for byte (or removes the file when there was none), then revokes the client's token.
 *
 * Lives in src/store/ so both the CLI and the admin API (the dashboard, the tray) use it.
 */
import { chmodSync, mkdirSync, readdirSync, readFileSync, rmdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { applyEdits, modify, parse as parseJsonc, type ParseError } from 'jsonc-parser';
import { parse as parseToml, patch as patchToml } from '@decimalturn/toml-patch';
import { readOptionalFile, writePrivateFile } from './private-file.js';
import type { TokenStore } from './tokens.js';

export const CONNECT_CLIENTS = ['claude-code', 'codex'] as const;
export type ConnectClient = (typeof CONNECT_CLIENTS)[number];

const LABEL: Record<ConnectClient, string> = { 'claude-code': 'Claude Code', codex: 'Codex' };
/** The Codex model provider id we write. */
export const CODEX_PROVIDER = 'aibridge';

export class ConnectError extends Error {
  constructor(
    message: string,
    readonly status: 400 | 404 | 409,
  ) {
    super(message);
    this.name = 'ConnectError';
  }
}

export interface ConnectContext {
  dataDir: string;
  /** The home folder whose client configuration is edited (`--home`, else the user's). */
  home: string;
  /** Codex's folder when it is not `<home>/.codex` (`$CODEX_HOME` without `--home`). */
  codexHome?: string;
  /** `http://HOST:PORT` of this bridge. */
  bridgeUrl: string;
  tokens: Pick<TokenStore, 'create' | 'revoke' | 'list'>;
  now?: () => number;
}

/** What `--status`, `GET /api/v1/connect` and the dashboard show for one client. */
export interface ConnectStatus {
  client: ConnectClient;
  label: string;
  /** The configuration file we edit. */
  file: string;
  /** The file currently sends the client to this bridge. */
  points_here: boolean;
  /** A backup exists: `undo` can restore the file as it was before connecting. */
  connected: boolean;
  connected_at: string | null;
  /** Name of the bridge token made for the client (never the token). */
  token_name: string | null;
  /** Why the file could not be read, if it cannot. */
  error: string | null;
}

interface Backup {
  file: string;
  existed: boolean;
  /** The file's bytes before the first connect, base64. */
  content: string;
  mode: number | null;
  /** Folders we created to hold the file (removed on undo when empty). */
  created_dirs: string[];
  token_id: string;
  token_name: string;
  connected_at: string;
}

export function isConnectClient(s: string): s is ConnectClient {
  return (CONNECT_CLIENTS as readonly string[]).includes(s);
}

export function clientFile(ctx: ConnectContext, client: ConnectClient): string {
  return client === 'claude-code' ? join(ctx.home, '.claude', 'settings.json') : join(ctx.codexHome ?? join(ctx.home, '.codex'), 'config.toml');
}

const anthropicBase = (url: string) => `${url}/anthropic`;
const openaiBase = (url: string) => `${url}/openai/v1`;

// ---------- the two file formats ----------

function jsonObject(text: string, file: string): Record<string, unknown> {
  if (text.trim() === '') return {};
  const errors: ParseError[] = [];
  const doc = parseJsonc(text, errors, { allowTrailingComma: true }) as unknown;
  if (errors.length || typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    throw new ConnectError(`${file} is not a JSON object; fix it (or move it away) and connect again`, 409);
  }
  return doc as Record<string, unknown>;
}

function indentOf(text: string): { insertSpaces: boolean; tabSize: number } {
  const m = /\n([ \t]+)"/.exec(text);
  if (!m?.[1]) return { insertSpaces: true, tabSize: 2 };
  return m[1].startsWith('\t') ? { insertSpaces: false, tabSize: 1 } : { insertSpaces: true, tabSize: m[1].length };
}

function writeClaude(text: string, file: string, bridgeUrl: string, token: string): string {
  const doc = jsonObject(text, file);
  const env = doc['env'];
  if (env !== undefined && (typeof env !== 'object' || env === null || Array.isArray(env))) {
    throw new ConnectError(`${file}: "env" is not an object; fix it and connect again`, 409);
  }
  let out = text.trim() === '' ? '{}\n' : text;
  const eol = out.includes('\r\n') ? '\r\n' : '\n';
  const opts = { formattingOptions: { ...indentOf(out), eol } };
  const set = (key: string, value: string | undefined) => {
    out = applyEdits(out, modify(out, ['env', key], value, opts));
  };
  set('ANTHROPIC_BASE_URL', anthropicBase(bridgeUrl));
  set('ANTHROPIC_AUTH_TOKEN', token);
  if (env && 'ANTHROPIC_API_KEY' in env) set('ANTHROPIC_API_KEY', undefined);
  return out;
}

function claudePointsHere(text: string, file: string, bridgeUrl: string): boolean {
  const env = jsonObject(text, file)['env'] as Record<string, unknown> | undefined;
  return env?.['ANTHROPIC_BASE_URL'] === anthropicBase(bridgeUrl) && typeof env['ANTHROPIC_AUTH_TOKEN'] === 'string';
}

function tomlObject(text: string, file: string): Record<string, unknown> {
  try {
    return parseToml(text) as Record<string, unknown>;
  } catch (err) {
    throw new ConnectError(`${file} is not valid TOML (${(err as Error).message.split('\n')[0]}); fix it and connect again`, 409);
  }
}

function writeCodex(text: string, file: string, bridgeUrl: string, token: string): string {
  const doc = tomlObject(text, file);
  const providers = (doc['model_providers'] ?? {}) as Record<string, unknown>;
  const updated = {
    ...doc,
    model_provider: CODEX_PROVIDER,
    model_providers: {
      ...providers,
      [CODEX_PROVIDER]: { name: 'AI Bridge', base_url: openaiBase(bridgeUrl), wire_api: 'responses', experimental_bearer_token: token },
    },
  };
  // New tables as [sections] (not inline) two levels down: [model_providers.aibridge].
  return patchToml(text, updated, { inlineTableStart: 3 });
}

function codexPointsHere(text: string, file: string, bridgeUrl: string): boolean {
  const doc = tomlObject(text, file);
  const p = (doc['model_providers'] as Record<string, Record<string, unknown>> | undefined)?.[CODEX_PROVIDER];
  return doc['model_provider'] === CODEX_PROVIDER && p?.['base_url'] === openaiBase(bridgeUrl) && p['wire_api'] === 'responses';
}

// ---------- backups ----------

const backupPath = (ctx: ConnectContext, client: ConnectClient) => join(ctx.dataDir, 'connect', `${client}.json`);

function readBackup(ctx: ConnectContext, client: ConnectClient): Backup | undefined {
  const text = readOptionalFile(backupPath(ctx, client));
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as Backup;
  } catch {
    throw new ConnectError(`${backupPath(ctx, client)} is damaged; the original ${LABEL[client]} file cannot be restored from it`, 409);
  }
}

/** The folders `mkdir -p` would create for `dir`, outermost first. */
function missingDirs(dir: string): string[] {
  const out: string[] = [];
  for (let d = dir; ; d = dirname(d)) {
    try {
      statSync(d);
      break;
    } catch {
      out.unshift(d);
    }
    if (dirname(d) === d) break;
  }
  return out;
}

// ---------- the three operations ----------

export function connectStatus(ctx: ConnectContext, client: ConnectClient): ConnectStatus {
  const file = clientFile(ctx, client);
  const backup = readBackup(ctx, client);
  let pointsHere = false;
  let error: string | null = null;
  try {
    const text = readOptionalFile(file);
    if (text !== undefined) pointsHere = client === 'claude-code' ? claudePointsHere(text, file, ctx.bridgeUrl) : codexPointsHere(text, file, ctx.bridgeUrl);
  } catch (err) {
    error = (err as Error).message;
  }
  return {
    client,
    label: LABEL[client],
    file,
    points_here: pointsHere,
    connected: backup !== undefined,
    connected_at: backup?.connected_at ?? null,
    token_name: backup?.token_name ?? null,
    error,
  };
}

/** One-click client setup (SPEC §16) with this gateway's URL: what the admin API and the tray use. */
export interface ConnectApi {
  status(): ConnectStatus[];
  connect(client: ConnectClient, tokenName?: string): Promise<ConnectStatus>;
  undo(client: ConnectClient): Promise<ConnectStatus>;
}

/**
 * {@link ConnectApi} for a running gateway: the client is pointed at `bridgeUrl()` as it is at the
 * call — the address a browser or client on this machine opens (the app's `loginBase`: a wildcard
 * listen address through loopback).
 */
export function connectApi(base: Omit<ConnectContext, 'bridgeUrl'>, bridgeUrl: () => string): ConnectApi {
  const ctx = (): ConnectContext => ({ ...base, bridgeUrl: bridgeUrl() });
  return {
    status: () => connectStatusAll(ctx()),
    connect: (client, tokenName) => connectClient(ctx(), client, { tokenName }),
    undo: (client) => undoConnect(ctx(), client),
  };
}

export function connectStatusAll(ctx: ConnectContext): ConnectStatus[] {
  return CONNECT_CLIENTS.map((c) => connectStatus(ctx, c));
}

/**
 * Makes a token for the client and points its configuration at the bridge. Connecting again
 * replaces the token (the earlier one is revoked) and keeps the first backup.
 */
export async function connectClient(ctx: ConnectContext, client: ConnectClient, opts: { tokenName?: string } = {}): Promise<ConnectStatus> {
  const file = clientFile(ctx, client);
  const raw = readBytes(file);
  const before = raw?.toString('utf8');
  const previous = readBackup(ctx, client);
  // Check the file before making a token: a file we cannot edit leaves nothing behind.
  if (before !== undefined) void (client === 'claude-code' ? jsonObject(before, file) : tomlObject(before, file));

  const name = (opts.tokenName ?? previous?.token_name ?? client).trim();
  const taken = ctx.tokens.list().find((t) => t.name === name && !t.revoked_at);
  if (taken && taken.id !== previous?.token_id) {
    throw new ConnectError(`a bridge token named "${name}" already exists; pass --token-name NAME (or revoke it first)`, 409);
  }
  if (previous) await ctx.tokens.revoke(previous.token_id).catch(() => undefined);
  const { info, token } = await ctx.tokens.create(name);

  const text = before ?? '';
  const next = client === 'claude-code' ? writeClaude(text, file, ctx.bridgeUrl, token) : writeCodex(text, file, ctx.bridgeUrl, token);
  const createdDirs = missingDirs(dirname(file));
  const backup: Backup = previous
    ? { ...previous, token_id: info.id, token_name: info.name }
    : {
        file,
        existed: raw !== undefined,
        content: raw?.toString('base64') ?? '',
        mode: raw !== undefined ? statSync(file).mode & 0o777 : null,
        created_dirs: createdDirs,
        token_id: info.id,
        token_name: info.name,
        connected_at: new Date((ctx.now ?? Date.now)()).toISOString(),
      };
  mkdirSync(join(ctx.dataDir, 'connect'), { recursive: true, mode: 0o700 });
  writePrivateFile(backupPath(ctx, client), JSON.stringify(backup, null, 2));
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  // The file now holds a bridge token: 0600, like the data dir's own files.
  writePrivateFile(file, next);
  return connectStatus(ctx, client);
}

/** The file's exact bytes, or undefined when there is none. */
function readBytes(file: string): Buffer | undefined {
  try {
    return readFileSync(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** Puts the file back as it was before the first connect and revokes the client's token. */
export async function undoConnect(ctx: ConnectContext, client: ConnectClient): Promise<ConnectStatus> {
  const backup = readBackup(ctx, client);
  if (!backup) throw new ConnectError(`${LABEL[client]} is not connected by this bridge (no backup to restore)`, 404);
  if (backup.existed) {
    mkdirSync(dirname(backup.file), { recursive: true });
    writeFileSync(backup.file, Buffer.from(backup.content, 'base64'));
    if (backup.mode !== null) chmodSync(backup.file, backup.mode);
  } else {
    rmSync(backup.file, { force: true });
    for (const d of [...backup.created_dirs].reverse()) {
      try {
        if (readdirSync(d).length === 0) rmdirSync(d);
      } catch {
        // already gone, or not ours to remove
      }
    }
  }
  await ctx.tokens.revoke(backup.token_id).catch(() => undefined);
  rmSync(backupPath(ctx, client), { force: true });
  return connectStatus(ctx, client);
}
