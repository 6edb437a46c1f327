// Mutation runs only (vitest.mutation.config.ts): a property that fails has killed its mutant, and
// shrinking the counterexample would only spend the mutant's time budget (a shrink of hundreds of runs
// turns a kill into a timeout). The seed stays the fixed one test/setup/fast-check.ts set.
import fc from 'fast-check';

fc.configureGlobal({ ...fc.readConfigureGlobal(), endOnFailure: true });
