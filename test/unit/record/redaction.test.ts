/**
 * SPEC §12 redaction as a fan-out transform: every scanned field, counts per row and per record,
 * our own secrets always, the rule set only while `redact_secrets` is on, deep tool inputs, faults.
 */
import { describe, expect, it } from 'vitest';
import { createRedactor, type KnownSecret } from '../../../src/record/redaction.js';
import { createSecretScanner, type SecretScanner } from '../../../src/record/secret-rules.js';
import type { FinishedRecord } from '../../../src/record/fanout.js';
import type { Interception } from '../../../src/record/types.js';
import { makeRecord } from '../../helpers/make-record.js';
import { SECRET_SAMPLES } from '../../helpers/secret-samples.js';

const defaultScanner = createSecretScanner();
const sample = (rule: string) => SECRET_SAMPLES.find((s) => s.rule === rule)!;
const PROVIDER_KEY = 'sk-test-configured-provider-key-123';
const TOKEN = 'abr_' + 'Q'.repeat(16) + 'w'.repeat(16);
const OTHER_TOKEN = 'abr_' + 'Z'.repeat(32);

function redactor(opts: { enabled?: boolean; known?: KnownSecret[]; scanner?: SecretScanner } = {}) {
  return createRedactor({
    enabled: () => opts.enabled ?? true,
    known: () => opts.known ?? [{ rule: 'provider-key', value: PROVIDER_KEY }],
    candidates: [{ rule: 'bridge-token', pattern: /abr_[A-Za-z0-9_-]{32}(?![A-Za-z0-9_-])/g, accept: (t) => t === TOKEN }],
    scanner: opts.scanner ?? defaultScanner,
  });
}

const finish = (r: ReturnType<typeof redactor>, rec: Interception) => r.transform.finish!(rec as FinishedRecord);

