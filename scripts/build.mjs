// Bundles each Function Compute function into dist/<name>/index.js (CommonJS, node20, minified),
// the file the deploy zip holds and the tests and the local runner load.
//
// tsconfig.build.json turns alwaysStrict off: the tablestore SDK is sloppy-mode code with implicit
// globals, and a bundle-wide "use strict" breaks it at run time without any build error
// (sdk-notes §3). test/state/bundle.test.ts guards this.
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const FUNCTIONS = ['alarm', 'schedule'];

export async function buildFunctions({ quiet = false, outdir = join(root, 'dist') } = {}) {
  const results = {};
  for (const name of FUNCTIONS) {
    const outfile = join(outdir, name, 'index.js');
    const result = await build({
      entryPoints: [join(root, 'functions', name, 'index.ts')],
      outfile,
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'cjs',
      minify: true,
      sourcemap: false,
      legalComments: 'none',
      tsconfig: join(root, 'tsconfig.build.json'),
      metafile: true,
      logLevel: quiet ? 'silent' : 'warning',
    });
    const bytes = Object.values(result.metafile.outputs)[0].bytes;
    results[name] = { outfile, bytes };
    if (!quiet) console.log(`dist/${name}/index.js  ${(bytes / 1024).toFixed(0)} KB`);
  }
  // The repository is "type": "module"; the bundles are CommonJS, as Function Compute loads them.
  await mkdir(outdir, { recursive: true });
  await writeFile(join(outdir, 'package.json'), '{ "type": "commonjs" }\n');
  return results;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await buildFunctions();
}
