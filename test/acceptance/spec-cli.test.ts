/** SPEC acceptance, §2 the CLI without a server (black-box: the built CLI as child processes; harness in ./harness.ts). */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { CLI, admin, group, runCli, tmp, setupAcceptance } from './harness.js';

setupAcceptance();

group('§2 CLI without a server: tokens, admin-token, --data-dir / AIBRIDGE_DATA_DIR', () => {
  it('tokens create prints the token alone on the last line; list shows it; revoke by name and by id', async () => {
    const dir = tmp();
    const a = await runCli(['tokens', 'create', '--name', 'alice', '--data-dir', dir]);
    expect(a.code, a.stderr).toBe(0);
    const lines = a.stdout.trimEnd().split('\n');
    const tokA = lines[lines.length - 1]!;
    expect(tokA).toMatch(/^\S+$/);
    expect(tokA.length).toBeGreaterThanOrEqual(16);
    const b = await runCli(['--data-dir', dir, 'tokens', 'create', '--name', 'bob']);
    expect(b.code, b.stderr).toBe(0);
    const tokB = b.stdout.trimEnd().split('\n').pop()!;
    expect(tokB).not.toBe(tokA);

    const list = await runCli(['tokens', 'list', '--data-dir', dir]);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toContain('alice');
    expect(list.stdout).toContain('bob');
    // the list never shows the tokens themselves
    expect(list.stdout).not.toContain(tokA);
    expect(list.stdout).not.toContain(tokB);

    const byName = await runCli(['tokens', 'revoke', 'bob', '--data-dir', dir]);
    expect(byName.code, byName.stderr).toBe(0);
    const id = /([0-9a-f]{8}-[0-9a-f-]{27})/.exec(list.stdout.split('\n').find((l) => l.includes('alice'))!)?.[1];
    expect(id, list.stdout).toBeTruthy();
    const byId = await runCli(['tokens', 'revoke', id!, '--data-dir', dir]);
    expect(byId.code, byId.stderr).toBe(0);
    const unknown = await runCli(['tokens', 'revoke', 'nobody-by-that-name', '--data-dir', dir]);
    expect(unknown.code).not.toBe(0);
  });

  it('AIBRIDGE_DATA_DIR selects the data dir; --data-dir wins over it', async () => {
    const envDir = tmp();
    const flagDir = tmp();
    const c = await runCli(['tokens', 'create', '--name', 'via-env'], { AIBRIDGE_DATA_DIR: envDir });
    expect(c.code, c.stderr).toBe(0);
    const l1 = await runCli(['tokens', 'list', '--data-dir', envDir]);
    expect(l1.stdout).toContain('via-env');
    const c2 = await runCli(['tokens', 'create', '--name', 'via-flag', '--data-dir', flagDir], { AIBRIDGE_DATA_DIR: envDir });
    expect(c2.code, c2.stderr).toBe(0);
    const l2 = await runCli(['tokens', 'list'], { AIBRIDGE_DATA_DIR: flagDir });
    expect(l2.stdout).toContain('via-flag');
    const l3 = await runCli(['tokens', 'list'], { AIBRIDGE_DATA_DIR: envDir });
    expect(l3.stdout).not.toContain('via-flag');
  });

  it('admin-token: generated once, stable, kept in the data dir with mode 0600; ADMIN_TOKEN env overrides', async () => {
    const dir = tmp();
    const t1 = await runCli(['admin-token', '--data-dir', dir]);
    expect(t1.code, t1.stderr).toBe(0);
    const token = t1.stdout.trim();
    expect(token).toMatch(/^\S{16,}$/);
    const t2 = await runCli(['admin-token'], { AIBRIDGE_DATA_DIR: dir });
    expect(t2.stdout.trim()).toBe(token);
    const holders = (readdirSync(dir, { recursive: true }) as string[])
      .map((f) => join(dir, f))
      .filter((f) => statSync(f).isFile() && readFileSync(f, 'utf8').includes(token));
    expect(holders.length, 'a file in the data dir keeps the admin token').toBeGreaterThan(0);
    for (const f of holders) expect((statSync(f).mode & 0o777).toString(8), f).toBe('600');
    const env = await runCli(['admin-token', '--data-dir', dir], { AIBRIDGE_ADMIN_TOKEN: 'my-own-admin-token-123456' });
    expect(env.stdout.trim()).toBe('my-own-admin-token-123456');
    const coder = await runCli(['admin-token', '--data-dir', dir], { CODER_AIBRIDGE_ADMIN_TOKEN: 'coder-admin-token-123456' });
    expect(coder.stdout.trim()).toBe('coder-admin-token-123456');
  });

  it('without --data-dir / AIBRIDGE_DATA_DIR the data dir is a per-user folder under HOME (not the working dir)', async () => {
    const home = tmp('abr-spec-home-');
    const cwd = tmp('abr-spec-cwd-');
    const env = { HOME: home, XDG_DATA_HOME: undefined, XDG_CONFIG_HOME: undefined, APPDATA: undefined };
    const a = await runCli(['admin-token'], env, undefined, cwd);
    expect(a.code, a.stderr).toBe(0);
    const token = a.stdout.trim();
    const files = (readdirSync(home, { recursive: true }) as string[]).map((f) => join(home, f)).filter((f) => statSync(f).isFile());
    expect(files.some((f) => readFileSync(f, 'utf8').includes(token)), `a file under HOME holds the admin token: ${files.join(', ')}`).toBe(true);
    expect((await runCli(['admin-token'], env, undefined, cwd)).stdout.trim()).toBe(token);
    expect(readdirSync(cwd)).toEqual([]);
  });

  it('an empty XDG_CONFIG_HOME (= unset, per XDG) does not put the data dir in the working directory', async () => {
    const home = tmp('abr-spec-home-');
    const cwd = tmp('abr-spec-cwd-');
    const a = await runCli(['admin-token'], { HOME: home, XDG_CONFIG_HOME: '', XDG_DATA_HOME: '' }, undefined, cwd);
    expect(a.code, a.stderr).toBe(0);
    expect(readdirSync(cwd), 'nothing created in the working directory').toEqual([]);
  });

  it('interceptions list on an empty data dir is an empty JSON array', async () => {
    const r = await runCli(['interceptions', 'list', '--data-dir', tmp()]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual([]);
  });
});

// =============================================================================================