describe('secret redaction transform', () => {
  it('replaces secrets in prompt, thought, tool input, invocation error and error text, with counts', () => {
    const gh = sample('github-token');
    const aws = sample('aws-secret-access-key');
    const pem = sample('private-key');
    const rec = makeRecord(1);
    rec.user_prompts[0]!.prompt = `deploy with ${gh.secret} and again ${gh.secret}`;
    rec.model_thoughts[0]!.content = `the user pasted ${pem.text}`;
    rec.tool_usages[0]!.input = { command: 'deploy', env: { aws_secret_access_key: aws.secret, list: ['x', `token ${gh.secret}`] } };
    rec.tool_usages[0]!.invocation_error = `auth failed for ${PROVIDER_KEY}`;
    rec.error = `upstream said: invalid x-api-key ${PROVIDER_KEY}`;
    const before = JSON.stringify(rec);

    const out = finish(redactor(), rec);
    const text = JSON.stringify(out);
    for (const s of [gh.secret, aws.secret, pem.secret, PROVIDER_KEY]) expect(text).not.toContain(s);
    expect(out.user_prompts[0]!.prompt).toBe('deploy with [REDACTED:github-token] and again [REDACTED:github-token]');
    expect(out.user_prompts[0]!.metadata['redactions']).toEqual([{ rule: 'github-token', count: 2 }]);
    expect(out.model_thoughts[0]!.content).toBe('the user pasted key file:\n[REDACTED:private-key]\nend of file');
    expect(out.tool_usages[0]!.input).toEqual({ command: 'deploy', env: { aws_secret_access_key: '[REDACTED:aws-secret-access-key]', list: ['x', 'token [REDACTED:github-token]'] } });
    expect(out.tool_usages[0]!.invocation_error).toBe('auth failed for [REDACTED:provider-key]');
    expect(out.tool_usages[0]!.metadata['redactions']).toEqual([
      { rule: 'aws-secret-access-key', count: 1 },
      { rule: 'github-token', count: 1 },
      { rule: 'provider-key', count: 1 },
    ]);
    expect(out.error).toBe('upstream said: invalid x-api-key [REDACTED:provider-key]');
    expect(out.metadata['redactions']).toEqual([
      { rule: 'aws-secret-access-key', count: 1 },
      { rule: 'github-token', count: 3 },
      { rule: 'private-key', count: 1 },
      { rule: 'provider-key', count: 2 },
    ]);
    expect(out.metadata['route']).toBe('/anthropic/v1/messages'); // the rest of metadata kept
    expect(JSON.stringify(rec)).toBe(before); // the record handed in is never changed
  });

  for (const s of SECRET_SAMPLES) {
    it(`redacts a ${s.what} in a prompt`, () => {
      const rec = makeRecord(2);
      rec.user_prompts[0]!.prompt = s.text;
      const out = finish(redactor(), rec);
      expect(out.user_prompts[0]!.prompt).not.toContain(s.secret);
      expect(out.user_prompts[0]!.prompt).toContain(`[REDACTED:${s.rule}]`);
    });
  }

  it('returns the very same record when there is nothing to redact', () => {
    const rec = makeRecord(3);
    expect(finish(redactor(), rec)).toBe(rec);
    expect(redactor().transform.begin!(rec)).toBe(rec);
  });

  it('redact_secrets off: the rule set is off, our own secrets still go', () => {
    const gh = sample('github-token');
    const rec = makeRecord(4);
    rec.user_prompts[0]!.prompt = `${gh.secret} ${PROVIDER_KEY} ${TOKEN}`;
    const out = finish(redactor({ enabled: false }), rec);
    expect(out.user_prompts[0]!.prompt).toBe(`${gh.secret} [REDACTED:provider-key] [REDACTED:bridge-token]`);
  });

  it('redacts our bridge tokens by shape and confirmation, not other look-alikes', () => {
    const rec = makeRecord(5);
    rec.error = `tokens ${TOKEN} and ${OTHER_TOKEN}`;
    const out = finish(redactor(), rec);
    expect(out.error).toBe(`tokens [REDACTED:bridge-token] and ${OTHER_TOKEN}`);
  });

  it('a secret found with context is also removed where it stands alone in another field', () => {
    const aws = sample('aws-secret-access-key');
    const rec = makeRecord(6);
    rec.user_prompts[0]!.prompt = aws.text;
    rec.model_thoughts[0]!.content = `they gave me ${aws.secret}`; // no context here
    const out = finish(redactor(), rec);
    expect(out.model_thoughts[0]!.content).toBe('they gave me [REDACTED:aws-secret-access-key]');
  });

  it('begin redacts the in-flight prompt; finish reuses that scan for the same prompt', () => {
    const real = createSecretScanner();
    const scanned: string[] = [];
    const counting: SecretScanner = { ruleNames: real.ruleNames, scan: (t) => (scanned.push(t), real.scan(t)) };
    const r = redactor({ scanner: counting });
    const gh = sample('github-token');
    const rec = makeRecord(7, undefined, { status: 'in_flight', ended_at: null, token_usages: [], tool_usages: [], model_thoughts: [] });
    rec.user_prompts[0]!.prompt = `use ${gh.secret}`;
    const began = r.transform.begin!(rec);
    expect(began.user_prompts[0]!.prompt).toBe('use [REDACTED:github-token]');
    expect(began.metadata['redactions']).toEqual([{ rule: 'github-token', count: 1 }]);
    const done = finish(r, { ...rec, status: 'completed', ended_at: rec.started_at });
    expect(done.user_prompts[0]!.prompt).toBe('use [REDACTED:github-token]');
    expect(scanned.filter((t) => t === `use ${gh.secret}`)).toHaveLength(1);
  });

  it('a tool input nested 20,000 levels deep is walked without recursion and still redacted', () => {
    const gh = sample('github-token');
    let input: unknown = { token: gh.secret };
    for (let i = 0; i < 20_000; i++) input = i % 2 ? { a: input } : [input];
    const rec = makeRecord(8);
    rec.tool_usages[0]!.input = input;
    const out = finish(redactor(), rec);
    let v: unknown = out.tool_usages[0]!.input;
    for (let i = 20_000 - 1; i >= 0; i--) v = i % 2 ? (v as { a: unknown }).a : (v as unknown[])[0];
    expect(v).toEqual({ token: '[REDACTED:github-token]' });
  });

  it('keeps a `__proto__` key of a tool input a plain key', () => {
    const gh = sample('github-token');
    const rec = makeRecord(9);
    rec.tool_usages[0]!.input = JSON.parse(`{"__proto__": {"polluted": "${gh.secret}"}}`) as unknown;
    const out = finish(redactor(), rec);
    const input = out.tool_usages[0]!.input as Record<string, unknown>;
    expect(Object.keys(input)).toEqual(['__proto__']);
    expect(JSON.stringify(input)).toBe('{"__proto__":{"polluted":"[REDACTED:github-token]"}}');
  });

  it('a fault inside redaction strips the content instead of passing it on', () => {
    const broken: SecretScanner = { ruleNames: [], scan: () => { throw new Error('rule exploded'); } };
    const rec = makeRecord(10);
    rec.user_prompts[0]!.prompt = 'anything at all, maybe a secret';
    rec.error = 'some error';
    const out = finish(redactor({ scanner: broken }), rec);
    expect(out.user_prompts[0]!.prompt).toBe('[REDACTED:redaction-failed]');
    expect(out.tool_usages[0]!.input).toBe('[REDACTED:redaction-failed]');
    expect(out.model_thoughts[0]!.content).toBe('[REDACTED:redaction-failed]');
    expect(out.error).toBe('[REDACTED:redaction-failed]');
    expect(out.metadata['redactions']).toEqual([{ rule: 'redaction-failed', count: 4 }]);
  });

  it('firstSecret names the rule of a secret in a prompt (block_secrets), never the secret', () => {
    const r = redactor();
    expect(r.firstSecret(sample('stripe-key').text)).toBe('stripe-key');
    expect(r.firstSecret(`key ${PROVIDER_KEY}`)).toBe('provider-key');
    expect(r.firstSecret(`token ${TOKEN}`)).toBe('bridge-token');
    expect(r.firstSecret('just a question about sorting')).toBeUndefined();
  });

  it('ignores known secrets too short to be told from ordinary text', () => {
    const rec = makeRecord(11);
    rec.user_prompts[0]!.prompt = 'hello 11';
    expect(finish(redactor({ known: [{ rule: 'provider-key', value: 'hello' }] }), rec)).toBe(rec);
  });
});
