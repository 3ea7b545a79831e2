import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createSafeStorageSecrets, SECRETS_FILE, SecretStorageUnavailableError } from '../../electron/secrets.js';
import { FakeSafeStorage } from './fake-platform.js';

const KEY = 'sk-ant-test-0123456789-secret-value';
const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'aibridge-secrets-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('safeStorage secret store', () => {
  it('encrypts through safeStorage and keeps only base64 ciphertext in a 0600 file', () => {
    const dir = tempDir();
    const safe = new FakeSafeStorage();
    const store = createSafeStorageSecrets(safe, dir);
    expect(store.kind).toBe('os-encrypted');
    store.set('anthropic_key', KEY);
    expect(safe.encryptCalls).toBe(1);

    const file = join(dir, SECRETS_FILE);
    const text = readFileSync(file, 'utf8');
    expect(text).not.toContain(KEY);
    expect(text).not.toContain(Buffer.from(KEY).toString('base64'));
    const parsed = JSON.parse(text) as { secrets: Record<string, string> };
    expect(Buffer.from(parsed.secrets['anthropic_key'] ?? '', 'base64').subarray(0, 7).toString()).toBe('FAKEOS1');
    if (process.platform !== 'win32') expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir)).toEqual([SECRETS_FILE]);

    // A new store over the same folder (the next start) decrypts it again.
    const again = createSafeStorageSecrets(safe, dir);
    expect(again.get('anthropic_key')).toBe(KEY);
    expect(safe.decryptCalls).toBe(1);
    expect(again.get('openai_key')).toBeUndefined();
  });

  it('deletes a secret when set to undefined', () => {
    const dir = tempDir();
    const store = createSafeStorageSecrets(new FakeSafeStorage(), dir);
    store.set('openai_key', KEY);
    store.set('openai_key', undefined);
    expect(store.get('openai_key')).toBeUndefined();
    expect(readFileSync(join(dir, SECRETS_FILE), 'utf8')).not.toContain('openai_key');
  });

  it('refuses to store in clear when OS encryption is unavailable', () => {
    const dir = tempDir();
    const safe = new FakeSafeStorage();
    safe.available = false;
    const store = createSafeStorageSecrets(safe, dir);
    expect(() => store.set('openai_key', KEY)).toThrow(SecretStorageUnavailableError);
    expect(() => store.set('openai_key', KEY)).toThrow(/not available.*does not save provider keys in clear/s);
    expect(readdirSync(dir)).toEqual([]);
  });

  it("refuses Linux's basic_text backend (a hard-coded key is no protection)", () => {
    const dir = tempDir();
    const safe = new FakeSafeStorage();
    safe.backend = 'basic_text';
    const store = createSafeStorageSecrets(safe, dir);
    expect(() => store.set('openai_key', KEY)).toThrow(/no OS keyring/);
    expect(safe.encryptCalls).toBe(0);
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe('keys saved while the folder ran headless (secrets.json)', () => {
  it('are used, and saving or removing a key in the app removes its clear copy', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'secrets.json'), JSON.stringify({ anthropic_key: 'sk-ant-headless-1', openai_key: 'sk-openai-headless-2' }), { mode: 0o600 });
    const safe = new FakeSafeStorage();
    const store = createSafeStorageSecrets(safe, dir);
    expect(store.get('anthropic_key')).toBe('sk-ant-headless-1');
    expect(store.get('openai_key')).toBe('sk-openai-headless-2');
    expect(store.get('bedrock_secret_access_key')).toBeUndefined();

    store.set('anthropic_key', KEY);
    expect(store.get('anthropic_key')).toBe(KEY);
    const clear = readFileSync(join(dir, 'secrets.json'), 'utf8');
    expect(clear).not.toContain('anthropic_key');
    expect(clear).toContain('sk-openai-headless-2');

    store.set('openai_key', undefined);
    expect(store.get('openai_key')).toBeUndefined();
    expect(readFileSync(join(dir, 'secrets.json'), 'utf8')).not.toContain('openai_key');
    // The next start sees the same.
    const again = createSafeStorageSecrets(safe, dir);
    expect(again.get('anthropic_key')).toBe(KEY);
    expect(again.get('openai_key')).toBeUndefined();
  });

  it('an unreadable secrets.json does not stop the app', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'secrets.json'), '{not json', { mode: 0o600 });
    const store = createSafeStorageSecrets(new FakeSafeStorage(), dir);
    expect(store.get('anthropic_key')).toBeUndefined();
    store.set('anthropic_key', KEY);
    expect(store.get('anthropic_key')).toBe(KEY);
  });
});
