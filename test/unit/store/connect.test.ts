/**
 * `connect` over real files in a temp home (SPEC §16, issue #19): other keys, comments and tables
 * kept; `undo` restores the exact bytes (or removes what we created); a new token per connect.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseToml } from '@decimalturn/toml-patch';
import { TokenStore } from '../../../src/store/tokens.js';
import { connectClient, connectStatusAll, undoConnect, type ConnectContext } from '../../../src/store/connect.js';

const URL = 'http://127.0.0.1:9911';
let root: string;
let ctx: ConnectContext;
let tokens: TokenStore;

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'abr-connect-'));
  mkdirSync(join(root, 'data'));
  tokens = new TokenStore(join(root, 'data'));
  ctx = { dataDir: join(root, 'data'), home: join(root, 'home'), bridgeUrl: URL, tokens };
});
afterEach(() => {
  tokens.close();
  rmSync(root, { recursive: true, force: true });
});

const claudeFile = () => join(root, 'home', '.claude', 'settings.json');
const codexFile = () => join(root, 'home', '.codex', 'config.toml');
const put = (file: string, text: string, mode = 0o644) => {
  mkdirSync(join(file, '..'), { recursive: true });
  writeFileSync(file, text, { mode });
};

describe('Claude Code: ~/.claude/settings.json', () => {
  const ORIGINAL = '{\r\n\t"theme": "dark", // mine\r\n\t"env": { "FOO": "1", "ANTHROPIC_API_KEY": "sk-ant-own" },\r\n\t"permissions": { "allow": ["Bash(ls:*)"] }\r\n}\r\n';

  it('writes env.ANTHROPIC_BASE_URL + ANTHROPIC_AUTH_TOKEN, keeps everything else, undo restores the bytes and mode', async () => {
    put(claudeFile(), ORIGINAL, 0o640);
    const st = await connectClient(ctx, 'claude-code');
    expect(st).toMatchObject({ client: 'claude-code', points_here: true, connected: true, token_name: 'claude-code', error: null });
    const text = readFileSync(claudeFile(), 'utf8');
    expect(text).toContain('// mine');
    expect(text).toContain('\r\n\t"env"');
    expect(text).toContain('"FOO": "1"');
    expect(text).toContain('"permissions"');
    expect(text).not.toContain('ANTHROPIC_API_KEY'); // would make interactive claude ask
    expect(text).toContain(`"ANTHROPIC_BASE_URL": "${URL}/anthropic"`);
    const token = /"ANTHROPIC_AUTH_TOKEN": "(abr_[^"]+)"/.exec(text)?.[1];
    expect(tokens.verify(token!)).toMatchObject({ name: 'claude-code' });
    expect(statSync(claudeFile()).mode & 0o777).toBe(0o600);

    const undone = await undoConnect(ctx, 'claude-code');
    expect(undone).toMatchObject({ points_here: false, connected: false });
    expect(readFileSync(claudeFile(), 'utf8')).toBe(ORIGINAL);
    expect(statSync(claudeFile()).mode & 0o777).toBe(0o640);
    tokens.reloadIfChanged();
    expect(tokens.verify(token!)).toBeUndefined();
  });

  it('no file and no folder before: both created; undo removes both', async () => {
    await connectClient(ctx, 'claude-code');
    expect(JSON.parse(readFileSync(claudeFile(), 'utf8'))).toMatchObject({ env: { ANTHROPIC_BASE_URL: `${URL}/anthropic` } });
    await undoConnect(ctx, 'claude-code');
    expect(existsSync(claudeFile())).toBe(false);
    expect(existsSync(join(root, 'home'))).toBe(false);
  });

  it('connecting again replaces the token (the old one revoked) and keeps the first backup', async () => {
    put(claudeFile(), ORIGINAL);
    await connectClient(ctx, 'claude-code');
    const first = /"ANTHROPIC_AUTH_TOKEN": "(abr_[^"]+)"/.exec(readFileSync(claudeFile(), 'utf8'))![1]!;
    await connectClient(ctx, 'claude-code');
    const second = /"ANTHROPIC_AUTH_TOKEN": "(abr_[^"]+)"/.exec(readFileSync(claudeFile(), 'utf8'))![1]!;
    expect(second).not.toBe(first);
    tokens.reloadIfChanged();
    expect(tokens.verify(first)).toBeUndefined();
    expect(tokens.verify(second)).toBeDefined();
    await undoConnect(ctx, 'claude-code');
    expect(readFileSync(claudeFile(), 'utf8')).toBe(ORIGINAL);
  });

  it('a file that is not JSON is refused and no token is made; a taken token name is refused', async () => {
    put(claudeFile(), '{ "env": ');
    await expect(connectClient(ctx, 'claude-code')).rejects.toThrow(/not a JSON object/);
    expect(tokens.list()).toEqual([]);
    expect(readFileSync(claudeFile(), 'utf8')).toBe('{ "env": ');
    rmSync(claudeFile());
    await tokens.create('claude-code');
    await expect(connectClient(ctx, 'claude-code')).rejects.toThrow(/--token-name/);
    expect((await connectClient(ctx, 'claude-code', { tokenName: 'cc-2' })).token_name).toBe('cc-2');
  });

  it('undo without a connect is a clear 404', async () => {
    await expect(undoConnect(ctx, 'codex')).rejects.toMatchObject({ status: 404 });
  });
});

describe('Codex: ~/.codex/config.toml', () => {
  const ORIGINAL = [
    '# my codex setup',
    'model = "o3" # favourite',
    '',
    '[projects."/home/me/x"]',
    'trust_level = "trusted"',
    '',
    '# other providers',
    '[model_providers.other]',
    'name = "Other"   # keep me',
    'base_url = "http://example.invalid/v1"',
    '',
  ].join('\n');

  it('adds [model_providers.aibridge] (responses, bearer token in the file) and a top-level model_provider; undo restores the bytes', async () => {
    put(codexFile(), ORIGINAL);
    const st = await connectClient(ctx, 'codex');
    expect(st).toMatchObject({ points_here: true, connected: true, token_name: 'codex' });
    const text = readFileSync(codexFile(), 'utf8');
    for (const kept of ['# my codex setup', 'model = "o3" # favourite', '[projects."/home/me/x"]', '# other providers', 'name = "Other"   # keep me']) expect(text).toContain(kept);
    const doc = parseToml(text) as Record<string, unknown>;
    expect(doc['model_provider']).toBe('aibridge');
    expect(doc['model']).toBe('o3');
    const p = (doc['model_providers'] as Record<string, Record<string, string>>)['aibridge']!;
    expect(p).toMatchObject({ base_url: `${URL}/openai/v1`, wire_api: 'responses' });
    expect(tokens.verify(p['experimental_bearer_token']!)).toMatchObject({ name: 'codex' });
    expect((doc['model_providers'] as Record<string, unknown>)['other']).toEqual({ name: 'Other', base_url: 'http://example.invalid/v1' });
    // model_provider must be a root key, i.e. above the first table header.
    expect(text.indexOf('model_provider = "aibridge"')).toBeLessThan(text.indexOf('[projects'));

    await undoConnect(ctx, 'codex');
    expect(readFileSync(codexFile(), 'utf8')).toBe(ORIGINAL);
  });

  it('a file that ends inside a table still gets model_provider at the top level', async () => {
    put(codexFile(), '[features]\nplugins = false\n');
    await connectClient(ctx, 'codex');
    const doc = parseToml(readFileSync(codexFile(), 'utf8')) as Record<string, Record<string, unknown>>;
    expect(doc['model_provider']).toBe('aibridge');
    expect(doc['features']).toEqual({ plugins: false });
  });

  it('invalid TOML is refused without a token', async () => {
    put(codexFile(), 'model = \n');
    await expect(connectClient(ctx, 'codex')).rejects.toThrow(/not valid TOML/);
    expect(tokens.list()).toEqual([]);
  });

  it('status: which clients point at this bridge (and not at another port)', async () => {
    await connectClient(ctx, 'codex');
    expect(connectStatusAll(ctx).map((s) => [s.client, s.points_here])).toEqual([['claude-code', false], ['codex', true]]);
    expect(connectStatusAll({ ...ctx, bridgeUrl: 'http://127.0.0.1:1' }).map((s) => s.points_here)).toEqual([false, false]);
  });
});
