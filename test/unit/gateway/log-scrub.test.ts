/**
 * Ordinary (non-record) log lines never carry a secret (issue 16): once the app has set the scrub,
 * every pino line passes the same redaction as records — our own keys by value always, the rule
 * set while `redact_secrets` is on — in the JSON file (chained) and on stderr alike. A fault of
 * the scrub withholds the line instead of writing it unscrubbed.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/gateway/log.js';
import { createRedactor } from '../../../src/record/redaction.js';
import { createSecretScanner } from '../../../src/record/secret-rules.js';
import { verifyFiles } from '../../../src/gateway/log-verify.js';
import { SECRET_SAMPLES } from '../../helpers/secret-samples.js';
import { generateKeyPairSync } from 'node:crypto';
import { ed25519Signer } from '../../../src/record/chain.js';

let dir: string;
beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aib-log-scrub-')); });
afterEach(() => { fs.rmSync(dir, { recursive: true, force: true }); });

const scanner = createSecretScanner();
const key = generateKeyPairSync('ed25519');
const PROVIDER_KEY = 'sk-ant-api03-configured-key-for-scrub-0011';
const sample = (rule: string) => SECRET_SAMPLES.find((s) => s.rule === rule)!;
const gh = sample('github-token');
const pem = sample('private-key');

function collector() {
  let buf = '';
  return { write(s: string) { buf += s; return true; }, text: () => buf };
}

function setup(enabled = true) {
  const stderr = collector();
  const file = path.join(dir, 'aibridge.jsonl');
  const logging = createLogger({ logJson: file, structured: true, stderr, signer: ed25519Signer(key.privateKey) });
  let rules = enabled;
  const redactor = createRedactor({ scanner, enabled: () => rules, known: () => [{ rule: 'provider-key', value: PROVIDER_KEY }] });
  return { logging, redactor, stderr, file, setRules: (v: boolean) => { rules = v; } };
}

describe('ordinary log lines are scrubbed', () => {
  it('a warn line echoing our key and an error whose message and stack quote secrets: markers in the file and on stderr', async () => {
    const { logging, redactor, stderr, file } = setup();
    logging.setScrub((line) => redactor.scrub(line));
    const err = new Error(`upstream said: invalid x-api-key ${PROVIDER_KEY}`);
    logging.logger.warn({ err, upstream: { detail: [`token ${gh.secret}`], [PROVIDER_KEY]: 1 } }, `provider test failed: ${PROVIDER_KEY}`);
    logging.logger.error({ body: `the user pasted\n${pem.secret}\nhere` }, 'collector echoed a body');
    logging.logger.info({ port: 8642 }, 'listening');
    await logging.close();

    const text = fs.readFileSync(file, 'utf8');
    for (const out of [text, stderr.text()]) {
      expect(out).not.toContain(PROVIDER_KEY);
      expect(out).not.toContain(gh.secret);
      expect(out).not.toContain(pem.secret.split('\n')[1]!);
    }
    const lines = text.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, any>);
    expect(lines[0]!.msg).toBe('provider test failed: [REDACTED:provider-key]');
    expect(lines[0]!.err.message).toBe('upstream said: invalid x-api-key [REDACTED:provider-key]');
    expect(lines[0]!.err.stack).toContain('[REDACTED:provider-key]');
    expect(lines[0]!.upstream).toEqual({ detail: ['token [REDACTED:github-token]'], '[REDACTED:provider-key]': 1 });
    expect(lines[1]!.body).toBe('the user pasted\n[REDACTED:private-key]\nhere');
    // A clean line is written as pino made it; every line is still chained.
    expect(lines[2]).toMatchObject({ level: 'info', msg: 'listening', port: 8642 });
    expect(stderr.text()).toContain('WARN  provider test failed: [REDACTED:provider-key]');
    const [chain] = await verifyFiles([file], key.publicKey);
    expect(chain?.report).toMatchObject({ ok: true, breaks: [], checkpoints: 1 });
  });

  it('redact_secrets off: our own key still goes, the rule set is off', async () => {
    const { logging, redactor, file, setRules } = setup();
    logging.setScrub((line) => redactor.scrub(line));
    setRules(false);
    logging.logger.warn({ a: gh.secret }, `key ${PROVIDER_KEY}`);
    await logging.close();
    const line = JSON.parse(fs.readFileSync(file, 'utf8').split('\n')[0]!) as Record<string, unknown>;
    expect(line['msg']).toBe('key [REDACTED:provider-key]');
    expect(line['a']).toBe(gh.secret);
  });

  it('a scrub fault withholds the line (level and time kept) rather than writing it unscrubbed', async () => {
    const { logging, stderr, file } = setup();
    logging.setScrub(() => { throw new Error('rule set broke'); });
    logging.logger.error(`key ${PROVIDER_KEY}`);
    await logging.close();
    const text = fs.readFileSync(file, 'utf8');
    expect(text).not.toContain(PROVIDER_KEY);
    expect(stderr.text()).not.toContain(PROVIDER_KEY);
    const line = JSON.parse(text.split('\n')[0]!) as Record<string, unknown>;
    expect(line).toMatchObject({ level: 'error', msg: 'log line withheld: secret scrubbing failed on it' });
  });
});
