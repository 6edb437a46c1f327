// The architecture, stated once and checked on every import in the repository:
//
//   functions → src/handlers → src/cycle → src/core
//                    ↓             ↓ (ports only)
//               src/adapters, src/state (implement src/ports)
//
// - local-cloud/ is the test cloud. It imports nothing from the product (src/, functions/), so that
//   the emulators stay an independent check of what the product believes about Alibaba Cloud.
// - What deploys (the two functions and everything they bundle) never imports what exists to prove
//   it: the simulator, the report, the CLI, the local cloud, the chaos run, scripts/, bench/, test/.
// - src/cycle reaches the cloud and the store only through src/ports, never through an adapter.
// - src/core imports nothing outside src/core (test/core/purity.test.ts checks the rest of its purity).
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');

/** Paths (relative to the root, without extension) of every module a file imports from this repository. */
function localImports(file: string, text: string): string[] {
  const specs = [...text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*|^\s*import\s+)['"](\.{1,2}\/[^'"]+)['"]/gm)].map((m) => m[1]!);
  return specs.map((spec) => {
    const target = resolve(dirname(file), spec);
    const module = existsSync(target) && statSync(target).isDirectory() ? join(target, 'index') : target;
    return relative(ROOT, module).replace(/\.(ts|mjs|cjs|js)$/, '');
  });
}

function sourceFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir)).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(join(ROOT, path)).isDirectory()) return sourceFiles(path);
    return /\.(ts|mjs|cjs)$/.test(name) && !name.endsWith('.d.ts') ? [path] : [];
  });
}

/** What deploys: the function entry points and every part of src/ they bundle. */
const DEPLOYED = [
  'functions/',
  'src/handlers/',
  'src/cycle/',
  'src/core/',
  'src/adapters/',
  'src/state/',
  'src/events/',
  'src/policy/',
  'src/notify/',
  'src/schedule/',
  'src/ports/',
  'src/config',
  'src/errors',
  'src/log',
  'src/concurrency',
];

const isIn = (path: string, prefixes: string[]) => prefixes.some((p) => (p.endsWith('/') ? path.startsWith(p) : path === p));

interface Rule {
  name: string;
  /** Files the rule applies to. */
  from: string[];
  /** What they may not import (unless `allow` lets it). */
  deny: string[];
  allow?: string[];
}

const RULES: Rule[] = [
  {
    name: 'the local cloud imports nothing from the product or the tests',
    from: ['local-cloud/'],
    deny: ['src/', 'functions/', 'test/', 'scripts/', 'bench/'],
  },
  { name: 'what deploys imports only what deploys', from: DEPLOYED, deny: [''], allow: DEPLOYED },
  { name: 'src/cycle reaches the cloud and the store only through src/ports', from: ['src/cycle/'], deny: ['src/adapters/', 'src/state/'] },
  { name: 'src/core imports only src/core', from: ['src/core/'], deny: [''], allow: ['src/core/'] },
];

function violations(files: { path: string; text: string }[], rules: Rule[] = RULES): string[] {
  const found: string[] = [];
  for (const { path, text } of files) {
    for (const target of localImports(join(ROOT, path), text)) {
      for (const rule of rules) {
        if (!isIn(path, rule.from)) continue;
        const denied = rule.deny.some((d) => target.startsWith(d));
        if (denied && !(rule.allow && isIn(target, rule.allow))) found.push(`${path} → ${target} (${rule.name})`);
      }
    }
  }
  return found;
}

const files = ['functions', 'src', 'local-cloud', 'test', 'scripts', 'bench']
  .flatMap(sourceFiles)
  .map((path) => ({ path, text: readFileSync(join(ROOT, path), 'utf8') }));

describe('layering', () => {
  it('reads the whole tree, local-cloud and the functions included', () => {
    const paths = files.map((f) => f.path);

    expect(paths).toContain('functions/alarm/index.ts');
    expect(paths).toContain('local-cloud/ecs.ts');
    expect(paths.length).toBeGreaterThan(150);
  });

  it('has no import that crosses a layer the wrong way', () => {
    expect(violations(files)).toEqual([]);
  });

  it.each([
    { name: 'the local cloud importing the product', path: 'local-cloud/ecs.ts', text: "import { decide } from '../src/core';" },
    { name: 'a handler importing the simulator', path: 'src/handlers/alarm.ts', text: "import { runDemo } from '../sim/demo';" },
    { name: 'the cycle importing the CLI', path: 'src/cycle/tick.ts', text: "import { run } from '../cli/plan';" },
    { name: 'the cycle importing an adapter', path: 'src/cycle/tick.ts', text: "import { createEcsApi } from '../adapters/ecs';" },
    { name: 'a function importing scripts/', path: 'functions/alarm/index.ts', text: "import { buildFunctions } from '../../scripts/build.mjs';" },
    { name: 'state importing the local cloud', path: 'src/state/tables.ts', text: "import { createOts } from '../../local-cloud/ots';" },
    { name: 'the core importing the cycle', path: 'src/core/decide.ts', text: "import { runTick } from '../cycle/tick';" },
  ])('catches $name', ({ path, text }) => {
    expect(violations([{ path, text }])).toHaveLength(1);
  });
});
