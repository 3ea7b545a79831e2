/**
 * TokenStore over real files in a temp folder (issue #13: a corrupt tokens.json, parallel writers;
 * issue #19: a token made by another process counts on the very next call). Two stores on one
 * folder stand for the server (watching) and the CLI (one-shot), as in production.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TokenError, TokenStore } from '../../../src/store/tokens.js';

let dir: string;
const stores: TokenStore[] = [];
const open = (opts: ConstructorParameters<typeof TokenStore>[1] = {}) => {
  const s = new TokenStore(dir, opts);
  stores.push(s);
  return s;
};
const file = () => join(dir, 'tokens.json');

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'abr-tokens-'));
});
afterEach(() => {
  for (const s of stores.splice(0)) s.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('a corrupt tokens.json', () => {
  for (const bad of ['{"tokens": [', '{"tokens":null}', 'null', '{"tokens":[{"id":1}]}']) {
    it(`${bad}: the server keeps its last good set, warns once, and recovers when the file is fixed`, async () => {
      const warnings: string[] = [];
      const infos: string[] = [];
      const server = open({ warn: (m) => warnings.push(m), info: (m) => infos.push(m) });
      const { token, info } = await server.create('alice');
      expect(server.verify(token)?.id).toBe(info.id);
      const good = readFileSync(file(), 'utf8');

      writeFileSync(file(), bad);
      expect(() => server.reloadIfChanged()).not.toThrow();
      server.reloadIfChanged();
      server.reloadIfChanged();
      expect(server.verify(token)?.id).toBe(info.id);
      expect(server.list().map((t) => t.name)).toEqual(['alice']);
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toContain('tokens.json cannot be read');
      expect(warnings[0]).toContain('keeping the 1 active token(s)');
      expect(warnings.join()).not.toContain(token);

      // Writers refuse rather than replace the file with only their own token.
      await expect(server.create('bob')).rejects.toThrow(/cannot be read .*nothing was changed/);
      const cli = open();
      await expect(cli.revoke('alice')).rejects.toBeInstanceOf(TokenError);
      expect(() => cli.list()).toThrow(/tokens\.json cannot be read/);
      expect(readFileSync(file(), 'utf8')).toBe(bad);

      // Fixed (here: the good content back, plus a token made meanwhile elsewhere) → picked up.
      writeFileSync(file(), good);
      server.reloadIfChanged();
      expect(infos.join()).toContain('readable again');
      const bob = await open().create('bob');
      server.reloadIfChanged();
      expect(server.verify(bob.token)?.name).toBe('bob');
      expect(server.verify(token)?.name).toBe('alice');
    });
  }

  it('a server that starts on a corrupt file starts with no tokens and picks them up once it is fixed', async () => {
    const warnings: string[] = [];
    const { token } = await open().create('alice');
    const good = readFileSync(file(), 'utf8');
    writeFileSync(file(), '{"tokens":');
    const server = open({ warn: (m) => warnings.push(m) });
    expect(server.verify(token)).toBeUndefined();
    expect(warnings).toHaveLength(1);
    writeFileSync(file(), good);
    expect(await server.verifyFresh(token)).toMatchObject({ name: 'alice' });
  });
});

describe('writers across processes', () => {
  it('parallel creates from separate stores all land; the file is 0600', async () => {
    const writers = Array.from({ length: 16 }, () => open());
    const made = await Promise.all(writers.map((w, i) => w.create(`t${i}`)));
    const rows = (JSON.parse(readFileSync(file(), 'utf8')) as { tokens: Array<{ name: string }> }).tokens;
    expect(rows.map((r) => r.name).sort()).toEqual(made.map((m) => m.info.name).sort());
    expect(rows).toHaveLength(16);
    const reader = open();
    for (const m of made) expect(reader.verify(m.token)?.id).toBe(m.info.id);
    if (process.platform !== 'win32') expect(statSync(file()).mode & 0o777).toBe(0o600);
  });

  it('a name taken in another process is refused (the check runs under the lock, on the file)', async () => {
    const a = open();
    const b = open();
    await a.create('same');
    await expect(b.create('same')).rejects.toThrow(/already exists/);
    await b.revoke('same');
    expect((await a.create('same')).info.name).toBe('same');
  });
});

describe('a token made elsewhere counts on the very next call (issue #19)', () => {
  it('verifyFresh re-reads the file on an unknown token', async () => {
    const server = open({ watch: true });
    const { token } = await open().create('fresh');
    expect(await server.verifyFresh(token)).toMatchObject({ name: 'fresh' });
  });

  it('right after another unknown token (inside the rate limit) the fresh token waits for the next look, it is not refused', async () => {
    const server = open();
    expect(await server.verifyFresh('abr_unknown')).toBeUndefined();
    const { token } = await open().create('second');
    const many = await Promise.all([
      server.verifyFresh(token),
      ...Array.from({ length: 50 }, (_, i) => server.verifyFresh(`abr_flood_${i}`)),
    ]);
    expect(many[0]).toMatchObject({ name: 'second' });
    expect(many.slice(1).every((r) => r === undefined)).toBe(true);
  });

  it('a token revoked elsewhere is refused from the next poll on (SPEC §2: within 1 s), verifyFresh too', async () => {
    const server = open();
    const { token } = await server.create('gone');
    await open().revoke('gone');
    server.reloadIfChanged(); // what the 250 ms timer does
    expect(server.verify(token)).toBeUndefined();
    expect(await server.verifyFresh(token)).toBeUndefined();
  });
});
