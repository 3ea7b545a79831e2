/**
 * Provider keys through one door (STYLE.md §10): a {@link SecretStore} over Electron `safeStorage`.
 *
 * Each secret is encrypted by the OS (Keychain, DPAPI, libsecret/kwallet) and kept as base64
 * ciphertext in `secrets.os-encrypted.json` (mode 0600) in the user-data folder. When the OS
 * cannot encrypt — or on Linux only offers the `basic_text` backend, whose key is hard-coded —
 * saving throws instead of writing the key in clear.
 *
 * Keys saved while the same folder ran headless (`aibridge serve`: `secrets.json`, mode 0600) move
 * into OS encryption when the store opens and encryption is available (their clear copy removed);
 * until then they are read when the encrypted file has no such key. Saving or removing a key in
 * the app also removes that key's clear copy there (a stale key in clear helps nobody).
 *
 * A key that cannot be decrypted (OS encryption unavailable at a later start, a changed keyring)
 * reads as unset — the app starts and the provider counts as not configured — and `problems()`
 * says which and why (status `warnings`, the dashboard's overview).
 */
import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { SecretStore } from '../src/app-types.js';
import { fileSecretStore } from '../src/store/secrets-file.js';
import { SECRET_KEYS } from '../src/config/schema.js';
import type { SafeStorageHandle } from './platform.js';

/** File name inside the user-data folder (the headless store's `secrets.json` stays separate). */
export const SECRETS_FILE = 'secrets.os-encrypted.json';

interface SecretsFile {
  version: 1;
  /** name → base64 of the safeStorage ciphertext */
  secrets: Record<string, string>;
}

/** Thrown when a secret would have to be stored without OS encryption. */
export class SecretStorageUnavailableError extends Error {
  constructor(reason: string) {
    super(
      `Cannot store the key safely: ${reason}. AI Bridge Desktop does not save provider keys in clear; ` +
        'unlock or install the OS keyring (on Linux: GNOME Keyring or KWallet) and try again, ' +
        'or set the key with an environment variable (AIBRIDGE_*_KEY).',
    );
    this.name = 'SecretStorageUnavailableError';
  }
}

function whyUnavailable(safe: SafeStorageHandle): string | undefined {
  if (!safe.isEncryptionAvailable()) return 'OS encryption (Electron safeStorage) is not available';
  if (safe.selectedBackend() === 'basic_text') return 'no OS keyring was found (safeStorage fell back to a hard-coded key)';
  return undefined;
}

function readFile(path: string): SecretsFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, secrets: {} };
    throw err;
  }
  const parsed: unknown = JSON.parse(text);
  if (typeof parsed !== 'object' || parsed === null || !('secrets' in parsed)) {
    throw new Error(`${path} is not a secrets file; move it away to start with no stored keys.`);
  }
  const secrets: Record<string, string> = {};
  const raw: unknown = parsed.secrets;
  if (typeof raw === 'object' && raw !== null) {
    for (const [name, value] of Object.entries(raw)) if (typeof value === 'string') secrets[name] = value;
  }
  return { version: 1, secrets };
}

function writeFile(path: string, file: SecretsFile): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(file, null, 2) + '\n', { mode: 0o600 });
  chmodSync(tmp, 0o600); // the umask may have widened mode on an existing tmp
  renameSync(tmp, path);
}

/**
 * The desktop {@link SecretStore} (`kind: 'os-encrypted'`).
 * `get` decrypts on demand; `set` encrypts, or throws {@link SecretStorageUnavailableError}.
 */
export function createSafeStorageSecrets(safe: SafeStorageHandle, userDataDir: string): SecretStore {
  const path = join(userDataDir, SECRETS_FILE);
  let cache: SecretsFile | undefined;
  const load = (): SecretsFile => (cache ??= readFile(path));
  const headless = fileSecretStore(userDataDir);
  const headlessGet = (name: string): string | undefined => {
    try {
      return headless.get(name);
    } catch {
      return undefined; // an unreadable headless file must not stop the app; its keys just do not count
    }
  };
  // Keys stored encrypted that cannot be decrypted now, and why (issue #13: the app starts anyway).
  const unreadable = new Map<string, string>();
  migrateClearKeys(safe, path, load, headlessGet, (name) => headless.set(name, undefined), (next) => (cache = next));
  return {
    kind: 'os-encrypted',
    get(name) {
      const cipher = load().secrets[name];
      if (cipher === undefined) return headlessGet(name);
      let why: string;
      if (!safe.isEncryptionAvailable()) {
        why = 'OS decryption is not available';
      } else {
        try {
          const plain = safe.decryptString(Buffer.from(cipher, 'base64'));
          unreadable.delete(name);
          return plain;
        } catch (err) {
          why = `OS decryption failed: ${(err as Error).message}`;
        }
      }
      // Not a start-up failure: the provider shows as not configured (unless a clear copy is still
      // there), and the status says why.
      unreadable.set(name, why);
      return headlessGet(name);
    },
    problems() {
      const out = [...unreadable].map(
        ([name, why]) => `the ${name} saved with OS encryption cannot be read now (${why}): its provider counts as not configured until the OS keyring is unlocked, or enter the key again`,
      );
      const clear = CLEAR_KEY_NAMES.filter((n) => headlessGet(n) !== undefined);
      if (clear.length > 0) {
        out.push(`${clear.join(', ')} ${clear.length === 1 ? 'is' : 'are'} stored in clear in secrets.json (saved by aibridge serve; mode 0600): moved into OS encryption at the next start where it is available`);
      }
      return out;
    },
    set(name, value) {
      const next: SecretsFile = { version: 1, secrets: { ...load().secrets } };
      if (value === undefined) {
        delete next.secrets[name];
      } else {
        const reason = whyUnavailable(safe);
        if (reason) throw new SecretStorageUnavailableError(reason);
        next.secrets[name] = safe.encryptString(value).toString('base64');
      }
      writeFile(path, next);
      cache = next;
      unreadable.delete(name);
      if (headlessGet(name) !== undefined) headless.set(name, undefined);
    },
  };
}

/** Every secret setting a headless run may have left in `secrets.json`. */
const CLEAR_KEY_NAMES: readonly string[] = SECRET_KEYS;

/**
 * Keys `aibridge serve` saved in clear (`secrets.json`) move into OS encryption when it is
 * available (issue #13: the status said `os-encrypted` while they stayed in clear): encrypted into
 * the app's file first, then removed from the clear one. An encrypted key of the same name wins
 * (the clear one is stale). Any failure leaves both files as they were; the next start tries again.
 */
function migrateClearKeys(
  safe: SafeStorageHandle,
  path: string,
  load: () => SecretsFile,
  clearGet: (name: string) => string | undefined,
  clearDelete: (name: string) => void,
  saved: (next: SecretsFile) => void,
): void {
  if (whyUnavailable(safe)) return;
  try {
    const clear = CLEAR_KEY_NAMES.filter((n) => clearGet(n) !== undefined);
    if (clear.length === 0) return;
    const next: SecretsFile = { version: 1, secrets: { ...load().secrets } };
    for (const name of clear) next.secrets[name] ??= safe.encryptString(clearGet(name)!).toString('base64');
    writeFile(path, next);
    saved(next);
    for (const name of clear) clearDelete(name);
  } catch {
    // Left as it was: problems() keeps saying which keys are still in clear.
  }
}
