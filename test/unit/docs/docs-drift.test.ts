/** The generated reference docs (settings table, CLI help) match the code: `npm run docs:gen` fixes a failure. */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

it('docs/configuration.md and docs/cli.md are what build/gen-docs.ts makes from the code', () => {
  let out = '';
  try {
    execFileSync(process.execPath, ['--import', 'tsx', 'build/gen-docs.ts', '--check', '--dist'], { cwd: ROOT, encoding: 'utf8', stdio: 'pipe' });
  } catch (err) {
    out = String((err as { stderr?: string }).stderr ?? err);
  }
  expect(out, 'run `npm run docs:gen` and commit the docs').toBe('');
}, 120_000);
