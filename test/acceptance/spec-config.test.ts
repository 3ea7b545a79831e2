/** SPEC acceptance, §3 configuration: bad values and durations (black-box: the built CLI as child processes; harness in ./harness.ts). */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { group, mapLimit, runCli, serve, tmp, setupAcceptance } from './harness.js';

setupAcceptance();

group('§3 configuration: bad values are startup errors; durations; Coder spellings', () => {
  const bad: Array<{ name: string; args: string[]; env?: Record<string, string>; yaml?: string; setting: RegExp; value: string }> = [
    { name: 'flag --retention', args: ['--retention', '5x'], setting: /retention/i, value: '5x' },
    { name: 'env AIBRIDGE_RETENTION', args: [], env: { AIBRIDGE_RETENTION: 'forever' }, setting: /retention/i, value: 'forever' },
    { name: 'env CODER_AIBRIDGE_RETENTION', args: [], env: { CODER_AIBRIDGE_RETENTION: '-3d' }, setting: /retention/i, value: '-3d' },
    { name: 'Coder flag --aibridge-retention', args: ['--aibridge-retention', '7days'], setting: /retention/i, value: '7days' },
    { name: 'config file retention', args: [], yaml: 'aibridge:\n  retention: "tomorrow"\n', setting: /retention/i, value: 'tomorrow' },
    { name: 'flag --port', args: ['--port', '70000'], setting: /port/i, value: '70000' },
    { name: 'env AIBRIDGE_PORT', args: [], env: { AIBRIDGE_PORT: 'abc' }, setting: /port/i, value: 'abc' },
    { name: 'flag --openai-base-url', args: ['--openai-base-url', 'not a url'], setting: /openai.?base.?url/i, value: 'not a url' },
    { name: 'env AIBRIDGE_ANTHROPIC_BASE_URL', args: [], env: { AIBRIDGE_ANTHROPIC_BASE_URL: 'ftp://x' }, setting: /anthropic.?base.?url/i, value: 'ftp://x' },
    { name: 'env AIBRIDGE_ENABLED', args: [], env: { AIBRIDGE_ENABLED: 'maybe' }, setting: /enabled/i, value: 'maybe' },
    { name: 'flag --structured-logging', args: ['--structured-logging', 'perhaps'], setting: /structured.?logging/i, value: 'perhaps' },
    { name: 'env AIBRIDGE_MAX_BODY_SIZE', args: [], env: { AIBRIDGE_MAX_BODY_SIZE: 'lots' }, setting: /max.?body.?size/i, value: 'lots' },
    { name: 'flag --max-body-size', args: ['--max-body-size', '-1'], setting: /max.?body.?size/i, value: '-1' },
    { name: 'config file port', args: [], yaml: 'aibridge:\n  port: "eighty"\n', setting: /port/i, value: 'eighty' },
  ];

  it('each bad value exits non-zero, naming the setting and the value', async () => {
    const results = await mapLimit(
      bad,
      4,
      async (b) => {
        const dir = tmp();
        const args = ['--data-dir', dir, '--port', '0', ...b.args];
        if (b.yaml) {
          const f = join(dir, 'config.yaml');
          writeFileSync(f, b.yaml);
          args.push('--config', f);
          // a port from the file must not be shadowed by the flag
          if (/port/.test(b.yaml)) args.splice(args.indexOf('--port'), 2);
        }
        if (b.env && 'AIBRIDGE_PORT' in b.env) args.splice(args.indexOf('--port'), 2);
        const r = await runCli(['serve', ...args], b.env ?? {}, 30_000).catch((e: Error) => ({ code: -999, stdout: '', stderr: e.message }));
        return { b, r };
      },
    );
    const problems: string[] = [];
    for (const { b, r } of results) {
      const out = r.stdout + r.stderr;
      if (r.code === 0 || r.code === null || r.code === -999) problems.push(`${b.name}: exit code ${r.code} (expected non-zero exit); output: ${out.slice(0, 300)}`);
      else if (!b.setting.test(out) || !out.includes(b.value)) problems.push(`${b.name}: message does not name setting ${b.setting} and value "${b.value}": ${out.slice(0, 300)}`);
      else if (/listening on/.test(r.stdout)) problems.push(`${b.name}: listened despite the bad value`);
    }
    expect(problems).toEqual([]);
  });

  it('valid durations start: 0, 90d, 2w, 1440h, 1h30m, 1s (flag, env and Coder spellings)', async () => {
    const cases: Array<{ args: string[]; env?: Record<string, string> }> = [
      { args: ['--retention', '0'] },
      { args: ['--retention', '90d'] },
      { args: ['--retention', '2w'] },
      { args: [], env: { AIBRIDGE_RETENTION: '1440h' } },
      { args: [], env: { CODER_AIBRIDGE_RETENTION: '1h30m' } },
      { args: ['--aibridge-retention', '1s'] },
    ];
    const started = await Promise.allSettled(cases.map((c) => serve(['--data-dir', tmp(), '--port', '0', ...c.args], c.env)));
    const errs = started.flatMap((s, i) => (s.status === 'rejected' ? [`${JSON.stringify(cases[i])}: ${String(s.reason).slice(0, 300)}`] : []));
    await Promise.all(started.map((s) => (s.status === 'fulfilled' ? s.value.stop() : undefined)));
    expect(errs).toEqual([]);
  });
});

// =============================================================================================
