import { execFile } from 'node:child_process';
import fs from 'node:fs';
import { promisify } from 'node:util';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger, humanLine } from '../../../src/gateway/log.js';
import { formatInterceptionLines } from '../../../src/record/log-lines.js';
import { makeRecord } from '../../helpers/make-record.js';
import { stripChains } from '../../helpers/chain.js';
import { generateKeyPairSync } from 'node:crypto';
import { ed25519Signer } from '../../../src/record/chain.js';
import { RotatingFile } from '../../../src/gateway/log-file.js';
import { verifyFiles } from '../../../src/gateway/log-verify.js';

let dir: string;
beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aib-log-')); });
afterEach(() => { fs.rmSync(dir, { recursive: true, force: true }); });

function collector(): { write(s: string): boolean; text: () => string } {
  let buf = '';
  return { write(s: string) { buf += s; return true; }, text: () => buf };
}

const NOW = Date.UTC(2026, 10, 26, 10, 0, 0);

describe('createLogger', () => {
  it('with --log-json PATH writes every line as JSON: ordinary and interception lines, in order', async () => {
    const stderr = collector();
    const file = path.join(dir, 'logs', 'aibridge.jsonl');
    const log = createLogger({ logJson: file, structured: true, stderr, now: () => NOW });
    log.logger.info({ port: 8642 }, 'listening');
    log.recordLog.finish(makeRecord(1));
    log.logger.warn('something odd');
    log.recordLog.finish(makeRecord(2));
    await log.close();

    const lines = fs.readFileSync(file, 'utf8').trimEnd().split('\n');
    const objs = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(objs.map((o) => o.record_type ?? o.msg)).toEqual([
      'listening',
      'interception_start', 'prompt_usage', 'token_usage', 'tool_usage', 'model_thought', 'interception_end',
      'something odd',
      'interception_start', 'prompt_usage', 'token_usage', 'tool_usage', 'model_thought', 'interception_end',
    ]);
    expect(objs[0]).toMatchObject({ level: 'info', time: '2026-11-26T10:00:00.000Z', port: 8642, msg: 'listening' });
    // Interception lines in the file are exactly the shared serializer's output, plus `chain`.
    expect(stripChains(lines.slice(1, 7).map((l) => `${l}\n`).join(''))).toBe(formatInterceptionLines(makeRecord(1)));
    expect(objs.map((o) => (o.chain as { seq: number }).seq)).toEqual(objs.map((_o, i) => i + 1));
    // stderr keeps the human form of ordinary lines only.
    expect(stderr.text()).toContain('INFO  listening port=8642');
    expect(stderr.text()).toContain('WARN  something odd');
    expect(stderr.text()).not.toContain('interception');
  });

  it('writes no interception lines with structured logging off, and follows a live toggle', async () => {
    const file = path.join(dir, 'a.jsonl');
    let on = false;
    const log = createLogger({ logJson: file, structured: () => on, stderr: collector() });
    log.recordLog.finish(makeRecord(1));
    on = true;
    log.recordLog.finish(makeRecord(2));
    await log.close();
    const types = fs.readFileSync(file, 'utf8').trimEnd().split('\n').map((l) => (JSON.parse(l) as { interception_id?: string }).interception_id);
    expect(new Set(types)).toEqual(new Set([makeRecord(2).id]));
  });

  it('without --log-json: human lines on stderr, interception lines as JSON lines there', async () => {
    const stderr = collector();
    const log = createLogger({ structured: true, stderr, now: () => NOW });
    log.logger.info('hello');
    log.recordLog.finish(makeRecord(1));
    await log.close();
    const rows = stderr.text().trimEnd().split('\n');
    expect(rows[0]).toBe('2026-11-26T10:00:00.000Z INFO  hello');
    expect(rows.slice(1).map((r) => (JSON.parse(r) as { record_type: string }).record_type)).toHaveLength(6);
  });

  it('redacts secrets in ordinary lines (defence in depth)', async () => {
    const file = path.join(dir, 'a.jsonl');
    const stderr = collector();
    const log = createLogger({ logJson: file, structured: false, stderr });
    log.logger.info({ headers: { authorization: 'Bearer sk-secret-1', 'x-api-key': 'sk-secret-2' } }, 'req');
    log.logger.info({ req: { headers: { authorization: 'Bearer sk-secret-3' } }, apiKey: 'sk-secret-4', cfg: { anthropicKey: 'sk-secret-5', token: 'aib_secret-6' } }, 'cfg');
    await log.close();
    const text = fs.readFileSync(file, 'utf8') + stderr.text();
    expect(text).not.toMatch(/secret/);
    expect(text).toContain('[REDACTED]');
  });

  it('names the path in the error when the JSON log cannot be opened', () => {
    fs.writeFileSync(path.join(dir, 'file'), '');
    expect(() => createLogger({ logJson: path.join(dir, 'file', 'x.log'), structured: true, stderr: collector() })).toThrow(/log-json.*file\/x\.log/);
  });

  it('never throws from emit, even for a record JSON cannot hold', async () => {
    const stderr = collector();
    const log = createLogger({ structured: true, stderr });
    const bad = makeRecord(1, undefined, { metadata: { n: 1n } });
    expect(() => log.recordLog.finish(bad)).not.toThrow();
    await log.close();
    expect(stderr.text()).toContain('could not write interception log lines');
  });

  it('escapes CR/LF and other control characters so a model name cannot forge log lines (issue #13)', async () => {
    const stderr = collector();
    const log = createLogger({ logJson: undefined, structured: false, stderr, now: () => NOW });
    const model = 'claude\r\n2026-12-05T00:00:00.000Z INFO  bridge disabled\u0007\u2028x';
    log.logger.warn({ circuit: `anthropic/${model}` }, `upstream circuit anthropic/${model} is open`);
    await log.close();
    const text = stderr.text();
    expect(text.split('\n').filter(Boolean)).toHaveLength(1);
    expect(text).toContain('claude\\r\\n2026-12-05T00:00:00.000Z INFO  bridge disabled\\x07\\u2028x is open');
    expect(text).not.toMatch(/[\r\u0007\u2028]/);
  });

  it('renders errors with their message for humans', () => {
    const out = humanLine(JSON.stringify({ level: 'error', time: 't', msg: 'boom', err: { message: 'bad', stack: 'Error: bad\n    at x' } }));
    expect(out).toBe('t ERROR boom err="bad"\n    at x\n');
  });

  it('with --log-json /dev/stderr writes only JSON lines to stderr', async () => {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ['--import', 'tsx', path.resolve(import.meta.dirname, '../../helpers/log-stderr-child.ts')], { encoding: 'utf8' });
    expect(stdout).toBe('');
    const lines = stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(8);
    const objs = lines.map((l) => JSON.parse(l) as { msg: string; record_type?: string });
    expect(objs.map((o) => o.record_type ?? o.msg)).toEqual([
      'listening', 'interception_start', 'prompt_usage', 'token_usage', 'tool_usage', 'model_thought', 'interception_end', 'bye',
    ]);
  });

  it('rotates the JSON log by size without losing or splitting a record', async () => {
    const file = path.join(dir, 'r.jsonl');
    const log = createLogger({ logJson: file, structured: true, stderr: collector(), rotation: { maxBytes: 8192, maxFiles: 0 } });
    const N = 500;
    for (let i = 0; i < N; i++) {
      log.recordLog.finish(makeRecord(i));
      if (i % 50 === 0) log.logger.info({ i }, 'progress');
    }
    await log.close();
    const files = [...(log.file?.rotatedFiles() ?? []), file];
    expect(files.length).toBeGreaterThan(20);
    const ids = new Map<string, number>();
    let total = 0;
    for (const f of files) {
      const perFile = new Map<string, number>();
      for (const l of fs.readFileSync(f, 'utf8').trimEnd().split('\n')) {
        const o = JSON.parse(l) as { interception_id?: string };
        total++;
        if (o.interception_id) perFile.set(o.interception_id, (perFile.get(o.interception_id) ?? 0) + 1);
      }
      for (const [id, n] of perFile) {
        expect(n).toBe(6); // a record's lines never straddle a rotation
        ids.set(id, (ids.get(id) ?? 0) + n);
      }
    }
    expect(ids.size).toBe(N);
    expect(total).toBe(N * 6 + N / 50);
  });
});

