import tseslint from 'typescript-eslint';

/**
 * The floors of the house (ARCHITECTURE.md, "Who may import whom"), enforced here so a wrong import
 * fails `npm run lint` (and so `npm test`); test/unit/lint/walls.test.ts proves each wall holds.
 *
 *   record  ← the ground floor: the record, its log lines, token arithmetic, the fan-out
 *   config, store  ← may use record, never gateway or ui
 *   gateway ← may use everything below
 *   app.ts, cli.ts ← compose it all
 *   ui      ← the browser's: only `import type` from the rest
 *   electron/ ← the only importer of `electron` (STYLE.md §1)
 *
 * Relative paths are matched by their folder name after the `../` run, which is exact as long as
 * no folder inside a floor is named like a floor (none is).
 */
const ELECTRON = {
  paths: [{ name: 'electron', message: 'Only electron/ may import electron (STYLE.md §1).' }],
  patterns: [
    { regex: '^electron/', message: 'Only electron/ may import electron (STYLE.md §1).' },
    { regex: '(^|/)electron/', message: 'src/ runs headless: nothing in it imports electron/ (STYLE.md §1).' },
  ],
};

/** A pattern refusing relative imports that climb into one of `floors`. */
const into = (floors, message, extra = {}) => ({ regex: `^(\\.\\./)+(${floors.join('|')})(/|\\.js$|$)`, message, ...extra });

const walls = (...patterns) => ['error', { paths: ELECTRON.paths, patterns: [...ELECTRON.patterns, ...patterns] }];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'release/**'] },
  {
    files: ['src/**/*.ts', 'src/**/*.tsx', 'electron/**/*.ts'],
    extends: [tseslint.configs.base],
    // Type-aware rules: each file is checked with its own tsconfig (src/ui has one of its own).
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      'no-debugger': 'error',
      // A promise nobody awaits or catches loses its rejection (an unhandled rejection ends the
      // process); one handed where a callback's return is ignored (an event listener) does too.
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
    },
  },
  {
    files: ['src/**/*.ts', 'src/**/*.tsx'],
    rules: { '@typescript-eslint/no-restricted-imports': walls() },
  },
  {
    files: ['src/record/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': walls(
        into(['gateway', 'store', 'config', 'ui', 'app', 'app-types', 'app-lifecycle', 'cli'], 'src/record/ is the ground floor: it imports nothing else of src/ (ARCHITECTURE.md).'),
      ),
    },
  },
  {
    files: ['src/store/**/*.ts', 'src/config/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': walls(
        into(['gateway', 'ui'], 'src/store/ and src/config/ sit below the gateway and the UI: they never import them (ARCHITECTURE.md).'),
      ),
    },
  },
  {
    files: ['src/ui/**/*.ts', 'src/ui/**/*.tsx'],
    rules: {
      '@typescript-eslint/no-restricted-imports': walls(
        into(['record', 'store', 'config', 'gateway', 'app', 'app-types', 'app-lifecycle', 'cli'], 'src/ui/ runs in the browser: it takes only types from the rest (`import type`).', {
          allowTypeImports: true,
        }),
      ),
    },
  },
);
