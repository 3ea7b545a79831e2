/**
 * The admin token (SPEC §3): AIBRIDGE_ADMIN_TOKEN (or CODER_AIBRIDGE_ADMIN_TOKEN) when set, else
 * generated once and kept in `<data dir>/admin-token` with mode 0600.
 */
import { join } from 'node:path';
import { randomBytes, timingSafeEqual, createHash } from 'node:crypto';
import { readOptionalFile, writePrivateFile } from './private-file.js';

export function loadAdminToken(dataDir: string, env: NodeJS.ProcessEnv = process.env, create = true): string {
  const fromEnv = env['AIBRIDGE_ADMIN_TOKEN'] || env['CODER_AIBRIDGE_ADMIN_TOKEN'];
  if (fromEnv) return fromEnv;
  const path = join(dataDir, 'admin-token');
  const stored = readOptionalFile(path)?.trim();
  if (stored) return stored;
  if (!create) throw new Error(`no admin token yet in ${dataDir}; run \`aibridge serve\` once or set AIBRIDGE_ADMIN_TOKEN`);
  const token = 'abadm_' + randomBytes(24).toString('base64url');
  writePrivateFile(path, token + '\n');
  return token;
}

/**
 * The admin token; when it cannot be saved (a full or read-only disk, issue #13) this run uses one
 * kept in memory rather than not start, and says so: `aibridge admin-token` does not know it.
 */
export function adminTokenOrTemporary(dataDir: string, env: NodeJS.ProcessEnv, warn: (msg: string) => void): string {
  try {
    return loadAdminToken(dataDir, env);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (!code || code === 'ENOENT' || code === 'EISDIR') throw err;
    warn(`the admin token could not be saved (${code}): this run uses a temporary one, in the login URL it prints; set AIBRIDGE_ADMIN_TOKEN to keep one`);
    return 'abadm_' + randomBytes(24).toString('base64url');
  }
}

/** Constant-time comparison that does not leak the token's length. */
export function tokenEquals(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}
