/**
 * Vitest global setup: black-box tests run the built product (`dist/src/cli.js`, `dist/ui`,
 * `dist/electron`), so running one test file after editing `src/` must not test stale code. Before
 * any test starts, rebuild whatever output is older than its sources. `npm test` builds first, so
 * there this finds nothing to do.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('../../', import.meta.url));

/** Newest modification time under `dir` (recursively), 0 when it does not exist. */
function newest(dir: string, skip: (name: string) => boolean = () => false): number {
  if (!existsSync(dir)) return 0;
  let max = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (skip(e.name)) continue;
    const p = join(dir, e.name);
    max = Math.max(max, e.isDirectory() ? newest(p, skip) : statSync(p).mtimeMs);
  }
  return max;
}

/** Oldest modification time of the given output files; 0 when one is missing. */
function oldest(...files: string[]): number {
  let min = Infinity;
  for (const f of files) {
    if (!existsSync(f)) return 0;
    min = Math.min(min, statSync(f).mtimeMs);
  }
  return min;
}

export function ensureBuilt(): string[] {
  const built: string[] = [];
  const r = (p: string) => join(REPO, p);
  const node = Math.max(newest(r('src'), (n) => n === 'ui'), newest(r('electron')), statSync(r('tsconfig.build.json')).mtimeMs);
  if (node > oldest(r('dist/src/cli.js'), r('dist/src/app.js'), r('dist/electron/main.js'))) {
    execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: REPO, stdio: 'inherit' });
    built.push('node');
  }
  if (newest(r('src/ui')) > oldest(r('dist/ui/index.html'))) {
    execFileSync('npx', ['vite', 'build', '--config', 'src/ui/vite.config.ts', '--logLevel', 'warn'], { cwd: REPO, stdio: 'inherit' });
    built.push('ui');
  }
  return built;
}

export default function setup(): void {
  const built = ensureBuilt();
  if (built.length) console.log(`global setup: rebuilt stale dist (${built.join(', ')})`);
}
