/**
 * Where the running code finds its package: the version in package.json and the built dashboard,
 * from dist/src (the build) or from src (tsx in development and tests).
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';

const here = dirname(fileURLToPath(import.meta.url));
/** dist/src/app.js → dist/ui; src/app.ts (tsx) → dist/ui too. */
export const UI_DIR = join(here, '..', here.endsWith(join('dist', 'src')) ? 'ui' : join('dist', 'ui'));

/** The version in package.json (from dist/src or from src under tsx). */
export function appVersion(): string {
  for (const p of [join(here, '..', 'package.json'), join(here, '..', '..', 'package.json')]) {
    try {
      const v = (JSON.parse(readFileSync(p, 'utf8')) as { version?: string }).version;
      if (v) return v;
    } catch {
      // try the next layout
    }
  }
  return '0.0.0';
}