describe('log chain (SPEC §13)', () => {
  const key = generateKeyPairSync('ed25519');
  const signer = ed25519Signer(key.privateKey);

  it('runs on across rotation and a restart; verify walks the rotated siblings and passes', async () => {
    const file = path.join(dir, 'chain.jsonl');
    for (let run = 0; run < 2; run++) {
      const log = createLogger({ logJson: file, structured: true, stderr: collector(), signer, rotation: { maxBytes: 4096, daily: false, maxFiles: 0 } });
      for (let i = 1; i <= 6; i++) log.recordLog.finish(makeRecord(run * 10 + i));
      log.logger.info({ run }, 'run done');
      await log.close();
    }
    const rotated = RotatingFile.rotatedFilesOf(file);
    expect(rotated.length).toBeGreaterThan(2);
    const [chain] = await verifyFiles([file], key.publicKey);
    expect(chain?.files).toEqual([...rotated, file]);
    expect(chain?.report).toMatchObject({ ok: true, firstSeq: 1, breaks: [] });
    expect(chain?.report.checkpoints).toBe(2);
    expect(chain?.report.lines).toBe(chain?.report.lastSeq);
  });

  it('a file that ends in a torn line goes on from its last whole line; verify names the torn line', async () => {
    const file = path.join(dir, 'torn.jsonl');
    const first = createLogger({ logJson: file, structured: true, stderr: collector(), signer });
    first.recordLog.finish(makeRecord(1));
    await first.close();
    fs.appendFileSync(file, '{"level":"info","msg":"cut o');
    const tornAt = fs.readFileSync(file, 'utf8').split('\n').length;
    const second = createLogger({ logJson: file, structured: true, stderr: collector(), signer });
    second.recordLog.finish(makeRecord(2));
    await second.close();
    const [chain] = await verifyFiles([file], key.publicKey);
    expect(chain?.report.breaks).toEqual([expect.objectContaining({ kind: 'edited', line: tornAt, message: expect.stringContaining('not a JSON object') as string })]);
    expect(fs.readFileSync(file, 'utf8')).toContain('ended in a partial line');
  });
});
