/**
 * Child for log-thread.test.ts: logs N records to `--log-json FILE` (signed chain) and calls
 * `process.exit` in the same turn, before the log thread has seen any of them. Prints the public
 * key so the test can verify the checkpoints.
 */
import { generateKeyPairSync } from 'node:crypto';
import { createLogger } from '../../src/gateway/log.js';
import { ed25519Signer } from '../../src/record/chain.js';
import { makeRecord } from './make-record.js';

const [file, count] = process.argv.slice(2);
const key = generateKeyPairSync('ed25519');
process.stdout.write(key.publicKey.export({ type: 'spki', format: 'pem' }));
const log = createLogger({ logJson: file, structured: true, signer: ed25519Signer(key.privateKey) });
for (let i = 1; i <= Number(count); i++) log.recordLog.finish(makeRecord(i));
log.logger.info('last line before exit');
process.exit(0);
