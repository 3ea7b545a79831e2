/**
 * Bridge tokens (SPEC §2, §4): kept only as SHA-256 hashes in `tokens.json`, shown once at
 * creation. The CLI and a running server share the file:
 * - Writers (`create`, `revoke`, from any process) hold a cross-process lock (proper-lockfile:
 *   `tokens.json.lock`) around read → change → write, and write through a unique temp file,
 *   fsynced, then renamed (src/store/private-file.ts), so parallel `aibridge tokens create` all
 *   land (issue #13: lowdb's fixed temp name lost one of 16).
 * - The server re-reads the file when it changes (checked every 250 ms), and also on an unknown
 *   token before refusing it (at most every {@link MISS_CHECK_MS}; issue #19), so a token created by
 *   the CLI works on the very next call.
 * - A file that cannot be read as a token list (`{"tokens": [`, `{"tokens":null}`) never takes the
 *   server down: it keeps the last good set, logs once, and picks the file up again when it is fixed.
 *   Writers refuse to overwrite it (nothing would be left of the tokens it held).
 * Last use is kept apart in `token-usage.json` so the server never rewrites the token list.
 */
import { hash, randomBytes, randomUUID } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { LowSync } from 'lowdb';
import lockfile from 'proper-lockfile';
import { privateJsonFile, writePrivateFile } from './private-file.js';
import { parseBudget, type Budget } from '../record/budgets.js';

interface TokenRow {
  id: string;
  name: string;
  /** sha256(token) hex — the token itself is never stored. */
  hash: string;
  /** First characters, to recognise a token in a list without revealing it. */
  prefix: string;
  created_at: string;
  revoked_at: string | null;
  /** Spending limits (SPEC §11); absent or null = none. */
  budget?: Budget | null;
}

/** What the API and CLI show of a token. */
export interface TokenInfo {
  id: string;
  name: string;
  prefix: string;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
  /** Spending limits (SPEC §11), or null. */
  budget: Budget | null;
}

export class TokenError extends Error {
  constructor(
    message: string,
    readonly status: 400 | 404 | 409,
  ) {
    super(message);
    this.name = 'TokenError';
  }
}

export const TOKEN_PREFIX = 'abr_';

/** What a bridge token looks like (`abr_` + 24 random bytes, base64url): redaction looks for these. */
export const BRIDGE_TOKEN_PATTERN = /abr_[A-Za-z0-9_-]{32}(?![A-Za-z0-9_-])/g;

export function hashToken(token: string): string {
  // One-shot digest: a third of createHash().update().digest()'s cost (runs on every request).
  return hash('sha256', token, 'hex');
}

/** How often an unknown token may make the server look at `tokens.json` again (issue #19). */
export const MISS_CHECK_MS = 50;

/** The file's identity: a rename gives a new inode, a rewrite a new mtime or size. */
function signatureOf(path: string): string {
  try {
    const st = statSync(path);
    return `${st.ino}:${st.mtimeMs}:${st.size}`;
  } catch {
    return 'missing';
  }
}

