import tseslint from 'typescript-eslint';

// House rule (STYLE.md §1): only electron/ imports `electron`; the gateway, store and UI run headless.
export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'release/**'] },
  {
    files: ['src/**/*.ts', 'src/**/*.tsx', 'electron/**/*.ts'],
    extends: [tseslint.configs.base],
    rules: {
      'no-debugger': 'error',
    },
  },
  {
    files: ['src/**/*.ts', 'src/**/*.tsx'],
    rules: {
      'no-restricted-imports': [
        'error',
        { paths: [{ name: 'electron', message: 'Only electron/ may import electron (STYLE.md §1).' }], patterns: ['electron/*', '**/electron/**'] },
      ],
    },
  },
);
