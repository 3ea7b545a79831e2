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
