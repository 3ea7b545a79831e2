/**
 * Bridge tokens (SPEC §2, §4): kept only as SHA-256 hashes in `tokens.json` (lowdb), shown once at
 * creation. The CLI and a running server share the file: the server re-reads it when its mtime
 * changes (checked every 250 ms), so a token created or revoked by the CLI counts within 1 s.
 * Last use is kept apart in `token-usage.json` so the server never rewrites the token list.
 */
import { hash, randomBytes, randomUUID } from 'node:crypto';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { LowSync } from 'lowdb';
import { JSONFileSync } from 'lowdb/node';

interface TokenRow {
  id: string;
  name: string;
  /** sha256(token) hex — the token itself is never stored. */
  hash: string;
  /** First characters, to recognise a token in a list without revealing it. */
  prefix: string;
  created_at: string;
  revoked_at: string | null;
}

/** What the API and CLI show of a token. */
export interface TokenInfo {
  id: string;
  name: string;
  prefix: string;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
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

const TOKEN_PREFIX = 'abr_';

export function hashToken(token: string): string {
  // One-shot digest: a third of createHash().update().digest()'s cost (runs on every request).
  return hash('sha256', token, 'hex');
}

export class TokenStore {
  private readonly db: LowSync<{ tokens: TokenRow[] }>;
  private readonly usage: LowSync<Record<string, string>>;
  private readonly path: string;
  private byHash = new Map<string, TokenRow>();
  private mtimeMs = -1;
  /** Last use (epoch ms) per token id since the last flush; turned into ISO text when read or written. */
  private lastUsed = new Map<string, number>();
  private timers: NodeJS.Timeout[] = [];

  constructor(
    dataDir: string,
    private readonly opts: { now?: () => number; watch?: boolean } = {},
  ) {
    this.path = join(dataDir, 'tokens.json');
    this.db = new LowSync(new JSONFileSync<{ tokens: TokenRow[] }>(this.path), { tokens: [] });
    this.usage = new LowSync(new JSONFileSync<Record<string, string>>(join(dataDir, 'token-usage.json')), {});
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

  private reload(): void {
    this.db.read();
    this.mtimeMs = this.statMtime();
    this.byHash = new Map(this.db.data.tokens.filter((t) => !t.revoked_at).map((t) => [t.hash, t]));
  }

  private statMtime(): number {
    try {
      return statSync(this.path).mtimeMs;
    } catch {
      return -1;
    }
  }

  /** Picks up changes another process (the CLI) made. Cheap: one stat. */
  reloadIfChanged(): void {
    if (this.statMtime() !== this.mtimeMs) this.reload();
  }

  create(name: string): { info: TokenInfo; token: string } {
    const clean = name.trim();
    if (!clean) throw new TokenError('a token needs a name (--name NAME)', 400);
    if (clean.length > 100) throw new TokenError('a token name is at most 100 characters', 400);
    this.reload();
    if (this.db.data.tokens.some((t) => t.name === clean && !t.revoked_at)) {
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
    };
    this.db.data.tokens.push(row);
    this.db.write();
    this.reload();
    return { info: this.info(row), token };
  }

  list(): TokenInfo[] {
    this.reloadIfChanged();
    this.usage.read();
    return this.db.data.tokens.map((t) => this.info(t));
  }

  /** Revokes by id or by name (the active token of that name). */
  revoke(idOrName: string): TokenInfo {
    this.reload();
    const row =
      this.db.data.tokens.find((t) => t.id === idOrName) ??
      this.db.data.tokens.find((t) => t.name === idOrName && !t.revoked_at);
    if (!row) throw new TokenError(`no token with id or name "${idOrName}"`, 404);
    if (!row.revoked_at) {
      row.revoked_at = this.now();
      this.db.write();
      this.reload();
    }
    return this.info(row);
  }

  /** The active token's id and name, or undefined for an unknown or revoked token. Hot path. */
  verify(token: string): { id: string; name: string } | undefined {
    const row = this.byHash.get(hashToken(token));
    if (!row) return undefined;
    this.lastUsed.set(row.id, (this.opts.now ?? Date.now)());
    return { id: row.id, name: row.name };
  }

  private info(t: TokenRow): TokenInfo {
    return {
      id: t.id,
      name: t.name,
      prefix: t.prefix,
      created_at: t.created_at,
      last_used_at: this.lastUsedIso(t.id) ?? this.usage.data[t.id] ?? null,
      revoked_at: t.revoked_at,
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
