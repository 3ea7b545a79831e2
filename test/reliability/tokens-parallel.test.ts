/**
 * Issue #13: 16 `aibridge tokens create` processes at once on one data dir. With lowdb's fixed temp
 * name one of them failed (`ENOENT rename`) or a token was lost; with the cross-process lock and a
 * unique fsynced temp file (src/store/tokens.ts) all succeed and all tokens land. The built CLI
 * (`node dist/src/cli.js`), as users run it.
 */
import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { TokenStore } from '../../src/store/tokens.js';
import { CLI, cleanEnv } from './gateway-process.js';

const run = promisify(execFile);

describe('16 parallel `aibridge tokens create`', () => {
  it('all exit 0, all 16 tokens are in the file, each one is accepted', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'abr-tokens-par-'));
    try {
      const names = Array.from({ length: 16 }, (_, i) => `p${i}`);
      const outs = await Promise.all(names.map((n) => run(process.execPath, [CLI, 'tokens', 'create', '--name', n, '--data-dir', dir], { env: cleanEnv() })));
      const tokens = outs.map((o) => o.stdout.trim().split('\n').at(-1)!);
      const rows = (JSON.parse(readFileSync(join(dir, 'tokens.json'), 'utf8')) as { tokens: Array<{ name: string }> }).tokens;
      expect(rows.map((r) => r.name).sort()).toEqual(names.sort());
      const store = new TokenStore(dir);
      for (const t of tokens) expect(store.verify(t)).toBeDefined();
      store.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
