// Property tests are deterministic in `npm test`: one fixed seed for every fast-check run, so a red
// run is red on every machine and a green one stays green. Exploration asks for fresh seeds:
//
//   FUZZ_SEED=random npm test      a new seed per run (fast-check prints it with any failure)
//   FUZZ_SEED=1234 npm test        replay a seed a failure printed
import fc from 'fast-check';

const FIXED_SEED = 20_261_206;

function seedFrom(value: string | undefined): number | undefined {
  if (value === undefined || value === '') return FIXED_SEED;
  if (value === 'random') return undefined;
  const seed = Number(value);
  if (!Number.isSafeInteger(seed)) throw new Error(`FUZZ_SEED must be an integer or "random", got "${value}"`);
  return seed;
}

const seed = seedFrom(process.env.FUZZ_SEED);
fc.configureGlobal(seed === undefined ? {} : { seed });
