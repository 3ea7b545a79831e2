/**
 * The Ed25519 key that signs the log chain's checkpoints (SPEC §13).
 *
 * The private key (PKCS#8 PEM) goes through the secrets door like provider keys (STYLE.md §10):
 * headless, `secrets.json` (mode 0600) in the data dir; desktop, OS encryption (safeStorage). When
 * the desktop cannot encrypt, it falls back to the data dir's 0600 file rather than sign nothing
 * (SPEC §13 allows either), and says so. The public key is also written in clear to
 * `chain-public-key.pem` in the data dir at every start, so `aibridge public-key` and `aibridge
 * verify` work from the command line without decrypting anything.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SecretStore } from '../app-types.js';
import { ed25519Signer, keyIdOf, type ChainSigner } from '../record/chain.js';
import { readOptionalFile } from './private-file.js';
import { fileSecretStore } from './secrets-file.js';

/** The secret's name in the {@link SecretStore}. */
const SECRET_NAME = 'chain_signing_key';
/** The public key's file in the data dir. */
export const PUBLIC_KEY_FILE = 'chain-public-key.pem';

/** The checkpoint key of an install. */
export interface ChainKey {
  privateKey: KeyObject;
  publicKeyPem: string;
  keyId: string;
  /** Set when the key could not be kept where it should (the caller logs it). */
  warning?: string;
}

/**
 * The signer of the log chain's checkpoints for the running gateway; a key that cannot be read
 * leaves the lines chained but unsigned, and says so through `warn`, rather than stop the gateway.
 */
export function loadChainSigner(dataDir: string, secrets: SecretStore, warn: (msg: string) => void): ChainSigner | undefined {
  try {
    const key = loadChainKey(dataDir, secrets);
    const signer = ed25519Signer(key.privateKey);
    if (key.warning) warn(key.warning);
    return signer;
  } catch (err) {
    warn(`log chain checkpoints are not signed: ${(err as Error).message}`);
    return undefined;
  }
}

/**
 * Loads the install's checkpoint key, creating it on first use; writes `chain-public-key.pem`.
 * Throws when a stored key cannot be read (a corrupt secret must not be silently replaced: the
 * files it signed would no longer verify against a new key).
 */
export function loadChainKey(dataDir: string, secrets: SecretStore = fileSecretStore(dataDir)): ChainKey {
  let warning: string | undefined;
  let pem = secrets.get(SECRET_NAME);
  let privateKey: KeyObject;
  if (pem) {
    try {
      privateKey = createPrivateKey(pem);
    } catch (err) {
      throw new Error(`the log chain's signing key (${SECRET_NAME}) cannot be read: ${(err as Error).message}`, { cause: err });
    }
    if (privateKey.asymmetricKeyType !== 'ed25519') throw new Error(`the log chain's signing key (${SECRET_NAME}) is not an Ed25519 key`);
  } else {
    privateKey = generateKeyPairSync('ed25519').privateKey;
    pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    try {
      secrets.set(SECRET_NAME, pem);
    } catch (err) {
      if (secrets.kind === 'file') throw err;
      fileSecretStore(dataDir).set(SECRET_NAME, pem);
      warning = `the log chain's signing key is kept in the data dir's 0600 secrets.json: ${(err as Error).message}`;
    }
  }
  const publicKey = createPublicKey(privateKey);
  const publicKeyPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const file = join(dataDir, PUBLIC_KEY_FILE);
  if (readOptionalFile(file) !== publicKeyPem) {
    writeFileSync(file, publicKeyPem, { mode: 0o644 });
    chmodSync(file, 0o644);
  }
  return { privateKey, publicKeyPem, keyId: keyIdOf(publicKey), warning };
}

/**
 * The install's public key PEM for the CLI: the file the server wrote, else (no server has run
 * yet) the key loaded or created through the headless store.
 */
export function readPublicKeyPem(dataDir: string): string {
  return readOptionalFile(join(dataDir, PUBLIC_KEY_FILE)) ?? loadChainKey(dataDir).publicKeyPem;
}

/**
 * The checkpoint signer for a CLI command on this data dir (`aibridge export`): the key in the
 * headless store, created if no install key exists yet. When the install's key is OS-encrypted
 * (the desktop), the CLI cannot use it: `reason` says so and the export is chained but unsigned.
 */
export function cliChainKey(dataDir: string): { key?: ChainKey; reason?: string } {
  const hasClearKey = fileSecretStore(dataDir).get(SECRET_NAME) !== undefined;
  if (!hasClearKey && readOptionalFile(join(dataDir, PUBLIC_KEY_FILE)) !== undefined) {
    return { reason: 'the signing key of this install is OS-encrypted (desktop app): export from the app to get a signed export' };
  }
  return { key: loadChainKey(dataDir) };
}
