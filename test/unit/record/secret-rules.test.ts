/** SPEC §12: the rule set finds every class it must, names the rule, and gives the exact secret. */
import { describe, expect, it } from 'vitest';
import { createSecretScanner } from '../../../src/record/secret-rules.js';
import { SECRET_SAMPLES, ordinaryPrompt } from '../../helpers/secret-samples.js';

const scanner = createSecretScanner();

describe('secret rules', () => {
  for (const s of SECRET_SAMPLES) {
    it(`finds a ${s.what} as ${s.rule}, value exact`, () => {
      const found = scanner.scan(s.text);
      expect(found.map((f) => f.rule)).toContain(s.rule);
      expect(found.find((f) => f.rule === s.rule)?.value).toBe(s.secret);
    });
  }

  it('finds nothing in an ordinary coding prompt', () => {
    expect(scanner.scan(ordinaryPrompt(40_000))).toEqual([]);
  });

  it("leaves AWS's documented example keys alone (secretlint's built-in allow list)", () => {
    expect(scanner.scan('AKIAIOSFODNN7EXAMPLE and AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY')).toEqual([]);
  });

  it('does not honour a secretlint-disable comment in the text', () => {
    const s = SECRET_SAMPLES.find((x) => x.rule === 'github-token')!;
    const text = `// secretlint-disable\n${s.secret}\n// secretlint-enable`;
    expect(scanner.scan(text).map((f) => f.value)).toContain(s.secret);
  });

  it('names every rule it applies, the SPEC §12 classes among them', () => {
    for (const s of SECRET_SAMPLES) expect(scanner.ruleNames).toContain(s.rule);
  });

  it('is reusable: a scan does not carry findings into the next', () => {
    expect(scanner.scan(SECRET_SAMPLES[0]!.text).length).toBeGreaterThan(0);
    expect(scanner.scan('nothing here at all')).toEqual([]);
  });
});

/**
 * The pre-filter (issue #20) skips a rule on a text that lacks what every pattern of that rule
 * needs. It must never change a result: every class above plus a sample for every other rule of
 * the preset, cut, case-flipped, glued to ordinary text and JSON-escaped at random, scanned with
 * and without it — the same findings, in the same order.
 */
describe('the pre-filter never changes what the rules find', () => {
  const plain = createSecretScanner({ prefilter: false });
  const chars = (n: number, alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789') => {
    let out = '';
    for (let i = 0; i < n; i++) out += alphabet[(i * 7 + n * 13 + i * i) % alphabet.length];
    return out;
  };
  // A 1Password service-account token: `ops_` + base64 of a JSON object ending in `fQ==` (a lone `}`).
  let opsJson = JSON.stringify({ email: 'svc@1passwordserviceaccounts.lcl', muk: { alg: 'A256GCM', k: chars(43) }, secretKey: chars(30), srpX: chars(64, '0123456789abcdef') });
  while (opsJson.length % 3 !== 1) opsJson = opsJson.slice(0, -1) + ' }';
  const opsToken = 'ops_' + Buffer.from(opsJson).toString('base64');
  /** A sample for every preset rule SECRET_SAMPLES does not cover (each must be found). */
  const OTHERS: { rule: string; text: string }[] = [
    { rule: 'slack-webhook', text: `curl -X POST https://hooks.slack.com/services/T${chars(9)}/B${chars(9)}/${chars(24)} -d @msg.json` },
    { rule: 'sendgrid-api-key', text: `SENDGRID=SG.${chars(22)}.${chars(43)} ok` },
    { rule: 'linear-api-key', text: `token lin_api_${chars(40)} here` },
    { rule: 'shopify-key', text: `shpat_${chars(32, '0123456789abcdef')}` },
    { rule: 'npm-access-token', text: `//registry.npmjs.org/:_authToken=npm_${chars(36)}` },
    { rule: 'package-json-x-oauth-token', text: `"repo": "https://${chars(40, '0123456789abcdef')}:x-oauth-basic@github.com/owner/repo.git"` },
    { rule: 'basic-auth', text: `fetch("https://deploybot:Zq8${chars(12)}@builds.internal.dev/api")` },
    { rule: 'mongodb-connection-string', text: `MONGO_URL=mongodb+srv://appuser:Xk29${chars(10)}@cluster0.mongodb.net/prod` },
    { rule: 'mysql-connection-string', text: `jdbc:mysql://svc_app:Qm4${chars(11)}@db.internal:3306/shop` },
    { rule: 'postgresql-connection-string', text: `DATABASE_URL=postgresql://billing:Vt7${chars(12)}@pg.internal:5432/billing` },
    { rule: 'ops-token', text: `OP_SERVICE_ACCOUNT_TOKEN=${opsToken}` },
    { rule: 'aws-secret-access-key', text: JSON.stringify({ aws_secret_access_key: chars(40, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/+') }) },
  ];
  const texts = [...SECRET_SAMPLES.map((s) => s.text), ...OTHERS.map((o) => o.text)];

  it('every extra sample is found (so the comparison covers that rule)', () => {
    for (const o of OTHERS) {
      const found = plain.scan(o.text);
      expect(found.map((f) => f.rule), o.text).toContain(o.rule);
    }
  });

  it('random texts: the same findings with and without the pre-filter', () => {
    let seed = 20;
    const rnd = (n: number) => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 8) % n;
    const ordinary = ordinaryPrompt(4000);
    const flipCase = (t: string) => [...t].map((c) => (rnd(4) === 0 ? (c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase()) : c)).join('');
    const piece = (): string => {
      const t = texts[rnd(texts.length)]!;
      switch (rnd(7)) {
        case 0: return t;
        case 1: return flipCase(t);
        case 2: { const a = rnd(t.length); return t.slice(a, a + 1 + rnd(t.length)); } // a cut: may keep or lose what a rule needs
        case 3: return JSON.stringify(t).slice(1, -1);
        case 4: return t.toUpperCase();
        case 5: return t.toLowerCase();
        default: { const a = rnd(ordinary.length); return ordinary.slice(a, a + rnd(400)); }
      }
    };
    const seps = [' ', '\n', '', '"', '=', ': ', '/', '.', '_', '@'];
    let withFindings = 0;
    for (let i = 0; i < 3000; i++) {
      let text = '';
      for (let k = 1 + rnd(4); k > 0; k--) text += piece() + seps[rnd(seps.length)];
      const want = plain.scan(text);
      expect(scanner.scan(text), text).toEqual(want);
      if (want.length > 0) withFindings++;
    }
    expect(withFindings).toBeGreaterThan(1000);
  });
});
