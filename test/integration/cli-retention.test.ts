/** SPEC §8 through the CLI: `interceptions list` / `export` hide what the server's retention expired. */
import { afterAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startApp } from '../../src/app.js';
import { startMockUpstream } from '../helpers/mock-upstream.js';
import { BUILT_CLI } from '../helpers/built-cli.js';
import { openInterceptionStore } from '../../src/store/interceptions/index.js';
import { finishedRecord } from '../helpers/store-records.js';
import { tempDirs } from '../helpers/temp-dirs.js';

const run = promisify(execFile);
const temps = tempDirs();
afterAll(() => temps.removeAll());
const OLD_ID = '00000000-0000-4000-8000-00000000000a';

describe('CLI read commands and the server retention', () => {
  it('a record past the retention the server ran with (a flag) is hidden from list and export', async () => {
    const up = await startMockUpstream();
    const dir = temps.make('abr-cliret-');
    // The server keeps one hour (a flag the CLI never sees; the default keeps 60 days).
    const app = await startApp({ dataDir: dir, port: 0, env: {}, argv: ['--enabled', '--retention', '1h', '--anthropic-key', 'sk-ant-k-0123456789', '--anthropic-base-url', up.url] });
    try {
      const { token } = (await (await fetch(app.url + '/api/v1/tokens', { method: 'POST', headers: { authorization: `Bearer ${app.adminToken}`, 'content-type': 'application/json' }, body: '{"name":"r"}' })).json()) as { token: string };
      const res = await fetch(app.url + '/anthropic/v1/messages', { method: 'POST', headers: { 'x-api-key': token, 'content-type': 'application/json' }, body: JSON.stringify({ model: 'claude-x', max_tokens: 1, messages: [{ role: 'user', content: 'fresh' }] }) });
      expect(res.status).toBe(200);
      await res.arrayBuffer();
    } finally {
      await app.close();
      await up.close();
    }
    // A record two hours old, written after the server stopped: no purge ever ran over it. Ages
    // are fixed, not waited for, so a slow CLI start cannot expire the fresh record.
    const store = await openInterceptionStore({ dir });
    store.finish(finishedRecord({ id: OLD_ID, startedMs: Date.now() - 2 * 3_600_000, promptChars: 10 }));
    await store.close();
    const env = { ...process.env, AIBRIDGE_RETENTION: '' };
    const cli = (...args: string[]) => run(process.execPath, [BUILT_CLI, '--data-dir', dir, ...args], { env });
    // The CLI was given no retention: the server's hour hides the old record, the fresh one shows.
    const listed = JSON.parse((await cli('interceptions', 'list')).stdout) as { id: string; status: string }[];
    expect(listed).toHaveLength(1);
    expect(listed[0]!.id).not.toBe(OLD_ID);
    expect(listed[0]!.status).toBe('completed');
    const exported = (await cli('export', '--out', '-')).stdout.trim().split('\n').map((l) => JSON.parse(l) as { record_type: string; interception_id?: string });
    const records = exported.filter((l) => l.interception_id !== undefined);
    expect(records.filter((l) => l.record_type === 'interception_end')).toHaveLength(1);
    expect(new Set(records.map((l) => l.interception_id))).toEqual(new Set([listed[0]!.id]));
    // An explicit retention for the CLI wins over the server's.
    const kept = await run(process.execPath, [BUILT_CLI, '--data-dir', dir, 'interceptions', 'list'], { env: { ...process.env, AIBRIDGE_RETENTION: '0' } });
    expect((JSON.parse(kept.stdout) as { id: string }[]).map((r) => r.id).sort()).toEqual([listed[0]!.id, OLD_ID].sort());
  });

  it('a read command leaves the bridge switch alone, whatever AIBRIDGE_ENABLED says', async () => {
    const dir = temps.make('abr-cliswitch-');
    writeFileSync(join(dir, 'settings.json'), JSON.stringify({ enabled: true, retention: 86_400_000 }));
    const before = readFileSync(join(dir, 'settings.json'), 'utf8');
    const env = { ...process.env, AIBRIDGE_ENABLED: 'false', AIBRIDGE_RETENTION: '' };
    const listed = await run(process.execPath, [BUILT_CLI, '--data-dir', dir, 'interceptions', 'list'], { env });
    expect(JSON.parse(listed.stdout)).toEqual([]);
    await run(process.execPath, [BUILT_CLI, '--data-dir', dir, 'export', '--out', '-'], { env });
    expect(readFileSync(join(dir, 'settings.json'), 'utf8')).toBe(before);
  });
});
