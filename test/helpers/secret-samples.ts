/**
 * One realistic secret of every class SPEC §12 names, built at run time (no secret-shaped string
 * sits in the repository for another scanner to trip on), with the rule name redaction gives it.
 */
import { generateKeyPairSync } from 'node:crypto';

/** A deterministic string of `n` characters from `alphabet` (the same on every run). */
function chars(n: number, seed: number, alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'): string {
  let x = seed >>> 0;
  let out = '';
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    out += alphabet[(x >>> 16) % alphabet.length];
  }
  return out;
}

const b64url = (o: object): string => Buffer.from(JSON.stringify(o)).toString('base64url');
const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** A PEM private key (a real 1024-bit RSA key, made once per process). */
const pem = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs1', format: 'pem' }).toString().trim();

export interface SecretSample {
  /** The class as SPEC §12 names it. */
  what: string;
  /** The rule name in `[REDACTED:RULE]`. */
  rule: string;
  /** The secret itself. */
  secret: string;
  /** How it appears in a prompt (the secret with the context a rule may need). */
  text: string;
}

const sample = (what: string, rule: string, secret: string, text = `here it is: ${secret} — use it`): SecretSample => ({ what, rule, secret, text });

const awsSecret = chars(40, 7, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/+');

export const SECRET_SAMPLES: readonly SecretSample[] = [
  sample('AWS access key id', 'aws-access-key-id', 'AKIA' + chars(16, 1, UPPER)),
  sample('AWS secret access key', 'aws-secret-access-key', awsSecret, `export AWS_SECRET_ACCESS_KEY=${awsSecret}\nthen run the deploy`),
  sample('GitHub token (ghp_)', 'github-token', 'ghp_' + chars(36, 2)),
  sample('GitHub token (gho_)', 'github-token', 'gho_' + chars(36, 3)),
  sample('GitHub token (github_pat_)', 'github-token', 'github_pat_' + chars(82, 4)),
  sample('Anthropic key', 'anthropic-api-key', 'sk-ant-api03-' + chars(93, 5) + 'AA'),
  sample('OpenAI key', 'openai-api-key', 'sk-proj-' + chars(74, 6) + 'T3BlbkFJ' + chars(74, 8)),
  sample('Slack token', 'slack-token', 'xoxb-' + chars(12, 9, '0123456789') + '-' + chars(13, 10, '0123456789') + '-' + chars(24, 11)),
  sample('Stripe key', 'stripe-key', 'sk_live_' + chars(24, 12)),
  sample('Google API key', 'google-api-key', 'AIza' + chars(35, 13)),
  sample('private key PEM block', 'private-key', pem, `key file:\n${pem}\nend of file`),
  sample('JWT', 'jwt', `${b64url({ alg: 'HS256', typ: 'JWT' })}.${b64url({ sub: '1234567890', name: 'Jane Doe', iat: 1516239022 })}.${chars(43, 14)}`),
];

/** A prompt of about `bytes` bytes as Claude Code sends them: code, paths, prose, no secret. */
export function ordinaryPrompt(bytes: number): string {
  const parts = [
    'Please refactor the function below so that it handles the empty case, and add a test.\n',
    'export function sum(xs: number[]): number {\n  let total = 0;\n  for (const x of xs) total += x;\n  return total;\n}\n',
    '<system-reminder>The user opened /home/dev/project/src/math/sum.ts in the IDE.</system-reminder>\n',
    '$ npm test -- --run test/math/sum.test.ts\n ✓ sums three numbers (2 ms)\n ✗ handles [] (expected 0, got NaN)\n',
    'const config = { retries: 3, timeoutMs: 30_000, baseUrl: "https://api.example.com/v2/" };\n',
    'commit 4f2a9c1e5b7d3f6a8c0e2b4d6f8a0c2e4b6d8f0a  Author: Jane Doe <jane@example.com>\n',
  ];
  let out = '';
  for (let i = 0; out.length < bytes; i++) out += parts[i % parts.length];
  return out.slice(0, bytes);
}
