// The tests Stryker runs against each mutant of src/core and src/cycle (npm run mutation): the unit
// tests of those two layers, which use fakes and finish in seconds. The e2e, chaos and local-cloud
// suites exercise the same code too, but at minutes per run they would make a mutation run take days.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/core/**/*.test.ts', 'test/cycle/**/*.test.ts'],
    exclude: ['test/core/layering.test.ts', 'test/core/purity.test.ts'],
    setupFiles: ['test/setup/fast-check.ts', 'test/setup/fast-check.mutation.ts'],
    testTimeout: 30_000,
    pool: 'forks',
  },
});
