/**
 * The dashboard's and the tray's "Connect" (SPEC §16) through the admin API of a running gateway:
 * real files in a temp home, the gateway's own URL written, status, undo byte for byte.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startApp } from '../../src/app.js';
import type { RunningApp } from '../../src/app-types.js';
import type { ConnectStatus } from '../../src/store/connect.js';
import { startMockUpstream } from '../helpers/mock-upstream.js';

let up: Awaited<ReturnType<typeof startMockUpstream>>;
let app: RunningApp;
let root: string;
const home = () => join(root, 'home');

const admin = async <T>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> => {
  const res = await fetch(`${app.url}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${app.adminToken}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as T };
};

beforeAll(async () => {
  up = await startMockUpstream();
  root = mkdtempSync(join(tmpdir(), 'abr-connect-api-'));
  app = await startApp({
    dataDir: join(root, 'data'),
    port: 0,
    env: {},
    connectHome: home(),
    argv: ['--enabled', '--anthropic-key', 'sk-ant-connect-api-0123', '--anthropic-base-url', up.url],
  });
});
afterAll(async () => {
  await app?.close();
  await up?.close();
  rmSync(root, { recursive: true, force: true });
});

describe('/api/v1/connect', () => {
  it('connects Claude Code to this gateway; the written token works; undo restores the file exactly', async () => {
    const before = '{\n  "model": "opus"\n}\n';
    mkdirSync(join(home(), '.claude'), { recursive: true });
    writeFileSync(join(home(), '.claude', 'settings.json'), before);

    const s0 = await admin<{ results: ConnectStatus[] }>('GET', '/connect');
    expect(s0.body.results.map((c) => [c.client, c.points_here, c.connected])).toEqual([['claude-code', false, false], ['codex', false, false]]);

    const made = await admin<ConnectStatus>('POST', '/connect/claude-code');
    expect(made.status).toBe(200);
    expect(made.body).toMatchObject({ client: 'claude-code', points_here: true, connected: true, token_name: 'claude-code' });
    const settings = JSON.parse(readFileSync(join(home(), '.claude', 'settings.json'), 'utf8')) as { model: string; env: Record<string, string> };
    expect(settings.model).toBe('opus');
    expect(settings.env['ANTHROPIC_BASE_URL']).toBe(`${app.url}/anthropic`);
    const token = settings.env['ANTHROPIC_AUTH_TOKEN']!;
    // The token the file holds is accepted at once, as Claude Code sends it (Authorization: Bearer).
    const call = await fetch(`${app.url}/anthropic/v1/messages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'claude-sonnet-4-5', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(call.status).toBe(200);
    // The API never returns the token itself.
    expect(JSON.stringify(made.body)).not.toContain(token);

    const undone = await admin<ConnectStatus>('DELETE', '/connect/claude-code');
    expect(undone.body).toMatchObject({ points_here: false, connected: false });
    expect(readFileSync(join(home(), '.claude', 'settings.json'), 'utf8')).toBe(before);
  });

  it('Codex with no config at all: created, then removed by undo', async () => {
    const made = await admin<ConnectStatus>('POST', '/connect/codex', { token_name: 'codex-dash' });
    expect(made.body).toMatchObject({ points_here: true, token_name: 'codex-dash' });
    expect(readFileSync(join(home(), '.codex', 'config.toml'), 'utf8')).toContain(`base_url = "${app.url}/openai/v1"`);
    await admin('DELETE', '/connect/codex');
    expect(existsSync(join(home(), '.codex'))).toBe(false);
  });

  it('errors in the API shape: unknown client 404, undo without connect 404, a broken file 409', async () => {
    expect((await admin('POST', '/connect/cursor')).status).toBe(404);
    expect((await admin('DELETE', '/connect/codex')).status).toBe(404);
    mkdirSync(join(home(), '.codex'), { recursive: true });
    writeFileSync(join(home(), '.codex', 'config.toml'), 'model = \n');
    const bad = await admin<{ error: { message: string } }>('POST', '/connect/codex');
    expect(bad.status).toBe(409);
    expect(bad.body.error.message).toMatch(/not valid TOML/);
  });
});
