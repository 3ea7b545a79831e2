/** SPEC acceptance, §3 precedence of flags, environment, file, dashboard and defaults (black-box: the built CLI as child processes; harness in ./harness.ts). */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { Server, admin, freePort, group, http, serve, tmp, setupAcceptance } from './harness.js';

setupAcceptance();

group('§3 precedence: flags > environment > --config FILE > dashboard > defaults', () => {
  const dir = tmp();
  const cfg = join(dir, 'aibridge.yaml');
  const urls = { dash: 'http://dash.example/v1/', file: 'http://file.example/v1/', env: 'http://env.example/v1/', flag: 'http://flag.example/v1/' };

  const settingsText = async (s: Server) => {
    const r = await admin(s, '/api/v1/settings');
    expect(r.status, r.text).toBe(200);
    return r;
  };

  it('defaults, then a dashboard-saved value, then the file, env and flag each override the layer below', async () => {
    const [p1, p2, p3] = [await freePort(), await freePort(), await freePort()];
    writeFileSync(cfg, `aibridge:\n  openai_base_url: ${urls.file}\n  port: ${p1}\n`);

    // defaults
    let s = await serve(['--data-dir', dir, '--port', '0']);
    let st = await settingsText(s);
    expect(st.text).toContain('https://api.openai.com/v1/');
    expect(st.text).toContain('https://api.anthropic.com/');
    expect(st.text).toMatch(/"host":\s*"127\.0\.0\.1"/);
    expect(st.text).toMatch(/"retention":\s*"60d"/);
    expect(st.text).toMatch(/"enabled":\s*false/);
    expect(st.text).toMatch(/"structured_logging":\s*false/);
    // dashboard-saved setting
    const p = await admin(s, '/api/v1/settings', { method: 'PATCH', json: { openai_base_url: urls.dash } });
    expect(p.status, p.text).toBe(200);
    await s.stop();
    s = await serve(['--data-dir', dir, '--port', '0']);
    st = await settingsText(s);
    expect(st.text).toContain(urls.dash);
    await s.stop();

    // file > dashboard (and the file's port is used)
    s = await serve(['--data-dir', dir, '--config', cfg]);
    expect(s.port).toBe(p1);
    st = await settingsText(s);
    expect(st.text).toContain(urls.file);
    expect(st.text).not.toContain(urls.dash);
    await s.stop();

    // env > file
    s = await serve(['--data-dir', dir, '--config', cfg], { AIBRIDGE_OPENAI_BASE_URL: urls.env, AIBRIDGE_PORT: String(p2) });
    expect(s.port).toBe(p2);
    st = await settingsText(s);
    expect(st.text).toContain(urls.env);
    expect(st.text).not.toContain(urls.file);
    // a setting fixed by environment is read-only
    const ro = await admin(s, '/api/v1/settings', { method: 'PATCH', json: { openai_base_url: urls.dash } });
    expect(ro.status, ro.text).toBeGreaterThanOrEqual(400);
    expect((await settingsText(s)).text).toContain(urls.env);
    await s.stop();

    // flag > env
    s = await serve(['--data-dir', dir, '--config', cfg, '--openai-base-url', urls.flag, '--port', String(p3)], {
      AIBRIDGE_OPENAI_BASE_URL: urls.env,
      AIBRIDGE_PORT: String(p2),
    });
    expect(s.port).toBe(p3);
    st = await settingsText(s);
    expect(st.text).toContain(urls.flag);
    expect(st.text).not.toContain(urls.env);
    const ro2 = await admin(s, '/api/v1/settings', { method: 'PATCH', json: { openai_base_url: urls.dash } });
    expect(ro2.status, ro2.text).toBeGreaterThanOrEqual(400);
    await s.stop();
  });

  it('CODER_AIBRIDGE_* env and Coder flag spellings (--aibridge-…) are accepted', async () => {
    const p = await freePort();
    let s = await serve(['--data-dir', tmp(), `--aibridge-port`, String(p), '--aibridge-openai-base-url', urls.flag]);
    expect(s.port).toBe(p);
    expect((await settingsText(s)).text).toContain(urls.flag);
    await s.stop();
    const p2 = await freePort();
    s = await serve(['--data-dir', tmp()], { CODER_AIBRIDGE_PORT: String(p2), CODER_AIBRIDGE_OPENAI_BASE_URL: urls.env });
    expect(s.port).toBe(p2);
    expect((await settingsText(s)).text).toContain(urls.env);
    await s.stop();
  });

  it('ADMIN_TOKEN env is the admin token of the server and of the login URL', async () => {
    const s = await serve(['--data-dir', tmp(), '--port', '0'], { AIBRIDGE_ADMIN_TOKEN: 'env-admin-token-abcdef123456' });
    expect(s.adminToken).toBe('env-admin-token-abcdef123456');
    expect(s.loginUrl).toBe(`${s.url}/ui/#token=env-admin-token-abcdef123456`);
    expect((await admin(s, '/api/v1/status')).status).toBe(200);
    await s.stop();
  });
});

// =============================================================================================
