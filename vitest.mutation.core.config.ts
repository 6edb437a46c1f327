// The tests `npm run mutation:core` (stryker.core.config.json) runs against each mutant of src/core:
// the unit tests of src/core alone. The cycle tests reach the core through decide() too, and every
// guard or decide mutant would run them as well (on the shared 2-core machine, December 2026, the dry
// run took 37 s for these tests, 85 s with the cycle tests). A mutant only a cycle test kills counts as
// survived here: the score is a lower bound.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/core/**/*.test.ts'],
    exclude: ['test/core/layering.test.ts', 'test/core/purity.test.ts'],
    setupFiles: ['test/setup/fast-check.ts', 'test/setup/fast-check.mutation.ts'],
    testTimeout: 30_000,
    pool: 'forks',
  },
});
