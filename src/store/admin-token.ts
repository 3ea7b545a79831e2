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

/** Constant-time comparison that does not leak the token's length. */
export function tokenEquals(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}
