// Bundles each Function Compute function into dist/<name>/index.js (CommonJS, node20, minified),
// the file the deploy zip holds and the tests and the local runner load.
//
//   node scripts/build.mjs [--policy FILE]      (npm run build -- --policy FILE)
//
// The policy ships inside the code package, as dist/<name>/policy.yaml, never in the environment:
// Function Compute refuses a function whose environment variables exceed 4 KB in total
// (https://www.alibabacloud.com/help/en/functioncompute/fc/environment-variables) and a realistic policy
// is larger (examples/policy.yaml: 6 KB). The deployment descriptions set BWSCALER_POLICY=policy.yaml,
// which src/config.ts reads from the code directory (FC_FUNC_CODE_PATH). The policy is validated first
// (`bwscaler validate`), and the largest environment each description can produce is checked against
// the 4 KB limit (scripts/deployments.ts): the build fails rather than the stack.
//
// tsconfig.build.json turns alwaysStrict off: the tablestore SDK is sloppy-mode code with implicit
// globals, and a bundle-wide "use strict" breaks it at run time without any build error
// (docs/reference/sdk-traps.md §3). test/state/bundle.test.ts guards this.
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
import { spawnSync } from 'node:child_process';
import { copyFile, mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { slimTablestore } from './slim-tablestore.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const FUNCTIONS = ['alarm', 'schedule'];

/** The file name the deployment descriptions give BWSCALER_POLICY, beside index.js in each zip. */
export const POLICY_FILE = 'policy.yaml';

/**
 * `policy`: a policy file to pack into each function's directory (validated first). Without one,
 * a policy.yaml left by an earlier build is removed, so a package never carries a stale policy.
 */
export async function buildFunctions({ quiet = false, outdir = join(root, 'dist'), policy = undefined } = {}) {
  if (policy !== undefined) validatePolicy(policy);
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
    const packed = join(outdir, name, POLICY_FILE);
    if (policy === undefined) await rm(packed, { force: true });
    else {
      await copyFile(policy, packed);
      if (!quiet) console.log(`dist/${name}/${POLICY_FILE}  from ${policy}`);
    }
  }
  // The repository is "type": "module"; the bundles are CommonJS, as Function Compute loads them.
  await mkdir(outdir, { recursive: true });
  await writeFile(join(outdir, 'package.json'), '{ "type": "commonjs" }\n');
  return results;
}

/** `bwscaler validate FILE`: exit 0 when valid, otherwise every error with its path. */
function validatePolicy(file) {
  const run = spawnSync(process.execPath, [join(root, 'bin', 'bwscaler.mjs'), 'validate', resolve(file)], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`policy ${file} does not validate:\n${run.stdout}${run.stderr}`);
}

/** The size check: throws when a deployment description can give a function more than 4 KB of environment. */
export async function checkDeploymentEnvironments({ quiet = false } = {}) {
  const { tsImport } = await import('tsx/esm/api');
  const { checkEnvironmentSizes } = await tsImport('./deployments.ts', import.meta.url);
  const lines = checkEnvironmentSizes(root);
  if (!quiet) for (const line of lines) console.log(line);
}

function parseArgs(argv) {
  const options = {};
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--policy' && argv[i + 1] !== undefined) options.policy = argv[++i];
    else throw new Error(`usage: node scripts/build.mjs [--policy FILE] (unexpected "${argv[i]}")`);
  }
  return options;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    const { policy } = parseArgs(process.argv.slice(2));
    await checkDeploymentEnvironments();
    await buildFunctions({ policy });
    if (policy === undefined) {
      console.log(`no --policy: the bundles carry no ${POLICY_FILE}; pass --policy FILE before you zip them for Function Compute`);
    }
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    process.exitCode = 1;
  }
}
