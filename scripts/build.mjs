// Bundles each Function Compute function into dist/<name>/index.js (CommonJS, node20, minified),
// the file the deploy zip holds and the tests and the local runner load.
//
// tsconfig.build.json turns alwaysStrict off: the tablestore SDK is sloppy-mode code with implicit
// globals, and a bundle-wide "use strict" breaks it at run time without any build error
// (sdk-notes §3). test/state/bundle.test.ts guards this.
//
// Size (bench/perf.ts measures it; target <= 800 KB per bundle). Measured on the alarm bundle:
// 1604 KB before, by what was in it: the tablestore SDK's compiled protobuf 619 KB, zod 444 KB, yaml
// 112 KB, pop-core's XML stack (xmlbuilder, sax, xml2js) 98 KB. What brought it down, all real
// reductions (nothing is left out of the bundle and shipped beside it):
// - `import * as z from 'zod'` instead of `import { z }` in the function code: the `z` namespace
//   object holds every locale and the JSON Schema converters, which esbuild cannot drop once `z` is
//   used as a value; the namespace import lets it keep only what is used (zod 444 → 97 KB). The
//   English messages stay: zod's classic entry configures them itself.
// - src/adapters/pop.ts imports pop-core's lib/rpc, not the index that also loads the ROA client and
//   its XML parsers (-98 KB);
// - scripts/slim-tablestore.mjs: the compiled protobuf without the never-called per-message methods
//   and the search-index package.
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { slimTablestore } from './slim-tablestore.mjs';

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
      plugins: [slimTablestore],
      // SDK debug output bypasses redaction (scripts/no-debug.cjs); the tablestore SDK's `logger`
      // option is never set (src/state/tablestore-client.ts), which keeps its request logging off.
      alias: { debug: join(root, 'scripts', 'no-debug.cjs') },
      logLevel: quiet ? 'silent' : 'warning',
    });
    const bytes = Object.values(result.metafile.outputs)[0].bytes;
    results[name] = { outfile, bytes, metafile: result.metafile };
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
