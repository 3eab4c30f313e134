import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Starts PostgreSQL, Temporal, Redis, Azurite and the mail capture once per run (infra/local).
    globalSetup: ['tests/support/global-setup.ts'],
    // Every test process loads the run's field-encryption keyring (from the global setup's env).
    setupFiles: ['tests/support/field-keyring.setup.ts'],
    pool: 'forks',
    include: ['**/*.test.ts'],
    exclude: [...configDefaults.exclude, '.tools/**', '.data/**'],
    // The summary reporter ends the output with one plain `N passed, N failed, N skipped` line.
    reporters: ['default', './tests/support/summary-reporter.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
