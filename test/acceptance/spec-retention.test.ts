/** SPEC acceptance, §8 retention (black-box: the built CLI as child processes; harness in ./harness.ts). */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startMockUpstream, type MockUpstream } from '../helpers/mock-upstream.js';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ANTHROPIC_KEY, CLI, OPENAI_KEY, admin, byUA, expectOpenAIError, findRecord, group, gw, listAll, runCli, serve, sleep, tmp, up, setupAcceptance } from './harness.js';

setupAcceptance();

group('§8 retention: expired records hidden from API and export before the purge; 0 keeps all; 1s valid', () => {
  const dir = tmp();
  let token: string;
  let up: MockUpstream;
  const args = (retention: string) => ['--data-dir', dir, '--port', '0', '--enabled', '--retention', retention, '--max-body-size', '1KiB', '--anthropic-key', ANTHROPIC_KEY, '--anthropic-base-url', up.url, '--openai-key', OPENAI_KEY, '--openai-base-url', `${up.url}/v1/`];

  beforeAll(async () => {
    up = await startMockUpstream();
    const c = await runCli(['tokens', 'create', '--name', 'rita', '--data-dir', dir]);
    token = c.stdout.trimEnd().split('\n').pop()!;
  });
  afterAll(async () => {
    await up?.close();
  });

  it('records past the retention disappear from list, get, usage and export (API and CLI), then come back with 0 and go with 1s', async () => {
    const logFile = join(dir, 'env-log.jsonl');
    let s = await serve(args('3s'), { AIBRIDGE_LOG_JSON: logFile });
    // --max-body-size is honoured
    const big = JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'y'.repeat(2048) }] });
    expectOpenAIError(await gw(s, '/openai/v1/chat/completions', big, { token, bearer: true }), 413);

    const r = await gw(s, '/openai/v1/chat/completions', { model: 'gpt-4o', messages: [{ role: 'user', content: 'short-lived record' }] }, { token, bearer: true, headers: { 'user-agent': 'spec-retention' } });
    expect(r.status, r.text).toBe(200);
    const rec = await findRecord(s, byUA('spec-retention'), 'fresh record');
    // wait until it is past the 3 s retention (by started_at)
    await sleep(Math.max(0, Date.parse(rec.started_at) + 3500 - Date.now()));

    const list = await listAll(s);
    expect(list.results.find(byUA('spec-retention'))).toBeUndefined();
    expect(list.count).toBe(list.results.length);
    expect(list.results.filter(byUA('spec-retention'))).toEqual([]);
    expect((await admin(s, `/api/v1/interceptions/${rec.id}`)).status).toBe(404);
    const ex = await admin(s, '/api/v1/export?format=jsonl&since=1h');
    expect(ex.status).toBe(200);
    expect(ex.text).not.toContain(rec.id);
    const us = await admin(s, '/api/v1/usage?group_by=provider');
    const rows: any[] = Array.isArray(us.json) ? us.json : us.json.results;
    expect(rows.reduce((n, x) => n + x.input_tokens, 0)).toBe(0);
    // the CLI, configured the same way (env), while the server runs
    const out = join(dir, 'exp.jsonl');
    const ce = await runCli(['export', '--out', out, '--since', '1h', '--data-dir', dir], { AIBRIDGE_RETENTION: '3s' });
    expect(ce.code, ce.stderr).toBe(0);
    expect(readFileSync(out, 'utf8')).not.toContain(rec.id);
    const cl = await runCli(['interceptions', 'list', '--data-dir', dir], { AIBRIDGE_RETENTION: '3s' });
    expect(JSON.parse(cl.stdout).map((x: any) => x.id)).not.toContain(rec.id);
    await s.stop();
    // AIBRIDGE_LOG_JSON: every line JSON; structured logging is off by default → no interception lines
    expect(existsSync(logFile)).toBe(true);
    const logLines = readFileSync(logFile, 'utf8').split('\n').filter((l) => l !== '');
    for (const l of logLines) expect(() => JSON.parse(l), l).not.toThrow();
    expect(logLines.filter((l) => JSON.parse(l).msg === 'interception log')).toEqual([]);

    // 0 keeps everything: the record was hidden, not yet purged (purge runs at start and every 10 min)
    s = await serve(args('0'));
    const back = await listAll(s);
    expect(back.results.map((x: any) => x.id)).toContain(rec.id);
    await s.stop();

    // 1s is a valid retention and the record is gone
    s = await serve(args('1s'));
    const gone = await listAll(s);
    expect(gone.results.map((x: any) => x.id)).not.toContain(rec.id);
    await s.stop();
  });
});

// =============================================================================================
