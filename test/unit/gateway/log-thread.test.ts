/**
 * The JSON log's worker thread (src/gateway/log-thread.ts): nothing lost when the process exits
 * in the same turn it logged, and the gateway taking over when the thread dies.
 */
import { execFile } from 'node:child_process';
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Worker } from 'node:worker_threads';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/gateway/log.js';
import { verifyFiles } from '../../../src/gateway/log-verify.js';
import { ed25519Signer } from '../../../src/record/chain.js';
import { makeRecord } from '../../helpers/make-record.js';

let dir: string;
beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aib-logthread-')); });
afterEach(() => { fs.rmSync(dir, { recursive: true, force: true }); });

const quiet = { write: () => true };

function linesOf(file: string): Array<Record<string, unknown>> {
  return fs.readFileSync(file, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('log thread', () => {
  it('a process.exit in the turn that logged still writes every line, chained and signed', async () => {
    const file = path.join(dir, 'exit.jsonl');
    const N = 400; // 2,400 record lines: two checkpoints on the way, none at exit (no close)
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', path.resolve(import.meta.dirname, '../../helpers/log-exit-child.ts'), file, String(N)], { encoding: 'utf8' });
    const lines = linesOf(file);
    const ids = new Set(lines.filter((l) => l['record_type'] === 'interception_end').map((l) => l['interception_id']));
    expect(ids.size).toBe(N);
    expect(lines.at(-1)).toMatchObject({ msg: 'last line before exit' });
    const [chain] = await verifyFiles([file], createPublicKey(stdout));
    // Whole and unbroken; an exit is no clean shutdown, so the lines after the last checkpoint stay unsigned.
    expect(chain?.report).toMatchObject({ firstSeq: 1, lines: lines.length, checkpoints: 2, signedThrough: 2002 });
    expect(chain?.report.breaks.map((b) => b.kind)).toEqual(['unsigned tail']);
  });

  it('when the thread dies, the gateway writes the log itself: the chain goes on and verifies', async () => {
    const file = path.join(dir, 'takeover.jsonl');
    const key = generateKeyPairSync('ed25519');
    let thread: Worker | undefined;
    const log = createLogger({ logJson: file, structured: true, stderr: quiet, signer: ed25519Signer(key.privateKey), onLogThread: (w) => { thread = w; } });
    for (let i = 1; i <= 3; i++) log.recordLog.finish(makeRecord(i));
    await log.flush();
    expect(linesOf(file)).toHaveLength(18);
    await thread?.terminate();
    for (let i = 4; i <= 6; i++) log.recordLog.finish(makeRecord(i));
    log.logger.info('after the thread');
    await log.close();

    const lines = linesOf(file);
    expect(lines.find((l) => l['level'] === 'error')?.['msg']).toMatch(/the log thread failed .*the gateway writes the JSON log itself/);
    expect(new Set(lines.filter((l) => l['record_type'] === 'interception_end').map((l) => l['interception_id']))).toEqual(new Set([1, 2, 3, 4, 5, 6].map((n) => makeRecord(n).id)));
    expect(lines.map((l) => l['msg'])).toContain('after the thread');
    expect(lines.at(-1)).toMatchObject({ record_type: 'chain_checkpoint' });
    const [chain] = await verifyFiles([file], key.publicKey);
    expect(chain?.report).toMatchObject({ ok: true, firstSeq: 1, lines: lines.length, breaks: [] });
  });

  it('a record whose lines cannot be built is named in a warning; the records around it are written', async () => {
    const file = path.join(dir, 'fault.jsonl');
    const log = createLogger({ logJson: file, structured: true, stderr: quiet });
    log.recordLog.finish(makeRecord(1));
    // A record of a shape the line builder cannot read (a fault of ours): no initiator.
    log.recordLog.finish({ ...makeRecord(2), initiator: undefined } as unknown as ReturnType<typeof makeRecord>);
    log.recordLog.finish(makeRecord(3));
    await log.flush();
    await new Promise((r) => setTimeout(r, 50)); // the warning is logged when the thread's report arrives
    await log.close();
    const lines = linesOf(file);
    expect(lines.filter((l) => l['record_type'] === 'interception_end').map((l) => l['interception_id'])).toEqual([makeRecord(1).id, makeRecord(3).id]);
    expect(lines.find((l) => l['msg'] === 'could not write interception log lines')).toMatchObject({ level: 'warn', interception_id: makeRecord(2).id });
  });
});
