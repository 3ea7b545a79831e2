/**
 * The import walls of eslint.config.js (ARCHITECTURE.md, "Who may import whom"): each wall refuses
 * a deliberate bad import, and lets the allowed ones through. Linted as text at a path inside the
 * floor, so no file is written.
 */
import { ESLint } from 'eslint';
import { beforeAll, describe, expect, it } from 'vitest';

// The walls need no type information; the virtual files are in no tsconfig, so the type-aware
// rules (and the project service that feeds them) are off for them.
const eslint = new ESLint({
  cwd: process.cwd(),
  overrideConfig: {
    languageOptions: { parserOptions: { projectService: false } },
    rules: { '@typescript-eslint/no-floating-promises': 'off', '@typescript-eslint/no-misused-promises': 'off' },
  },
});

// The first lint loads the config and the TypeScript parser: seconds on a busy machine, so it
// happens in the hook (60 s), not in the first test (30 s).
beforeAll(async () => {
  await eslint.lintText('', { filePath: 'src/record/warm-up.ts' });
});

async function problems(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? []).filter((m) => m.ruleId?.endsWith('no-restricted-imports')).map((m) => m.message);
}

describe('import walls', () => {
  it.each([
    ['src/record/x.ts', "import { createGateway } from '../gateway/server.js';"],
    ['src/record/x.ts', "import type { InterceptionStore } from '../store/interceptions/types.js';"],
    ['src/record/x.ts', "import type { Settings } from '../config/schema.js';"],
    ['src/record/x.ts', "import { startApp } from '../app.js';"],
    ['src/store/x.ts', "import type { GatewayError } from '../gateway/errors.js';"],
    ['src/store/interceptions/x.ts', "import { createGateway } from '../../gateway/server.js';"],
    ['src/store/interceptions/x.ts', "import { api } from '../../ui/api/client.js';"],
    ['src/config/x.ts', "import { sendError } from '../gateway/errors.js';"],
    ['src/config/x.ts', "export { hostAllowed } from '../gateway/http/host-check.js';"],
    ['src/ui/api/x.ts', "import { tokenSums } from '../../record/usage.js';"],
    ['src/ui/pages/x.tsx', "import { dayKeyAt } from '../../gateway/routes/usage.js';"],
    ['src/ui/x.ts', "import { startApp } from '../app.js';"],
    ['src/record/x.ts', "import { inOrderOnce } from '../app-lifecycle.js';"],
    ['src/gateway/x.ts', "import { app } from 'electron';"],
    ['src/ui/x.ts', "import type { BrowserWindow } from 'electron';"],
    ['src/store/x.ts', "import { x } from '../../electron/desktop.js';"],
  ])('%s refuses %s', async (file, code) => {
    expect(await problems(file, code)).toHaveLength(1);
  });

  it.each([
    ['src/record/x.ts', "import type { Interception } from './types.js';"],
    ['src/store/interceptions/x.ts', "import type { Interception } from '../../record/types.js';"],
    ['src/store/x.ts', "import { parseDuration } from '../config/duration.js';"],
    ['src/gateway/routes/x.ts', "import type { InterceptionStore } from '../../store/interceptions/types.js';"],
    ['src/ui/api/x.ts', "import type { Interception } from '../../record/types.js';"],
    ['src/ui/api/x.ts', "export type { UsageRow } from '../../gateway/routes/usage.js';"],
    ['src/ui/pages/x.tsx', "import { api } from '../api/client';"],
    ['electron/x.ts', "import { app } from 'electron';"],
  ])('%s allows %s', async (file, code) => {
    expect(await problems(file, code)).toEqual([]);
  });
});
