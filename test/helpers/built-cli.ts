/**
 * The built CLI (`node dist/src/cli.js`), as users run it. The Vitest global setup rebuilds a stale
 * dist/ before any test, so this is always the code under test — and a child starts in a fraction of
 * the time `node --import tsx src/cli.ts` takes to compile TypeScript (seconds per start on a busy
 * 2-core machine, which timed CLI tests out).
 */
import { fileURLToPath } from 'node:url';

export const BUILT_CLI = fileURLToPath(new URL('../../dist/src/cli.js', import.meta.url));
