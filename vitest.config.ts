import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Rebuilds dist/ when it is older than src/ (black-box tests run the built product).
    globalSetup: ['test/helpers/global-setup.ts'],
    exclude: ['test/reliability/**', 'node_modules/**'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Integration tests start real servers and child processes; 2 cores.
    maxWorkers: 2,
    // One process per worker (Vitest's default, stated): tests that set process.env.TZ (today.test)
    // must not change the zone of files running alongside.
    pool: 'forks',
  },
});