/** Parses `tokens.json`; throws with a reason when its content is not a token list. */
function parseTokens(text: string | undefined): TokenRow[] {
  if (text === undefined || text.trim() === '') return [];
  const doc = JSON.parse(text) as unknown;
  const rows = (doc as { tokens?: unknown } | null)?.tokens;
  if (!Array.isArray(rows)) throw new Error('"tokens" is not a list');
  for (const [i, r] of rows.entries()) {
    const row = r as Partial<TokenRow> | null;
    const ok =
      typeof row === 'object' && row !== null && typeof row.id === 'string' && typeof row.name === 'string' &&
      typeof row.hash === 'string' && typeof row.prefix === 'string' && typeof row.created_at === 'string' &&
      (row.revoked_at === null || row.revoked_at === undefined || typeof row.revoked_at === 'string');
    if (!ok) throw new Error(`token #${i + 1} lacks id, name, hash, prefix or created_at`);
  }
  return rows as TokenRow[];
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

export class TokenStore {
  private readonly usage: LowSync<Record<string, string>>;
  private readonly path: string;
  /** The last good token list read from the file. */
  private rows: TokenRow[] = [];
  private byHash = new Map<string, TokenRow>();
  private budgets = new Map<string, Budget>();
  private signature = '';
  /** Set while the file cannot be read: its signature and why. */
  private broken: { signature: string; reason: string } | undefined;
  /** Last use (epoch ms) per token id since the last flush; turned into ISO text when read or written. */
  private lastUsed = new Map<string, number>();
  private timers: NodeJS.Timeout[] = [];
  /** Whether this process ever read a good file (else a broken one is an error, not "no tokens"). */
  private everGood = false;
  private lastMissCheck = -Infinity;
  private missCheck: Promise<void> | undefined;

  constructor(
    dataDir: string,
    private readonly opts: { now?: () => number; watch?: boolean; warn?: (msg: string) => void; info?: (msg: string) => void } = {},
  ) {
    this.path = join(dataDir, 'tokens.json');
    this.usage = new LowSync(privateJsonFile<Record<string, string>>(join(dataDir, 'token-usage.json')), {});
    this.reload();
    this.usage.read();
    if (opts.watch) {
      const t1 = setInterval(() => this.reloadIfChanged(), 250);
      const t2 = setInterval(() => this.flushUsage(), 5000);
      t1.unref();
      t2.unref();
      this.timers.push(t1, t2);
    }
  }

  private now(): string {
    return new Date((this.opts.now ?? Date.now)()).toISOString();
  }

  /**
   * Reads the file; on a bad file keeps the last good set (logged once per bad version of the file).
   * Returns whether the file was good.
   */
  private reload(): boolean {
    const signature = signatureOf(this.path);
    let rows: TokenRow[];
    try {
      rows = parseTokens(readText(this.path));
    } catch (err) {
      this.signature = signature;
      const reason = (err as Error).message;
      if (this.broken?.signature !== signature) {
        this.opts.warn?.(`${this.path} cannot be read (${reason}); keeping the ${this.byHash.size} active token(s) read before, until the file is fixed`);
      }
      this.broken = { signature, reason };
      return false;
    }
    if (this.broken) this.opts.info?.(`${this.path} is readable again (${rows.length} token(s))`);
    this.broken = undefined;
    this.apply(rows, signature);
    return true;
  }

  private apply(rows: TokenRow[], signature: string): void {
    this.rows = rows;
    this.everGood = true;
    this.signature = signature;
    this.byHash = new Map(rows.filter((t) => !t.revoked_at).map((t) => [t.hash, t]));
    // A hand-edited budget that does not parse counts as none (the file stays readable).
    this.budgets = new Map();
    for (const t of rows) {
      if (t.revoked_at || !t.budget) continue;
      try {
        const b = parseBudget(t.budget);
        if (b) this.budgets.set(t.id, b);
      } catch {
        // ignored: see above
      }
    }
  }

  /** Picks up changes another process (the CLI) made. Cheap: one stat. */
  reloadIfChanged(): void {
    if (signatureOf(this.path) !== this.signature) this.reload();
  }

  /**
   * Runs `change` on the current list under the cross-process lock and writes the result
   * (unique temp file, fsync, rename). Refuses when the file cannot be read.
   */
  private async write<T>(change: (rows: TokenRow[]) => { rows: TokenRow[] | undefined; result: T }): Promise<T> {
    let release: () => Promise<void>;
    try {
      release = await lockfile.lock(this.path, {
        realpath: false, // the file may not exist yet
        stale: 10_000,
        // Parallel CLI processes queue up: up to ~30 s in all, starting with short waits.
        retries: { retries: 200, factor: 1.3, minTimeout: 5, maxTimeout: 200, randomize: true },
        onCompromised: (err) => this.opts.warn?.(`the lock on ${this.path} was lost: ${err.message}`),
      });
    } catch (err) {
      throw new TokenError(`${this.path} is locked by another process (${(err as Error).message}); try again`, 409);
    }
    try {
      const signature = signatureOf(this.path);
      let rows: TokenRow[];
      try {
        rows = parseTokens(readText(this.path));
      } catch (err) {
        throw new TokenError(`${this.path} cannot be read (${(err as Error).message}); fix or remove it — nothing was changed`, 409);
      }
      this.apply(rows, signature);
      const out = change(rows.slice());
      if (out.rows) {
        writePrivateFile(this.path, JSON.stringify({ tokens: out.rows }, null, 2));
        this.broken = undefined;
        this.apply(out.rows, signatureOf(this.path));
      }
      return out.result;
    } finally {
      await release();
    }
  }

  async create(name: string, budget: Budget | null = null): Promise<{ info: TokenInfo; token: string }> {
    const clean = name.trim();
    if (!clean) throw new TokenError('a token needs a name (--name NAME)', 400);
    if (clean.length > 100) throw new TokenError('a token name is at most 100 characters', 400);
    return this.write((rows) => {
      if (rows.some((t) => t.name === clean && !t.revoked_at)) {
        throw new TokenError(`a token named "${clean}" already exists; revoke it first or pick another name`, 409);
      }
      const token = TOKEN_PREFIX + randomBytes(24).toString('base64url');
      const row: TokenRow = {
        id: randomUUID(),
        name: clean,
        hash: hashToken(token),
        prefix: token.slice(0, TOKEN_PREFIX.length + 4),
        created_at: this.now(),
        revoked_at: null,
        ...(budget ? { budget } : {}),
      };
      return { rows: [...rows, row], result: { info: this.info(row), token } };
    });
  }

  /**
   * The tokens. A process that has read the file before (the server) shows its last good set
   * while the file is broken; a process that never could (the CLI) gets the error.
   */
  list(): TokenInfo[] {
    this.reloadIfChanged();
    if (this.broken && !this.everGood) {
      throw new TokenError(`${this.path} cannot be read (${this.broken.reason}); fix or remove it`, 409);
    }
    this.usage.read();
    return this.rows.map((t) => this.info(t));
  }

  /** Revokes by id or by name (the active token of that name). */
  async revoke(idOrName: string): Promise<TokenInfo> {
    return this.write((rows) => {
      const i = rows.findIndex((t) => t.id === idOrName);
      const at = i >= 0 ? i : rows.findIndex((t) => t.name === idOrName && !t.revoked_at);
      const row = rows[at];
      if (!row) throw new TokenError(`no token with id or name "${idOrName}"`, 404);
      if (row.revoked_at) return { rows: undefined, result: this.info(row) };
      const revoked = { ...row, revoked_at: this.now() };
      rows[at] = revoked;
      return { rows, result: this.info(revoked) };
    });
  }

  /** Sets (or with null clears) a token's budget, by id or by name (the active token of that name). */
  async setBudget(idOrName: string, budget: Budget | null): Promise<TokenInfo> {
    return this.write((rows) => {
      const i = rows.findIndex((t) => t.id === idOrName);
      const at = i >= 0 ? i : rows.findIndex((t) => t.name === idOrName && !t.revoked_at);
      const row = rows[at];
      if (!row) throw new TokenError(`no token with id or name "${idOrName}"`, 404);
      if (row.revoked_at) throw new TokenError(`token "${row.name}" is revoked`, 409);
      const { budget: _old, ...rest } = row;
      const next: TokenRow = budget ? { ...rest, budget } : rest;
      rows[at] = next;
      return { rows, result: this.info(next) };
    });
  }

  /** An active token's budget (hot path: the budget gate), or undefined. */
  budgetOf(id: string): Budget | undefined {
    return this.budgets.get(id);
  }

  /** The active token's id and name, or undefined for an unknown or revoked token. Hot path. */
  verify(token: string): { id: string; name: string } | undefined {
    const row = this.byHash.get(hashToken(token));
    if (!row) return undefined;
    this.lastUsed.set(row.id, (this.opts.now ?? Date.now)());
    return { id: row.id, name: row.name };
  }

  /**
   * `verify`, and on an unknown token one more look at the file before refusing (a token the CLI
   * created a moment ago). The look is rate-limited: at most one stat every {@link MISS_CHECK_MS}
   * whatever the flood of bad tokens; a refusal in between waits for the next look, so a fresh
   * token is never refused because someone else's bad token came first.
   */
  async verifyFresh(token: string): Promise<{ id: string; name: string } | undefined> {
    const hit = this.verify(token);
    if (hit) return hit;
    await this.lookAgain();
    return this.verify(token);
  }

  private lookAgain(): Promise<void> {
    if (this.missCheck) return this.missCheck;
    const wait = this.lastMissCheck + MISS_CHECK_MS - performance.now();
    const look = () => {
      this.missCheck = undefined;
      this.lastMissCheck = performance.now();
      this.reloadIfChanged();
    };
    if (wait <= 0) {
      look();
      return Promise.resolve();
    }
    this.missCheck = new Promise((done) => setTimeout(() => {
      look();
      done();
    }, wait));
    return this.missCheck;
  }

  /** Whether `token` is an active bridge token (no side effect: not a use of the token). */
  isActive(token: string): boolean {
    return this.byHash.has(hashToken(token));
  }

  private info(t: TokenRow): TokenInfo {
    return {
      id: t.id,
      name: t.name,
      prefix: t.prefix,
      created_at: t.created_at,
      last_used_at: this.lastUsedIso(t.id) ?? this.usage.data[t.id] ?? null,
      revoked_at: t.revoked_at,
      budget: t.revoked_at || !t.budget ? null : t.budget,
    };
  }

  private lastUsedIso(id: string): string | undefined {
    const ms = this.lastUsed.get(id);
    return ms === undefined ? undefined : new Date(ms).toISOString();
  }

  flushUsage(): void {
    if (this.lastUsed.size === 0) return;
    for (const [id, ms] of this.lastUsed) this.usage.data[id] = new Date(ms).toISOString();
    this.lastUsed.clear();
    try {
      this.usage.write();
    } catch {
      // Last-use times are a convenience; never let them break the gateway.
    }
  }

  close(): void {
    for (const t of this.timers) clearInterval(t);
    this.flushUsage();
  }
}
