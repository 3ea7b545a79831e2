/** Child for log.test.ts: `--log-json /dev/stderr` with structured logging, then exit. */
import { createLogger } from '../../src/gateway/log.js';
import { makeRecord } from './make-record.js';

const log = createLogger({ logJson: '/dev/stderr', structured: true });
log.logger.info({ port: 1 }, 'listening');
log.recordLog.finish(makeRecord(1));
log.logger.warn('bye');
await log.close();
