/** SPEC §8 through the CLI: `interceptions list` / `export` hide what the server's retention expired. */
import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startApp } from '../../src/app.js';
import { startMockUpstream } from '../helpers/mock-upstream.js';
import { BUILT_CLI } from '../helpers/built-cli.js';

const run = promisify(execFile);

describe('CLI read commands and the server retention', () => {
  it('a record past the retention the server ran with (a flag) is hidden from list and export', async () => {
    const up = await startMockUpstream();
    const dir = mkdtempSync(join(tmpdir(), 'abr-cliret-'));
    const app = await startApp({ dataDir: dir, port: 0, env: {}, argv: ['--enabled', '--retention', '1s', '--anthropic-key', 'sk-ant-k-0123456789', '--anthropic-base-url', up.url] });
    try {
      const { token } = (await (await fetch(app.url + '/api/v1/tokens', { method: 'POST', headers: { authorization: `Bearer ${app.adminToken}`, 'content-type': 'application/json' }, body: '{"name":"r"}' })).json()) as { token: string };
      const res = await fetch(app.url + '/anthropic/v1/messages', { method: 'POST', headers: { 'x-api-key': token, 'content-type': 'application/json' }, body: JSON.stringify({ model: 'claude-x', max_tokens: 1, messages: [{ role: 'user', content: 'old' }] }) });
      expect(res.status).toBe(200);
      await res.arrayBuffer();
    } finally {
      await app.close();
      await up.close();
    }
    const env = { ...process.env, AIBRIDGE_RETENTION: '' };
    const cli = (...args: string[]) => run(process.execPath, [BUILT_CLI, '--data-dir', dir, ...args], { env });
    // Within the second the record is still there…
    const fresh = JSON.parse((await cli('interceptions', 'list')).stdout) as unknown[];
    await new Promise((r) => setTimeout(r, 1500));
    // …after it, hidden even though no purge ran and the CLI was given no retention.
    expect(JSON.parse((await cli('interceptions', 'list')).stdout)).toEqual([]);
    const exported = await cli('export', '--out', '-');
    expect(exported.stdout).toBe('');
    // An explicit retention for the CLI wins over the server's.
    const kept = await run(process.execPath, [BUILT_CLI, '--data-dir', dir, 'interceptions', 'list'], { env: { ...process.env, AIBRIDGE_RETENTION: '0' } });
    expect(JSON.parse(kept.stdout)).toHaveLength(1);
    expect(fresh.length).toBeLessThanOrEqual(1);
  });

  it('a read command leaves the bridge switch alone, whatever AIBRIDGE_ENABLED says', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'abr-cliswitch-'));
    writeFileSync(join(dir, 'settings.json'), JSON.stringify({ enabled: true, retention: 86_400_000 }));
    const before = readFileSync(join(dir, 'settings.json'), 'utf8');
    const env = { ...process.env, AIBRIDGE_ENABLED: 'false', AIBRIDGE_RETENTION: '' };
    const listed = await run(process.execPath, [BUILT_CLI, '--data-dir', dir, 'interceptions', 'list'], { env });
    expect(JSON.parse(listed.stdout)).toEqual([]);
    await run(process.execPath, [BUILT_CLI, '--data-dir', dir, 'export', '--out', '-'], { env });
    expect(readFileSync(join(dir, 'settings.json'), 'utf8')).toBe(before);
  });
});
