/**
 * Small files that hold secrets: written atomically (temp + rename) with mode 0600 from the start,
 * so a key is never readable by others, not even for a moment.
 */
import { openSync, writeSync, fsyncSync, closeSync, renameSync, readFileSync, chmodSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import type { SyncAdapter } from 'lowdb';

export function writePrivateFile(path: string, content: string): void {
  const tmp = `${path}.${randomBytes(4).toString('hex')}.tmp`;
  const fd = openSync(tmp, 'w', 0o600);
  try {
    writeSync(fd, content);
    fsyncSync(fd);
  } catch (err) {
    // A full disk: no half-written temp file left behind.
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw err;
  }
  closeSync(fd);
  try {
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
  chmodSync(path, 0o600);
}

/** The file's text, or undefined when it does not exist. */
export function readOptionalFile(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/**
 * lowdb's storage for a JSON document kept as a private file (issue #13: lowdb's own JSONFileSync
 * leaves it 0644 under the usual umask): written by {@link writePrivateFile}; a missing file reads
 * as null (lowdb's default data).
 */
export function privateJsonFile<T>(path: string): SyncAdapter<T> {
  return {
    read() {
      const text = readOptionalFile(path);
      return text === undefined ? null : (JSON.parse(text) as T);
    },
    write(data) {
      writePrivateFile(path, JSON.stringify(data, null, 2));
    },
  };
}
