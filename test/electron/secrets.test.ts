import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createSafeStorageSecrets, SECRETS_FILE, SecretStorageUnavailableError } from '../../electron/secrets.js';
import { FakeSafeStorage } from './fake-platform.js';
import { fileSecretStore } from '../../src/store/secrets-file.js';

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
  it('are used (moved into OS encryption at open, issue #13), and saving or removing a key in the app keeps them out of the clear file', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'secrets.json'), JSON.stringify({ anthropic_key: 'sk-ant-headless-1', openai_key: 'sk-openai-headless-2' }), { mode: 0o600 });
    const safe = new FakeSafeStorage();
    const store = createSafeStorageSecrets(safe, dir);
    expect(store.get('anthropic_key')).toBe('sk-ant-headless-1');
    expect(store.get('openai_key')).toBe('sk-openai-headless-2');
    expect(store.get('bedrock_secret_access_key')).toBeUndefined();
    expect(readFileSync(join(dir, 'secrets.json'), 'utf8')).not.toContain('headless');

    store.set('anthropic_key', KEY);
    expect(store.get('anthropic_key')).toBe(KEY);
    expect(store.get('openai_key')).toBe('sk-openai-headless-2');
    expect(readFileSync(join(dir, 'secrets.json'), 'utf8')).not.toContain('anthropic_key');

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

describe('issue #13: keys the OS cannot decrypt, keys left in clear', () => {
  it('a key that cannot be decrypted at a later start reads as unset (no throw), problems() says which; it works again when the OS can', () => {
    const dir = tempDir();
    const safe = new FakeSafeStorage();
    createSafeStorageSecrets(safe, dir).set('anthropic_key', KEY);
    safe.available = false; // a later start: the keyring is locked or gone
    const later = createSafeStorageSecrets(safe, dir);
    expect(later.get('anthropic_key')).toBeUndefined();
    expect(later.problems?.()).toEqual([expect.stringMatching(/^the anthropic_key saved with OS encryption cannot be read now \(OS decryption is not available\)/)]);
    // The ciphertext is kept, not lost.
    expect(JSON.parse(readFileSync(join(dir, SECRETS_FILE), 'utf8')).secrets.anthropic_key).toMatch(/^RkFLRU9TM/);
    safe.available = true;
    expect(later.get('anthropic_key')).toBe(KEY);
    expect(later.problems?.()).toEqual([]);
  });

  it('a ciphertext the OS refuses (a changed keyring) reads as unset and is reported', () => {
    const dir = tempDir();
    writeFileSync(join(dir, SECRETS_FILE), JSON.stringify({ version: 1, secrets: { openai_key: Buffer.from('someone else').toString('base64') } }));
    const store = createSafeStorageSecrets(new FakeSafeStorage(), dir);
    expect(store.get('openai_key')).toBeUndefined();
    expect(store.problems?.()[0]).toMatch(/openai_key .*OS decryption failed: not ours/);
  });

  it('keys saved headless (secrets.json) move into OS encryption when the store opens, their clear copy removed', () => {
    const dir = tempDir();
    fileSecretStore(dir).set('openai_key', KEY);
    fileSecretStore(dir).set('anthropic_key', `${KEY}-b`);
    const safe = new FakeSafeStorage();
    const store = createSafeStorageSecrets(safe, dir);
    expect(safe.encryptCalls).toBe(2);
    expect(readFileSync(join(dir, 'secrets.json'), 'utf8')).not.toContain(KEY);
    const enc = readFileSync(join(dir, SECRETS_FILE), 'utf8');
    expect(enc).not.toContain(KEY);
    expect(store.get('openai_key')).toBe(KEY);
    expect(store.get('anthropic_key')).toBe(`${KEY}-b`);
    expect(store.problems?.()).toEqual([]);
  });

  it('without OS encryption they stay in clear (nothing better exists), problems() says so, and they move at the next start where it is available', () => {
    const dir = tempDir();
    fileSecretStore(dir).set('openai_key', KEY);
    const safe = new FakeSafeStorage();
    safe.available = false;
    const headless = createSafeStorageSecrets(safe, dir);
    expect(headless.get('openai_key')).toBe(KEY);
    expect(headless.problems?.()).toEqual([expect.stringMatching(/^openai_key is stored in clear in secrets\.json/)]);
    safe.available = true;
    const next = createSafeStorageSecrets(safe, dir);
    expect(readFileSync(join(dir, 'secrets.json'), 'utf8')).not.toContain(KEY);
    expect(next.get('openai_key')).toBe(KEY);
    expect(next.problems?.()).toEqual([]);
  });

  it('an encrypted key of the same name wins over a stale clear copy, which is removed', () => {
    const dir = tempDir();
    const safe = new FakeSafeStorage();
    createSafeStorageSecrets(safe, dir).set('openai_key', KEY);
    fileSecretStore(dir).set('openai_key', 'sk-stale-clear-copy-0123456789');
    const store = createSafeStorageSecrets(safe, dir);
    expect(store.get('openai_key')).toBe(KEY);
    expect(readFileSync(join(dir, 'secrets.json'), 'utf8')).not.toContain('sk-stale');
  });
});
