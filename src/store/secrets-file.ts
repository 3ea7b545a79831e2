/**
 * Headless secret storage (STYLE.md §10): provider keys in `secrets.json`, mode 0600, in the data
 * dir. The desktop app swaps in an OS-encrypted store (electron/secrets.ts) through the same
 * {@link SecretStore} door; the dashboard says which one is in use.
 */
import { join } from 'node:path';
import type { SecretStore } from '../app-types.js';
import { readOptionalFile, writePrivateFile } from './private-file.js';

export function fileSecretStore(dataDir: string): SecretStore {
  const path = join(dataDir, 'secrets.json');
  const load = (): Record<string, string> => {
    const text = readOptionalFile(path);
    if (!text) return {};
    try {
      const v: unknown = JSON.parse(text);
      return typeof v === 'object' && v !== null ? (v as Record<string, string>) : {};
    } catch {
      throw new Error(`${path} is not valid JSON; fix or remove it (it holds provider keys).`);
    }
  };
  return {
    kind: 'file',
    get: (name) => load()[name],
    set(name, value) {
      const all = load();
      if (value === undefined) delete all[name];
      else all[name] = value;
      writePrivateFile(path, JSON.stringify(all, null, 2) + '\n');
    },
  };
}
