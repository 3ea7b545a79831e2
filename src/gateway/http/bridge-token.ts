/**
 * Bridge-token extraction (SPEC §4): `x-api-key` or `Authorization: Bearer`. Bedrock-native
 * clients sign with SigV4; they authenticate by using the bridge token as their access key id
 * (the signature cannot be checked without a secret, and needs not be: the token is the secret).
 */
import type { IncomingHttpHeaders } from 'node:http';

export function bridgeTokenFrom(headers: IncomingHttpHeaders, allowSigV4: boolean): string | undefined {
  const key = headers['x-api-key'];
  if (typeof key === 'string' && key.trim()) return key.trim();
  const auth = headers['authorization'];
  if (typeof auth !== 'string') return undefined;
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(auth);
  if (bearer) return bearer[1];
  if (allowSigV4) {
    const sig = /^AWS4-HMAC-SHA256\s+Credential=([^/,\s]+)\//.exec(auth);
    if (sig) return sig[1];
  }
  return undefined;
}
