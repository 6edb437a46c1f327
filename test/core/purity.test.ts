// src/core is pure: the same decide() runs live, in the backtest and in the simulator, so it may read
// no clock, no environment and no module outside src/core.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const coreDir = join(import.meta.dirname, '../../src/core');
const sources = readdirSync(coreDir)
  .filter((file) => file.endsWith('.ts'))
  .map((file) => ({ file, text: readFileSync(join(coreDir, file), 'utf8') }));

const forbidden = [
  { name: 'the wall clock (Date.now)', pattern: /\bDate\.now\s*\(/ },
  { name: 'the wall clock (new Date())', pattern: /\bnew Date\s*\(\s*\)/ },
  { name: 'the environment (process)', pattern: /\bprocess\./ },
  { name: 'randomness (Math.random)', pattern: /\bMath\.random\s*\(/ },
  { name: 'logging (console)', pattern: /\bconsole\./ },
  { name: 'an import from outside src/core', pattern: /\bfrom\s+'(?!\.\/)[^']*'/ },
  { name: 'a dynamic import', pattern: /\bimport\s*\(/ },
];

describe('src/core purity', () => {
  it('has source files to check', () => {
    expect(sources.map((s) => s.file)).toContain('decide.ts');
  });

  it.each(forbidden)('no file uses $name', ({ pattern }) => {
    const offenders = sources.filter(({ text }) => pattern.test(text)).map(({ file }) => file);

    expect(offenders).toEqual([]);
  });
});
