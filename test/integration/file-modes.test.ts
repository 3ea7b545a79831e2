/**
 * Issue #13, data-dir hygiene: `--data-dir D` leaves an existing D's mode alone (a 1777 folder keeps
 * its sticky bit), and every file the gateway creates that holds records or settings is 0600
 * (segments, their indexes, settings.json, tokens.json, the lock, secrets, the admin token).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { chmodSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startGatewayHarness } from '../helpers/gateway-harness.js';
import { PUBLIC_KEY_FILE } from '../../src/store/chain-key.js';
import { BUILT_CLI } from '../helpers/built-cli.js';

const run = promisify(execFile);
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function files(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...files(p));
    else if (e.isFile()) out.push(p);
  }
  return out;
}

describe('data dir modes', () => {
  it('an existing 1777 folder keeps its mode (tokens list, tokens create)', async () => {
    const shared = mkdtempSync(join(tmpdir(), 'abr-sticky-'));
    dirs.push(shared);
    chmodSync(shared, 0o1777);
    const env = { ...process.env, AIBRIDGE_ADMIN_TOKEN: '' };
    await run(process.execPath, [BUILT_CLI, 'tokens', 'list', '--data-dir', shared], { env });
    expect(statSync(shared).mode & 0o7777).toBe(0o1777);
    await run(process.execPath, [BUILT_CLI, 'tokens', 'create', '--name', 'x', '--data-dir', shared], { env });
    expect(statSync(shared).mode & 0o7777).toBe(0o1777);
    expect(statSync(join(shared, 'tokens.json')).mode & 0o777).toBe(0o600);
  });

  it('a folder the CLI creates is 0700', async () => {
    const parent = mkdtempSync(join(tmpdir(), 'abr-new-'));
    dirs.push(parent);
    const dir = join(parent, 'a', 'b');
    await run(process.execPath, [BUILT_CLI, 'tokens', 'list', '--data-dir', dir], { env: { ...process.env, AIBRIDGE_ADMIN_TOKEN: '' } });
    expect(statSync(dir).mode & 0o777).toBe(0o700);
  });

  it('every file a running gateway writes is 0600', async () => {
    const old = process.umask(0o022);
    const h = await startGatewayHarness();
    try {
      const r = await h.post('/anthropic/v1/messages', { model: 'claude-modes', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] });
      expect(r.status).toBe(200);
      await h.nextRecords(1);
      const patched = await fetch(`${h.url}/api/v1/settings`, {
        method: 'PATCH',
        headers: { authorization: `Bearer ${h.app.adminToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ retention: '30d' }),
      });
      expect(patched.status).toBe(200);
      const names = () => files(h.dataDir).map((p) => p.slice(h.dataDir.length + 1));
      // The store writes within 1 s: polled until a day segment's data and index files exist (the
      // index line follows the durable data line), not slept for.
      await expect.poll(() => names().some((n) => /^interceptions\/\d{4}-\d{2}-\d{2}\.idx$/.test(n)), { timeout: 10_000, interval: 25 }).toBe(true);
      expect(names()).toEqual(expect.arrayContaining(['settings.json', 'tokens.json', 'interceptions/writer.lock']));
      expect(names().some((n) => /^interceptions\/\d{4}-\d{2}-\d{2}\.jsonl$/.test(n))).toBe(true);
      // The chain's public key (SPEC §13) is meant to be read by anyone: it holds no record.
      const loose = () => files(h.dataDir).filter((p) => !p.endsWith(PUBLIC_KEY_FILE) && (statSync(p).mode & 0o077) !== 0).map((p) => `${p.slice(h.dataDir.length + 1)} ${(statSync(p).mode & 0o777).toString(8)}`);
      expect(loose()).toEqual([]);
      // And whatever the shutdown flushes or writes last.
      await h.app.close();
      expect(loose()).toEqual([]);
    } finally {
      await h.close();
      process.umask(old);
    }
  });
});
